"""An item under review: its status, the actions a reviewer takes, claims, decisions and what is shown."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    from datetime import datetime


class ItemStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for (or held by) a moderator
    ESCALATED = "escalated"  # waiting for a supervisor
    DECIDED = "decided"


class Action(enum.StrEnum):
    APPROVE = "approve"
    WARN = "warn"  # approve with warning labels
    REMOVE = "remove"
    ESCALATE = "escalate"
    UNDO = "undo"  # withdraws the reviewer's own earlier decision


DECISIONS = (Action.APPROVE, Action.WARN, Action.REMOVE, Action.ESCALATE)

# What people read for each action, in the window and in reports (keyed by
# the action, whose value is its code: a code finds its name too).
ACTION_NAMES: dict[str, str] = {
    Action.APPROVE: "Approve",
    Action.WARN: "Approve with warning",
    Action.REMOVE: "Remove",
    Action.ESCALATE: "Escalate",
    Action.UNDO: "Undo",
}

# An item's severity, 0 to 3, in words.
SEVERITY_NAMES = ("none", "mild", "graphic", "extreme")


@dataclass(frozen=True)
class Claim:
    item_id: int
    lease_expires_at: datetime
    resumed: bool = False  # the reviewer already held it


@dataclass(frozen=True)
class DecisionInfo:
    id: str
    item_id: int
    action: Action
    labels: list[str]
    reason: str | None
    note: str | None
    reviewer: str
    decided_at: datetime
    round: int
    overrides: str | None
    undoes: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "action": self.action.value,
            "labels": list(self.labels),
            "reason": self.reason,
            "note": self.note,
            "reviewer": self.reviewer,
            "decided_at": self.decided_at.isoformat(),
            "round": self.round,
            "overrides": self.overrides,
            "undoes": self.undoes,
        }


@dataclass(frozen=True)
class QueueEntry:
    id: int
    severity: int
    markers: list[str]
    text: str
    media: int
    status: ItemStatus

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "markers": list(self.markers),
            "text": self.text,
            "media": self.media,
            "status": self.status.value,
        }


@dataclass(frozen=True)
class MediaInfo:
    id: int
    uri: str
    media_type: str
    size_bytes: int | None
    width: int | None
    height: int | None
    has_preview: bool
    error: str | None
    frames: int | None = None
    duration_s: float | None = None
    codec: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uri": self.uri,
            "type": self.media_type,
            "size": self.size_bytes,
            "width": self.width,
            "height": self.height,
            "preview": "ready" if self.has_preview else ("error" if self.error else "none"),
            "error": self.error,
            "frames": self.frames,
            "duration_s": self.duration_s,
            "codec": self.codec,
        }


@dataclass(frozen=True)
class ItemView:
    id: int
    source: str
    external_id: str
    text: str
    language: str | None
    author: str | None
    author_name: str | None
    published_at: datetime | None
    received_at: datetime
    severity: int
    status: ItemStatus
    claimed_by: str | None
    lease_expires_at: datetime | None
    media_withheld: bool
    duplicate_of: int | None
    markers: list[dict[str, Any]] = field(default_factory=list)
    media: list[MediaInfo] = field(default_factory=list)
    decisions: list[DecisionInfo] = field(default_factory=list)
    # The decision on a near-duplicate (duplicate_of): offered, never applied.
    suggestion: DecisionInfo | None = None
    # The viewer is second-reviewing this item: its history, suggestion,
    # holder and near-duplicate are left out, and as_dict hides the status,
    # because each of them hints at the first decision.
    blind: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "external_id": self.external_id,
            "text": self.text,
            "language": self.language,
            "author": self.author,
            "author_name": self.author_name,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "received_at": self.received_at.isoformat(),
            "severity": self.severity,
            "status": None if self.blind else self.status.value,
            "claimed_by": self.claimed_by,
            "lease_expires_at": self.lease_expires_at.isoformat() if self.lease_expires_at else None,
            "media_withheld": self.media_withheld,
            "duplicate_of": self.duplicate_of,
            "markers": self.markers,
            "media": [] if self.media_withheld else [m.as_dict() for m in self.media],
            "decisions": [d.as_dict() for d in self.decisions],
            "suggestion": self.suggestion.as_dict() if self.suggestion else None,
            "blind": self.blind,
        }


def parse_action(value: str) -> Action:
    try:
        action = Action(value)
    except ValueError:
        action = None
    if action not in DECISIONS:
        choices = "|".join(a.value for a in DECISIONS)
        raise UsageError(f"unknown action {value!r} (choose {choices})")
    assert action is not None
    return action


@dataclass(frozen=True)
class PendingDecision:
    decision_id: str
    item_id: int
    action: str
    database: str  # the database it belongs to (as shown, without a password)
    reviewer: str
    labels: list[str] = field(default_factory=list)
    reason: str | None = None
    note: str | None = None
    second_review: bool = False  # a blind second review (round 2), not a decision on the item

    @property
    def key(self) -> str:
        """Its id in the outbox."""
        return self.decision_id


@dataclass(frozen=True)
class PendingExposure:
    """What a reviewer saw and for how long, measured on the workstation and
    not saved yet. Its id is made when the exposure ended, so sending it again
    saves it once; ``started_at`` (aware) stays as measured."""

    exposure_id: str
    item_id: int
    media_id: int | None
    mode: str  # "reveal", "peek" or "view"
    started_at: datetime
    seconds: float
    database: str  # as for a decision: the database it belongs to, without a password
    reviewer: str

    @property
    def key(self) -> str:
        """Its id in the outbox."""
        return self.exposure_id


# What the outbox keeps for a person, oldest first.
Pending = PendingDecision | PendingExposure


@dataclass(frozen=True)
class Replayed:
    """What sending the outbox saved: decisions, and exposure records."""

    decisions: int = 0
    exposures: int = 0


@dataclass(frozen=True)
class Shown:
    """An item as a reviewer sees it: its view and its stored (blurred) previews."""

    view: ItemView
    previews: dict[int, bytes] = field(default_factory=dict)  # by media id; none for withheld media


@dataclass(frozen=True)
class Next:
    """The item a step moved the reviewer on to: its claim and, unless the
    caller had read it ahead, the item itself; and the item held ahead of it.
    Claim and item None: nothing waits."""

    claim: Claim | None = None
    shown: Shown | None = None
    # The item held ahead, to be shown after this one (when the step was asked to hold one).
    ahead: int | None = None


@dataclass(frozen=True)
class DecisionRequest:
    action: Action
    labels: tuple[str, ...]
    reason: str | None
    note: str | None
