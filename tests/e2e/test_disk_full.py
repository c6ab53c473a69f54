"""The disk holding the SQLite file fills up, mid-ingest and mid-review, on a
small tmpfs the test mounts (as root): a clear message and no traceback, the
file whole (``PRAGMA integrity_check``), no half item, the decision kept in
the outbox (or, when the outbox's disk is full too, held by the window,
which says so); once space is freed, everything is stored exactly once."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from db.errors import DiskFull
from desktop import config
from desktop.app.outbox import Outbox
from tests.e2e.test_cli import VEIL, veil
from tests.support import mounts
from tests.ui.test_review_window import WAIT, _open, press

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    from pytestqt.qtbot import QtBot

ITEMS = 8_000  # some 8 MB of rows: far more than the 4 MB disk holds
REVIEWED = 60


def _feed(folder: Path, count: int) -> Path:
    manifest = folder / "feed.jsonl"
    with manifest.open("w", encoding="utf-8") as out:
        for n in range(count):
            # Every third post carries a marker: its marker rows must come with it, or not at all.
            tag = "18+ " if n % 3 == 0 else ""
            out.write(json.dumps({"id": f"post-{n}", "text": f"{tag}Update {n} from the front line, " * 12}) + "\n")
    return manifest


def _sqlite(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def _whole(path: Path) -> tuple[int, int]:
    """The file is whole and so is every item: (items, distinct external ids)."""
    assert _sqlite(path, "PRAGMA integrity_check") == [("ok",)]
    unmarked = _sqlite(
        path,
        "SELECT count(*) FROM item i WHERE i.text LIKE '18+%' "
        "AND NOT EXISTS (SELECT 1 FROM marker m WHERE m.item_id = i.id)",
    )
    assert unmarked == [(0,)]  # no item stored without its markers
    (counted,) = _sqlite(path, "SELECT count(*), count(DISTINCT external_id) FROM item")
    return int(counted[0]), int(counted[1])  # type: ignore[call-overload]


def test_an_ingest_that_fills_the_disk_stops_with_a_clear_message_and_a_second_run_stores_the_rest_once(
    tmp_path: Path, sqlite_template: Path
) -> None:
    manifest = _feed(tmp_path, ITEMS)
    with mounts.tmpfs(tmp_path / "disk", 4) as disk:
        database = disk / "veil.sqlite3"
        shutil.copyfile(sqlite_template, database)
        url = f"sqlite:///{database}"
        command = [str(VEIL), "--db", url, "--json", "ingest", "--quiet", str(manifest), "--as", "root"]
        full = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert full.returncode == 2, full.stderr
        assert "Traceback" not in full.stderr
        (said,) = full.stderr.splitlines()  # one line, naming the database file
        assert said.startswith("veil: error: ") and str(database) in said, said
        stored, distinct = _whole(database)
        assert 0 < stored == distinct < ITEMS  # the chunks stored before the disk filled are kept

        mounts.resize(disk, 64)  # space freed
        again = veil("--json", "ingest", "--quiet", str(manifest), url=url, user="root")
        assert again.code == 0, again.err
        assert again.json["items_added"] == ITEMS - stored and again.json["items_duplicate"] == stored
        assert _whole(database) == (ITEMS, ITEMS)


def test_a_decision_when_the_disk_is_full_waits_in_the_outbox_and_is_saved_once_when_space_is_back(
    qtbot: QtBot, tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _feed(tmp_path, REVIEWED)
    with mounts.tmpfs(tmp_path / "disk", 8) as disk:
        database = disk / "veil.sqlite3"
        shutil.copyfile(sqlite_template, database)
        url = f"sqlite:///{database}"
        assert veil("ingest", "--quiet", str(manifest), url=url, user="root").code == 0
        # An empty write-ahead log: the decisions' own pages are what needs the space.
        _sqlite(database, "PRAGMA wal_checkpoint(TRUNCATE)")
        window = _open(qtbot, url, "root", monkeypatch)
        where = f"SQLite file {database}"
        ballast = mounts.fill(disk, leave=64 * 1024)  # room for a few decisions, not for all
        saved: list[str] = []
        window.decision_saved.connect(saved.append)
        for _ in range(REVIEWED):
            # The key's outcome: saved (not pending) or kept (pending, retrying).
            with qtbot.waitSignal(
                window.controller.pending_changed,
                timeout=WAIT,
                check_params_cb=lambda pending, retrying: pending == retrying,
            ) as changed:
                press(Qt.Key.Key_A)
            if changed.args == [True, True]:
                break
            qtbot.waitUntil(lambda: not window.controller.busy, timeout=WAIT)
        else:
            raise AssertionError(f"{REVIEWED} decisions fitted on a full disk")
        kept = window.controller.pending
        assert kept is not None
        assert isinstance(window.controller.cannot_write, DiskFull)
        assert window.banner.isVisible()
        # Not "when it answers again": the server answers, its disk is full.
        assert "once the database can be written again" in window.banner_text.text()
        assert window.status.database.text() == "○ Database cannot save"
        outbox = Outbox(config.data_dir() / "pending-decisions.jsonl")
        before = list(saved)
        assert [p.key for p in outbox.decisions(database=where, reviewer="root")] == [kept.decision_id]
        # Time on a graphic item left meanwhile did not fit either: kept beside it.
        exposure = {p.key for p in outbox.pending(database=where, reviewer="root")} - {kept.decision_id}
        assert _sqlite(database, "PRAGMA integrity_check") == [("ok",)]

        ballast.unlink()  # space freed: the window's next try saves it
        with qtbot.waitSignal(window.decision_saved, timeout=60_000) as landed:
            pass
        assert landed.args == [kept.decision_id]
        qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=WAIT)
        window.close()
        decided = _sqlite(database, "SELECT id, count(*) FROM decision GROUP BY id")
        assert sorted(decided) == sorted((d, 1) for d in [*before, kept.decision_id])
        assert _sqlite(database, "SELECT count(*) FROM decision GROUP BY item_id HAVING count(*) > 1") == []
        assert _sqlite(database, "PRAGMA integrity_check") == [("ok",)]
        assert outbox.pending(database=where, reviewer="root") == []
        recorded = _sqlite(database, "SELECT client_id FROM exposure WHERE client_id IS NOT NULL")
        assert exposure <= {str(r[0]) for r in recorded} and len(recorded) == len({r[0] for r in recorded})


def test_a_decision_when_the_disk_of_both_database_and_outbox_is_full_is_held_said_and_saved_once(
    qtbot: QtBot, tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One person, one workstation: the database and the outbox in the same user data folder, on one disk.
    manifest = _feed(tmp_path, REVIEWED)
    with mounts.tmpfs(tmp_path / "disk", 8) as disk:
        monkeypatch.setenv("VEIL_DATA_DIR", str(disk / "data"))
        database = disk / "veil.sqlite3"
        shutil.copyfile(sqlite_template, database)
        url = f"sqlite:///{database}"
        assert veil("ingest", "--quiet", str(manifest), url=url, user="root").code == 0
        _sqlite(database, "PRAGMA wal_checkpoint(TRUNCATE)")
        window = _open(qtbot, url, "root", monkeypatch)
        ballast = mounts.fill(disk)  # not a byte left
        with qtbot.waitSignal(
            window.controller.pending_changed, timeout=WAIT, check_params_cb=lambda pending, retrying: retrying
        ):
            press(Qt.Key.Key_A)
        held = window.controller.pending
        assert held is not None and isinstance(window.controller.cannot_write, DiskFull)
        assert not window.controller.pending_on_disk and window.banner.isVisible()  # held, and said so
        ballast.unlink()
        with qtbot.waitSignal(window.decision_saved, timeout=60_000) as landed:
            pass
        assert landed.args == [held.decision_id]
        window.close()
        assert _sqlite(database, "SELECT count(*) FROM decision WHERE id = '" + held.decision_id + "'") == [(1,)]
        assert _sqlite(database, "PRAGMA integrity_check") == [("ok",)]
