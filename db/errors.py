"""Errors of the persistence layer, each with a message a person can act on."""

from __future__ import annotations


class DatabaseError(Exception):
    """Opening or using the database failed for a reason outside Veil's control.

    ``str(err)`` is one line meant for the person at the keyboard.
    """


class UnsupportedURL(DatabaseError):
    pass


class CannotConnect(DatabaseError):
    pass


class NotAVeilDatabase(DatabaseError):
    pass


class ReadOnlyDatabase(DatabaseError):
    pass


class DatabaseLocked(DatabaseError):
    pass


class NewerSchema(DatabaseError):
    pass
