"""Errors the services raise, each with a one-line message for a person.

``exit_code`` follows the command-line contract in DESIGN.md: 2 for a usage,
permission or configuration error, 3 for an integrity failure.
"""

from __future__ import annotations


class VeilError(Exception):
    exit_code = 2


class UsageError(VeilError):
    """The request itself is wrong: an unknown label, ``warn`` with no label."""


class NotFound(VeilError):
    pass


class PermissionDenied(VeilError):
    """The acting user's role does not allow this."""


class Conflict(VeilError):
    """The world changed under the request: someone else holds the item."""


class IntegrityFailure(VeilError):
    exit_code = 3


class PasswordRefused(VeilError):
    """A team database wants a password for this login: none was given, or not the right one."""


class Unavailable(VeilError):
    """The database is not answering now (unreachable, or locked past the busy
    timeout): nothing was lost, and the same request may be tried again."""


class CannotWrite(Unavailable):
    """The database answers but cannot take a write now: its disk is full, or
    its file or file system read-only. Nothing was lost, and the same request
    may be tried again once space or write access is back."""
