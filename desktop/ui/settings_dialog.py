"""The user's own settings, with where each value in force comes from.

Settings come in layers (command line > environment > user file > system
file > defaults, see :mod:`desktop.config`). The dialog edits the user file
only, and says beside each value which layer set it, so an IT admin can
tell at a glance which file to look in. A value the environment or the
command line sets wins over anything saved here; the dialog says so
beside it instead of pretending the change will take effect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop import config
from desktop.app.database_url import check_url
from desktop.domain.errors import VeilError
from desktop.ui.theme import colours, current_theme

if TYPE_CHECKING:
    from collections.abc import Sequence

# Integers the config only wants positive get this ceiling: a spin box needs one,
# and it is far above any sensible value, so no value from a file is cut short.
_MOST = 999_999

# (title, note on when changes apply or None, [(key, label, unit suffix)]);
# the notes say only what is true: previews are made at import, the database opened at start.
_GROUPS: list[tuple[str, str | None, list[tuple[str, str, str]]]] = [
    (
        "Database and media",
        "Veil opens the database when it starts: a change applies after a restart. "
        "Media are copied into the store when they are imported.",
        [("db_url", "Database URL", ""), ("media_store", "Media store folder", "")],
    ),
    (
        "Previews && blur",  # && : a plain ampersand, not a mnemonic
        "Previews are made when items are imported: size and blur apply to items imported from now on.",
        [
            ("greyscale", "Show media in greyscale by default", ""),
            ("s3_warning_screen", "Show a warning screen before extreme (S3) media", ""),
            ("blur_default_percent", "Default blur", " %"),
            ("blur_strong_percent", "Strong blur", " %"),
            ("blur_opaque_percent", "Opaque blur", " %"),
            ("preview_long_edge", "Preview size (long edge)", " px"),
        ],
    ),
    (
        "Care: reminders and budget",
        None,
        [
            ("break_reveal_minutes", "Break reminder after revealing for", " min"),
            ("break_graphic_items", "Break reminder after graphic (S2+) items", " items"),
            ("daily_budget_minutes", "Daily budget for graphic items", " min"),
        ],
    ),
    (
        "Appearance",
        None,
        [("theme", "Theme", ""), ("font_size_pt", "Font size", " pt")],
    ),
    (
        "Video",
        None,
        [("video_speed", "Playback speed", "\N{MULTIPLICATION SIGN}"), ("video_jump_seconds", "Jump length", " s")],
    ),
]
# Bounds the config checks elsewhere than RANGES (PreviewSettings takes 64-4096).
_BOUNDS: dict[str, tuple[float, float]] = {"preview_long_edge": (64, 4096)}
_STEPS: dict[str, float] = {"video_speed": 0.25, "preview_long_edge": 64}
_DECIMALS = 2


def _quiet(label: QLabel) -> None:
    """Text that is there to be found, not read first: the theme's placeholder colour."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def _amber(label: QLabel) -> None:
    """The theme's warning colour: notices that ask for attention without alarm."""
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, QColor(colours(current_theme()).warning_text))
    label.setPalette(pal)


def origin_text(key: str, origin: str) -> str:
    """Where a value comes from, in the words the dialog shows.

    The two files are named by their role; their paths are under the groups
    and in each tooltip, so a path as long as a Windows profile's does not
    push the editors off a laptop screen.
    """
    if origin == "environment":
        return f"environment ({config.ENVIRONMENT.get(key, 'VEIL_*')})"
    if origin == str(config.user_config_file()):
        return "your file"
    if origin == str(config.system_config_file()):
        return "system file"
    return origin  # "default", "command line"


def override_note(key: str, origin: str) -> str | None:
    """What saving a value does when a stronger layer than the user file sets it."""
    if origin == "environment":
        variable = config.ENVIRONMENT.get(key, "the variable")
        return f"{variable} overrides your settings file until it is removed from the environment."
    if origin == "command line":
        return "The command line overrides your settings file until Veil is started without that option."
    return None


