"""The database itself, looked at as it is: its schema revision, a copy of it.

Unlike :meth:`Veil.open <desktop.app.veil.Veil.open>`, neither upgrades the
schema first: a status must say what is there, and a backup must capture
the database before anything changes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from db.migrate import backup_sqlite, current_revision, head_revision
from db.session import Database, describe
from desktop.domain.errors import UsageError
from desktop.domain.schema import SchemaStatus

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


def backup(url: str, target: Path) -> Path:
    """Copy the live SQLite database at ``url`` to ``target``, a new file."""
    database = Database(url)
    try:
        if target.exists():
            raise UsageError(f"{target} exists; choose a new file (Veil does not overwrite backups)")
        return backup_sqlite(database, target)
    finally:
        database.dispose()
