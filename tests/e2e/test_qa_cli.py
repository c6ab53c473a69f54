"""Blind second review through the real ``veil`` command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from desktop.core.workspace import open_workspace
from desktop.domain.people import Role
from desktop.domain.qa import BLIND_FIELDS
from desktop.domain.review import Action
from tests.e2e.test_cli import Run, refused, veil
from tests.support.factories import add_items, add_user

if TYPE_CHECKING:
    from tests.conftest import FakeClock

# Wikipedia's "Cohen's kappa" example scaled down five times (yes/yes 4,
# yes/no 1, no/yes 2, no/no 3): the same p_o 0.70, p_e 0.50, kappa 0.40.
# Yes is "warn with graphic-violence", no is "approve".
PATTERN = [(True, True)] * 4 + [(True, False)] * 1 + [(False, True)] * 2 + [(False, False)] * 3


def _decided(url: str, clock: FakeClock, pattern: list[tuple[bool, bool]]) -> list[tuple[int, bool]]:
    """Moderator "mod" decides one item per pair (built through the services);
    returns (item id, what the second reviewer will say)."""
    ws = open_workspace(url, clock=clock)
    try:
        ws.actor("root")
        mod = add_user(ws, "mod", by="root")
        add_user(ws, "sec", by="root")
        add_user(ws, "sup", Role.SUPERVISOR, by="root")
        items = add_items(ws, len(pattern))
        for item, (first_yes, _) in zip(items, pattern, strict=True):
            if first_yes:
                ws.review.decide(mod, item, Action.WARN, labels=["graphic-violence"], note="wounds")
            else:
                ws.review.decide(mod, item, Action.APPROVE)
    finally:
        ws.close()
    return [(item, second_yes) for item, (_, second_yes) in zip(items, pattern, strict=True)]


def _second_review(url: str, item: int, yes: bool, user: str = "sec") -> Run:
    action = ["--action", "warn", "--label", "graphic-violence"] if yes else ["--action", "approve"]
    return veil("decide", str(item), "--qa", *action, "--note", "seen again", "--json", url=url, user=user)


def test_agreement_through_the_command_line(db_url: str, clock: FakeClock) -> None:
    planned = _decided(db_url, clock, PATTERN)

    sampled = veil("qa", "sample", "--rate", "100%", "--seed", "7", "--json", url=db_url, user="sup")
    assert sampled.code == 0, sampled.err
    assert sampled.json["total"] == 10 and sampled.json["seed"] == 7 and sampled.json["rate"] == 1.0
    assert {(s["moderator"], s["action"], s["sampled"]) for s in sampled.json["strata"]} == {
        ("mod", "warn", 5),
        ("mod", "approve", 5),
    }
    for item, yes in planned:
        run = _second_review(db_url, item, yes)
        assert run.code == 0, run.err
        assert run.json["round"] == 2 and run.json["reviewer"] == "sec"

    report = veil("qa", "agreement", "--json", url=db_url, user="sup")

    assert report.code == 0, report.err
    data: dict[str, Any] = report.json
    assert data["overall"] == {"n": 10, "percent_agreement": 70.0, "observed": 0.7, "expected": 0.5, "kappa": 0.4}
    assert data["by_moderator"]["mod"]["kappa"] == 0.4
    assert data["by_label"]["graphic-violence"]["kappa"] == pytest.approx(0.4)
    assert data["confusion"] == {
        "categories": ["approve", "warn", "remove", "escalate"],
        "counts": [[3, 2, 0, 0], [1, 4, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
    }
    assert len(data["disagreements"]) == 3
    assert {(d["first"]["action"], d["second"]["action"]) for d in data["disagreements"]} == {
        ("warn", "approve"),
        ("approve", "warn"),
    }
    assert data["disagreements"][0]["second"]["note"] == "seen again"
    human = veil("qa", "agreement", url=db_url, user="sup")
    assert human.code == 0 and "kappa +0.400" in human.out and "agreement  70.0%" in human.out

    rows = veil("export", url=db_url, user="sup").out.splitlines()
    assert sum('"round": 2' in row for row in rows) == 10
    assert veil("audit", "verify", url=db_url, user="sup").code == 0
    queue = veil("queue", "--json", url=db_url).json
    assert queue == []  # second reviews put nothing back in the queue


def test_qa_next_and_show_are_blind(db_url: str, clock: FakeClock) -> None:
    ((item, _),) = _decided(db_url, clock, [(True, True)])
    assert veil("qa", "sample", "--rate", "0.05", url=db_url, user="sup").code == 0  # at least one per stratum

    claimed = veil("qa", "next", "--json", url=db_url, user="sec")

    assert claimed.code == 0, claimed.err
    data = claimed.json
    assert set(data) == {"task_id", "item_id", "lease_expires_at", "resumed", "item"}
    assert data["item_id"] == item and set(data["item"]) == set(BLIND_FIELDS)
    for hint in ("decision", "warn", "graphic-violence", "wounds", '"mod"'):
        assert hint not in claimed.out
    shown = veil("show", str(item), "--json", url=db_url, user="sec").json
    assert shown["blind"] is True and shown["decisions"] == [] and shown["status"] is None
    human = veil("qa", "next", url=db_url, user="sec")
    assert human.code == 0 and "[second review]" in human.out and "warn" not in human.out

    assert _second_review(db_url, item, False).code == 0

    def rounds(user: str | None) -> list[tuple[int, str]]:
        decisions = veil("show", str(item), "--json", url=db_url, user=user).json["decisions"]
        return [(d["round"], d["reviewer"]) for d in decisions]

    assert rounds("mod") == [(1, "mod")]  # never another's second review
    assert rounds("sec") == [(1, "mod"), (2, "sec")]
    assert rounds("sup") == [(1, "mod"), (2, "sec")]
    assert rounds(None) == [(1, "mod"), (2, "sec")]  # no user configured: the whole history, as before


def test_nothing_to_second_review(db_url: str, clock: FakeClock) -> None:
    _decided(db_url, clock, [(True, True)])
    run = veil("qa", "next", "--json", url=db_url, user="sec")
    assert run.code == 0 and run.json is None
    assert "no second review" in veil("qa", "next", url=db_url, user="sec").err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("qa", "sample", "--rate", "5%"), "mod is a moderator and may not sample decisions for second review"),
        (("qa", "agreement"), "mod is a moderator and may not read agreement between reviewers"),
        (("qa", "agreement", "--json"), "may not read agreement"),
    ],
)
def test_moderators_are_refused(db_url: str, clock: FakeClock, args: tuple[str, ...], message: str) -> None:
    _decided(db_url, clock, [(True, True)])
    before = veil("audit", "verify", "--json", url=db_url, user="sup").json
    run = veil(*args, url=db_url, user="mod")
    refused(run, 2, message)
    assert run.out == ""
    assert veil("audit", "verify", "--json", url=db_url, user="sup").json == before


def test_a_moderator_cannot_second_review_their_own_decision(db_url: str, clock: FakeClock) -> None:
    ((item, _),) = _decided(db_url, clock, [(True, True)])
    assert veil("qa", "sample", "--rate", "1", url=db_url, user="sup").code == 0
    assert veil("qa", "next", "--json", url=db_url, user="mod").json is None
    refused(_second_review(db_url, item, True, user="mod"), 2, f"you made the first decision on item {item}")


@pytest.mark.parametrize("rate", ["5", "0", "150%", "five"])
def test_a_bad_rate_is_a_usage_error(db_url: str, rate: str) -> None:
    refused(veil("qa", "sample", "--rate", rate, url=db_url, user="root"), 2, "a rate is a fraction")
