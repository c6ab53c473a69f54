"""Care for the people reviewing: the day's figures so far and the reminders they were shown.

Exposure itself is recorded by :meth:`Reviewing.record_exposure`, beside
the item it belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core import care
from desktop.domain.changes import Changes, Outcome

if TYPE_CHECKING:
    from datetime import datetime

    from desktop.app.context import Context
    from desktop.domain.care import Day


class Caring:
    def __init__(self, context: Context) -> None:
        self._c = context

    def day_so_far(self, since: datetime) -> Day:
        """The signed-in person's decisions and exposure since ``since`` (their local midnight)."""
        return care.day_so_far(self._c.db, self._c.who(), since)

    def record_reminder(self, reminder: str, answer: str) -> Outcome[None]:
        """That a reminder ("break" or "budget") was "shown" or "dismissed"; audited."""
        care.record_reminder(self._c.db, self._c.who(), reminder, answer, clock=self._c.clock)
        return Outcome(None, Changes(care=True, history=True))
