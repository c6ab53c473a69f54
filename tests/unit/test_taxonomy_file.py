"""The bundled taxonomy, and what a broken taxonomy file is told."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from desktop.core import taxonomy
from desktop.domain.errors import UsageError
from desktop.domain.review import Action

if TYPE_CHECKING:
    from pathlib import Path

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
    ],
)
def test_broken_taxonomy_files_are_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "taxonomy.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        taxonomy.load_file(path)
