"""Team settings: switches a supervisor sets for everyone on the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.domain.errors import UsageError

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


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "on", "yes", "1"):
        return True
    if lowered in ("false", "off", "no", "0"):
        return False
    raise UsageError(f"not a yes/no value: {text!r} (use true or false)")
