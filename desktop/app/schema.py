"""The database itself, looked at as it is: its schema revision, a copy of it.

Unlike :meth:`Veil.open <desktop.app.veil.Veil.open>`, neither upgrades the
schema first: a status must say what is there, and a backup must capture
the database before anything changes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

from db import security
from db.migrate import backup_sqlite, current_revision, head_revision
from db.session import Database, describe
from desktop.core import audit
from desktop.core.clock import now as clock_now
from desktop.core.people import users
from desktop.core.workspace import open_workspace
from desktop.domain.errors import UsageError
from desktop.domain.people import Role
from desktop.domain.schema import SchemaStatus, TeamSecured

if TYPE_CHECKING:
    from pathlib import Path


def status(url: str) -> SchemaStatus:
    """The revision of the database at ``url`` beside the newest this Veil knows."""
    database = Database(url)
    try:
        revision = current_revision(database)
    finally:
        database.dispose()
    return SchemaStatus(database=describe(database.url), revision=revision, head=head_revision())


def secure(url: str, *, admin: str | None = None, admin_password: str | None = None) -> TeamSecured:
    """Put the team database at ``url`` in team mode (see :mod:`db.security`), or
    bring its grants and policies up to date; audited, and safe to run again.

    Run by IT connected as a PostgreSQL superuser. ``admin`` names the first
    admin of a database without users (their login role is made too), or an
    existing admin; ``admin_password`` becomes their login's password.
    """
    workspace = open_workspace(url)  # upgraded and seeded first, as its owner
    database = workspace.db
    try:
        if database.is_sqlite:
            raise UsageError("team mode is for a shared PostgreSQL database; an SQLite file has one user")
        with database.write() as session:
            connection = session.connection()
            if not connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")):
                raise UsageError(
                    "veil db secure makes roles and moves the schema's ownership: run it connected as a "
                    "PostgreSQL superuser (e.g. sudo -u postgres veil db secure)"
                )
            done = security.secure(connection)
            now = clock_now(session, workspace.clock)
            made = None
            if admin is not None and not users.has_users(session):
                made = users.bootstrap_admin(session, admin, now).name
            elif admin is not None and users.resolve(session, admin).role is not Role.ADMIN:
                raise UsageError(f"{admin} is not an admin; this database has users already (see veil users list)")
            if admin is not None and admin_password is not None:
                security.set_login_password(connection, admin, admin_password)
            login = str(connection.scalar(text("SELECT session_user")))
            audit.append(
                session, kind="team.secure", actor=login, at=now,
                payload={"first": done.first, "logins": list(done.logins), "admin": made},
            )  # fmt: skip
        return TeamSecured(describe(database.url), done.first, done.logins, made)
    finally:
        workspace.close()


def backup(url: str, target: Path) -> Path:
    """Copy the live SQLite database at ``url`` to ``target``, a new file."""
    database = Database(url)
    try:
        if target.exists():
            raise UsageError(f"{target} exists; choose a new file (Veil does not overwrite backups)")
        return backup_sqlite(database, target)
    finally:
        database.dispose()
