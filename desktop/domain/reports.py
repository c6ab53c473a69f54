"""The supervisors' report: figures for a range, open escalations, and how durations are written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    pass


@dataclass(frozen=True)
class Quantiles:
    """Median and 90th percentile of ``n`` values (None when there are none).

    Percentiles interpolate linearly between the two nearest ranks (what
    spreadsheets call PERCENTILE.INC), so they are reproducible by hand.
    """

    n: int
    median: float | None
    p90: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "median": self.median, "p90": self.p90}


@dataclass(frozen=True)
class AgreementFigure:
    """How often a blind second review agreed with the primary decision."""

    n: int | None
    percent: float | None
    kappa: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "percent": self.percent, "kappa": self.kappa}


NO_AGREEMENT = AgreementFigure(None, None, None)


@dataclass(frozen=True)
class Agreement:
    overall: AgreementFigure = NO_AGREEMENT
    by_moderator: dict[str, AgreementFigure] = field(default_factory=dict)
    by_label: dict[str, AgreementFigure] = field(default_factory=dict)

    @property
    def measured(self) -> bool:
        """Whether any decision in the range has a finished second review."""
        return bool(self.overall.n)

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.as_dict(),
            "by_moderator": {name: f.as_dict() for name, f in self.by_moderator.items()},
            "by_label": {code: f.as_dict() for code, f in self.by_label.items()},
        }


@dataclass(frozen=True)
class DayExposure:
    exposure_s: float  # reveal + peek
    graphic_s: float  # graphic items open on screen
    graphic_items: int

    def as_dict(self) -> dict[str, Any]:
        return {"exposure_s": self.exposure_s, "graphic_s": self.graphic_s, "graphic_items": self.graphic_items}


@dataclass(frozen=True)
class Report:
    """The figures for one range; see the module's docstring for what counts."""

    since: datetime | None
    until: datetime | None
    generated_at: datetime
    # The span the series cover: ``since`` (else the first item or decision) to
    # ``until`` (else the time of the report), never past the time of the report.
    start: datetime | None
    end: datetime
    decisions: int
    by_action: dict[str, int]
    by_label: dict[str, int]  # a decision with two labels counts for both
    label_names: dict[str, str]
    by_moderator: dict[str, int]
    decisions_per_day: dict[str, int]  # "YYYY-MM-DD" -> n, every day of the span
    decisions_per_hour: dict[str, int]  # UTC hour of the day "00".."23" -> n, summed over the span
    queue_depth: dict[str, int]  # "YYYY-MM-DD" -> depth at the end of that day
    time_to_decision_s: Quantiles
    exposure_s_by_moderator: dict[str, float]
    graphic_s_by_moderator: dict[str, float]
    exposure_by_moderator_day: dict[str, dict[str, DayExposure]]
    graphic_items_by_moderator_day: dict[str, dict[str, int]]
    overrides: int
    escalations_open: int
    escalations_resolved: int
    agreement: Agreement
    # The audit chain when the report was read, so a printed report names the
    # state of the history it describes.
    audit_events: int
    audit_head_hash: str

    def as_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "since": iso(self.since),
            "until": iso(self.until),
            "generated_at": self.generated_at.isoformat(),
            "start": iso(self.start),
            "end": self.end.isoformat(),
            "decisions": self.decisions,
            "by_action": dict(self.by_action),
            "by_label": dict(self.by_label),
            "label_names": dict(self.label_names),
            "by_moderator": dict(self.by_moderator),
            "decisions_per_day": dict(self.decisions_per_day),
            "decisions_per_hour": dict(self.decisions_per_hour),
            "queue_depth": dict(self.queue_depth),
            "time_to_decision_s": self.time_to_decision_s.as_dict(),
            "exposure_s_by_moderator": dict(self.exposure_s_by_moderator),
            "graphic_s_by_moderator": dict(self.graphic_s_by_moderator),
            "exposure_by_moderator_day": {
                name: {day: figures.as_dict() for day, figures in days.items()}
                for name, days in self.exposure_by_moderator_day.items()
            },
            "graphic_items_by_moderator_day": {
                name: dict(days) for name, days in self.graphic_items_by_moderator_day.items()
            },
            "overrides": self.overrides,
            "escalations": {"open": self.escalations_open, "resolved": self.escalations_resolved},
            "agreement": self.agreement.as_dict(),
            "audit": {"events": self.audit_events, "head_hash": self.audit_head_hash},
        }


@dataclass(frozen=True)
class OpenEscalation:
    """An item waiting for a supervisor, and the escalation that sent it there."""

    item_id: int
    severity: int
    text: str
    escalated_by: str
    escalated_at: datetime
    reason: str | None
    reason_name: str | None
    note: str | None
    decision_id: str
    held_by: str | None  # the supervisor resolving it now, if any

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "severity": self.severity,
            "text": self.text,
            "escalated_by": self.escalated_by,
            "escalated_at": self.escalated_at.isoformat(),
            "reason": self.reason,
            "reason_name": self.reason_name,
            "note": self.note,
            "decision_id": self.decision_id,
            "held_by": self.held_by,
        }


def format_duration(seconds: float | None) -> str:
    """A duration as the dashboard, the PDF and ``veil report`` all print it ("-" for none)."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def format_minutes(seconds: float) -> str:
    """Exposure as the dashboard, the PDF and ``veil report`` all print it: minutes, one decimal."""
    return f"{seconds / 60:,.1f} min"
