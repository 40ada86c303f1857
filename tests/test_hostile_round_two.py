"""The trust boundary's second round (#38), attacked: downloads that linger or that others can read."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path

from app import downloads


def _gone(path: Path, patience_s: float = 60.0) -> bool:
    waited = 0.0
    while path.exists() and waited < patience_s:
        time.sleep(0.1)
        waited += 0.1
    return not path.exists()


def test_a_download_is_the_server_users_alone_and_is_removed_after_its_age(monkeypatch):
    monkeypatch.setattr(downloads, "AGE_S", 0.5)
    path = Path(downloads.write("../../etc/session.json", '{"secret": "x"}'))
    assert path.name == "session.json" and path.read_text() == '{"secret": "x"}'  # no way out of its folder
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    assert _gone(path.parent)


def test_a_folder_planted_in_the_shared_temp_directory_is_not_used(tmp_path):
    name = f"planted-{os.getpid()}"
    planted = Path(tempfile.gettempdir()) / f"{name}-{os.getuid()}"
    planted.mkdir(mode=0o777)
    os.chmod(planted, 0o777)  # open to everyone: someone else could read or swap what goes in
    try:
        chosen = downloads.private_dir(name)
        assert chosen != planted and stat.S_IMODE(chosen.stat().st_mode) == 0o700
    finally:
        planted.rmdir()
    linked = Path(tempfile.gettempdir()) / f"{name}l-{os.getuid()}"
    linked.symlink_to(tmp_path)  # a link to a folder of the attacker's choosing
    try:
        assert downloads.private_dir(f"{name}l") not in (linked, tmp_path)
    finally:
        linked.unlink()


def test_the_ui_empties_gradios_copies_after_the_same_age():
    from app.config import Settings
    from app.runner import Runner
    from app.ui.app import build_blocks
    from storage import open_database

    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'ui.db'}"
    demo = build_blocks(Runner(open_database(url), Settings(database_url=url)))
    assert demo.delete_cache == (60, int(downloads.AGE_S))
