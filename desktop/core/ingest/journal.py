"""The copy journal: the store copies this workstation's ingests made, so the
next ingest removes at once those an ingest that died left behind (its chunk
never committed), without walking the store.

Each process that makes store copies keeps its own journal file in a local
folder and holds an exclusive lock on it for as long as it lives; before it
makes a copy, it writes the copy's final path there. The OS releases the lock
when the process ends, however it ends, so a journal that can be locked
belongs to no running ingest: each copy it lists that no media row refers to
is left over. A journal whose lock is held is an ingest running now, and left
alone.

Journals are kept per database and store: another database sharing the store
(a training one) does not know this one's rows, and would take the copies an
ingest committed here for left over.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.ingest.media_store import partial_of, sealed_copy

if TYPE_CHECKING:
    from collections.abc import Iterable

    from db.session import Database

log = logging.getLogger(__name__)

SUFFIX = ".journal"
# URIs asked about in one query.
_BATCH = 500


def journal_folder(root: Path, database: Database, store: Path) -> Path:
    """The folder below ``root`` for the journals of ingests into ``database``
    that copy into ``store`` (hashed: a name that shows no URL)."""
    identity = f"{database.url.render_as_string(hide_password=True)}\n{store}"
    return root / hashlib.sha256(identity.encode()).hexdigest()[:24]


class Journal:
    """This process's journal in one folder, locked from its opening to the process's end."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            path = folder / f"{os.getpid()}-{secrets.token_hex(8)}{SUFFIX}"
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
            try:
                if _lock(fd) and _still_named(fd, path):
                    break
            except OSError:
                os.close(fd)
                raise
            # A sweep found it before the lock was taken, and removes it: start another.
            os.close(fd)
        self._fd = fd
        self._writing = True

    def note(self, copy: Path) -> None:
        """Write ``copy``'s path before it is made. One write() into the OS's
        page cache, no fsync: the file outlives a process killed after it, and
        a power cut leaves what ``veil media seal`` sweeps once a day old."""
        if not self._writing:
            return
        try:
            os.write(self._fd, os.fsencode(copy) + b"\n")
        except OSError as err:
            # Copies go on being made: only their quick removal after a crash is lost. The
            # file stays open and locked, so what it lists is swept once this process is gone.
            log.warning("store copy journal of process %d not written (errno %s)", os.getpid(), err.errno)
            self._writing = False


@cache
def own_journal(folder: Path) -> Journal | None:
    """This process's journal in ``folder``, opened at its first copy (None if
    the folder cannot hold one: the ingest goes on without)."""
    try:
        return Journal(folder)
    except OSError as err:
        log.warning("store copy journal of process %d not opened (errno %s)", os.getpid(), err.errno)
        return None


def sweep(database: Database, store: Path, folder: Path) -> int:
    """Remove the copies listed in ``folder``'s journals of processes that are
    gone which no media row refers to (and their half-made ``.partial``), then
    those journals; return how many copies went. Never raises for a folder or
    store that cannot be read or written, or a database that does not answer:
    the ingest goes on, and the next one tries again."""
    # Here, not at the top: ingest's worker processes import this module for
    # their own journal, and need no database library.
    from sqlalchemy.exc import SQLAlchemyError

    removed = 0
    try:
        journals = sorted(folder.glob(f"*{SUFFIX}"))
        for path in journals:
            removed += _settle(database, store, path)
    except (OSError, SQLAlchemyError) as err:
        log.warning("store copy journals not swept (%s); left for the next ingest", type(err).__name__)
    return removed


def _settle(database: Database, store: Path, path: Path) -> int:
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return 0  # another ingest settled it just now
    try:
        if not _lock(fd):
            return 0  # its process runs: its copies may be on their way in
        # Only the store's own copies: a journal names nothing else to remove.
        listed = [copy for copy in _lines(fd) if sealed_copy(copy, store)]
        referenced = _referenced(database, listed)
        left = [copy for copy in listed if copy.as_uri() not in referenced]
        for copy in left:
            copy.unlink(missing_ok=True)
            partial_of(copy).unlink(missing_ok=True)
        if sys.platform != "win32":
            # Removed under the lock: a new owner that took the lock after it sees its file gone.
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)
    if sys.platform == "win32":
        # Windows removes no open file, so closed first: one another sweep opened meanwhile stays, for a later one.
        with contextlib.suppress(OSError):
            path.unlink()
    return len(left)


def _referenced(database: Database, copies: list[Path]) -> set[str]:
    """The URIs among ``copies``' that a media row holds (the store copy's ``as_uri()``, as ingest stores it)."""
    from sqlalchemy import select

    from db.models import Media

    uris = [copy.as_uri() for copy in copies]
    found: set[str] = set()
    with database.read() as session:
        for start in range(0, len(uris), _BATCH):
            found.update(session.scalars(select(Media.uri).where(Media.uri.in_(uris[start : start + _BATCH]))))
    return found


def _lines(fd: int) -> Iterable[Path]:
    # Read through the locking descriptor: Windows' lock keeps every other one out.
    os.lseek(fd, 0, os.SEEK_SET)
    data = b""
    while block := os.read(fd, 1 << 16):
        data += block
    return [Path(os.fsdecode(line)) for line in data.splitlines() if line]


def _lock(fd: int) -> bool:
    """Take ``fd``'s exclusive lock without waiting; False if a live process holds it."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:  # held: Windows says no more than that
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _still_named(fd: int, path: Path) -> bool:
    try:
        named, held = path.stat(), os.fstat(fd)
    except FileNotFoundError:
        return False
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)
