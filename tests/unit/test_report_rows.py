"""The words, rows and chart rules the dashboard and the PDF share."""

from __future__ import annotations

import pytest

from desktop.core.supervision.report_rows import BARS, LINE, Chart, figures, labels_shown, nice_ceiling, values_shown
from tests.support.reports import sample_report


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (3, 5), (13, 20), (23, 25), (25, 25), (26, 50), (457, 500), (1001, 2000)]
)
def test_the_axis_top_is_a_round_number_at_least_the_peak(value: float, top: float) -> None:
    assert nice_ceiling(value) == top


def test_every_label_is_shown_when_they_fit() -> None:
    assert labels_shown(5, slot=20, widest=15) == [0, 1, 2, 3, 4]


def test_crowded_labels_are_thinned_evenly_and_the_last_is_always_shown() -> None:
    # 24 hours, room for every third label: 21 would crowd 23, the last, so it goes.
    assert labels_shown(24, slot=10, widest=25) == [0, 3, 6, 9, 12, 15, 18, 23]
    # 14 days, every second: 12 would crowd 13.
    assert labels_shown(14, slot=10, widest=15) == [0, 2, 4, 6, 8, 10, 13]


def test_numbers_on_every_bar_that_fits_else_on_the_peak_and_the_last() -> None:
    bars = Chart(BARS, "t", (("a", 3.0), ("b", 0.0), ("c", 9.0), ("d", 4.0)), "")
    line = Chart(LINE, "t", bars.points, "")

    assert values_shown(bars, fit=True) == [0, 2, 3]  # a bar of zero carries no number
    assert values_shown(bars, fit=False) == [2, 3]
    assert values_shown(line, fit=True) == [0, 1, 2, 3]  # a line's zero is a point to read
    assert values_shown(Chart(BARS, "t", (), ""), fit=True) == []


def test_the_headline_figures() -> None:
    assert figures(sample_report()) == {
        "decisions": "37",
        "overrides": "3",
        "escalations": "1 / 1",
        "ttd_median": "42 min 00 s",
        "ttd_p90": "4 h 24 min",
        "kappa": "0.60",
    }
