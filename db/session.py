"""Engines and sessions for SQLite (embedded) and PostgreSQL (teams).

A :class:`Database` hands out sessions in two kinds. ``read()`` is a plain
transaction. ``write()`` on SQLite starts with ``BEGIN IMMEDIATE`` so the
write lock is taken before the first read: a read-then-write transaction can
then never fail half-way with ``SQLITE_BUSY`` after another writer committed,
which is what makes a claim atomic on SQLite. On PostgreSQL both are ordinary
transactions; claims lock rows with ``FOR UPDATE SKIP LOCKED``.

Every driver error that means "this database cannot be used" is turned into
a :class:`db.errors.DatabaseError` with a one-line message.
"""

from __future__ import annotations

import errno
import re
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from db import sqlite_file
from db.errors import (
    CannotConnect,
    DatabaseError,
    DatabaseLocked,
    DiskError,
    DiskFull,
    LoginRefused,
    NotAVeilDatabase,
    ReadOnlyDatabase,
    RefusedByDatabase,
    UnsupportedURL,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

DEFAULT_BUSY_TIMEOUT_MS = 5000
_INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for a refused grant or policy
_WRITE_OPTION = "veil_write"
# What psycopg says when the server cannot be reached or refuses the login.
_UNREACHABLE = re.compile(
    r"connection (to server|refused|is bad|timeout)|password|authentication|could not translate host"
    r"|timeout expired|database \S+ does not exist|role \S+ does not exist|server closed the connection"
    r"|permission denied for database|not permitted to log in",
    re.IGNORECASE,
)


_PASSWORD = re.compile(r"no password supplied|password authentication failed", re.IGNORECASE)


def parse_url(raw: str) -> URL:
    """Check that ``raw`` names a database Veil can use, and normalise it."""
    expected = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
    try:
        url = make_url(raw)
        url.port  # noqa: B018 - parses the port: a bad one raises here, not at connect
    except (exc.ArgumentError, ValueError):
        # Never echo the URL itself: it may carry a password.
        raise UnsupportedURL(f"not a database URL Veil can use (expected {expected})") from None
    if url.drivername in ("postgres", "postgresql"):  # libpq's spellings
        return url.set(drivername="postgresql+psycopg")
    try:
        backend, driver = url.get_backend_name(), url.get_driver_name()
    except exc.NoSuchModuleError:
        backend, driver = url.drivername, ""
    if backend == "sqlite" and driver == "pysqlite":
        return url
    if backend == "postgresql" and driver in ("psycopg", "psycopg2"):
        # psycopg 3 is the driver we ship; a bare postgresql:// means it too.
        return url.set(drivername="postgresql+psycopg")
    raise UnsupportedURL(
        f"unsupported database URL scheme {url.drivername!r}: use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
    )


def describe(url: URL) -> str:
    """The URL as shown to people: the password hidden."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    return url.render_as_string(hide_password=True)


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def translate(err: exc.DBAPIError, url: URL) -> DatabaseError | None:
    """The :class:`DatabaseError` a driver error stands for, if it is one."""
    where = describe(url)
    message = _first_line(err)
    orig = err.orig
    if isinstance(orig, sqlite3.Error):
        if isinstance(orig, sqlite3.DatabaseError) and "file is not a database" in message:
            return NotAVeilDatabase(f"{where} is not an SQLite database")
        # By SQLite's result code (the low byte is the primary code), not its words.
        code = getattr(orig, "sqlite_errorcode", 0) & 0xFF
        if code == sqlite3.SQLITE_FULL:
            return DiskFull(f"the disk holding {where} is full: free some space; nothing was half-written")
        if code == sqlite3.SQLITE_IOERR:
            return _not_written(url, where)
        if "readonly" in message or "read-only" in message:
            return ReadOnlyDatabase(f"{where} is read-only: Veil needs to write to it and its folder")
        if "locked" in message or "busy" in message:
            return DatabaseLocked(f"{where} is locked by another program; try again when it is closed")
        if "unable to open database file" in message:
            return CannotConnect(f"cannot open {where}: its folder is missing or not writable")
        return None
    if getattr(orig, "sqlstate", None) == _INSUFFICIENT_PRIVILEGE:
        # A team database's grants and policies said no (see db.security).
        return RefusedByDatabase(f"refused by the database: {message}")
    unreachable = err.connection_invalidated or _UNREACHABLE.search(message)
    if url.get_backend_name() == "postgresql" and isinstance(err, exc.OperationalError) and _PASSWORD.search(message):
        return LoginRefused(f"cannot connect to {where}: {message}")
    if url.get_backend_name() == "postgresql" and isinstance(err, exc.OperationalError) and unreachable:
        return CannotConnect(f"cannot connect to {where}: {message}")
    return None


def _not_written(url: URL, where: str) -> DatabaseError:
    """What an I/O error on the SQLite file stands for. SQLite does not pass
    the system's error on, so it is found by trying to write beside the file."""
    try:
        with tempfile.TemporaryFile(dir=Path(url.database or ".").absolute().parent):
            pass
    except OSError as err:
        if err.errno == errno.ENOSPC:
            return DiskFull(f"the disk holding {where} is full: free some space; nothing was half-written")
        if err.errno == errno.EROFS:
            # As the kernel leaves a file system after a disk error (errors=remount-ro).
            return ReadOnlyDatabase(f"{where} is on a file system that has become read-only: Veil cannot save now")
    return DiskError(f"{where} could not be read or written (disk I/O error): its disk may be failing")


class Database:
    """One database: its engine, its session factory and what kind it is."""

    def __init__(self, url: URL | str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> None:
        self.url = parse_url(url) if isinstance(url, str) else url
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        # Before any connection: SQLite would make a missing file readable by all.
        sqlite_file.prepare(self.url)
        self.engine = _make_engine(self.url, busy_timeout_ms)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Database({describe(self.url)})"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session in a transaction, committed when the block ends."""
        with self.translated(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a transaction that holds the write lock from its start."""
        with self.translated(), self._sessions() as session:
            # Procuring the connection with the option begins the transaction,
            # and the "begin" hook below sees the option.
            session.connection(execution_options={_WRITE_OPTION: True})
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            session.commit()

    def write_connection(self) -> Connection:
        """A Core connection whose transactions take the write lock first."""
        return self.engine.connect().execution_options(**{_WRITE_OPTION: True})

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Turn driver errors that mean "unusable database" into ours."""
        try:
            yield
        except exc.DBAPIError as err:
            mine = translate(err, self.url)
            if mine is None:
                raise
            raise mine from err

    def dispose(self) -> None:
        self.engine.dispose()


def _make_engine(url: URL, busy_timeout_ms: int) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms)
    connect_args: dict[str, Any] = {"connect_timeout": 5, "application_name": "veil"}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_engine(url: URL, busy_timeout_ms: int) -> Engine:
    # The driver's own transaction handling is switched off (isolation_level
    # None) so that BEGIN is ours to emit: see the SQLAlchemy pysqlite docs,
    # "Serializable isolation / Savepoints / Transactional DDL".
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            # FULL: a decision the window confirmed survives a power cut too.
            cursor.execute("PRAGMA synchronous = FULL")
            # journal_mode=WAL is set once, by db.migrate, when the file is
            # known to be Veil's: it persists in the file, and setting it
            # here would rewrite another program's database before we refuse it.
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine
