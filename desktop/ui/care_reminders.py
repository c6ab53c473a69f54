"""Breaks and the daily budget: when to suggest a pause, and what the reviewer is told.

The tracker (:class:`desktop.domain.care.Tracker`) counts the day's reveal
time, graphic items and decisions; this object feeds it from the window,
says a reminder is due, and records in the audit chain that it was shown
and dismissed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop.domain.care import REMINDERS, Policy, Tracker
from desktop.ui.workers import DbOp

if TYPE_CHECKING:
    from datetime import datetime

    from desktop.config import Settings
    from desktop.domain.care import Day
    from desktop.ui.review_controller import ReviewController


def policy(settings: Settings) -> Policy:
    return Policy(
        break_reveal_s=settings.values.break_reveal_minutes * 60,
        break_graphic_items=settings.values.break_graphic_items,
        daily_budget_s=settings.values.daily_budget_minutes * 60,
    )


def reminder_text(kind: str, settings: Settings) -> str:
    if kind == "budget":
        hours = settings.values.daily_budget_minutes / 60
        return (
            f"<b>You have reached today's exposure budget</b> ({hours:g} h on graphic items). "
            "Please finish with something else, or talk to your supervisor before going on."
        )
    return (
        "<b>Time for a short break.</b> You have looked at a lot of difficult material. "
        "Step away from the screen for a few minutes; the queue will wait."
    )


class CareReminders(QObject):
    # A reminder ("break" | "budget") is due: show it (kind, text).
    due = Signal(str, str)

    def __init__(self, controller: ReviewController, settings: Settings, day: Day) -> None:
        super().__init__(controller)
        self.controller = controller
        self.settings = settings
        self.tracker = Tracker(policy(settings), day)
        self.showing: str | None = None
        controller.decision_saved.connect(lambda _id: self.tracker.add_decision())

    def set_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.tracker.policy = policy(settings)

    def revealed(self, seconds: float) -> None:
        self.tracker.add_reveal(seconds)
        self.check()

    def graphic_item_left(self, _item_id: int, _started: datetime, seconds: float) -> None:
        self.tracker.add_graphic_item(seconds)
        self.check()

    def decided(self, count: int = 1) -> None:
        for _ in range(count):
            self.tracker.add_decision()

    def check(self) -> None:
        if self.showing is not None:
            return
        kind = self.tracker.due()
        if kind is None:
            return
        self.showing = kind
        self._record(kind, "shown")
        self.due.emit(kind, reminder_text(kind, self.settings))

    def dismissed(self, kind: str) -> None:
        if kind not in REMINDERS:
            return
        self.showing = None
        self.tracker.answered(kind)
        self._record(kind, "dismissed")

    def _record(self, kind: str, answer: str) -> None:
        veil = self.controller.veil
        if veil is None:
            return
        DbOp(self.controller.writer, lambda: veil.care.record_reminder(kind, answer)).failure(
            lambda error: self.controller.message.emit(f"Error: {error}", 8000)
        ).run()
