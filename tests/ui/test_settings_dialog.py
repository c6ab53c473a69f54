"""The settings dialog on real settings files, offscreen.

Each test writes the files the way an IT admin or a user would (the
``_isolated_settings`` fixture points VEIL_CONFIG and VEIL_SYSTEM_CONFIG
at files of the test's own), opens the dialog on ``config.load()``, edits
real widgets and presses OK, then reads what landed in the user file.
"""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialogButtonBox, QLineEdit, QSpinBox

from desktop import config
from desktop.ui.settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    from pytestqt.qtbot import QtBot


def _open(qtbot: QtBot, settings: config.Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(settings or config.load())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _press_ok(qtbot: QtBot, dialog: SettingsDialog) -> None:
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)


def _combo(dialog: SettingsDialog, key: str) -> QComboBox:
    editor = dialog.editors[key]
    assert isinstance(editor, QComboBox)
    return editor


def _spin(dialog: SettingsDialog, key: str) -> QSpinBox:
    editor = dialog.editors[key]
    assert isinstance(editor, QSpinBox)
    return editor


def _line(dialog: SettingsDialog, key: str) -> QLineEdit:
    editor = dialog.editors[key]
    assert isinstance(editor, QLineEdit)
    return editor


def _user_file() -> Path:
    return config.user_config_file()


def test_ok_writes_only_the_changed_settings_to_the_user_file(qtbot: QtBot) -> None:
    dialog = _open(qtbot)
    _combo(dialog, "theme").setCurrentText("light")
    _spin(dialog, "break_reveal_minutes").setValue(35)
    # Changed and changed back: not a change.
    greyscale = dialog.editors["greyscale"]
    assert isinstance(greyscale, QCheckBox)
    greyscale.setChecked(False)
    greyscale.setChecked(True)

    with qtbot.waitSignal(dialog.saved) as saved:
        _press_ok(qtbot, dialog)

    assert saved.args == [{"theme": "light", "break_reveal_minutes": 35}]
    assert not dialog.isVisible()
    written = tomllib.loads(_user_file().read_text(encoding="utf-8"))
    assert written == {"theme": "light", "break_reveal_minutes": 35}
    loaded = config.load()
    assert (loaded.values.theme, loaded.values.break_reveal_minutes) == ("light", 35)
    assert loaded.origins["theme"] == loaded.origins["break_reveal_minutes"] == str(_user_file())
    assert loaded.origins["greyscale"] == "default"


def test_a_value_a_spin_box_had_to_cut_is_not_written_back(qtbot: QtBot) -> None:
    # config accepts any positive preview size; the dialog's box stops at 4096.
    config.system_config_file().write_text("preview_long_edge = 5000\n", encoding="utf-8")
    dialog = _open(qtbot)
    assert _spin(dialog, "preview_long_edge").value() == 4096
    _spin(dialog, "font_size_pt").setValue(14)

    with qtbot.waitSignal(dialog.saved) as saved:
        _press_ok(qtbot, dialog)

    assert saved.args == [{"font_size_pt": 14}]
    assert tomllib.loads(_user_file().read_text(encoding="utf-8")) == {"font_size_pt": 14}


def test_an_invalid_database_url_is_refused_and_nothing_is_written(qtbot: QtBot) -> None:
    _user_file().write_text('theme = "dark"\n', encoding="utf-8")
    before = _user_file().read_bytes()
    dialog = _open(qtbot)
    _line(dialog, "db_url").setText("mysql://someone@somewhere/veil")
    _spin(dialog, "daily_budget_minutes").setValue(120)

    with qtbot.assertNotEmitted(dialog.saved):
        _press_ok(qtbot, dialog)

    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == (
        "Not saved: unsupported database URL scheme 'mysql': use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
    )
    assert _user_file().read_bytes() == before


