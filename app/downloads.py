"""Files made for a person to download (a session's export, a dataset): written where only the server's user can
read them, and removed a few minutes later. Gradio serves a copy from its own cache, which the UI empties of
files older than the same age (`Blocks(delete_cache=...)`), and `playground serve` keeps that cache private too.

A folder in the shared temp directory is checked before use: it must be a real folder (not a link someone
planted), the server user's own, and closed to everyone else; otherwise a new private one is made.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading
from pathlib import Path

AGE_S = float(os.environ.get("PLAYGROUND_EXPORT_TTL", 300))  # how long a download waits before it is removed


def private_dir(name: str) -> Path:
    """`<temp>/<name>-<uid>`, made 0700 and the server user's own (or a fresh private one if that is taken)."""
    path = Path(tempfile.gettempdir()) / f"{name}-{os.getuid()}"
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        info = path.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            return Path(tempfile.mkdtemp(prefix=f"{name}-"))  # someone else's, a link, or open: not ours to use
    return path


def write(filename: str, text: str) -> str:
    """`text` in a file of its own, readable by the server's user only, removed after AGE_S; its path."""
    folder = Path(tempfile.mkdtemp(dir=private_dir("agent-playground-downloads")))  # 0700
    path = folder / Path(filename).name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    timer = threading.Timer(AGE_S, shutil.rmtree, [folder], {"ignore_errors": True})
    timer.daemon = True
    timer.start()
    return str(path)


def private_gradio_cache() -> None:
    """Point Gradio's cache (where it copies every file it serves) at a private folder, unless the operator chose
    one (GRADIO_TEMP_DIR). Call before Gradio is imported."""
    if not os.environ.get("GRADIO_TEMP_DIR"):
        os.environ["GRADIO_TEMP_DIR"] = str(private_dir("agent-playground-gradio"))
