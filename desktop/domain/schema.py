"""Where a database's schema stands, as ``veil db status`` reports it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SchemaStatus:
    database: str  # as shown to people: no password
    revision: str | None  # None: an empty database
    head: str  # the newest revision this Veil knows

    def as_dict(self) -> dict[str, Any]:
        return {"database": self.database, "revision": self.revision, "head": self.head}


@dataclass(frozen=True)
class TeamSecured:
    """What ``veil db secure`` did to a team database."""

    database: str
    first: bool  # False: it was secured before, and its grants and policies were brought up to date
    logins: tuple[str, ...]  # login roles made (or adopted) for Veil users who had none
    admin: str | None  # the first admin made on a database without users

    def as_dict(self) -> dict[str, Any]:
        return {"database": self.database, "first": self.first, "logins": list(self.logins), "admin": self.admin}
