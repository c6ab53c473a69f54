"""One bad value in an input costs at most its own value or item, never the
good items stored beside it, and the report names it by file and line or
message."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image
from sqlalchemy import func, select

from db.models import Item, Marker
from desktop.core.ingest.files import Enricher, ingest_entries, ingest_files
from desktop.domain.ingest import IngestReport, ItemDraft, MarkerDraft, NotStored

if TYPE_CHECKING:
    from desktop.app.veil import Veil
    from desktop.core.workspace import Workspace


def _items(workspace: Workspace) -> int:
    with workspace.db.read() as session:
        return session.scalar(select(func.count()).select_from(Item)) or 0


def _manifest(tmp_path: Path, bad_line: str) -> Path:
    lines = [json.dumps({"id": f"g{n}", "text": f"good post {n}"}) for n in range(25)]
    lines.insert(12, bad_line)  # line 13
    manifest = tmp_path / "feed.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def _ingest(workspace: Workspace, path: Path) -> IngestReport:
    return ingest_files(workspace.db, [path], actor="root-admin", clock=workspace.clock, workers=1)


def test_a_far_future_date_costs_only_the_date(workspace: Workspace, tmp_path: Path) -> None:
    bad = json.dumps({"id": "bad", "text": "dated too late", "published_at": "9999-12-31T23:59:59-12:00"})
    manifest = _manifest(tmp_path, bad)
    report = _ingest(workspace, manifest)
    assert report.items_added == 26 and _items(workspace) == 26
    (error,) = report.errors
    assert error.path == f"{manifest}:13" and not isinstance(error, NotStored)
    assert "line 13: published_at 9999-12-31T23:59:59-12:00 is outside the years 1900-9999" in error.error
    with workspace.db.read() as session:
        assert session.scalar(select(Item.published_at).where(Item.external_id == "bad")) is None


def test_a_year_one_date_costs_only_the_date(workspace: Workspace, tmp_path: Path) -> None:
    bad = json.dumps({"id": "bad", "text": "dated too early", "published_at": "0001-01-01T00:00:00+01:00"})
    manifest = _manifest(tmp_path, bad)
    report = _ingest(workspace, manifest)
    assert report.items_added == 26 and _items(workspace) == 26
    (error,) = report.errors
    assert error.path == f"{manifest}:13" and "line 13: published_at 0001-01-01T00:00:00+01:00" in error.error


def test_a_lone_surrogate_is_replaced_and_named(workspace: Workspace, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, '{"id": "bad", "text": "broken \\ud800 text", "author": "x\\udc80"}')
    report = _ingest(workspace, manifest)
    assert report.items_added == 26 and _items(workspace) == 26
    (error,) = report.errors
    assert error.path == f"{manifest}:13" and "line 13: text, author: characters that are not valid" in error.error
    with workspace.db.read() as session:
        assert session.scalar(select(Item.text).where(Item.external_id == "bad")) == "broken \ufffd text"


def test_an_infinite_severity_costs_only_its_line(workspace: Workspace, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, '{"id": "bad", "text": "too severe", "severity": 1e999}')
    report = _ingest(workspace, manifest)
    assert report.items_added == 25 and _items(workspace) == 25
    (error,) = report.errors
    assert error.path == f"{manifest}:13" and "severity inf is not a finite number" in error.error


def _message(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": number,
        "type": "message",
        "date": "2024-03-01T12:00:00",
        "date_unixtime": str(1709294400 + number),
        "from": "Frontline News",
        "from_id": "channel1500600700",
        "text": f"message {number}",
        **fields,
    }


def test_a_telegram_date_out_of_range_costs_only_the_date(workspace: Workspace, tmp_path: Path) -> None:
    messages = [_message(n) for n in range(1, 31)]
    messages[16] = _message(17, date="9999-12-31T23:59:59-12:00", date_unixtime="253402300800")
    export = tmp_path / "ChatExport"
    export.mkdir()
    document = {"name": "Frontline News", "type": "public_channel", "id": 1500600700, "messages": messages}
    (export / "result.json").write_text(json.dumps(document), encoding="utf-8")
    report = _ingest(workspace, export)
    assert report.items_added == 30 and _items(workspace) == 30
    (error,) = report.errors
    assert error.path == str(export / "result.json")
    assert error.error.startswith("chat 'Frontline News' (id 1500600700), message 17: published_at 9999-12-31")


def test_a_caption_date_out_of_range_costs_only_the_date(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    for n in range(3):
        Image.new("RGB", (32, 32), (n * 80, 10, 10)).save(folder / f"p{n}.png")
    (folder / "p1.json").write_text(json.dumps({"text": "late", "published_at": "9999-12-31T23:59:59-12:00"}))
    report = _ingest(workspace, folder)
    assert report.items_added == 3 and _items(workspace) == 3
    (error,) = report.errors
    assert error.path == str(folder / "p1.png") and "p1.png: published_at 9999-12-31" in error.error


def test_a_file_name_that_is_not_utf8_is_stored_and_named(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    for n in range(3):
        Image.new("RGB", (32, 32), (10, n * 80, 10)).save(folder / f"good{n}.png")
    # The bytes a camera or another system wrote; os.fsdecode keeps them as surrogates.
    odd = Path(os.fsdecode(os.fsencode(folder) + b"/caf\xe9.png"))
    with odd.open("wb") as handle:
        Image.new("RGB", (32, 32), (200, 200, 10)).save(handle, format="PNG")
    report = _ingest(workspace, folder)
    assert report.items_added == 4 and _items(workspace) == 4
    (error,) = report.errors
    assert error.path == f"{folder}/caf\\xe9.png" and "not valid UTF-8" in error.error
    with workspace.db.read() as session:
        assert session.scalar(select(Item.id).where(Item.external_id == "caf\\xe9.png")) is not None


def test_an_item_the_database_refuses_is_the_only_one_lost(workspace: Workspace, tmp_path: Path) -> None:
    """A chunk the database still refuses after the checks goes in item by item."""
    drafts: list[ItemDraft | Any] = [
        ItemDraft(text=f"post {n}", external_id=f"n{n}", origin=(f"{tmp_path}/x.jsonl:{n}", f"line {n}"))
        for n in range(1, 11)
    ]
    # A severity no integer column holds, past what the checks look at.
    drafts[4] = ItemDraft(
        text="refused", external_id="n5", markers=(MarkerDraft("18+", "18+", (0, 3), "r", 2**70),),
        severity=1, origin=(f"{tmp_path}/x.jsonl:5", "line 5"),
    )  # fmt: skip
    report = IngestReport()
    with Enricher(parallel=False) as enricher:
        ingest_entries(
            workspace.db, drafts, where=tmp_path / "x.jsonl", kind="jsonl", source="x", actor="root-admin",
            clock=workspace.clock, report=report, enricher=enricher,
        )  # fmt: skip
    assert report.items_added == 9 and _items(workspace) == 9
    (error,) = report.errors
    assert error.path == f"{tmp_path}/x.jsonl:5" and error.error.startswith("line 5: not stored: ")
    assert not isinstance(error, NotStored)  # the same input would be refused again: no retry for ever
    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Marker)) == 0


def test_the_watch_names_a_bad_caption_once_and_moves_on(veil: Veil, tmp_path: Path) -> None:
    """A batch whose items failed their checks is done: only the database failing as a whole is retried."""
    veil.sign_in("root")
    drop = tmp_path / "drop"
    drop.mkdir()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(drop / "first.png")
    (drop / "first.json").write_text(json.dumps({"text": "late", "published_at": "9999-12-31T23:59:59-12:00"}))
    batches = veil.ingest.watch(drop, workers=1, interval=0.01)
    try:
        files, outcome = next(batches)
        assert files == [drop / "first.png"] and outcome.value.items_added == 1
        (error,) = outcome.value.errors
        assert "published_at 9999-12-31" in error.error and not isinstance(error, NotStored)
        Image.new("RGB", (32, 32), (10, 200, 10)).save(drop / "second.png")
        files, outcome = next(batches)
        assert files == [drop / "second.png"]  # the first batch is not offered again
        assert outcome.value.items_added == 1 and outcome.value.errors == []
    finally:
        batches.close()
