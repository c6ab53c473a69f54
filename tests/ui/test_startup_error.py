"""``veil gui`` started from a menu has no terminal: an error before the
window opens is also shown in a box."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.cli.gui import window_was_asked_for
from desktop.cli.parser import build_parser
from desktop.ui.app import startup_error_box

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot


def test_the_box_says_what_went_wrong_and_whom_to_ask(qtbot: QtBot) -> None:
    message = "db_url is locked by your administrator in /etc/veil/config.toml"
    box = startup_error_box(message)
    qtbot.addWidget(box)
    assert box.icon() == QMessageBox.Icon.Critical
    assert box.text() == message
    assert "system settings file" in box.informativeText()
    assert box.standardButtons() == QMessageBox.StandardButton.Close


@pytest.mark.parametrize(
    ("argv", "environment", "expected"),
    [
        (["gui"], {"DISPLAY": ":0"}, True),
        (["gui"], {"WAYLAND_DISPLAY": "wayland-0"}, False),  # without XWayland the bundle has no platform
        (["gui"], {}, False),  # no screen: stderr is all there is
        (["gui"], {"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),  # nobody would see it
        (["gui", "--screenshot", "x.png"], {"DISPLAY": ":0"}, False),
        (["queue"], {"DISPLAY": ":0"}, False),  # the command line prints its errors
    ],
)
def test_only_a_window_start_with_a_screen_gets_the_box(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], environment: dict[str, str], expected: bool
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    args = build_parser().parse_args(argv)
    assert window_was_asked_for(args) is expected
