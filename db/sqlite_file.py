"""An SQLite database's file, before SQLite opens it: on a local disk, and its owner's only.

Every way Veil opens an SQLite file (the window, every command, ``veil db
status`` and ``veil db backup``) goes through :class:`db.session.Database`,
which calls :func:`prepare`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from db import private_files
from db.errors import NetworkFileSystem
from db.local_disk import network_file_system

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


def path_of(url: URL) -> Path | None:
    """The file an SQLite URL names; None for another database, an in-memory
    one, or a ``file:`` URI (whose options, read-only say, are SQLite's to apply)."""
    database = url.database or ""
    uri = database.startswith("file:") or url.query.get("uri") in ("true", "1")
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or uri:
        return None
    return Path(database)


def refuse_network(path: Path) -> None:
    """Raise :class:`NetworkFileSystem` if ``path``'s folder is on a network file system."""
    kind = network_file_system(path)
    if kind is not None:
        raise refusal(path, kind)


def refusal(path: Path, kind: str) -> NetworkFileSystem:
    """The error for an SQLite database at ``path`` on the network file system ``kind``."""
    return NetworkFileSystem(
        f"the SQLite database {path} is on a network file system ({kind}), where SQLite's locking is "
        "unreliable and decisions can be lost; keep it on a local disk, or use a shared PostgreSQL "
        'database for a team (docs/admin.md, "A shared PostgreSQL database")'
    )


def prepare(url: URL) -> None:
    """Refuse a file on a network file system; create a missing one owner-only.

    A file that exists keeps its mode, and SQLite gives its ``-wal``, ``-shm``
    and ``-journal`` the same.
    """
    path = path_of(url)
    if path is None:
        return
    refuse_network(path)
    # A missing or read-only folder: SQLite's own "unable to open" (made one
    # line by db.session) then says so better than the OSError would.
    with contextlib.suppress(OSError):
        private_files.create_file(path)
