"""Opening a database for work: the same steps for the window and the CLI.

Opening checks the URL, refuses a database that is not Veil's or is newer
than this build, upgrades an older one (an SQLite file is backed up first),
and seeds the taxonomy into an empty one. An SQLite file is refused on a
network file system; one it creates, and its folder, are its owner's only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from db import private_files, security, sqlite_file
from db.errors import CannotConnect
from db.migrate import UpgradeResult, upgrade
from db.session import DEFAULT_BUSY_TIMEOUT_MS, Database, parse_url
from desktop.core import taxonomy
from desktop.core.people import users
from desktop.core.review.claims import DEFAULT_LEASE
from desktop.core.review.decisions import DEFAULT_UNDO_GRACE
from desktop.core.review.service import ReviewService
from desktop.domain.clock import Clock, system_clock
from desktop.domain.errors import NotFound, PermissionDenied, UsageError

if TYPE_CHECKING:
    from datetime import timedelta
    from pathlib import Path

    from desktop.domain.people import Actor


@dataclass
class Workspace:
    db: Database
    review: ReviewService
    clock: Clock
    upgraded: UpgradeResult | None = None
    # On a team database (see db.security), the PostgreSQL login connected:
    # the only person this workspace can act as.
    login: str | None = None

    def actor(self, name: str) -> Actor:
        """The user called ``name``; on a database with no users yet, that
        person becomes its first admin."""
        try:
            with self.db.read() as session:
                return users.resolve(session, name)
        except NotFound:
            with self.db.write() as session:
                if users.has_users(session):
                    raise
                return users.bootstrap_admin(session, name, self.clock())

    def sign_in(self, name: str | None, password: str | None) -> Actor:
        """The user called ``name`` if ``password`` is theirs (users without a
        password need none); the first person on an empty database becomes its admin.

        On a team database PostgreSQL has checked who connected: ``name``
        may only repeat it (None: whoever connected), and no Veil password is asked.
        """
        if self.login is not None:
            return self._team_sign_in(name)
        if name is None:
            raise UsageError("no user to sign in as: give --as USER (or VEIL_USER)")
        if not self.needs_password(name):
            return self.actor(name)
        with self.db.read() as session:
            return users.sign_in(session, name, password)

    def _team_sign_in(self, name: str | None) -> Actor:
        login = self.login
        assert login is not None
        if name is not None and name != login:
            raise PermissionDenied(
                f"on this team database you act as the PostgreSQL login you connected as ({login}), "
                f"not as {name!r}; connect as {name} to act as them"
            )
        with self.db.read() as session:
            try:
                actor = users.resolve(session, login)
            except NotFound:
                raise PermissionDenied(
                    f"the PostgreSQL login {login!r} is not a Veil user on this database "
                    "(an admin adds users with: veil users add NAME --role ROLE)"
                ) from None
            group = security.veil_group(session.connection())
        if group != actor.role:
            held = f"the group {security.GROUPS[group]}" if group else "no Veil group"
            raise PermissionDenied(
                f"the PostgreSQL login {login!r} has {held}, not {security.GROUPS[actor.role]} as its Veil role "
                "says; ask IT to run veil db secure"
            )
        return actor

    def needs_password(self, name: str) -> bool:
        if self.login is not None:
            return False  # PostgreSQL checked the login's password, certificate or ticket
        with self.db.read() as session:
            return users.needs_password(session, name)

    def close(self) -> None:
        self.db.dispose()


def open_workspace(
    url: str,
    *,
    create_folder: bool = False,
    backup_dir: Path | None = None,
    clock: Clock = system_clock,
    lease: timedelta = DEFAULT_LEASE,
    undo_grace: timedelta = DEFAULT_UNDO_GRACE,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    password: str | None = None,
) -> Workspace:
    """Open ``url`` for work; ``password`` is the database login's (PostgreSQL), when the URL has none."""
    parsed = parse_url(url)
    if password is not None:
        parsed = parsed.set(password=password)
    path = sqlite_file.path_of(parsed)
    if path is not None:
        # Before a folder is made for it: nothing is left on a share it refuses.
        sqlite_file.refuse_network(path)
        folder = path.parent
        if create_folder:
            private_files.make_folder(folder)
        elif not folder.is_dir():
            raise CannotConnect(f"cannot open SQLite file {path}: folder {folder} does not exist")
    database = Database(parsed, busy_timeout_ms=busy_timeout_ms)
    try:
        login = security.team_login(database)
        result = upgrade(database, backup_dir=backup_dir)
        with database.read() as session:
            seeded = taxonomy.is_seeded(session)
        # A team database was seeded when IT first opened it, before veil db secure.
        if not seeded:
            with database.write() as session:
                taxonomy.seed_if_empty(session, clock())
    except BaseException:
        database.dispose()
        raise
    review = ReviewService(database, clock=clock, lease=lease, undo_grace=undo_grace)
    return Workspace(database, review, clock, result, login=login)
