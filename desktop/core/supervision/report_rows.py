"""A :class:`~desktop.domain.reports.Report` as rows, words and chart series, for every front end that shows one.

The window's dashboard paints these with Qt and the PDF draws them with its
own primitives; both take the text of every cell, caption and axis from
here, so a figure reads the same on screen and on paper. Plain Python: no
drawing, no fonts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from desktop.domain.reports import format_duration, format_minutes
from desktop.domain.review import ACTION_NAMES

if TYPE_CHECKING:
    from collections.abc import Sequence

    from desktop.domain.reports import AgreementFigure, Report

BARS, HBARS, LINE = "bars", "hbars", "line"
CHART_NAMES = ("per_day", "per_hour", "queue_depth", "by_action", "by_label")


def format_count(value: float) -> str:
    """A count with thousands separators: 1,234."""
    return f"{value:,.0f}"


def describe_range(report: Report) -> str:
    def when(value: datetime | None) -> str:
        return value.astimezone(UTC).strftime("%d %b %Y %H:%M") if value else "the beginning"

    return f"from {when(report.start)} to {when(report.end)} UTC"


def figures(report: Report) -> dict[str, str]:
    """The headline figures, keyed decisions, overrides, escalations, ttd_median, ttd_p90, kappa."""
    ttd = report.time_to_decision_s
    kappa = report.agreement.overall.kappa if report.agreement.measured else None
    return {
        "decisions": format_count(report.decisions),
        "overrides": format_count(report.overrides),
        "escalations": f"{format_count(report.escalations_open)} / {format_count(report.escalations_resolved)}",
        "ttd_median": format_duration(ttd.median),
        "ttd_p90": format_duration(ttd.p90),
        "kappa": f"{kappa:.2f}" if kappa is not None else "-",
    }


# -- tables -------------------------------------------------------------------


def reviewer_rows(report: Report) -> list[tuple[str, str, str, str]]:
    """Reviewer, decisions, unblurred minutes, graphic minutes over the whole range."""
    names = sorted(set(report.by_moderator) | set(report.exposure_s_by_moderator) | set(report.graphic_s_by_moderator))
    return [
        (
            name,
            format_count(report.by_moderator.get(name, 0)),
            format_minutes(report.exposure_s_by_moderator.get(name, 0.0)),
            format_minutes(report.graphic_s_by_moderator.get(name, 0.0)),
        )
        for name in names
    ]


def exposure_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """Reviewer, day, unblurred minutes, graphic minutes, graphic items: one row per reviewer and day."""
    return [
        (name, day, format_minutes(figures.exposure_s), format_minutes(figures.graphic_s), str(figures.graphic_items))
        for name, days in report.exposure_by_moderator_day.items()
        for day, figures in days.items()
    ]


def _agreement_cells(name: str, figure: AgreementFigure) -> tuple[str, str, str, str]:
    return (
        name,
        str(figure.n) if figure.n is not None else "-",
        f"{figure.percent:.1f}%" if figure.percent is not None else "-",
        f"{figure.kappa:.2f}" if figure.kappa is not None else "-",
    )


def agreement_rows(report: Report) -> list[tuple[str, str, str, str]]:
    """Overall, then each reviewer, then each label: pairs, percent agreement, kappa."""
    agreement = report.agreement
    if not agreement.measured:
        return []
    rows = [_agreement_cells("Overall", agreement.overall)]
    rows += [_agreement_cells(name, figure) for name, figure in agreement.by_moderator.items()]
    rows += [
        _agreement_cells(f"Label: {report.label_names.get(code, code)}", figure)
        for code, figure in agreement.by_label.items()
    ]
    return rows


# -- charts -------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """What one chart shows: ``points`` are (label, value) in drawing order."""

    kind: str  # BARS, HBARS or LINE
    title: str
    points: tuple[tuple[str, float], ...]
    caption: str  # the chart's numbers in words, shown under it


def _short_day(iso_day: str) -> str:
    return date.fromisoformat(iso_day).strftime("%d %b")


def _total(points: Sequence[tuple[str, float]]) -> float:
    return sum(value for _, value in points)


def _peak(points: Sequence[tuple[str, float]]) -> tuple[str, float] | None:
    return max(points, key=lambda p: p[1]) if points else None


def charts(report: Report) -> dict[str, Chart]:
    """The report's charts, keyed by :data:`CHART_NAMES`; the dashboard and the PDF draw the same."""
    per_day = tuple((_short_day(day), float(n)) for day, n in report.decisions_per_day.items())
    busiest = _peak(per_day)
    per_day_caption = f"{format_count(_total(per_day))} decisions over {len(per_day)} days" + (
        f"; most on {busiest[0]} ({format_count(busiest[1])})" if busiest and busiest[1] else ""
    )
    per_hour = tuple((hour, float(n)) for hour, n in report.decisions_per_hour.items())
    busiest_hour = _peak(per_hour)
    per_hour_caption = (
        f"busiest hour {busiest_hour[0]}:00 UTC ({format_count(busiest_hour[1])} decisions)"
        if busiest_hour and busiest_hour[1]
        else "no decisions in the range"
    )
    depth = tuple((_short_day(day), float(n)) for day, n in report.queue_depth.items())
    deepest = _peak(depth)
    depth_caption = (
        f"now {format_count(depth[-1][1])} waiting; deepest {format_count(deepest[1])} ({deepest[0]})"
        if depth and deepest
        else "no items"
    )
    by_action = tuple((ACTION_NAMES.get(a, a), float(n)) for a, n in report.by_action.items())
    by_label = tuple((report.label_names.get(code, code), float(n)) for code, n in report.by_label.items())
    labelled = _total(by_label)
    return {
        "per_day": Chart(BARS, "Decisions per day (UTC)", per_day, per_day_caption),
        "per_hour": Chart(BARS, "Decisions by hour of the day (UTC)", per_hour, per_hour_caption),
        "queue_depth": Chart(LINE, "Queue depth at the end of each day", depth, depth_caption),
        "by_action": Chart(HBARS, "Decisions by action", by_action, f"{format_count(report.decisions)} decisions"),
        "by_label": Chart(
            HBARS,
            "Decisions by warning label",
            by_label,
            f"{format_count(labelled)} labels on {format_count(report.by_action.get('warn', 0))} warnings"
            if by_label
            else "no labels used",
        ),
    }


