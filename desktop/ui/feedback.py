"""A reviewer's own decisions that a supervisor overrode, and why.

Moderators see overrides of their own work, so a correction reaches the
person it is about: which item, what they decided, what it became, who
changed it, when, and the supervisor's reason in their own words. Nobody
sees anyone else's here (``veil.supervision.overrides_of_mine`` reads
only the signed-in person's). The list is read on the dialog's own thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.decision_words import Names, decision_text, plain_tooltip, when
from desktop.ui.workers import DbOp, DbWorker

if TYPE_CHECKING:
    from datetime import datetime

    from desktop.app.veil import Veil
    from desktop.domain.audit import OverrideNotice

COLUMNS = ("When", "Item", "Your decision", "Changed to", "By", "Why")
ItemIdRole = Qt.ItemDataRole.UserRole + 1


class FeedbackDialog(QDialog):
    # int: how many overrides are listed (after the list was read)
    loaded = Signal(int)
    # str: why the list could not be read
    failed = Signal(str)

    def __init__(self, veil: Veil, parent: QWidget | None = None, *, since: datetime | None = None) -> None:
        super().__init__(parent)
        self._veil = veil
        self._since = since
        self._worker = DbWorker(self, name="veil-feedback")
        self.notices: list[OverrideNotice] = []
        self.setWindowTitle("Overrides of my decisions")
        self.resize(980, 520)
        self._build()
        # From the event loop, not here: a quick answer (a refusal) can come back
        # within DbOp.run(), before whoever made the dialog has connected its signals.
        QTimer.singleShot(0, self, self._load)

    def _build(self) -> None:
        self.intro_label = QLabel(
            "Decisions of yours that a supervisor changed, newest first, with their reason. "
            "Hover over a row to read the item's text."
        )
        self.intro_label.setWordWrap(True)
        self.status_label = QLabel("Loading…")
        self.status_label.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # The supervisor's reason is what the reader came for: it gets the room,
        # and the two decisions wrap in columns of their own width.
        wrapped = self.table.fontMetrics().horizontalAdvance("Approve with warning:") + 16
        for column, name in enumerate(COLUMNS[:-1]):
            if name in ("Your decision", "Changed to"):
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(column, wrapped)
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _load(self) -> None:
        veil, since = self._veil, self._since

        def work() -> tuple[list[OverrideNotice], Names]:
            names = veil.audit.names()
            return veil.supervision.overrides_of_mine(since=since), Names(*names)

        DbOp(self._worker, work).success(self._on_loaded).failure(self._on_failed).run()

    def _on_loaded(self, loaded: tuple[list[OverrideNotice], Names]) -> None:
        notices, names = loaded
        self.notices = notices
        self.table.setRowCount(len(notices))
        for row, notice in enumerate(notices):
            yours, override = notice.yours, notice.override
            changed = decision_text(override.action, override.labels, override.reason, names)
            if notice.withdrawn:
                changed += "\n(override withdrawn: your decision stands)"
            cells = (
                when(override.decided_at),
                str(notice.item_id),
                decision_text(yours.action, yours.labels, yours.reason, names),
                changed,
                override.reviewer,
                override.note or "",
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(ItemIdRole, notice.item_id)
                cell.setToolTip(plain_tooltip(f"Item {notice.item_id}: {notice.excerpt}"))
                if column == 1:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                else:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                if column == 3 and notice.withdrawn:
                    font = QFont(cell.font())
                    font.setStrikeOut(True)
                    cell.setFont(font)
                self.table.setItem(row, column, cell)
        if notices:
            self.status_label.hide()
            self.table.show()
        else:
            self.status_label.setText("None of your decisions has been overridden.")
        self.loaded.emit(len(notices))

    def _on_failed(self, error: Exception) -> None:
        message = str(error) or type(error).__name__
        self.status_label.setText(f"⚠ {message}")
        self.failed.emit(message)

    def done(self, result: int) -> None:
        self._worker.shutdown()
        super().done(result)
