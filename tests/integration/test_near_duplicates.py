"""A near-duplicate of a decided item is linked, its decision offered, never applied."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PIL import Image, ImageDraw

from desktop.core import audit
from desktop.core.ingest.files import ingest_files
from desktop.core.ingest.store import distance
from desktop.core.people import team_settings
from desktop.domain.errors import NotFound, PermissionDenied
from desktop.domain.people import Role
from desktop.domain.review import Action, ItemStatus
from tests.support.factories import add_user

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.core.workspace import Workspace


def _scene(path: Path, size: tuple[int, int], quality: int) -> None:
    image = Image.new("RGB", (800, 600), (90, 110, 130))
    draw = ImageDraw.Draw(image)
    for n in range(12):
        draw.rectangle((n * 60, 50 + n * 30, n * 60 + 90, 300 + n * 20), fill=(200 - n * 12, 40 + n * 9, 30))
    draw.ellipse((500, 300, 760, 560), fill=(240, 230, 220))
    image.resize(size).save(path, quality=quality)


def test_near_duplicate_gets_the_earlier_decision_as_a_suggestion(workspace: Workspace, tmp_path: Path) -> None:
    first_drop, second_drop, third_drop = (tmp_path / n for n in ("first", "second", "third"))
    for folder in (first_drop, second_drop, third_drop):
        folder.mkdir()
    _scene(first_drop / "scene.jpg", (800, 600), 92)
    (first_drop / "scene.txt").write_text("Aftermath of the strike", encoding="utf-8")
    _scene(second_drop / "repost.jpg", (400, 300), 60)  # smaller, recompressed
    (second_drop / "repost.txt").write_text("Same picture, reposted by another channel", encoding="utf-8")
    other = Image.new("RGB", (400, 300), (20, 200, 40))
    ImageDraw.Draw(other).line((0, 0, 400, 300), fill=(0, 0, 0), width=25)
    other.save(third_drop / "other.jpg")

    alice = add_user(workspace, "alice")
    report = ingest_files(workspace.db, [first_drop], actor="alice", clock=workspace.clock)
    assert report.items_added == 1
    (original,) = [e.id for e in workspace.review.queue()]
    workspace.review.decide(alice, original, Action.WARN, labels=["graphic-violence"])

    ingest_files(workspace.db, [second_drop, third_drop], actor="alice", clock=workspace.clock)
    waiting = {workspace.review.show(e.id).text: workspace.review.show(e.id) for e in workspace.review.queue()}
    repost = waiting["Same picture, reposted by another channel"]
    unrelated = waiting[""]

    assert repost.duplicate_of == original
    assert repost.suggestion is not None
    assert (repost.suggestion.action, repost.suggestion.labels) == (Action.WARN, ["graphic-violence"])
    assert repost.status == ItemStatus.PENDING and repost.decisions == []  # offered, not applied
    assert unrelated.duplicate_of is None and unrelated.suggestion is None
    shown = repost.as_dict()
    assert shown["suggestion"]["action"] == "warn"


def test_distance_counts_differing_bits() -> None:
    assert distance("0" * 64, "0" * 64) == 0
    assert distance("f" + "0" * 63, "0" * 64) == 4
    assert distance("f" * 64, "0" * 64) == 256


def test_a_supervisor_setting_lets_near_duplicates_be_decided(workspace: Workspace, tmp_path: Path) -> None:
    first_drop, second_drop = tmp_path / "first", tmp_path / "second"
    first_drop.mkdir()
    second_drop.mkdir()
    _scene(first_drop / "scene.jpg", (800, 600), 92)
    _scene(second_drop / "repost.jpg", (640, 480), 70)
    (second_drop / "repost.txt").write_text("reposted", encoding="utf-8")
    alice = add_user(workspace, "alice")
    boss = add_user(workspace, "boss", Role.SUPERVISOR)
    with workspace.db.write() as session, pytest.raises(PermissionDenied):
        team_settings.set_value(session, alice, team_settings.NEAR_DUPLICATES, True, workspace.clock())
    with workspace.db.write() as session:
        team_settings.set_value(session, boss, team_settings.NEAR_DUPLICATES, True, workspace.clock())
    ingest_files(workspace.db, [first_drop], actor="alice", clock=workspace.clock)
    (original,) = [e.id for e in workspace.review.queue()]
    workspace.review.decide(alice, original, Action.REMOVE, reason="gratuitous")

    ingest_files(workspace.db, [second_drop], actor="alice", clock=workspace.clock)

    assert workspace.review.queue() == []
    counts = workspace.review.counts()
    assert counts["decided"] == 2
    repost = next(workspace.review.show(i) for i in range(original + 1, original + 5) if _exists(workspace, i))
    (decision,) = repost.decisions
    assert (decision.action, decision.reason, decision.reviewer) == (Action.REMOVE, "gratuitous", "boss")
    assert decision.note is not None and f"near-duplicate of item {original}" in decision.note
    assert audit.verify(workspace.db).ok


def _exists(workspace: Workspace, item_id: int) -> bool:
    try:
        workspace.review.show(item_id)
    except NotFound:
        return False
    return True


def test_a_repost_of_withheld_media_is_withheld_at_once(workspace: Workspace, tmp_path: Path) -> None:
    first_drop, second_drop = tmp_path / "first", tmp_path / "second"
    first_drop.mkdir()
    second_drop.mkdir()
    _scene(first_drop / "scene.jpg", (800, 600), 92)
    _scene(second_drop / "again.jpg", (640, 480), 75)
    (second_drop / "again.txt").write_text("posted again", encoding="utf-8")
    alice = add_user(workspace, "alice")
    ingest_files(workspace.db, [first_drop], actor="alice", clock=workspace.clock)
    (original,) = [e.id for e in workspace.review.queue()]
    workspace.review.decide(alice, original, Action.ESCALATE, reason="csam-suspected")

    ingest_files(workspace.db, [second_drop], actor="alice", clock=workspace.clock)

    (repost,) = [workspace.review.show(e.id) for e in workspace.review.queue()]
    assert repost.duplicate_of == original
    assert repost.media_withheld and repost.as_dict()["media"] == []
