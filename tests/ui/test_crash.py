"""An exception nothing caught in the window: logged with its traceback, and
a box that says so and names the log file; the window goes on."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import pytest

from desktop import logs
from desktop.ui.crash import CrashReporter

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot


@pytest.mark.expected_log("desktop.ui.crash", "ERROR")
def test_an_uncaught_error_is_logged_and_told(
    qtbot: QtBot, set_up_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = logs.set_up()
    reporter = CrashReporter(target)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back after the test
    reporter.install()
    assert sys.excepthook is reporter
    try:
        raise RuntimeError("a slot broke")
    except RuntimeError as err:
        reporter(type(err), err, err.__traceback__)
    box = reporter.box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert "RuntimeError: a slot broke" in box.text()
    assert str(target) in box.informativeText()
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert target is not None
    written = target.read_text(encoding="utf-8")
    assert "unexpected error in the window" in written and "RuntimeError: a slot broke" in written
    # A second error while the box is up is logged, not boxed again.
    reporter(RuntimeError, RuntimeError("again"), None)
    assert reporter.caught == 2 and reporter.box is box
    box.close()
    qtbot.waitUntil(lambda: reporter.box is None)  # a closed box is deleted, not kept hidden
