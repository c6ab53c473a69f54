"""Percent agreement, Cohen's kappa and confusion tables against numbers worked by hand."""

from __future__ import annotations

import pytest

from desktop.domain.agreement import agreement, cohen_kappa, confusion, label_agreement, percent_agreement


def _pairs(counts: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    return [pair for pair, n in counts.items() for _ in range(n)]


# Wikipedia, "Cohen's kappa", the worked example: 50 proposals read by two
# readers. A said yes to 25, B to 30; they agree on 20 yes and 15 no.
WIKIPEDIA = {("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15}


def test_the_textbook_two_by_two() -> None:
    found = agreement(_pairs(WIKIPEDIA))
    # p_o = (20 + 15) / 50 = 0.70
    # p_e = P(A yes) P(B yes) + P(A no) P(B no) = 0.5 * 0.6 + 0.5 * 0.4 = 0.50
    # kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
    assert (found.n, found.observed, found.expected, found.kappa) == (50, 0.7, 0.5, 0.4)
    assert found.percent == pytest.approx(70.0)
    assert percent_agreement(_pairs(WIKIPEDIA)) == pytest.approx(70.0)
    assert cohen_kappa(_pairs(WIKIPEDIA)) == 0.4


def test_perfect_agreement_is_kappa_one() -> None:
    pairs = [("approve", "approve"), ("warn", "warn"), ("remove", "remove"), ("warn", "warn")]
    found = agreement(pairs)
    # p_o = 1; p_e = (1*1 + 2*2 + 1*1) / 16 = 6/16
    assert (found.observed, found.expected, found.kappa) == (1.0, 0.375, 1.0)


def test_agreement_at_chance_level_is_kappa_zero() -> None:
    # A says yes to 6 of 10, B to 5 of 10, and they agree on half:
    # p_o = (3 + 2) / 10 = 0.5 = p_e = 0.6 * 0.5 + 0.4 * 0.5.
    pairs = _pairs({("yes", "yes"): 3, ("yes", "no"): 3, ("no", "yes"): 2, ("no", "no"): 2})
    found = agreement(pairs)
    assert (found.observed, found.expected, found.kappa) == (0.5, 0.5, 0.0)


def test_worse_than_chance_is_negative() -> None:
    # They never agree: p_o = 0, p_e = 0.5 * 0.5 * 2 = 0.5, kappa = -1.
    found = agreement(_pairs({("yes", "no"): 5, ("no", "yes"): 5}))
    assert found.kappa == -1.0


def test_three_categories() -> None:
    #              second: approve warn remove   (row total)
    # first approve           4     1     0          5
    # first warn              1     2     1          4
    # first remove            0     0     1          1
    #          (column total) 5     3     2         10
    # p_o = (4 + 2 + 1) / 10 = 0.7
    # p_e = (5*5 + 4*3 + 1*2) / 100 = 0.39
    # kappa = (0.7 - 0.39) / 0.61 = 31/61
    counts = {
        ("approve", "approve"): 4,
        ("approve", "warn"): 1,
        ("warn", "approve"): 1,
        ("warn", "warn"): 2,
        ("warn", "remove"): 1,
        ("remove", "remove"): 1,
    }
    found = agreement(_pairs(counts))
    assert found.observed == pytest.approx(0.7)
    assert found.expected == pytest.approx(0.39)
    assert found.kappa == pytest.approx(31 / 61)

    table = confusion(_pairs(counts), ["approve", "warn", "remove", "escalate"])
    assert table.categories == ["approve", "warn", "remove", "escalate"]
    assert table.counts == [[4, 1, 0, 0], [1, 2, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    assert table.as_dict() == {"categories": table.categories, "counts": table.counts}


def test_confusion_keeps_categories_it_was_not_told_about() -> None:
    table = confusion([("warn", "undo"), ("approve", "warn")], ["approve", "warn"])
    assert table.categories == ["approve", "warn", "undo"]
    assert table.counts == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_all_pairs_in_one_category_is_kappa_one_by_definition() -> None:
    # p_e = 1 makes kappa 0/0; the module defines it as 1.0 (they agreed on every pair).
    found = agreement([("approve", "approve")] * 7)
    assert (found.observed, found.expected, found.kappa) == (1.0, 1.0, 1.0)


def test_no_pairs_measures_nothing() -> None:
    found = agreement([])
    assert (found.n, found.observed, found.expected, found.kappa, found.percent) == (0, None, None, None, None)
    assert found.as_dict() == {"n": 0, "percent_agreement": None, "observed": None, "expected": None, "kappa": None}
    assert label_agreement([]) == {}


def test_each_label_is_present_or_absent_across_the_pairs() -> None:
    pairs: list[tuple[set[str], set[str]]] = [
        ({"gore"}, {"gore"}),
        ({"gore"}, set()),
        (set(), {"gore"}),
        (set(), set()),
        ({"gore", "medical"}, {"medical"}),
        ({"medical"}, {"medical"}),
        ({"medical"}, set()),
        (set(), set()),
    ]
    found = label_agreement(pairs)
    assert list(found) == ["gore", "medical"]
    # gore: (P,P) (P,A) (A,P) (A,A) (P,A) (A,A) (A,A) (A,A): agree 5 of 8.
    # first present 3, second present 2: p_e = (3*2 + 5*6) / 64 = 36/64.
    # kappa = (40/64 - 36/64) / (28/64) = 4/28 = 1/7
    assert found["gore"].observed == pytest.approx(5 / 8)
    assert found["gore"].expected == pytest.approx(36 / 64)
    assert found["gore"].kappa == pytest.approx(1 / 7)
    # medical: (A,A) (A,A) (A,A) (A,A) (P,P) (P,P) (P,A) (A,A): agree 7 of 8.
    # first present 3, second 2: p_e = 36/64; kappa = (56 - 36) / (64 - 36) = 20/28 = 5/7
    assert found["medical"].kappa == pytest.approx(5 / 7)
    # Asked about a label nobody used: both always say absent.
    assert label_agreement(pairs, ["nudity"])["nudity"].kappa == 1.0
