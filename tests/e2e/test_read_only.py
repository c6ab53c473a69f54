"""The SQLite file's file system turns read-only while the window has it open
(the kernel does so after a disk error, ``errors=remount-ro``): the next
decision is not lost, the window says why it cannot save and keeps the
decision in the outbox; once the disk is checked and mounted again, the next
start saves it exactly once.

A read-only bind mount cannot stand in here: Linux refuses to make a mount
read-only while a file on it is open for writing, which the window's
database always is. An ext4 file system in a file, mounted through a loop
device and told to fail (``/sys/fs/ext4/<dev>/trigger_fs_error``), is the
real fault.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from db.errors import ReadOnlyDatabase
from desktop import config
from desktop.app.outbox import Outbox
from tests.e2e.test_cli import veil
from tests.support import mounts
from tests.ui.test_review_window import WAIT, _open, decide_by_keys, press

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    from pytestqt.qtbot import QtBot

ITEMS = 12


def test_a_decision_on_a_file_system_turned_read_only_waits_in_the_outbox_and_is_saved_once_at_next_start(
    qtbot: QtBot, tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = mounts.make_ext4(tmp_path / "disk.img", 32)
    manifest = tmp_path / "feed.jsonl"
    manifest.write_text(
        "".join(json.dumps({"id": f"post-{n}", "text": f"Update {n}"}) + "\n" for n in range(ITEMS)), encoding="utf-8"
    )
    folder = tmp_path / "disk"
    database = folder / "veil.sqlite3"
    url, where = f"sqlite:///{database}", f"SQLite file {database}"
    outbox = Outbox(config.data_dir() / "pending-decisions.jsonl")
    with mounts.ext4(image, folder):
        shutil.copyfile(sqlite_template, database)
        assert veil("ingest", "--quiet", str(manifest), url=url, user="root").code == 0
        window = _open(qtbot, url, "root", monkeypatch)
        saved: list[str] = []
        window.decision_saved.connect(saved.append)
        decide_by_keys(qtbot, window, Qt.Key.Key_A)
        assert len(saved) == 1

        mounts.fail_to_read_only(folder)
        with qtbot.waitSignal(
            window.controller.pending_changed, timeout=WAIT, check_params_cb=lambda pending, retrying: retrying
        ):
            press(Qt.Key.Key_A)
        kept = window.controller.pending
        assert kept is not None
        assert isinstance(window.controller.cannot_write, ReadOnlyDatabase)
        assert window.banner.isVisible() and str(database) in window.banner_text.text()
        assert [p.key for p in outbox.decisions(database=where, reviewer="root")] == [kept.decision_id]
        window.close()  # the reviewer gives up for today; the decision stays in the outbox
        assert [p.key for p in outbox.decisions(database=where, reviewer="root")] == [kept.decision_id]

    mounts.repair(image)
    with mounts.ext4(image, folder):
        again = _open(qtbot, url, "root", monkeypatch)  # the next start sends the outbox
        assert outbox.pending(database=where, reviewer="root") == []
        again.close()
        with sqlite3.connect(database) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            decided = conn.execute("SELECT id, count(*) FROM decision GROUP BY id").fetchall()
            doubled = conn.execute("SELECT item_id FROM decision GROUP BY item_id HAVING count(*) > 1").fetchall()
        conn.close()
    assert sorted(decided) == sorted((d, 1) for d in [*saved, kept.decision_id])
    assert doubled == []
