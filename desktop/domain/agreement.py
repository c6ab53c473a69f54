"""How far two reviewers agree: percent agreement, Cohen's kappa, confusion tables.

Pure functions over pairs (first reviewer's call, second reviewer's call);
no database, so every number a supervisor sees can be recomputed by hand.

Cohen's kappa is ``(p_o - p_e) / (1 - p_e)``: ``p_o`` the share of pairs
that agree, ``p_e`` the share that would agree by chance if each reviewer
kept their own mix of calls (the sum over categories of the product of the
two reviewers' shares). Arithmetic is exact (fractions) until the result,
so a hand-computed 0.40 comes out as 0.40, not 0.39999999999999997.

The degenerate case ``p_e = 1`` happens only when both reviewers put every
pair in the same single category, which makes ``p_o = 1`` too: kappa is
0/0 there. We report 1.0: the reviewers agreed on every pair, and a blank
in the supervisor's table would read as a failure. ``observed`` and
``expected`` are reported beside it, so a reader sees the agreement was
never tested against a second category. With no pairs at all every
measure is None (nothing to measure).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence

PRESENT, ABSENT = "present", "absent"


@dataclass(frozen=True)
class Agreement:
    n: int
    observed: float | None  # p_o: the share of pairs that agree
    expected: float | None  # p_e: the share expected to agree by chance
    kappa: float | None

    @property
    def percent(self) -> float | None:
        return None if self.observed is None else 100 * self.observed

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "percent_agreement": self.percent,
            "observed": self.observed,
            "expected": self.expected,
            "kappa": self.kappa,
        }


@dataclass(frozen=True)
class Confusion:
    """``counts[i][j]``: pairs where the first reviewer said ``categories[i]``
    and the second ``categories[j]`` (rows first, columns second)."""

    categories: list[str]
    counts: list[list[int]]

    def as_dict(self) -> dict[str, Any]:
        return {"categories": list(self.categories), "counts": [list(row) for row in self.counts]}


def _fractions(pairs: Sequence[tuple[str, str]]) -> tuple[Fraction, Fraction]:
    n = len(pairs)
    agree = sum(1 for first, second in pairs if first == second)
    firsts = Counter(first for first, _ in pairs)
    seconds = Counter(second for _, second in pairs)
    chance = sum(count * seconds[category] for category, count in firsts.items())
    return Fraction(agree, n), Fraction(chance, n * n)


def agreement(pairs: Sequence[tuple[str, str]]) -> Agreement:
    """n, p_o, p_e and Cohen's kappa of (first, second) category pairs."""
    if not pairs:
        return Agreement(0, None, None, None)
    observed, expected = _fractions(pairs)
    kappa = Fraction(1) if expected == 1 else (observed - expected) / (1 - expected)
    return Agreement(len(pairs), float(observed), float(expected), float(kappa))


def percent_agreement(pairs: Sequence[tuple[str, str]]) -> float | None:
    """The share of pairs that agree, in percent (None without pairs)."""
    return agreement(pairs).percent


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    return agreement(pairs).kappa


def confusion(pairs: Iterable[tuple[str, str]], categories: Sequence[str] = ()) -> Confusion:
    """The table of pairs, in the order of ``categories``; categories met in
    the pairs but not named come after them, sorted."""
    counted = Counter(pairs)
    seen = {c for pair in counted for c in pair}
    order = list(dict.fromkeys(categories)) + sorted(seen - set(categories))
    return Confusion(order, [[counted[(row, column)] for column in order] for row in order])


def label_agreement(
    pairs: Sequence[tuple[Collection[str], Collection[str]]], labels: Iterable[str] | None = None
) -> dict[str, Agreement]:
    """Kappa for each label, read as present or absent in each reviewer's
    label set over all the pairs (a pair where neither used the label
    agrees on its absence). ``labels`` defaults to every label either used."""
    if labels is None:
        labels = {label for first, second in pairs for label in (*first, *second)}
    return {
        label: agreement(
            [(PRESENT if label in first else ABSENT, PRESENT if label in second else ABSENT) for first, second in pairs]
        )
        for label in sorted(labels)
    }
