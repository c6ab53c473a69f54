"""Care for reviewers: the day's exposure so far, the reminders' policy, and the tracker that says when one is due."""

from __future__ import annotations

from dataclasses import dataclass

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
