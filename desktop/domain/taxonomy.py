"""Warning labels, decision actions and reason codes, as values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.domain.review import Action

    pass


DEFAULT_SETTINGS = ("hide", "warn", "ignore")


BLURS = ("media", "content", "none")


SEVERITIES = ("alert", "inform", "none")


AGE_GATES = (None, 18, 21)


@dataclass(frozen=True)
class LabelInfo:
    code: str
    name: str
    description: str
    default_setting: str
    blurs: str
    severity: str
    age_gate: int | None
    equivalents: dict[str, str] = field(default_factory=dict)
    accompanies_only: bool = False
    active: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "default": self.default_setting,
            "blurs": self.blurs,
            "severity": self.severity,
            "age_gate": self.age_gate,
            "equivalents": dict(self.equivalents),
            "accompanies_only": self.accompanies_only,
            "active": self.active,
        }


@dataclass(frozen=True)
class ReasonInfo:
    kind: str
    code: str
    name: str
    description: str
    withholds_media: bool


@dataclass(frozen=True)
class ActionInfo:
    code: Action
    name: str
    key: str
    requires: str  # nothing | label | reason


@dataclass(frozen=True)
class Taxonomy:
    labels: list[LabelInfo]
    reasons: list[ReasonInfo]
    actions: list[ActionInfo]
