"""Opening a database for work: the same steps for the window and the CLI.

Opening checks the URL, refuses a database that is not Veil's or is newer
than this build, upgrades an older one (an SQLite file is backed up first),
and seeds the taxonomy into an empty one. An SQLite file is refused on a
network file system; one it creates, and its folder, are its owner's only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from db import private_files, sqlite_file
from db.errors import CannotConnect
from db.migrate import UpgradeResult, upgrade
from db.session import DEFAULT_BUSY_TIMEOUT_MS, Database, parse_url
from desktop.core import taxonomy
from desktop.core.people import users
from desktop.core.review.claims import DEFAULT_LEASE
from desktop.core.review.decisions import DEFAULT_UNDO_GRACE
from desktop.core.review.service import ReviewService
from desktop.domain.clock import Clock, system_clock
from desktop.domain.errors import NotFound

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

    def sign_in(self, name: str, password: str | None) -> Actor:
        """The user called ``name`` if ``password`` is theirs (users without a
        password need none); the first person on an empty database becomes its admin."""
        if not self.needs_password(name):
            return self.actor(name)
        with self.db.read() as session:
            return users.sign_in(session, name, password)

    def needs_password(self, name: str) -> bool:
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
) -> Workspace:
    parsed = parse_url(url)
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
        result = upgrade(database, backup_dir=backup_dir)
        with database.read() as session:
            seeded = bool(taxonomy.labels(session, include_inactive=True))
        if not seeded:
            with database.write() as session:
                taxonomy.seed_if_empty(session, clock())
    except BaseException:
        database.dispose()
        raise
    review = ReviewService(database, clock=clock, lease=lease, undo_grace=undo_grace)
    return Workspace(database, review, clock, result)
