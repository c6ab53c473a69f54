"""The review window's status bar: the queue's depth, the day's decisions, reveal time, the blur, the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QSizePolicy

from desktop.core.media import levels

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from desktop.domain.care import Tracker


class StatusLine:
    def __init__(self, bar: QStatusBar) -> None:
        self.queue = QLabel()
        self.today = QLabel()
        self.exposure = QLabel()
        self.level = QLabel()
        self.database = QLabel()
        for label in (self.queue, self.today, self.exposure, self.level):
            # A narrow window cuts the status short rather than growing past the screen.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            bar.addWidget(label, 1)
        bar.addPermanentWidget(self.database)

    def show_day(self, pending: int | None, tracker: Tracker | None, reveal_unsaved_s: float = 0.0) -> None:
        """The queue's depth, the day's saved decisions and the session's reveal time, of
        which ``reveal_unsaved_s`` waits in the outbox (the database did not take it yet)."""
        self.queue.setText(f"Queue: {pending:,} pending" if pending is not None else "Queue: …")
        if tracker is not None:
            self.today.setText(f"Today: {tracker.day.decisions} decisions")
            text = f"Revealed this session: {_clock(tracker.session_reveal_s)}"
            if reveal_unsaved_s > 0:
                text += f" ({_clock(reveal_unsaved_s)} not saved yet)"
            self.exposure.setText(text)

    def show_level(self, level: int) -> None:
        self.level.setText(f"Blur: {levels.STEPS[level] or 'clear'}")

    def show_database(self, state: str) -> None:
        """``connected``, ``offline``, ``unwritable`` (it answers, cannot save) or ``none`` (not opened)."""
        texts = {
            "connected": "● Database connected",
            "offline": "○ Database not answering",
            "unwritable": "○ Database cannot save",
            "none": "No database",
        }
        self.database.setText(texts[state])


def _clock(seconds: float) -> str:
    minutes, left = divmod(int(seconds), 60)
    return f"{minutes}:{left:02d}"
