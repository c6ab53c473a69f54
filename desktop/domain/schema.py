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
