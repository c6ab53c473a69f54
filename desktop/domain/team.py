"""Team settings: switches a supervisor sets for everyone on the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True)
class SettingInfo:
    key: str
    value: bool
    description: str
    set_by: str | None
    set_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "description": self.description,
            "set_by": self.set_by,
            "set_at": self.set_at.isoformat() if self.set_at else None,
        }
