"""An input in a shape Veil might misread is read right or refused by name:
never stored as one text of garbage, never costing the good items beside it.

Semicolon and tab CSV, an unterminated CSV quote, UTF-16 and UTF-8-with-BOM
JSONL, a JSON array of records, a line nested 100,000 deep, a symbolic link
loop, a 255-byte file name, a repeated id with other content, and a queue
longer than one statement can bind, each on SQLite and PostgreSQL.
"""

from __future__ import annotations

import codecs
import json
import os
import sqlite3
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image
from sqlalchemy import func, insert, select, text

from db.models import Item, Marker, Media, Source
from desktop.core.ingest.checks import ID_WIDTH
from desktop.core.ingest.files import Enricher, ingest_entries, ingest_files
from desktop.core.review import listing
from desktop.domain.ingest import IngestError, IngestReport, ItemDraft, MarkerDraft, NotStored, RepeatedId

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.core.workspace import Workspace

GOOD = 25


def _items(workspace: Workspace) -> int:
    with workspace.db.read() as session:
        return session.scalar(select(func.count()).select_from(Item)) or 0


def _texts(workspace: Workspace) -> dict[str, str]:
    with workspace.db.read() as session:
        return {row.external_id: row.text for row in session.execute(select(Item.external_id, Item.text))}


def _ingest(workspace: Workspace, path: Path, media_store: Path | None = None) -> IngestReport:
    return ingest_files(
        workspace.db, [path], actor="root-admin", clock=workspace.clock, workers=1, media_store=media_store
    )


def _records() -> list[dict[str, str]]:
    # Not ASCII: a file decoded as the wrong encoding would not give these texts back.
    return [{"id": f"g{n}", "text": f"пост {n}: good post"} for n in range(GOOD)]


def _expected() -> dict[str, str]:
    return {r["id"]: r["text"] for r in _records()}


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_csv_manifest_is_read_by_the_delimiter_its_header_uses(
    workspace: Workspace, tmp_path: Path, delimiter: str
) -> None:
    manifest = tmp_path / "wire.csv"
    rows = [f"g{n}{delimiter}пост {n}: good post{delimiter}desk" for n in range(GOOD)]
    manifest.write_text(delimiter.join(["id", "text", "author"]) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = _ingest(workspace, manifest)
    assert report.errors == []
    assert report.items_added == GOOD and _texts(workspace) == _expected()


def test_an_unterminated_csv_quote_costs_only_its_own_row(workspace: Workspace, tmp_path: Path) -> None:
    """The quote opened on line 13 would swallow every line after it into one
    text; its row is refused by line, and the lines after are read as rows."""
    rows = [f"g{n},{r['text']}" for n, r in enumerate(_records())]
    rows.insert(11, 'bad,"a quote never closed, so the rest of the file would be its text')  # line 13
    manifest = tmp_path / "wire.csv"
    manifest.write_text("id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = _ingest(workspace, manifest)
    assert report.items_added == GOOD and _texts(workspace) == _expected()
    (error,) = report.errors
    assert error.path == f"{manifest}:13" and error.error.startswith("line 13: ")
    assert not isinstance(error, NotStored)


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8")],
    ids=["utf-16-le", "utf-16-be", "utf-8-bom"],
)
def test_a_jsonl_manifest_is_decoded_by_its_byte_order_mark(
    workspace: Workspace, tmp_path: Path, bom: bytes, encoding: str
) -> None:
    manifest = tmp_path / "feed.jsonl"
    body = "\r\n".join(json.dumps(r, ensure_ascii=False) for r in _records()) + "\r\n"
    manifest.write_bytes(bom + body.encode(encoding))
    report = _ingest(workspace, manifest)
    assert report.errors == []
    assert report.items_added == GOOD and _texts(workspace) == _expected()


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty"])
def test_a_json_array_of_records_is_read_as_records(workspace: Workspace, tmp_path: Path, indent: int | None) -> None:
    export = tmp_path / "posts.json"
    export.write_text(json.dumps(_records(), indent=indent, ensure_ascii=False), encoding="utf-8")
    report = _ingest(workspace, export)
    assert report.errors == []
    assert report.items_added == GOOD and _texts(workspace) == _expected()


def test_a_broken_element_of_a_json_array_is_named_by_its_line(workspace: Workspace, tmp_path: Path) -> None:
    """No later element can be found for sure in a broken array: the records
    before it are stored, and the error says the rest was not read."""
    export = tmp_path / "posts.json"
    good = json.dumps(_records()[:12], indent=2, ensure_ascii=False)
    # Each record of indent=2 takes 4 lines after the "[": the 13th opens on line 50.
    export.write_text(good[:-2] + ',\n  {"id": "bad", "text": nope},\n  {"id": "late", "text": "x"}\n]\n')
    report = _ingest(workspace, export)
    assert report.items_added == 12 and set(_texts(workspace)) == {f"g{n}" for n in range(12)}
    (error,) = report.errors
    assert error.path == f"{export}:50" and error.error.startswith("line 50: ")


def test_a_line_nested_100000_deep_is_named_and_the_next_lines_read(workspace: Workspace, tmp_path: Path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in _records()]
    lines.insert(12, "[" * 100_000)  # line 13
    manifest = tmp_path / "feed.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = _ingest(workspace, manifest)
    assert report.items_added == GOOD and _texts(workspace) == _expected()
    (error,) = report.errors
    assert error.path == f"{manifest}:13" and error.error.startswith("line 13: ")


def test_a_media_path_that_is_a_symlink_loop_is_named(workspace: Workspace, tmp_path: Path) -> None:
    """In a manifest the line's item is kept without that medium; in a folder
    the loop is named and the pictures beside it come in."""
    folder = tmp_path / "drop"
    folder.mkdir()
    for n in range(3):
        Image.new("RGB", (32, 32), (n * 80, 10, 10)).save(folder / f"p{n}.png")
    (folder / "loop.png").symlink_to("loop.png")
    report = _ingest(workspace, folder)
    assert report.items_added == 3 and _items(workspace) == 3
    (error,) = report.errors
    assert error.path == str(folder / "loop.png")

    lines = [json.dumps(r, ensure_ascii=False) for r in _records()]
    lines[12] = json.dumps({**_records()[12], "media": ["drop/loop.png"]}, ensure_ascii=False)  # line 13
    manifest = tmp_path / "feed.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = _ingest(workspace, manifest)
    assert report.items_added == GOOD and _items(workspace) == 3 + GOOD
    (error,) = report.errors
    assert error.path == f"{manifest}:13" and error.error.startswith("line 13: ")
    with workspace.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Media)) == 3  # the folder's only


