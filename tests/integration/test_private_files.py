"""What Veil writes of a person's work is theirs alone: the SQLite database and its
companions, the folder made for it, backups and the pending decisions (0600 / 0700)."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

from db import private_files
from db.errors import NotAVeilDatabase
from db.migrate import alembic_config, upgrade
from db.session import Database
from desktop.app import schema
from desktop.app.outbox import Outbox
from desktop.core.workspace import open_workspace
from desktop.domain.review import PendingDecision

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Windows has no owner/group/other modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int) -> Iterator[None]:
    """A lax umask for the block, as some desktops set (002, or none at all)."""
    before = os.umask(value)
    try:
        yield
    finally:
        os.umask(before)


def test_a_new_database_its_companions_and_its_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "veil"
    path = folder / "veil.sqlite3"

    with umask(0o002):
        workspace = open_workspace(f"sqlite:///{path}", create_folder=True)
        try:
            workspace.actor("root")  # a write: the first user becomes the admin
            companions = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
            assert all(c.exists() for c in companions)  # WAL, and a connection still open
            modes = {p.name: mode(p) for p in [path, *companions]}
        finally:
            workspace.close()

    assert modes == {"veil.sqlite3": 0o600, "veil.sqlite3-wal": 0o600, "veil.sqlite3-shm": 0o600}
    assert mode(folder) == 0o700
    assert mode(folder.parent) != 0o700  # a parent is an ordinary folder, not Veil's to close


def test_an_existing_database_and_folder_keep_their_modes(tmp_path: Path) -> None:
    folder = tmp_path / "shared-with-auditor"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    path = folder / "veil.sqlite3"
    sqlite3.connect(path).close()  # an empty database someone made
    path.chmod(0o644)

    workspace = open_workspace(f"sqlite:///{path}", create_folder=True)
    try:
        workspace.actor("root")
        wal = mode(path.with_name(path.name + "-wal"))
    finally:
        workspace.close()

    assert (mode(path), wal, mode(folder)) == (0o644, 0o644, 0o755)  # SQLite follows the file's own mode


def test_a_rollback_journal_is_private_too(tmp_path: Path) -> None:
    path = tmp_path / "veil.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        # Before the upgrade sets WAL, SQLite writes a -journal: seen while a write is open.
        with database.engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")  # in a transaction: the connection begins one
            journal = path.with_name(path.name + "-journal")
            assert journal.exists() and mode(journal) == 0o600
            conn.rollback()
    finally:
        database.dispose()


def test_backups_are_private_and_so_is_a_folder_made_for_them(tmp_path: Path) -> None:
    source = tmp_path / "veil.sqlite3"
    sqlite3.connect(source).close()
    source.chmod(0o644)  # however open the database, its copies are not
    url = f"sqlite:///{source}"
    workspace = open_workspace(url)
    workspace.close()

    with umask(0o000):
        written = schema.backup(url, tmp_path / "backups" / "veil-2026-11-25.sqlite3")

    assert mode(written) == 0o600 and mode(written.parent) == 0o700
    with sqlite3.connect(written) as copy:
        assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    copy.close()


def test_the_backup_before_an_upgrade_is_private(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "veil.sqlite3"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    database = Database(f"sqlite:///{path}")
    try:
        with database.engine.connect() as conn:
            command.upgrade(alembic_config(conn), "0001")
            conn.commit()
        result = upgrade(database, backup_dir=tmp_path / "before-upgrades")
    finally:
        database.dispose()

    assert result.backup is not None and result.backup.name.endswith(".bak.sqlite3")
    assert mode(result.backup) == 0o600 and mode(result.backup.parent) == 0o700


def test_a_failed_backup_leaves_no_file(tmp_path: Path) -> None:
    source = tmp_path / "not-a-database.sqlite3"
    source.write_bytes(b"x" * 4096)
    target = tmp_path / "copy.sqlite3"

    with pytest.raises(NotAVeilDatabase):
        schema.backup(f"sqlite:///{source}", target)

    assert not target.exists()


def test_the_pending_decisions_are_private(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "data" / "pending-decisions.jsonl")
    first, second = (PendingDecision(str(uuid.uuid4()), n, "approve", "SQLite file x", "amira") for n in (1, 2))

    with umask(0o002):
        outbox.add(first)
        outbox.add(second)
        assert mode(outbox.path) == 0o600 and mode(outbox.path.parent) == 0o700
        outbox.remove(first.decision_id)  # rewritten through a new file that replaces it

    assert mode(outbox.path) == 0o600
    assert [d.key for d in outbox.pending(database="SQLite file x", reviewer="amira")] == [second.decision_id]
    assert sorted(p.name for p in outbox.path.parent.iterdir()) == ["pending-decisions.jsonl"]


def test_an_existing_file_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "kept.sqlite3"
    path.write_bytes(b"theirs")
    path.chmod(0o640)

    assert private_files.create_file(path) is False
    assert path.read_bytes() == b"theirs" and mode(path) == 0o640
