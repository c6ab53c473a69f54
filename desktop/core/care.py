"""Care for reviewers: the day's exposure so far, break reminders, the daily budget.

Exposure is what the ``exposure`` table records: seconds of unblurred media
("reveal"), of lightly blurred media ("peek"), and of graphic (S2+) items
open on screen ("view"). A break is suggested after a stretch of reveal time
or of graphic items; the daily budget counts time on graphic items. The
reminders only suggest: the reviewer dismisses them, and both the reminder
and the answer go into the audit log, so a team can see that the tool asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from db.models import Decision, Exposure
from desktop.core import audit
from desktop.core.clock import now as clock_now
from desktop.domain.care import ANSWERS, REMINDERS, Day
from desktop.domain.clock import Clock, system_clock
from desktop.domain.errors import UsageError
from desktop.domain.review import Action

if TYPE_CHECKING:
    from datetime import datetime

    from db.session import Database
    from desktop.domain.people import Actor


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


def record_reminder(
    database: Database, actor: Actor, reminder: str, answer: str, *, clock: Clock = system_clock
) -> None:
    """Log that a reminder was shown to ``actor``, or how they answered it."""
    if reminder not in REMINDERS or answer not in ANSWERS:
        raise UsageError(f"unknown reminder {reminder!r} / answer {answer!r}")
    with database.write() as session:
        at = clock_now(session, clock)
        audit.append(session, kind=f"care.{reminder}", actor=actor.name, at=at, payload={"answer": answer})
