"""The audit chain and the decision log: verifications, chain exports, log rows and an item's history."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from desktop.domain.review import Action, DecisionInfo, ItemStatus

if TYPE_CHECKING:
    from desktop.domain.taxonomy import LabelInfo, ReasonInfo
if TYPE_CHECKING:
    from desktop.domain.taxonomy import LabelInfo, ReasonInfo


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    head_hash: str
    broken_id: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_hash": self.head_hash,
            "broken_event": self.broken_id,
            "problem": self.problem,
        }


EXPORT_FIELDS = ("id", "kind", "actor", "at", "item_id", "payload", "prev_hash", "hash")


@dataclass(frozen=True)
class ChainExport:
    events: int
    head_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"events": self.events, "head_hash": self.head_hash}


@dataclass(frozen=True)
class ExportCheck:
    ok: bool
    events: int  # in the export
    database_events: int
    head_hash: str  # the export's
    differs_at: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "database_events": self.database_events,
            "head_hash": self.head_hash,
            "differs_at": self.differs_at,
            "problem": self.problem,
        }


class EventKind(enum.StrEnum):
    DECISION = "decision"  # a primary decision (round 1)
    SECOND_REVIEW = "second-review"  # a blind second review (round 2 and later)
    UNDO = "undo"  # a reviewer withdrew their own decision
    OVERRIDE = "override"  # a supervisor replaced the decision in force


@dataclass(frozen=True)
class LogFilter:
    reviewer: str | None = None  # a user's name
    since: datetime | None = None  # decided at or after (aware)
    until: datetime | None = None  # decided before (aware; exclusive)
    action: Action | None = None  # undo included
    kind: EventKind | None = None
    label: str | None = None  # a label code recorded with the decision
    marker: str | None = None  # a marker code of the item: "21+", "cue:corpse"
    source: str | None = None  # a source's name
    text: str | None = None  # a case-insensitive substring of the item's text (scans; see page())
    item_id: int | None = None


@dataclass(frozen=True)
class DecisionRef:
    """Another decision event a row points at, or that withdrew it."""

    id: str
    action: Action
    reviewer: str
    decided_at: datetime


@dataclass(frozen=True)
class LogRow:
    id: str
    item_id: int
    item_seq: int
    kind: EventKind
    action: Action
    labels: tuple[str, ...]
    reason: str | None
    note: str | None
    reviewer: str
    decided_at: datetime
    round: int
    overrides: str | None
    undoes: str | None
    in_force: bool  # the item's decision in force now
    # The undo or (standing) override that took this decision back, if any.
    withdrawn_by: DecisionRef | None
    # What an undo withdrew or an override replaced.
    refers_to: DecisionRef | None
    source: str
    markers: tuple[str, ...]
    excerpt: str

    @property
    def key(self) -> LogKey:
        return (self.decided_at, self.item_id, self.item_seq)

    @property
    def withdrawn(self) -> str | None:
        """How the decision was taken back: "undone", "overridden", or None while it stands."""
        if self.withdrawn_by is None:
            return None
        return "undone" if self.withdrawn_by.action == Action.UNDO else "overridden"


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    next_key: LogKey | None  # where the next page starts; None: the log has no more rows
    scanned: int = 0  # rows read for this page (a text search reads more than it returns)


@dataclass(frozen=True)
class LogFacets:
    """What the filters and the override dialog can offer."""

    reviewers: list[str]
    sources: list[str]
    markers: list[str]
    labels: list[LabelInfo]
    reasons: dict[str, list[ReasonInfo]]  # by kind: "remove", "escalate"


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str | None
    # "received", "claim", "release", "skip", "reveal", "peek", "view",
    # "decision", "second-review", "undo", "override", or whatever other
    # kind the audit event was recorded with.
    kind: str
    summary: str  # one line for people, codes as recorded
    event_id: int | None  # None: the item's arrival, or a decision whose audit event is missing
    decision: LogRow | None = None
    seconds: float | None = None  # for reveals, peeks and views
    details: dict[str, Any] = field(default_factory=dict)  # the audit event's payload


@dataclass(frozen=True)
class ItemHistory:
    item_id: int
    source: str
    status: ItemStatus
    text: str  # up to HISTORY_EXCERPT characters
    media_withheld: bool
    current_decision: str | None
    entries: list[HistoryEntry]


@dataclass(frozen=True)
class ChainStatus:
    item_id: int
    ok: bool
    events: int  # the item's audit events checked
    broken_id: int | None = None  # the first broken event
    problem: str | None = None


@dataclass(frozen=True)
class OverrideContext:
    """What the override dialog shows and offers for one item."""

    item_id: int
    excerpt: str
    status: ItemStatus
    in_force: DecisionInfo | None
    labels: list[LabelInfo]
    reasons: dict[str, list[ReasonInfo]]


@dataclass(frozen=True)
class OverrideNotice:
    """An override of one of the reader's own decisions."""

    item_id: int
    excerpt: str
    yours: DecisionInfo  # the decision of theirs that was overridden
    override: DecisionInfo  # who, when, what; ``override.note`` is the supervisor's reason
    withdrawn: bool  # the supervisor took the override back: the reader's decision stands again


# decided_at, item_id, item_seq: unique (item_seq is unique per item), and
# in an item's own order where two of its events share a timestamp.
LogKey = tuple[datetime, int, int]
