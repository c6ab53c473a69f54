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

    def show_day(self, pending: int | None, tracker: Tracker | None) -> None:
        self.queue.setText(f"Queue: {pending:,} pending" if pending is not None else "Queue: …")
        if tracker is not None:
            self.today.setText(f"Today: {tracker.day.decisions} decisions")
            minutes, seconds = divmod(int(tracker.session_reveal_s), 60)
            self.exposure.setText(f"Revealed this session: {minutes}:{seconds:02d}")

    def show_level(self, level: int) -> None:
        self.level.setText(f"Blur: {levels.STEPS[level] or 'clear'}")

    def show_database(self, state: str) -> None:
        """``connected``, ``offline`` or ``none`` (it could not be opened)."""
        texts = {"connected": "● Database connected", "offline": "○ Database not answering", "none": "No database"}
        self.database.setText(texts[state])
