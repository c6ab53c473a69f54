"""Schema upgrades through Alembic, run from code.

The application calls :func:`upgrade` on every start. It refuses, untouched,
a database that is not Veil's or whose schema is newer than this build knows;
it backs an SQLite file up before changing its schema.

A database already at :data:`HEAD` is found so with one query, and Alembic
(with Mako beneath it, some 150 ms of imports) loads only when a migration
must run or a revision must be looked up: a command line that answers at once
cannot pay for it on every start.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import exc, inspect

from db import private_files, security
from db.errors import NewerSchema, NotAVeilDatabase, OlderSchema, UnsupportedURL
from db.session import Database, describe

if TYPE_CHECKING:
    from collections.abc import Iterator

    from alembic.config import Config
    from sqlalchemy import Connection

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration's revision, so that a current database is recognised
# without Alembic; a unit test holds it equal to the migrations folder's head.
HEAD = "0007"
_PG_MIGRATION_LOCK = 0x7E11_0001


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision in the migrations folder, as Alembic reads it (see :data:`HEAD`)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no head revision"
    return head


@dataclass(frozen=True)
class UpgradeResult:
    before: str | None  # revision found; None for a new, empty database
    after: str
    backup: Path | None  # where an SQLite file was copied first, if it was


def current_revision(database: Database) -> str | None:
    """The schema revision of ``database``; None when it is empty.

    Raises :class:`NotAVeilDatabase` for a database that has tables but no
    Alembic version (another program's database).
    """
    from alembic.runtime.migration import MigrationContext

    with database.translated(), database.engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
        if revision is None:
            tables = set(inspect(conn).get_table_names())
            if tables - {"alembic_version"}:
                raise NotAVeilDatabase(f"{describe(database.url)} holds tables of another program, not a Veil database")
        return revision


def is_current(database: Database) -> bool:
    """Whether ``database`` is at :data:`HEAD`, asked in one query.

    False says only "not known to be": an empty database, another program's,
    an older or newer schema, or one that cannot be read now. :func:`upgrade`
    then looks properly, with Alembic, and says which.
    """
    try:
        with database.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except exc.DBAPIError:
        return False  # no such table, most likely; the full check names any other trouble
    return [tuple(row) for row in rows] == [(HEAD,)]


def check_known(revision: str | None) -> None:
    if revision is None:
        return
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    if revision not in {rev.revision for rev in script.walk_revisions()}:
        raise NewerSchema(
            f"the database has schema {revision}, newer than this Veil knows "
            f"(latest {head_revision()}); install the newer Veil that wrote it"
        )


@contextmanager
def _one_migrator(database: Database) -> Iterator[None]:
    """On PostgreSQL, workstations starting at once migrate one at a time."""
    if database.is_sqlite:  # BEGIN IMMEDIATE in the migration already excludes others
        yield
        return
    with database.translated(), database.engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({_PG_MIGRATION_LOCK})")
        conn.commit()
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_PG_MIGRATION_LOCK})")
            conn.commit()


def upgrade(database: Database, *, backup_dir: Path | None = None) -> UpgradeResult:
    """Bring ``database`` to the newest schema, backing SQLite up first."""
    if is_current(database):
        return UpgradeResult(HEAD, HEAD, None)
    with _one_migrator(database):
        return _upgrade(database, backup_dir)


def _upgrade(database: Database, backup_dir: Path | None) -> UpgradeResult:
    before = current_revision(database)
    check_known(before)
    head = head_revision()
    if before == head:
        return UpgradeResult(before, head, None)
    saved = None
    if before is not None and database.is_sqlite:
        saved = backup_before_upgrade(database, before, backup_dir)
    with database.translated(), database.write_connection() as conn:
        team = not database.is_sqlite and before is not None and security.is_secured(conn)
        if team:
            # A team database's schema belongs to the owner role: only IT,
            # connected as one of its members, changes it.
            if not security.is_member(conn, security.OWNER):
                raise OlderSchema(
                    f"the team database has schema {before}, older than this Veil's ({head}); IT upgrades it "
                    f"with veil db upgrade, connected as a member of {security.OWNER}"
                )
            conn.exec_driver_sql(f"SET ROLE {security.OWNER}")
        raw: Any = conn.connection.dbapi_connection
        if isinstance(raw, sqlite3.Connection):
            # Both pragmas only work outside a transaction, so they go to the
            # driver's connection before SQLAlchemy begins one. WAL: readers
            # never wait for the writer; it stays set in the file. Foreign
            # keys off: batch migrations rebuild tables.
            raw.execute("PRAGMA journal_mode = WAL")
            raw.execute("PRAGMA foreign_keys = OFF")
        from alembic import command

        command.upgrade(alembic_config(conn), "head")
        if team:
            security.apply_policies(conn)  # a new table or column gets its grants in the same step
            conn.exec_driver_sql("RESET ROLE")
        conn.commit()
        if isinstance(raw, sqlite3.Connection):
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            raw.execute("PRAGMA foreign_keys = ON")
            if broken:
                raise NotAVeilDatabase(f"the upgrade left broken foreign keys: {broken[:3]}")
    return UpgradeResult(before, head, saved)


def backup_before_upgrade(database: Database, revision: str, backup_dir: Path | None) -> Path:
    source = Path(str(database.url.database))
    folder = backup_dir or source.parent
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return backup_sqlite(database, folder / f"{source.stem}.{revision}.{stamp}.bak{source.suffix}")


def backup_sqlite(database: Database, target: Path) -> Path:
    """Copy a live SQLite database with SQLite's online backup API.

    Safe while other connections read and write; the copy is consistent.
    The copy, and a folder made for it, are its owner's only.
    """
    if not database.is_sqlite:
        raise UnsupportedURL(
            "backup is built in for SQLite only; for PostgreSQL use "
            f"pg_dump --format=custom --file=PATH '{_libpq_url(database)}'"
        )
    private_files.make_folder(target.parent)
    # Made here, empty and owner-only, so the copy (and a -wal SQLite gives
    # it) is private whatever the mode of the file it copies; O_EXCL also
    # makes sure no backup, even one written a moment ago, is overwritten.
    if not private_files.create_file(target):
        raise FileExistsError(f"{target} exists; Veil does not overwrite backups")
    try:
        with database.translated(), database.engine.connect() as conn:
            raw: Any = conn.connection.dbapi_connection
            dest = sqlite3.connect(target)
            try:
                raw.backup(dest)
            finally:
                dest.close()
    except BaseException:
        target.unlink(missing_ok=True)  # half a copy must not pass for a backup
        raise
    return target


def _libpq_url(database: Database) -> str:
    """The database's URL as PostgreSQL's own tools take it: without
    SQLAlchemy's ``+driver`` part (pg_dump refuses ``postgresql+psycopg:``)."""
    return database.url.set(drivername=database.url.get_backend_name()).render_as_string(hide_password=True)