class SettingsDialog(QDialog):
    # The settings written to the user's file: {key: value}, only those changed
    # (None: the key was removed, so the default or a system file applies).
    saved = Signal(object)

    def __init__(self, settings: config.Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        self.origin_labels: dict[str, QLabel] = {}
        self._initial: dict[str, Any] = {}
        self._build()
        for key in self.editors:
            self._initial[key] = self.value(key)
        self._connect_signals()

    # == building =============================================================

    def _build(self) -> None:
        self.setWindowTitle("Settings")
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        for index, (title, note, rows) in enumerate(_GROUPS):
            (left if index < 2 else right).addWidget(self._group(title, note, rows))
        left.addStretch(1)
        right.addStretch(1)
        # One width for every short editor, so the values line up within a group.
        short = [e for e in self.editors.values() if isinstance(e, QAbstractSpinBox | QComboBox)]
        width = max(e.sizeHint().width() for e in short)
        for editor in short:
            editor.setFixedWidth(width)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)

        self.files_label = QLabel(
            f"Your file: {config.user_config_file()}\nSystem file (set by IT, read only here): "
            f"{config.system_config_file()}"
        )
        self.files_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        _quiet(self.files_label)
        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        _amber(self.error_label)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)

        # The refusal sits beside the buttons, where the eyes are after OK, and in
        # room the layout already has: showing it never squeezes the groups.
        bottom = QHBoxLayout()
        bottom.addWidget(self.error_label, 1)
        bottom.addWidget(self.buttons, 0, Qt.AlignmentFlag.AlignBottom)

        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.files_label)
        layout.addLayout(bottom)

    def _group(self, title: str, note: str | None, rows: Sequence[tuple[str, str, str]]) -> QGroupBox:
        box = QGroupBox(title)
        grid = QGridLayout(box)
        grid.setColumnStretch(2, 1)  # the editors keep their size; the origins take the rest
        line = 0
        for key, text, suffix in rows:
            editor = self._editor(key, text, suffix)
            self.editors[key] = editor
            if key in self.settings.locked:
                # IT's choice: shown, not editable (config.save_user refuses it too).
                editor.setEnabled(False)
                editor.setToolTip("Locked by your administrator in the system settings file")
                if isinstance(editor, QLineEdit):
                    editor.setClearButtonEnabled(False)  # a greyed clear button still looks like an offer
            if isinstance(editor, QCheckBox):
                grid.addWidget(editor, line, 0, 1, 2)
            else:
                label = QLabel(text)
                label.setBuddy(editor)
                grid.addWidget(label, line, 0)
                grid.addWidget(editor, line, 1, Qt.AlignmentFlag.AlignLeft)
            origin = self.settings.origins.get(key, "default")
            shown = origin_text(key, origin)
            where = QLabel(f"locked: {shown}" if key in self.settings.locked else shown)
            where.setToolTip(f"Where the value in force comes from: {origin}")
            where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            _quiet(where)
            self.origin_labels[key] = where
            grid.addWidget(where, line, 2)
            line += 1
            overridden = override_note(key, origin)
            if overridden is not None:
                warning = QLabel(overridden)
                warning.setWordWrap(True)
                _amber(warning)
                grid.addWidget(warning, line, 0, 1, 3)
                line += 1
        if note is not None:
            remark = QLabel(note)
            remark.setWordWrap(True)
            _quiet(remark)
            grid.addWidget(remark, line, 0, 1, 3)
        return box

    def _editor(self, key: str, text: str, suffix: str) -> QWidget:
        value = getattr(self.settings.values, key)
        kind = config.TYPES[key]
        if key in ("db_url", "media_store"):
            edit = QLineEdit(value or "")
            # What an empty field means: the SQLite file Settings.db_url falls back to, or no store.
            empty = config.Settings().db_url if key == "db_url" else None
            edit.setPlaceholderText(empty or "None: media stay where they were found")
            edit.setClearButtonEnabled(True)
            edit.setCursorPosition(0)  # the beginning first: a URL's scheme and host say which database it is
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("x" * 36))
            return edit
        if key in config.CHOICES:
            combo = QComboBox()
            combo.addItems(list(config.CHOICES[key]))
            combo.setCurrentText(str(value))
            return combo
        if kind is bool:
            check = QCheckBox(text)
            check.setChecked(bool(value))
            return check
        low, high = _BOUNDS.get(key) or config.RANGES.get(key, (1, _MOST))
        spin: QSpinBox | QDoubleSpinBox
        if kind is float:
            spin = QDoubleSpinBox()
            spin.setDecimals(_DECIMALS)
            spin.setRange(low, high)
            spin.setSingleStep(_STEPS.get(key, 0.5))
            spin.setValue(float(value))
        else:
            spin = QSpinBox()
            spin.setRange(int(low), int(min(high, _MOST)))
            spin.setSingleStep(int(_STEPS.get(key, 1)))
            spin.setValue(int(value))
        spin.setSuffix(suffix)
        spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        return spin

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    # == values ===============================================================

    def value(self, key: str) -> Any:
        """What the editor for ``key`` holds now, as the config stores it."""
        editor = self.editors[key]
        if isinstance(editor, QLineEdit):
            return editor.text().strip() or None
        if isinstance(editor, QComboBox):
            return editor.currentText()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QDoubleSpinBox):
            return round(editor.value(), _DECIMALS)
        if isinstance(editor, QSpinBox):
            return editor.value()
        raise TypeError(f"no value for an editor of type {type(editor).__name__}")

    def changes(self) -> dict[str, Any]:
        """The settings the reviewer changed, against what the dialog showed at first.

        Compared with what was shown, not with the loaded value: a value a
        spin box had to round or cut to its range is not a change the
        reviewer made, and is not written.
        """
        now = {key: self.value(key) for key in self.editors}
        return {key: value for key, value in now.items() if value != self._initial[key]}

    # == saving ===============================================================

    @Slot()
    def _on_buttons_accepted(self) -> None:
        changes = self.changes()
        if not changes:
            self.accept()
            return
        try:
            if changes.get("db_url") is not None:
                # save_user takes any text as a URL; a typo would only show at the next start.
                check_url(str(changes["db_url"]))
            config.save_user(changes)
        except VeilError as err:
            self.error_label.setText(f"Not saved: {err}")
            self.error_label.show()
            return
        except OSError as err:
            self.error_label.setText(f"Not saved: cannot write {config.user_config_file()}: {err.strerror or err}")
            self.error_label.show()
            return
        self.error_label.hide()
        self.saved.emit(changes)
        self.accept()