def test_a_refusal_from_the_settings_file_is_shown_and_the_file_left_alone(qtbot: QtBot) -> None:
    dialog = _open(qtbot)
    # Someone edits the file by hand while the dialog is open, with a key Veil does not know.
    _user_file().write_text("colour = 'red'\n", encoding="utf-8")
    before = _user_file().read_bytes()
    _combo(dialog, "theme").setCurrentText("light")

    with qtbot.assertNotEmitted(dialog.saved):
        _press_ok(qtbot, dialog)

    assert dialog.isVisible()
    assert "unknown setting 'colour'" in dialog.error_label.text()
    assert _user_file().read_bytes() == before


def test_each_value_says_which_file_or_layer_set_it(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    system = config.system_config_file()
    system.write_text('theme = "light"\nvideo_speed = 2.0\n', encoding="utf-8")
    _user_file().write_text("video_speed = 1.25\n", encoding="utf-8")
    monkeypatch.setenv("VEIL_DB_URL", "postgresql+psycopg://veil@db.example.org/veil")

    dialog = _open(qtbot)

    theme = dialog.origin_labels["theme"]
    assert theme.text() == "system file"
    assert str(system) in theme.toolTip()
    assert str(system) in dialog.files_label.text()
    assert _combo(dialog, "theme").currentText() == "light"
    # The user file beats the system file; the label says which won.
    assert dialog.origin_labels["video_speed"].text() == "your file"
    assert str(_user_file()) in dialog.origin_labels["video_speed"].toolTip()
    assert dialog.origin_labels["font_size_pt"].text() == "default"
    assert dialog.origin_labels["db_url"].text() == "environment (VEIL_DB_URL)"
    notes = [label.text() for label in dialog.findChildren(type(theme)) if "overrides" in label.text()]
    assert notes == ["VEIL_DB_URL overrides your settings file until it is removed from the environment."]


def test_the_command_line_is_named_and_its_override_explained(qtbot: QtBot) -> None:
    dialog = _open(qtbot, config.load({"db_url": "sqlite:////srv/veil/shared.sqlite3"}))

    assert dialog.origin_labels["db_url"].text() == "command line"
    assert _line(dialog, "db_url").text() == "sqlite:////srv/veil/shared.sqlite3"
    notes = [label.text() for label in dialog.findChildren(type(dialog.files_label)) if "overrides" in label.text()]
    assert len(notes) == 1 and "command line overrides your settings file" in notes[0]


def test_an_emptied_database_url_removes_the_key_so_the_default_file_applies(qtbot: QtBot) -> None:
    _user_file().write_text('db_url = "sqlite:////srv/veil/old.sqlite3"\ntheme = "light"\n', encoding="utf-8")
    dialog = _open(qtbot)
    url = _line(dialog, "db_url")
    assert url.placeholderText() == f"sqlite:///{config.data_dir() / 'veil.sqlite3'}"
    url.clear()

    with qtbot.waitSignal(dialog.saved) as saved:
        _press_ok(qtbot, dialog)

    assert saved.args == [{"db_url": None}]
    assert tomllib.loads(_user_file().read_text(encoding="utf-8")) == {"theme": "light"}
    assert config.load().origins["db_url"] == "default"


def test_settings_locked_by_the_system_file_cannot_be_edited(qtbot: QtBot) -> None:
    system = config.system_config_file()
    system.parent.mkdir(parents=True, exist_ok=True)
    system.write_text('blur_default_percent = 4.0\nlocked = ["blur_default_percent"]\n', encoding="utf-8")
    dialog = SettingsDialog(config.load())
    qtbot.addWidget(dialog)
    assert not dialog.editors["blur_default_percent"].isEnabled()
    assert dialog.editors["theme"].isEnabled()
    assert "administrator" in dialog.editors["blur_default_percent"].toolTip()
    assert dialog.origin_labels["blur_default_percent"].text() == "locked: system file"
    assert dialog.origin_labels["theme"].text() == "default"