def test_an_image_with_a_255_byte_name_is_stored_and_named(workspace: Workspace, tmp_path: Path) -> None:
    """At the file system's limit, no name can be made of it by adding to it
    (a caption ``.json`` beside a ``.png``), and it is longer than an id may
    be: the item is stored under a shortened id, and the same folder again
    finds it."""
    folder = tmp_path / "drop"
    folder.mkdir()
    for n in range(3):
        Image.new("RGB", (32, 32), (10, n * 80, 10)).save(folder / f"good{n}.png")
    long_name = "x" * 251 + ".png"
    assert len(os.fsencode(long_name)) == 255
    Image.new("RGB", (32, 32), (200, 200, 10)).save(folder / long_name)
    store = tmp_path / "store"
    store.mkdir()
    report = _ingest(workspace, folder, media_store=store)
    assert report.items_added == 4 and _items(workspace) == 4 and report.media_errors == []
    (error,) = report.errors
    assert error.path == str(folder / long_name) and not isinstance(error, NotStored)
    with workspace.db.read() as session:
        (long_id,) = session.scalars(select(Item.external_id).where(Item.external_id.startswith("xxx")))
    assert len(long_id) == ID_WIDTH
    again = _ingest(workspace, folder, media_store=store)
    assert again.items_added == 0 and again.items_duplicate == 4 and _items(workspace) == 4


def test_a_repeated_id_with_other_content_is_named_and_the_stored_item_kept(
    workspace: Workspace, tmp_path: Path
) -> None:
    manifest = tmp_path / "feed.jsonl"
    manifest.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in _records()) + "\n", encoding="utf-8")
    assert _ingest(workspace, manifest).items_added == GOOD

    records = _records()
    records[4] = {**records[4], "text": "the same id, edited since"}  # line 5
    records.append({"id": "g7", "text": "g7 again in the same file, other text"})  # line 26
    records.append({"id": "new", "text": "a new post"})  # line 27
    (tmp_path / "later").mkdir()
    later = tmp_path / "later" / "feed.jsonl"  # the same name: the same source
    later.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    report = _ingest(workspace, later)
    assert report.items_added == 1 and report.items_duplicate == GOOD + 1
    changed = [e for e in report.errors if isinstance(e, RepeatedId)]
    assert [e.path for e in changed] == [f"{later}:5", f"{later}:26"] and changed == report.errors
    assert "'g4'" in changed[0].error
    assert _texts(workspace) == {**_expected(), "new": "a new post"}  # stored as they were

    exact = _ingest(workspace, later)  # the very same file again: duplicates, and the same two named
    assert exact.items_added == 0 and [e.path for e in exact.errors] == [f"{later}:5", f"{later}:26"]
    assert _ingest(workspace, manifest).errors == []  # an exact repeat of what is stored is silent


