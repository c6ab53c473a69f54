"""Fail a UI test that leaves a top-level widget behind.

A window or dialog a test opened and did not close (or that closes without
being deleted) lives on into the next tests: it keeps timers, database
workers and event filters running, and in the application it is a window
the user never sees go. pytest-qt closes the widgets given to
``qtbot.addWidget`` before fixtures are torn down; after that, and once
deferred deletions have run, only the windows that were there before the
test may be left.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget

# Qt's own windows, made once and kept for the life of the application.
_QT_KEEPS = frozenset({"QTipLabel"})


def top_level() -> set[int]:
    return {id(w) for w in QApplication.topLevelWidgets()}


def left_open(before: set[int]) -> list[QWidget]:
    """The top-level widgets made since ``before`` that are still alive."""
    gc.collect()  # a window only the test's frame held goes with it
    for _ in range(3):  # a deletion may post another (a dialog's children)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
    return [
        w
        for w in QApplication.topLevelWidgets()
        if id(w) not in before and type(w).__name__ not in _QT_KEEPS and w.metaObject().className() not in _QT_KEEPS
    ]


def describe(widget: QWidget) -> str:
    shown = "visible" if widget.isVisible() else "hidden"
    return f"{widget.metaObject().className()} {widget.objectName() or widget.windowTitle()!r} ({shown})"


def close(widgets: list[QWidget]) -> None:
    """Close what was left, so the next test starts clean."""
    for widget in widgets:
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
