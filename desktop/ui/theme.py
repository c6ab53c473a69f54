"""Colours and fonts for long shifts in front of graphic material.

Two themes, "dark" (the default) and "light". Both are calm: greys that are
never pure black or white, so the screen does not glare after hours, and
no saturated red anywhere: the material itself is full of blood, and an
interface that shouts in the same colour makes it harder to look at, not
easier. Warnings are amber.

Fusion is the style because it is the one Qt style that draws every
widget from the palette on every platform; the native Windows and macOS
styles ignore parts of a custom palette, which leaves light patches on a
dark screen.

Armenian, Cyrillic and Arabic need no font of their own here: Qt falls
back per script to a system font that has the glyphs (DejaVu Sans on a
bare Linux, Segoe UI on Windows, the system font on macOS).
:func:`script_families` says which families the system offers for each
script the queue carries, for the about box and for the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette

if TYPE_CHECKING:
    from collections.abc import Mapping

    from PySide6.QtWidgets import QApplication

THEMES = ("dark", "light")
DEFAULT_THEME = "dark"
DEFAULT_FONT_SIZE_PT = 12
MARKER_KINDS = ("explicit", "weak", "cue")
# The application property that names the theme in force, for widgets that
# paint with colours of their own (markers) and are built after apply_theme.
THEME_PROPERTY = "veil_theme"

# The scripts of the material Veil is reviewed in, beyond Latin.
SCRIPTS = MappingProxyType(
    {
        "Armenian": QFontDatabase.WritingSystem.Armenian,
        "Cyrillic": QFontDatabase.WritingSystem.Cyrillic,
        "Arabic": QFontDatabase.WritingSystem.Arabic,
    }
)


@dataclass(frozen=True)
class Colours:
    window: str
    window_text: str
    base: str
    alternate_base: str
    text: str
    placeholder: str
    button: str
    button_text: str
    disabled_text: str
    highlight: str
    highlighted_text: str
    link: str
    link_visited: str
    tooltip_base: str
    tooltip_text: str
    light: str
    midlight: str
    mid: str
    dark: str
    shadow: str
    # Amber, for hints and notices that ask for attention without alarm.
    warning_text: str
    warning_background: str
    warning_border: str
    # What Fusion darkens by 40% to outline checkboxes; the window colour
    # would leave them invisible on a dark theme.
    indicator: str
    # Backgrounds under marker text; the text keeps the theme's colour.
    marker_explicit: str
    marker_weak: str
    marker_cue: str


_COLOURS = MappingProxyType(
    {
        "dark": Colours(
            window="#2d2f33",
            window_text="#d4d4d2",
            base="#26282b",
            alternate_base="#2e3034",
            text="#dadad7",
            placeholder="#8b8e92",
            button="#383b40",
            button_text="#dadad7",
            disabled_text="#7c7f84",
            highlight="#40617f",
            highlighted_text="#f2f2f0",
            link="#8fb4d6",
            link_visited="#b3a3d6",
            tooltip_base="#3b3e43",
            tooltip_text="#e2e2df",
            light="#4b4f55",
            midlight="#41444a",
            mid="#34373b",
            dark="#1f2124",
            shadow="#141517",
            warning_text="#e3b35c",
            warning_background="#3d3424",
            warning_border="#9a7630",
            indicator="#8e9299",
            # Dark tints: amber for what the publisher wrote, slate violet for
            # weak words, teal for cues. Light text stays readable on each.
            marker_explicit="#6e5417",
            marker_weak="#4c4a6b",
            marker_cue="#1f5752",
        ),
        "light": Colours(
            window="#ecebe8",
            window_text="#232426",
            base="#f9f8f5",
            alternate_base="#f1f0ec",
            text="#1f2022",
            placeholder="#6f7174",
            button="#e2e1dd",
            button_text="#1f2022",
            disabled_text="#8d8e90",
            highlight="#3d6c99",
            highlighted_text="#ffffff",
            link="#1f5a93",
            link_visited="#5b3f8f",
            tooltip_base="#fbf6e4",
            tooltip_text="#1f2022",
            light="#ffffff",
            midlight="#f1f0ec",
            mid="#b9b8b3",
            dark="#9e9d98",
            shadow="#6b6a66",
            warning_text="#7a4e00",
            warning_background="#f8ecc9",
            warning_border="#c89a3c",
            indicator="#d8d7d3",
            marker_explicit="#f3d48a",
            marker_weak="#dcd6f0",
            marker_cue="#bfe2db",
        ),
    }
)


def colours(name: str) -> Colours:
    """The named theme's colours; ValueError for a name that is not a theme."""
    try:
        return _COLOURS[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r} (choose {'|'.join(THEMES)})") from None


