"""The banner across the top of the window: what needs the reviewer's attention until dismissed.

One at a time, of a kind that styles it (``offline``, ``error``, ``break``,
``budget``, ``second-review``); the database's absence cannot be dismissed,
it goes when the database answers.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton


class Banner(QFrame):
    # The reviewer dismissed the banner: its kind.
    dismissed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.button = QPushButton("Dismiss")
        row.addWidget(self.text, 1)
        row.addWidget(self.button)
        self.kind: str | None = None
        self.button.clicked.connect(self.dismiss)
        self.hide()

    def say(self, kind: str, text: str) -> None:
        self.kind = kind
        self.setProperty("kind", kind)  # the theme's style sheet colours each kind
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(text)
        self.button.setVisible(kind != "offline")
        self.show()

    def clear(self, kind: str | None = None) -> None:
        """Hide the banner (only if it is of ``kind``, when given), without a dismissal."""
        if kind is None or self.kind == kind:
            self.hide()
            self.kind = None

    def dismiss(self) -> None:
        kind = self.kind
        self.clear()
        if kind is not None:
            self.dismissed.emit(kind)
