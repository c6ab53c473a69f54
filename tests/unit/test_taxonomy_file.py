"""The bundled taxonomy, and what a broken taxonomy file is told."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from desktop.core import taxonomy
from desktop.domain.errors import UsageError
from desktop.domain.review import Action
from desktop.domain.taxonomy import Lack, Requires, decision_problem

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.domain.taxonomy import ActionInfo

REQUIRED = {
    "graphic-violence", "extreme-gore", "killing-on-camera", "child-casualties", "torture-abuse",
    "sexual-violence", "explicit-adult", "suggestive", "nudity-non-sexual", "self-harm", "medical",
    "animal-cruelty", "hateful-imagery", "other-disturbing", "newsworthy",
}  # fmt: skip


def test_bundled_taxonomy_has_every_label_the_team_needs() -> None:
    tax = taxonomy.load_file()
    codes = {label.code for label in tax.labels}
    assert codes >= REQUIRED
    assert {a.code for a in tax.actions} == {Action.APPROVE, Action.WARN, Action.REMOVE, Action.ESCALATE}
    by_code = {label.code: label for label in tax.labels}
    assert by_code["extreme-gore"].age_gate == 21 and by_code["extreme-gore"].default_setting == "hide"
    assert by_code["graphic-violence"].equivalents == {"bluesky": "graphic-media", "x": "graphic_violence"}
    assert by_code["newsworthy"].accompanies_only
    # CSAM is an escalation reason that withholds media, never a label.
    assert not any("csam" in code for code in codes)
    csam = [r for r in tax.reasons if r.code == "csam-suspected"]
    assert len(csam) == 1 and csam[0].kind == "escalate" and csam[0].withholds_media
    assert {r.kind for r in tax.reasons} == {"remove", "escalate"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[label]\n", "not valid TOML"),
        ('[[label]]\ncode = "x"\n', "missing 'name'"),
        ('[[label]]\ncode = "Bad Code"\nname="n"\ndefault="warn"\nblurs="media"\nseverity="alert"\n', "lower-case"),
        ('[[label]]\ncode = "x"\nname="n"\ndefault="maybe"\nblurs="media"\nseverity="alert"\n', "default must be"),
        ('[[label]]\ncode = "x"\nname="n"\ndefault="warn"\nblurs="media"\nseverity="alert"\nage_gate=16\n', "age_gate"),
        ('[[action]]\ncode = "approve"\nname = "A"\nkey = "A"\nrequires = "nothing"\n', "four actions"),
        ('[[action]]\ncode = "approve"\nname = "A"\nkey = "A"\nrequires = "a smile"\n', "requires must be one of"),
    ],
)
def test_broken_taxonomy_files_are_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "taxonomy.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        taxonomy.load_file(path)


def test_what_a_decision_must_carry_is_what_the_file_says_each_action_requires() -> None:
    tax = taxonomy.load_file()
    actions = tax.actions
    label = {found.code: found for found in tax.labels}
    violence, newsworthy = label["graphic-violence"], label["newsworthy"]

    def lack(action: Action, labels: list[str], reason: str | None, among: list[ActionInfo] = actions) -> Lack | None:
        problem = decision_problem(action, [label[code] for code in labels], reason, among)
        return problem.lack if problem else None

    assert lack(Action.APPROVE, [], None) is None
    assert lack(Action.APPROVE, ["graphic-violence"], None) is Lack.LABELS_REFUSED
    assert lack(Action.APPROVE, [], "gratuitous") is Lack.REASON_REFUSED
    assert lack(Action.WARN, [], None) is Lack.LABEL_MISSING
    assert lack(Action.WARN, ["newsworthy"], None) is Lack.CONTENT_LABEL_MISSING
    assert lack(Action.WARN, ["graphic-violence", "newsworthy"], None) is None
    assert lack(Action.WARN, ["graphic-violence"], "gratuitous") is Lack.REASON_REFUSED
    assert lack(Action.REMOVE, [], None) is Lack.REASON_MISSING
    assert lack(Action.REMOVE, ["graphic-violence"], "gratuitous") is None  # labels may go with a removal
    assert lack(Action.ESCALATE, [], "unsure") is None
    problem = decision_problem(Action.APPROVE, [violence, newsworthy], None, actions)
    assert problem is not None and problem.lack is Lack.LABELS_REFUSED
    assert str(problem) == "approve takes no labels; use warn to approve with warning labels"
    # A taxonomy that asked warnings for a reason would change the rule everywhere it is checked.
    asking = [replace(a, requires=Requires.REASON) if a.code == Action.WARN else a for a in actions]
    assert lack(Action.WARN, ["graphic-violence"], None, asking) is Lack.REASON_MISSING
    assert lack(Action.WARN, [], "unsure", asking) is None
