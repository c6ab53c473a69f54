"""The two themes: palettes, marker colours, fonts, and no blood-red anywhere."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QPalette, QTextLayout
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel

from desktop.ui.theme import (
    DEFAULT_THEME,
    SCRIPTS,
    THEME_PROPERTY,
    THEMES,
    apply_theme,
    colours,
    current_theme,
    marker_colours,
    palette,
    script_families,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

# One line each of the scripts the queue carries (from the marker tests' real phrases).
SAMPLES = {
    "Armenian": "Ցնցող կադրեր առաջնագծից, զոհված զինծառայողներ",
    "Cyrillic": "Шок-контент! Кадры боя, солдат убит",
    "Arabic": "تحذير: محتوى حساس، مشاهد مروعة من الجبهة",
}


def base_style(app: QApplication) -> str:
    """The style's name under any style sheet (which wraps it in a nameless proxy)."""
    sheet = app.styleSheet()
    app.setStyleSheet("")
    name = app.style().name()
    app.setStyleSheet(sheet)
    return name


@contextmanager
def restored_look(app: QApplication) -> Iterator[None]:
    """Whatever apply_theme does inside, the application looks as before after it."""
    classes = ("QCheckBox", "QRadioButton")
    # The stubs say bytes for the class name; PySide6 takes only str.
    class_palettes = {name: QPalette(QApplication.palette(name)) for name in classes}  # type: ignore[call-overload]
    pal, font, sheet, style = QPalette(app.palette()), QFont(app.font()), app.styleSheet(), base_style(app)
    try:
        yield
    finally:
        app.setStyleSheet(sheet)
        app.setStyle(style)
        app.setPalette(pal)
        for name, class_palette in class_palettes.items():
            QApplication.setPalette(class_palette, name)  # type: ignore[arg-type]
        app.setFont(font)
        app.setProperty(THEME_PROPERTY, None)


@pytest.fixture
def app_look(qapp: QApplication) -> Iterator[QApplication]:
    with restored_look(qapp):
        yield qapp


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", THEMES)
def test_theme_sets_palette_style_and_font(app_look: QApplication, qtbot: QtBot, name: str) -> None:
    apply_theme(app_look, name, 14)

    theme = colours(name)
    pal = app_look.palette()
    assert pal.color(QPalette.ColorRole.Window) == QColor(theme.window)
    assert pal.color(QPalette.ColorRole.Base) == QColor(theme.base)
    assert pal.color(QPalette.ColorRole.Text) == QColor(theme.text)
    assert base_style(app_look) == "fusion"
    assert current_theme() == name
    # Widgets made afterwards get all of it.
    label = QLabel("x")
    qtbot.addWidget(label)
    assert label.palette().color(QPalette.ColorRole.WindowText) == QColor(theme.window_text)
    assert label.font().pointSize() == 14
    assert "#decisionHint" in app_look.styleSheet()
    assert theme.warning_text in app_look.styleSheet()


def test_switching_theme_changes_every_role_that_differs(app_look: QApplication) -> None:
    apply_theme(app_look, "dark", 12)
    dark = QPalette(app_look.palette())
    apply_theme(app_look, "light", 12)
    light = app_look.palette()
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Text):
        assert dark.color(role) != light.color(role)
    # Light text on dark, dark text on light.
    assert dark.color(QPalette.ColorRole.Text).lightness() > dark.color(QPalette.ColorRole.Base).lightness()
    assert light.color(QPalette.ColorRole.Text).lightness() < light.color(QPalette.ColorRole.Base).lightness()


def test_checkboxes_get_an_outline_that_shows_on_dark(app_look: QApplication, qtbot: QtBot) -> None:
    apply_theme(app_look, "dark", 12)
    box = QCheckBox("Graphic violence")
    qtbot.addWidget(box)
    box.ensurePolished()  # as showing it would
    # Fusion outlines a checkbox in its Window colour darkened by 40%: from the
    # theme's window grey that outline would vanish into the background.
    outline = box.palette().color(QPalette.ColorRole.Window).darker(140)
    assert contrast(outline, QColor(colours("dark").window)) > 1.5


def test_unknown_theme_is_refused(app_look: QApplication) -> None:
    with pytest.raises(ValueError, match="unknown theme 'solarized'"):
        apply_theme(app_look, "solarized", 12)
    with pytest.raises(ValueError, match="unknown theme"):
        marker_colours("")


def test_before_any_theme_the_default_is_current(qapp: QApplication) -> None:
    qapp.setProperty(THEME_PROPERTY, None)
    assert current_theme() == DEFAULT_THEME == "dark"


@pytest.mark.parametrize("name", THEMES)
def test_dark_is_grey_not_black_and_light_is_not_white(name: str) -> None:
    pal = palette(name)
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
        lightness = pal.color(role).lightness()
        assert 25 < lightness < 250, (role, lightness)
    if name == "dark":
        assert pal.color(QPalette.ColorRole.Window).lightness() < 80


@pytest.mark.parametrize("name", THEMES)
def test_no_saturated_red_anywhere(name: str) -> None:
    # The material is full of blood; the interface is not.
    for field, value in asdict(colours(name)).items():
        colour = QColor(value)
        hue = colour.hsvHue()  # -1 for greys
        reddish = hue != -1 and (hue <= 20 or hue >= 330)
        assert not (reddish and colour.hsvSaturationF() > 0.35), f"{name}.{field} = {value} is red"


@pytest.mark.parametrize("name", THEMES)
def test_marker_colours_are_readable_and_distinct(name: str) -> None:
    theme = colours(name)
    found = marker_colours(name)
    assert set(found) == {"explicit", "weak", "cue"}
    for kind, background in found.items():
        assert contrast(QColor(theme.text), background) >= 4.5, kind
        # Visible as a highlight at all on the text's own background.
        assert background != QColor(theme.base)
        assert background != QColor(theme.highlight)  # not mistaken for a selection
    hues = sorted(colour.hsvHue() for colour in found.values())
    assert all(b - a >= 40 for a, b in itertools.pairwise(hues)), hues


def test_warnings_are_amber(qapp: QApplication) -> None:
    for name in THEMES:
        hue = QColor(colours(name).warning_text).hsvHue()
        assert 30 <= hue <= 50, (name, hue)


def test_every_script_has_a_font(app_look: QApplication) -> None:
    apply_theme(app_look, "dark", 12)
    families = script_families()
    assert set(families) == set(SCRIPTS)
    for script, found in families.items():
        assert found, f"no font installed for {script}"
    for script, text in SAMPLES.items():
        layout = QTextLayout(text, QFont(app_look.font()))
        layout.beginLayout()
        line = layout.createLine()
        line.setLineWidth(10_000)
        line.setPosition(QPointF(0, 0))
        layout.endLayout()
        glyphs = [index for run in layout.glyphRuns() for index in run.glyphIndexes()]
        assert glyphs, script
        # Glyph 0 is a font's "missing glyph" box: fallback found nothing.
        assert 0 not in glyphs, f"{script} text drawn with missing-glyph boxes"
