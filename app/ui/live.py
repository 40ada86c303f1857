"""What keeps a page alive while a turn runs."""

from __future__ import annotations

import queue
import threading
from typing import Any, Iterator


def ticking(events: Iterator[Any], every: float = 1.0) -> Iterator[Any]:
    """`events`, read in a thread of their own, with a None whenever `every` seconds pass without one: the chat
    can show the running step's time while a model thinks. An exception in `events` is raised here. If the
    reader goes away (the browser closed), the turn still runs to its end and is stored."""
    found: queue.Queue = queue.Queue()

    def pump() -> None:
        try:
            for event in events:
                found.put((True, event))
            found.put((False, None))
        except BaseException as exc:  # noqa: BLE001 (passed on to the reader)
            found.put((False, exc))

    threading.Thread(target=pump, daemon=True, name="chat-turn").start()
    while True:
        try:
            more, item = found.get(timeout=every)
        except queue.Empty:
            yield None
            continue
        if not more:
            if item is not None:
                raise item
            return
        yield item
