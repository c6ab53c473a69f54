"""Shared fixtures: isolated settings, a real PostgreSQL server, fresh databases.

Every database test runs twice, on an SQLite file and on PostgreSQL. Under
``CI=true`` a PostgreSQL test that cannot get its server fails; elsewhere it
is skipped with the reason.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Before anything can create a QApplication.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

from typing import TYPE_CHECKING

import psycopg
import pytest

from desktop.app.veil import Veil
from desktop.core.workspace import Workspace, open_workspace
from tests.support.logfail import LogGuard
from tests.support.pgserver import PostgresServer, ServerUnavailable, start_server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REPO = Path(__file__).resolve().parents[1]
# shared/ lies beside the checkout, in CI as on a developer's machine.
CORPUS = Path(os.environ.get("VEIL_SHARED", REPO.parent / "shared")) / "corpus"
IN_CI = os.environ.get("CI", "").lower() == "true"


class FakeClock:
    """A clock the test moves by hand; services call it like the system clock."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes a real user's settings or data."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("VEIL_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("VEIL_LOG_DIR", str(home / "log"))
    monkeypatch.setenv("VEIL_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("VEIL_SYSTEM_CONFIG", str(home / "system.toml"))
    for name in ("VEIL_DB_URL", "VEIL_USER", "VEIL_BUSY_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def set_up_logging() -> Iterator[None]:
    """Logging as it was before the test: the handlers a set-up adds are closed and removed."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in before]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def start_or_skip() -> PostgresServer:
    """A fresh PostgreSQL server; without one the test is skipped, except under CI, where it fails."""
    try:
        return start_server(fsync=False)
    except ServerUnavailable as err:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {err}")
        pytest.skip(f"PostgreSQL unavailable: {err}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_or_skip()
    yield server
    server.stop()


class PgDatabases:
    """Fresh databases on the test server, each cloned from a migrated template."""

    _numbers = itertools.count(1)

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self._template: str | None = None

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self.server.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(sql)

    def empty(self) -> str:
        name = f"veil_test_{next(self._numbers)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.server.url(name)

    def migrated(self) -> str:
        if self._template is None:
            url = self.empty()
            open_workspace(url).close()
            self._template = url.rsplit("/", 1)[1]
        name = f"veil_test_{next(self._numbers)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        return self.server.url(name)


@pytest.fixture(scope="session")
def pg_databases(pg_server: PostgresServer) -> PgDatabases:
    return PgDatabases(pg_server)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "veil.sqlite3"
    open_workspace(f"sqlite:///{path}").close()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL of a new, empty database (no schema) on the backend under test."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'veil.sqlite3'}"
    return str(request.getfixturevalue("pg_databases").empty())


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL of a new database at the newest schema with the taxonomy loaded."""
    if backend == "sqlite":
        path = tmp_path / "veil.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return str(request.getfixturevalue("pg_databases").migrated())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def workspace(db_url: str, clock: FakeClock) -> Iterator[Workspace]:
    ws = open_workspace(db_url, clock=clock)
    yield ws
    ws.close()


@pytest.fixture
def veil(db_url: str, clock: FakeClock) -> Iterator[Veil]:
    """The application layer on a fresh database, nobody signed in yet."""
    opened = Veil.open(db_url, clock=clock)
    yield opened
    opened.close()


def signed_in(url: str, name: str, clock: FakeClock | None = None) -> Veil:
    """Another workstation on the same database, as ``name`` (the caller closes it)."""
    opened = Veil.open(url, clock=clock) if clock is not None else Veil.open(url)
    opened.sign_in(name)
    return opened


@pytest.fixture
def workstation(veil: Veil, db_url: str, clock: FakeClock) -> Iterator[Callable[[str], Veil]]:
    """The application layer signed in as a name: ``veil`` for the first person
    asked for, another workstation on the same database for each other one
    (one person per Veil, as in the window)."""
    opened: dict[str, Veil] = {}

    def signed_in_as(name: str) -> Veil:
        if name not in opened:
            if opened:
                opened[name] = signed_in(db_url, name, clock)
            else:
                veil.sign_in(name)
                opened[name] = veil
        return opened[name]

    yield signed_in_as
    for other in opened.values():
        if other is not veil:
            other.close()


@pytest.fixture(autouse=True)
def _fail_on_unexpected_log(request: pytest.FixtureRequest) -> Iterator[LogGuard]:
    """WARNING and above fails the test unless it declared the record (see tests/support/logfail.py).

    Autouse, so it is set up before any fixture a test asks for and torn down
    after them: a record logged while they are torn down counts too.
    """
    guard = LogGuard()
    for marker in request.node.iter_markers("expected_log"):
        guard.expect(*marker.args)
    root = logging.getLogger()
    root.addHandler(guard)
    yield guard
    root.removeHandler(guard)
    problems = guard.problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def expect_log(_fail_on_unexpected_log: LogGuard) -> Callable[[str, int | str], None]:
    """``expect_log("desktop.ui.crash", "ERROR")``: this test logs such a record, on purpose."""
    return _fail_on_unexpected_log.expect


@pytest.fixture(autouse=True)
def _fail_on_widgets_left_open(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test using Qt leaves no top-level widget behind (see tests/support/widgetfail.py)."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from tests.support import widgetfail  # Qt is imported only by tests that use it

    request.getfixturevalue("qapp")
    before = widgetfail.top_level()
    yield
    left = widgetfail.left_open(before)
    named = ", ".join(widgetfail.describe(w) for w in left)
    widgetfail.close(left)
    if left:
        pytest.fail(f"top-level widgets left open: {named}", pytrace=False)