def marker_colours(name: str) -> dict[str, QColor]:
    """Background colours for markers of each kind (explicit, weak, cue) on theme ``name``."""
    theme = colours(name)
    return {
        "explicit": QColor(theme.marker_explicit),
        "weak": QColor(theme.marker_weak),
        "cue": QColor(theme.marker_cue),
    }


def palette(name: str) -> QPalette:
    theme = colours(name)
    pal = QPalette()
    group = QPalette.ColorGroup
    role = QPalette.ColorRole
    for colour_group in (group.Active, group.Inactive, group.Disabled):
        for colour_role, value in (
            (role.Window, theme.window),
            (role.WindowText, theme.window_text),
            (role.Base, theme.base),
            (role.AlternateBase, theme.alternate_base),
            (role.Text, theme.text),
            (role.PlaceholderText, theme.placeholder),
            (role.Button, theme.button),
            (role.ButtonText, theme.button_text),
            (role.BrightText, theme.highlighted_text),
            (role.Highlight, theme.highlight),
            (role.HighlightedText, theme.highlighted_text),
            (role.Accent, theme.highlight),
            (role.Link, theme.link),
            (role.LinkVisited, theme.link_visited),
            (role.ToolTipBase, theme.tooltip_base),
            (role.ToolTipText, theme.tooltip_text),
            (role.Light, theme.light),
            (role.Midlight, theme.midlight),
            (role.Mid, theme.mid),
            (role.Dark, theme.dark),
            (role.Shadow, theme.shadow),
        ):
            pal.setColor(colour_group, colour_role, QColor(value))
    for colour_role in (role.WindowText, role.Text, role.ButtonText, role.HighlightedText):
        pal.setColor(group.Disabled, colour_role, QColor(theme.disabled_text))
    # A disabled selection keeps its place but loses its colour.
    pal.setColor(group.Disabled, role.Highlight, QColor(theme.mid))
    return pal


def stylesheet(name: str) -> str:
    """What the palette cannot say: the notices' frames and the hint line.

    Only Veil's own object names are styled, so the rest of the window keeps
    Fusion's drawing from the palette.
    """
    theme = colours(name)
    return f"""
QToolTip {{
    color: {theme.tooltip_text};
    background-color: {theme.tooltip_base};
    border: 1px solid {theme.mid};
    padding: 3px;
}}
QFrame#suggestionBanner, QFrame#withheldNotice {{
    background-color: {theme.warning_background};
    border: 1px solid {theme.warning_border};
    border-radius: 4px;
}}
QLabel#decisionHint, QLabel#pendingStatus {{
    color: {theme.warning_text};
}}
"""


def apply_theme(app: QApplication, name: str, font_size_pt: int) -> None:
    """Give the whole application theme ``name`` and a base font of ``font_size_pt`` points."""
    pal = palette(name)
    # Named before the palette changes: widgets that follow the theme read it
    # when the palette change reaches them.
    app.setProperty(THEME_PROPERTY, name)
    app.setStyle("Fusion")
    app.setPalette(pal)
    indicators = QPalette(pal)
    for colour_group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        indicators.setColor(colour_group, QPalette.ColorRole.Window, QColor(colours(name).indicator))
    for class_name in ("QCheckBox", "QRadioButton"):
        # The stubs say bytes; PySide6 takes only str here.
        app.setPalette(indicators, class_name)  # type: ignore[arg-type]
    app.setStyleSheet(stylesheet(name))
    font = QFont(app.font())
    font.setPointSize(font_size_pt)
    app.setFont(font)


def current_theme() -> str:
    """The theme :func:`apply_theme` last gave the application (the default before that)."""
    app = QCoreApplication.instance()
    name = app.property(THEME_PROPERTY) if app is not None else None
    return name if isinstance(name, str) and name in THEMES else DEFAULT_THEME


def script_families() -> Mapping[str, list[str]]:
    """The font families installed for each script in :data:`SCRIPTS` (empty: none)."""
    return {script: QFontDatabase.families(system) for script, system in SCRIPTS.items()}
