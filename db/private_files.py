"""Files and folders only their owner may open: what Veil keeps of a person's work.

The SQLite database, its backups and the window's pending decisions hold
what moderators saw and decided, so Veil creates them readable and writable
by their owner only (0600), and a folder it creates for them 0700. A file or
folder that exists already keeps its mode: its owner may have chosen it
(a group-readable database for an auditor, say).

The files are created with that mode by ``os.open``, rather than by
changing the process's umask around SQLite: the umask is shared by every
thread, and the window's workers open files at the same time. SQLite gives
the files it makes beside a database (``-wal``, ``-shm``, ``-journal``) the
database file's own mode, so creating the empty database first is enough.

Windows has no such modes: a user's data folder there is private to them
already, and Python's ``mode`` sets only the read-only flag, so nothing is
changed afterwards on it.

This module sits in ``db``, the lowest of Veil's packages, so that the
application layer's outbox can use it as well as the database's code.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_folder(folder: Path) -> None:
    """Create ``folder`` (and any missing parents) if it is missing; the folder itself owner-only.

    Parents are made as usual (0755 with the common umask): they are the
    system's folders for everyone's data (``~/.local/share``), not Veil's.
    """
    if folder.is_dir():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir(mode=FOLDER_MODE)
    except FileExistsError:
        return  # made by another process a moment ago: theirs, as they made it
    if sys.platform != "win32":
        # mkdir's mode passes through the umask, which may take away more than
        # others' bits; chmod makes the folder exactly 0700.
        folder.chmod(FOLDER_MODE)


def create_file(path: Path) -> bool:
    """Create ``path`` empty and owner-only; False, and nothing touched, if it exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        if sys.platform != "win32":
            os.fchmod(descriptor, FILE_MODE)  # exactly 0600, whatever the umask
    finally:
        os.close(descriptor)
    return True
