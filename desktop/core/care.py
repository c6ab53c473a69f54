"""Care for reviewers: the day's exposure so far, break reminders, the daily budget.

Exposure is what the ``exposure`` table records: seconds of unblurred media
("reveal"), of lightly blurred media ("peek"), and of graphic (S2+) items
open on screen ("view"). A break is suggested after a stretch of reveal time
or of graphic items; the daily budget counts time on graphic items. The
reminders only suggest: the reviewer dismisses them, and both the reminder
and the answer go into the audit log, so a team can see that the tool asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from db.models import Action, Decision, Exposure
from desktop.core import audit
from desktop.core.errors import UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from db.session import Database
    from desktop.core.users import Actor

REMINDERS = ("break", "budget")
ANSWERS = ("shown", "dismissed")


@dataclass(frozen=True)
class Day:
    """One reviewer's day so far."""

    decisions: int
    reveal_s: float  # unblurred and peeked
    graphic_s: float  # graphic items open on screen
    graphic_items: int


@dataclass(frozen=True)
class Policy:
    break_reveal_s: float
    break_graphic_items: int
    daily_budget_s: float


def day_so_far(database: Database, actor: Actor, since: datetime) -> Day:
    """``actor``'s decisions and exposure from ``since`` (the start of their local day)."""
    with database.read() as session:
        decisions = session.scalar(
            select(func.count())
            .select_from(Decision)
            .where(Decision.reviewer_id == actor.id, Decision.decided_at >= since, Decision.action != Action.UNDO)
        )
        rows = session.execute(
            select(
                Exposure.mode,
                func.coalesce(func.sum(Exposure.seconds), 0.0),
                func.count(func.distinct(Exposure.item_id)),
            )
            .where(Exposure.user_id == actor.id, Exposure.started_at >= since)
            .group_by(Exposure.mode)
        ).all()
    by_mode = {mode: (float(seconds), int(items)) for mode, seconds, items in rows}
    reveal = by_mode.get("reveal", (0.0, 0))[0] + by_mode.get("peek", (0.0, 0))[0]
    graphic_s, graphic_items = by_mode.get("view", (0.0, 0))
    return Day(int(decisions or 0), reveal, graphic_s, graphic_items)


class Tracker:
    """This session's stretch since the last break, and the day's totals.

    The window adds reveal time and graphic items as they happen; ``due()``
    says which reminder, if any, to show now.
    """

    def __init__(self, policy: Policy, day: Day) -> None:
        self.policy = policy
        self.day = day
        self.session_reveal_s = 0.0
        self._stretch_reveal_s = 0.0
        self._stretch_items = 0
        self._budget_told = False  # over budget at start: told once, at the first check

    def add_reveal(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.session_reveal_s += seconds
        self._stretch_reveal_s += seconds
        self.day = Day(self.day.decisions, self.day.reveal_s + seconds, self.day.graphic_s, self.day.graphic_items)

    def add_graphic_item(self, seconds_open: float) -> None:
        self._stretch_items += 1
        self.day = Day(
            self.day.decisions,
            self.day.reveal_s,
            self.day.graphic_s + max(0.0, seconds_open),
            self.day.graphic_items + 1,
        )

    def add_decision(self) -> None:
        self.day = Day(self.day.decisions + 1, self.day.reveal_s, self.day.graphic_s, self.day.graphic_items)

    def due(self) -> str | None:
        """ "budget" once the day's graphic time reaches the budget (told once a
        session), else "break" after a stretch of reveal time or graphic items."""
        if not self._budget_told and self.day.graphic_s >= self.policy.daily_budget_s:
            return "budget"
        if (
            self._stretch_reveal_s >= self.policy.break_reveal_s
            or self._stretch_items >= self.policy.break_graphic_items
        ):
            return "break"
        return None

    def answered(self, reminder: str) -> None:
        """The reviewer has seen ``reminder``: a break starts a new stretch."""
        if reminder == "budget":
            self._budget_told = True
        else:
            self._stretch_reveal_s = 0.0
            self._stretch_items = 0


def record_reminder(database: Database, actor: Actor, reminder: str, answer: str, *, at: datetime) -> None:
    """Log that a reminder was shown to ``actor``, or how they answered it."""
    if reminder not in REMINDERS or answer not in ANSWERS:
        raise UsageError(f"unknown reminder {reminder!r} / answer {answer!r}")
    with database.write() as session:
        audit.append(session, kind=f"care.{reminder}", actor=actor.name, at=at, payload={"answer": answer})
