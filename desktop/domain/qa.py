"""Blind second review: samples, second-review claims, pairs of calls and their agreement."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from desktop.domain.agreement import Agreement as Agreement  # the front ends print it
from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from desktop.domain import agreement as measures
    from desktop.domain.review import ItemView

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True)
class Stratum:
    moderator: str
    action: str
    candidates: int
    sampled: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "moderator": self.moderator,
            "action": self.action,
            "candidates": self.candidates,
            "sampled": self.sampled,
        }


@dataclass(frozen=True)
class SampledDecision:
    task_id: int | None  # None on a dry run
    item_id: int
    decision_id: str
    moderator: str
    action: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "item_id": self.item_id,
            "decision_id": self.decision_id,
            "moderator": self.moderator,
            "action": self.action,
        }


@dataclass(frozen=True)
class SampleResult:
    rate: float
    seed: int
    moderator: str | None
    dry_run: bool
    strata: list[Stratum]
    sampled: list[SampledDecision]

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Sampled decisions per moderator and action."""
        found: dict[str, dict[str, int]] = defaultdict(dict)
        for s in self.strata:
            found[s.moderator][s.action] = s.sampled
        return dict(found)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "seed": self.seed,
            "moderator": self.moderator,
            "dry_run": self.dry_run,
            "total": len(self.sampled),
            "strata": [s.as_dict() for s in self.strata],
            "sampled": [s.as_dict() for s in self.sampled],
        }


@dataclass(frozen=True)
class QaClaim:
    task_id: int
    item_id: int
    lease_expires_at: datetime
    resumed: bool
    item: ItemView  # blind: no decisions, no suggestion

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "item_id": self.item_id,
            "lease_expires_at": self.lease_expires_at.isoformat(),
            "resumed": self.resumed,
            "item": blind_item(self.item),
        }


@dataclass(frozen=True)
class Call:
    """One reviewer's decision, as the agreement report shows it."""

    reviewer: str
    action: str
    labels: list[str]
    reason: str | None
    note: str | None
    decided_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "reviewer": self.reviewer,
            "action": self.action,
            "labels": list(self.labels),
            "reason": self.reason,
            "note": self.note,
            "decided_at": self.decided_at.isoformat(),
        }


@dataclass(frozen=True)
class ReviewPair:
    item_id: int
    first: Call
    second: Call

    @property
    def differs(self) -> list[str]:
        """What the two calls disagree on: "action", "labels" (as sets)."""
        found = []
        if self.first.action != self.second.action:
            found.append("action")
        if set(self.first.labels) != set(self.second.labels):
            found.append("labels")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "moderator": self.first.reviewer,
            "second_reviewer": self.second.reviewer,
            "differs": self.differs,
            "first": self.first.as_dict(),
            "second": self.second.as_dict(),
        }


@dataclass(frozen=True)
class AgreementReport:
    since: datetime | None
    until: datetime | None
    overall: measures.Agreement
    by_moderator: dict[str, measures.Agreement]
    by_label: dict[str, measures.Agreement]
    confusion: measures.Confusion
    disagreements: list[ReviewPair] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "overall": self.overall.as_dict(),
            "by_moderator": {name: a.as_dict() for name, a in self.by_moderator.items()},
            "by_label": {label: a.as_dict() for label, a in self.by_label.items()},
            "confusion": self.confusion.as_dict(),
            "disagreements": [p.as_dict() for p in self.disagreements],
        }


# What a second reviewer is shown of an item: what it is, never what anyone
# made of it (status, holder, near-duplicate, decisions, suggestion).
BLIND_FIELDS = (
    "id",
    "source",
    "external_id",
    "text",
    "language",
    "author",
    "author_name",
    "published_at",
    "received_at",
    "severity",
    "media_withheld",
    "markers",
    "media",
)


def blind_item(view: ItemView) -> dict[str, Any]:
    shown = view.as_dict()
    return {key: shown[key] for key in BLIND_FIELDS}


def parse_rate(text: str) -> float:
    """A sampling rate from ``0.05`` or ``5%``: a fraction, 0 < rate <= 1."""
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = Decimal(raw.removesuffix("%").strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if percent:
        value /= 100
    if not value.is_finite() or not 0 < value <= 1:
        raise UsageError(f"a rate is a fraction in (0, 1] or a percentage like 5%, not {text!r}")
    return float(value)