# -- how a chart is laid out, whatever draws it ---------------------------------

# A chart's height in lines of its font, and the height of one horizontal bar's row.
COLUMN_CHART_LINES = 12.0
HBAR_ROW_LINES = 1.9


def chart_lines(chart: Chart) -> float:
    """The height ``chart`` wants, in lines of its font: horizontal bars grow with their rows."""
    if chart.kind == HBARS:
        return 3.2 + HBAR_ROW_LINES * max(1, len(chart.points))
    return COLUMN_CHART_LINES


def nice_ceiling(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def labels_shown(count: int, slot: float, widest: float) -> list[int]:
    """Which of ``count`` column labels are drawn, ``widest`` wide in slots ``slot`` wide.

    Every label that fits, evenly thinned out when they would overlap; the
    last is always shown, and none that would collide with it.
    """
    every = max(1, math.ceil(widest / slot))
    last = count - 1
    return [i for i in range(count) if i == last or (not i % every and not (last - i < every and last % every))]


def values_shown(chart: Chart, *, fit: bool) -> list[int]:
    """Which points carry their number: every one when the numbers ``fit`` their slots, else the peak and the last.

    Bars of zero carry none (the axis says it); a line's points all can.
    """
    values = [value for _, value in chart.points]
    if not values:
        return []
    peak = max(range(len(values)), key=lambda i: values[i])
    return [
        i
        for i, value in enumerate(values)
        if (value != 0 or chart.kind == LINE) and (fit or i in (peak, len(values) - 1))
    ]
