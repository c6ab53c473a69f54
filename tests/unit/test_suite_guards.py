"""The suite's own guards fail what they are meant to fail (tests/support/logfail.py, widgetfail.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from tests.support import widgetfail
from tests.support.logfail import LogGuard

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot


def _guarded() -> tuple[LogGuard, logging.Logger]:
    guard = LogGuard()
    logger = logging.getLogger("veil-guard-test.child")
    logger.propagate = False  # the records stay with this guard, not the suite's own
    logger.addHandler(guard)
    return guard, logger


def test_an_unexpected_warning_is_a_problem_and_info_is_not() -> None:
    guard, logger = _guarded()
    try:
        logger.info("fine")
        logger.warning("item %d could not be read", 7)
    finally:
        logger.removeHandler(guard)
    assert guard.problems() == ["unexpected log record: WARNING veil-guard-test.child: item 7 could not be read"]


def test_a_declared_record_passes_and_a_missing_one_is_a_problem() -> None:
    guard, logger = _guarded()
    guard.expect("veil-guard-test", "WARNING")  # a parent logger covers its children
    try:
        logger.error("broke")
    finally:
        logger.removeHandler(guard)
    assert guard.problems() == []
    guard.expect("veil-guard-test.other", logging.ERROR)
    assert len(guard.problems()) == 1 and "veil-guard-test.other" in guard.problems()[0]


def test_a_window_left_open_is_found_and_a_closed_one_is_not(qtbot: QtBot) -> None:
    before = widgetfail.top_level()
    closed, left = QDialog(), QDialog()
    closed.setObjectName("closed")
    left.setObjectName("left")
    for dialog in (closed, left):
        dialog.show()
    closed.close()
    closed.deleteLater()
    found = widgetfail.left_open(before)
    assert [w.objectName() for w in found] == ["left"]
    widgetfail.close(found)
    assert widgetfail.left_open(before) == []