def test_a_repeated_id_is_named_once_when_its_chunk_is_stored_item_by_item(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A chunk the database refuses goes in again item by item: what storing
    the chunk said is said once, by the item it is about."""
    where = tmp_path / "x.jsonl"

    def draft(n: int, body: str, **fields: Any) -> ItemDraft:
        return ItemDraft(text=body, external_id=f"n{n}", origin=(f"{where}:{n}", f"line {n}"), **fields)

    def ingest(drafts: list[ItemDraft]) -> IngestReport:
        report = IngestReport()
        with Enricher(parallel=False) as enricher:
            ingest_entries(
                workspace.db, drafts, where=where, kind="jsonl", source="x", actor="root-admin",
                clock=workspace.clock, report=report, enricher=enricher,
            )  # fmt: skip
        return report

    assert ingest([draft(n, f"post {n}") for n in range(1, 6)]).items_added == 5
    later = [draft(n, f"post {n}") for n in range(1, 11)]
    later[1] = draft(2, "post 2, edited")
    # A severity no integer column holds: the database refuses the chunk, then this item alone.
    later[7] = draft(8, "refused", markers=(MarkerDraft("18+", "18+", (0, 3), "r", 2**70),), severity=1)
    report = ingest(later)
    assert report.items_added == 4 and _items(workspace) == 9
    assert [(type(e), e.path) for e in report.errors] == [(RepeatedId, f"{where}:2"), (IngestError, f"{where}:8")]


def _bound_values(backend: str) -> int:
    """How many values one statement may bind on ``backend``."""
    if backend == "sqlite":
        return sqlite3.connect(":memory:").getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return 65_535  # PostgreSQL's protocol counts a statement's parameters in 16 bits


def _bulk_items(workspace: Workspace, count: int) -> list[int]:
    """``count`` pending items written by one SQL statement (ingest would take
    minutes), the last with a marker and a medium; their ids."""
    now = workspace.clock()
    with workspace.db.write() as session:
        source = Source(name="bulk", kind="jsonl", created_at=now)
        session.add(source)
        session.flush()
        session.execute(
            text(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :count) "
                "INSERT INTO item (source_id, external_id, text, received_at, severity, priority, status,"
                " content_hash, media_withheld) "
                "SELECT :source, 'q' || x, 'post', :now, 0, 0, 'pending', 'h' || x, :withheld FROM n"
            ),
            {"count": count, "source": source.id, "now": now, "withheld": False},
        )
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        marker = {"code": "18+", "matched_text": "18+", "span_start": 0, "span_end": 3, "rule": "r", "severity": 0}
        session.execute(insert(Marker).values(item_id=ids[-1], **marker))
        session.execute(insert(Media).values(item_id=ids[-1], uri="https://example.org/a.jpg", media_type="link"))
    return ids


def test_the_queue_lists_more_items_than_one_statement_can_bind(workspace: Workspace, backend: str) -> None:
    """``veil queue --limit N`` past what one statement may bind (SQLite's
    250,000 here) failed with "too many SQL variables": the listed items'
    marker codes and media counts were asked for with one bound value per
    id. Storing that many items takes seconds, so the bound is passed with
    ids of items that are not there, and the queue's own listing is checked
    across slices of ids with as many items as three slices need."""
    ids = _bulk_items(workspace, 2 * listing.ID_SLICE + 1)
    beyond = [*range(ids[-1] + 1, ids[-1] + 1 + _bound_values(backend)), ids[-1]]
    with workspace.db.read() as session:
        codes = listing.marker_codes(session, beyond)
        counts = listing.media_counts(session, beyond)
    assert len(codes) == len(beyond) and codes[ids[-1]] == ["18+"] and sum(map(len, codes.values())) == 1
    assert counts == {ids[-1]: 1}
    entries = listing.entries(workspace.db, limit=len(ids))
    assert sorted(e.id for e in entries) == ids
    assert {e.id: (e.markers, e.media) for e in entries if e.markers or e.media} == {ids[-1]: (["18+"], 1)}
