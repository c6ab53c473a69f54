"""Schema upgrades: the real migration path on both databases."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from db.errors import NewerSchema, NotAVeilDatabase
from db.migrate import alembic_config, current_revision, head_revision, upgrade
from db.models import Base
from db.session import Database
from desktop.core.workspace import open_workspace


def test_fresh_database_reaches_head_and_matches_the_models(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        result = upgrade(database)
        assert (result.before, result.after, result.backup) == (None, head_revision(), None)
        assert upgrade(database).before == head_revision()  # a second start changes nothing
        with database.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
    finally:
        database.dispose()


def test_migrations_go_down_and_up_again(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        upgrade(database)
        with database.engine.connect() as conn:
            command.downgrade(alembic_config(conn), "base")
            conn.commit()
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        assert upgrade(database).after == head_revision()
    finally:
        database.dispose()


def _fingerprint(url: str) -> str:
    if url.startswith("sqlite"):
        return hashlib.sha256(Path(url.removeprefix("sqlite:///")).read_bytes()).hexdigest()
    database = Database(url)
    try:
        with database.engine.connect() as conn:
            tables = sorted(inspect(conn).get_table_names())
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return f"{tables}:{version}"
    finally:
        database.dispose()


def test_newer_schema_is_refused_untouched(empty_url: str) -> None:
    database = Database(empty_url)
    upgrade(database)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    database.dispose()
    before = _fingerprint(empty_url)

    with pytest.raises(NewerSchema, match="newer than this Veil knows"):
        open_workspace(empty_url)

    assert _fingerprint(empty_url) == before


def test_sqlite_is_backed_up_before_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "veil.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        with database.engine.connect() as conn:
            command.upgrade(alembic_config(conn), "0001")
            conn.commit()
        with database.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO source (name, kind, created_at) VALUES ('wire', 'jsonl', '2026-11-01 00:00:00')")
            )

        result = upgrade(database)
    finally:
        database.dispose()

    assert result.before == "0001" and result.after == head_revision()
    assert result.backup is not None and result.backup.parent == tmp_path
    with sqlite3.connect(result.backup) as saved:
        assert saved.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert saved.execute("SELECT name FROM source").fetchall() == [("wire",)]


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    before = path.read_bytes()

    with pytest.raises(NotAVeilDatabase, match="another program"):
        open_workspace(f"sqlite:///{path}")

    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_text("these are my notes, not a database\n" * 100)
    before = path.read_bytes()

    with pytest.raises(NotAVeilDatabase, match="not an SQLite database"):
        open_workspace(f"sqlite:///{path}")

    assert path.read_bytes() == before


def test_current_revision_of_an_empty_database_is_none(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        assert current_revision(database) is None
    finally:
        database.dispose()
