"""The supervisors' dashboard, offscreen: the report's numbers on screen, charts actually painted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget

from desktop.core.supervision.report_rows import BARS, Chart, charts
from desktop.domain.reports import Agreement, Quantiles, Report
from desktop.ui.dashboard import ChartColours, ChartView, Dashboard, paint_chart
from desktop.ui.theme import THEMES
from tests.support.reports import HEAD, sample_report

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot


def _open(qtbot: QtBot, report: Report) -> Dashboard:
    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    dashboard.resize(1200, 1400)
    dashboard.show_report(report)
    dashboard.show()
    qtbot.waitExposed(dashboard)
    return dashboard


def _text(dashboard: Dashboard, name: str) -> str:
    label = dashboard.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


def _cells(dashboard: Dashboard, name: str) -> list[list[str]]:
    table = dashboard.findChild(QTableWidget, name)
    assert table is not None, name
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]  # type: ignore[union-attr]
        for r in range(table.rowCount())
    ]


def test_figures_are_the_reports(qtbot: QtBot) -> None:
    dashboard = _open(qtbot, sample_report())

    assert _text(dashboard, "figure_decisions") == "37"
    assert _text(dashboard, "figure_overrides") == "3"
    assert _text(dashboard, "figure_escalations") == "1 / 1"
    assert _text(dashboard, "figure_ttd_median") == "42 min 00 s"
    assert _text(dashboard, "figure_ttd_p90") == "4 h 24 min"
    assert _text(dashboard, "figure_kappa") == "0.60"
    assert _text(dashboard, "dashboardRange") == "Decisions from 20 Nov 2026 00:00 to 21 Nov 2026 17:30 UTC"
    assert HEAD in _text(dashboard, "dashboardChain") and "412 events" in _text(dashboard, "dashboardChain")
    assert _text(dashboard, "chartCaption_per_day") == "37 decisions over 2 days; most on 20 Nov (23)"
    assert _text(dashboard, "chartCaption_per_hour") == "busiest hour 11:00 UTC (13 decisions)"
    assert _text(dashboard, "chartCaption_queue_depth") == "now 7 waiting; deepest 11 (20 Nov)"


def test_tables_are_the_reports(qtbot: QtBot) -> None:
    dashboard = _open(qtbot, sample_report())

    assert _cells(dashboard, "exposureTable") == [
        ["amira", "2026-11-20", "8.3 min", "33.3 min", "14"],
        ["amira", "2026-11-21", "4.2 min", "18.7 min", "9"],
        ["bogdan", "2026-11-21", "5.0 min", "33.0 min", "12"],
    ]
    assert _cells(dashboard, "reviewerTable") == [
        ["amira", "21", "12.6 min", "52.0 min"],
        ["bogdan", "14", "5.0 min", "33.0 min"],
        ["sofia", "2", "0.0 min", "0.0 min"],
    ]
    assert _cells(dashboard, "agreementTable") == [
        ["Overall", "8", "75.0%", "0.60"],
        ["amira", "5", "80.0%", "0.71"],
        ["bogdan", "3", "66.7%", "0.40"],
        ["Label: Graphic violence", "8", "87.5%", "0.75"],
    ]
    table = dashboard.findChild(QTableWidget, "agreementTable")
    assert table is not None and table.isVisible()


def test_without_second_reviews_the_agreement_says_so(qtbot: QtBot) -> None:
    dashboard = _open(qtbot, sample_report(agreement=False))

    table = dashboard.findChild(QTableWidget, "agreementTable")
    assert table is not None and not table.isVisible()
    assert "No blind second reviews" in _text(dashboard, "agreementNote")
    assert _text(dashboard, "figure_kappa") == "-"


def test_charts_carry_the_reports_series(qtbot: QtBot) -> None:
    report = sample_report()
    dashboard = _open(qtbot, report)

    views = {view.objectName(): view for view in dashboard.findChildren(ChartView)}
    per_day = views["chart_per_day"].chart
    assert per_day is not None and per_day.points == (("20 Nov", 23.0), ("21 Nov", 14.0))
    by_label = views["chart_by_label"].chart
    assert by_label is not None and by_label.points == (
        ("Graphic violence", 15.0),
        ("Medical", 6.0),
        ("Newsworthy", 3.0),
    )
    assert views["chart_by_action"].accessibleDescription() == (
        "Approve: 12, Approve with warning: 19, Remove: 4, Escalate: 2"
    )
    assert [p[1] for p in charts(report)["queue_depth"].points] == [11.0, 7.0]


def _series_pixels(image: QImage, colour: QColor) -> int:
    target = colour.rgb()
    return sum(1 for y in range(image.height()) for x in range(image.width()) if image.pixel(x, y) == target)


def test_dashboard_paints_its_charts(qtbot: QtBot) -> None:
    dashboard = _open(qtbot, sample_report())
    view = dashboard.findChild(ChartView, "chart_per_day")
    assert view is not None

    grabbed = view.grab().toImage()

    series = ChartColours.for_theme("dark").series
    assert grabbed.width() > 300 and grabbed.height() > 150
    # Two bars of 23 and 14 on a 25-high axis: a solid area in the series colour, not a blank widget.
    assert _series_pixels(grabbed, series) > 2000


def test_bar_heights_follow_the_values(qapp: object) -> None:
    font = QFont()
    font.setPixelSize(12)
    chart = Chart(BARS, "t", (("a", 10.0), ("b", 40.0)), "")
    palette = ChartColours.for_theme("light")
    image = QImage(400, 240, QImage.Format.Format_RGB32)
    image.fill(palette.background)
    painter = QPainter(image)
    try:
        painter.setFont(font)
        paint_chart(painter, QRectF(0, 0, 400, 240), chart, palette)
    finally:
        painter.end()
    series = palette.series.rgb()

    def column_height(x: int) -> int:
        return sum(1 for y in range(image.height()) if image.pixel(x, y) == series)

    # Each bar sits in half of the plot; sample the middle of each half.
    left, right = column_height(round(image.width() * 0.36)), column_height(round(image.width() * 0.8))
    assert left > 0
    assert right / left == pytest.approx(4.0, rel=0.1)


def test_refresh_asks_the_caller(qtbot: QtBot) -> None:
    dashboard = _open(qtbot, sample_report())
    button = dashboard.findChild(QPushButton, "dashboardRefresh")
    assert button is not None

    with qtbot.waitSignal(dashboard.refresh_requested, timeout=1000):
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_an_empty_report_shows_dashes_not_errors(qtbot: QtBot) -> None:
    empty = Report(
        since=None, until=None, generated_at=datetime(2026, 11, 21, tzinfo=UTC), start=None,
        end=datetime(2026, 11, 21, tzinfo=UTC), decisions=0,
        by_action={"approve": 0, "warn": 0, "remove": 0, "escalate": 0}, by_label={}, label_names={},
        by_moderator={}, decisions_per_day={}, decisions_per_hour={f"{h:02d}": 0 for h in range(24)}, queue_depth={},
        time_to_decision_s=Quantiles(0, None, None), exposure_s_by_moderator={}, graphic_s_by_moderator={},
        exposure_by_moderator_day={}, graphic_items_by_moderator_day={}, overrides=0, escalations_open=0,
        escalations_resolved=0, agreement=Agreement(), audit_events=0, audit_head_hash="0" * 64,
    )  # fmt: skip
    dashboard = _open(qtbot, empty)
    dashboard.grab()  # paints every chart with nothing to draw

    assert _text(dashboard, "figure_decisions") == "0"
    assert _text(dashboard, "figure_ttd_median") == "-"
    assert _text(dashboard, "chartCaption_per_hour") == "no decisions in the range"
    assert _cells(dashboard, "exposureTable") == []


@pytest.mark.parametrize("theme", THEMES)
def test_chart_colours_are_calm(theme: str) -> None:
    palette = ChartColours.for_theme(theme)
    for colour in (palette.series, palette.emphasis, palette.text, palette.muted, palette.grid):
        hue = colour.hsvHueF()
        reddish = hue >= 0 and (hue < 0.05 or hue > 0.93)
        assert not (reddish and colour.hsvSaturationF() > 0.5), colour.name()
