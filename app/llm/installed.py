"""Whether a module can be imported, asked often (every model listing: the local models' weights are 29 packages)
and answered cheaply: importlib's find_spec walks sys.path (about 0.1 ms a module), so a module found once stays
found (a package is installed, not taken away, while the playground runs) and a missing one is looked for again at
most every RECHECK_S, or at once after `look_again()` (a page load reads the model menus as installed now)."""

from __future__ import annotations

import importlib.util
import time

_FOUND: set[str] = set()  # modules found once stay found (a package is installed, not taken away, while we run)
_LOOKED: dict[str, float] = {}  # when each missing one was last looked for
RECHECK_S = 2.0  # a package installed while the server runs shows within this (menus, /v1/models)


def look_again() -> None:
    """Forget which modules were missing (a page load reads the model menus as installed now)."""
    _LOOKED.clear()


def importable(module: str) -> bool:
    if module in _FOUND:
        return True
    now = time.monotonic()
    if now - _LOOKED.get(module, -RECHECK_S) < RECHECK_S:
        return False
    _LOOKED[module] = now
    if importlib.util.find_spec(module) is not None:
        _FOUND.add(module)
        return True
    return False
