"""Errors of the persistence layer, each with a message a person can act on."""

from __future__ import annotations

from desktop.domain.errors import CannotWrite, PasswordRefused, PermissionDenied, Unavailable, VeilError


class DatabaseError(VeilError):
    """Opening or using the database failed for a reason outside Veil's control.

    ``str(err)`` is one line meant for the person at the keyboard. A
    :class:`VeilError`, so front ends that know only the domain's errors
    report it; those that mean "try again" are also :class:`Unavailable`
    (those that mean "try again once it can be written", :class:`CannotWrite`).
    """


class UnsupportedURL(DatabaseError):
    pass


class CannotConnect(DatabaseError, Unavailable):
    pass


class LoginRefused(CannotConnect, PasswordRefused):
    """PostgreSQL asked for a password it was not given, or refused the one it was."""


class NotAVeilDatabase(DatabaseError):
    pass


class ReadOnlyDatabase(DatabaseError, CannotWrite):
    """The file, its folder or its whole file system cannot be written (now)."""


class DiskFull(DatabaseError, CannotWrite):
    """The disk holding the SQLite file is full (SQLITE_FULL)."""


class DiskError(DatabaseError, CannotWrite):
    """The disk holding the SQLite file failed a read or a write (SQLITE_IOERR)."""


class DatabaseLocked(DatabaseError, Unavailable):
    pass


class NewerSchema(DatabaseError):
    pass


class OlderSchema(DatabaseError):
    """A team database behind this Veil, which only IT may upgrade."""


class RefusedByDatabase(DatabaseError, PermissionDenied):
    """PostgreSQL refused a statement: the connected role may not do that."""


class NetworkFileSystem(DatabaseError):
    """An SQLite file on a network file system, where its locking cannot be trusted."""
