"""JSONL manifests: fields, media paths, and what a bad line is told."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from desktop.core.ingest.manifest import read_jsonl
from desktop.domain.ingest import IngestError, ItemDraft

if TYPE_CHECKING:
    from pathlib import Path


def test_fields_are_read(tmp_path: Path) -> None:
    manifest = tmp_path / "feed.jsonl"
    manifest.write_text(
        '\ufeff{"id": 7, "text": "Images +21 of the attack", "author": "Desk", "published_at": "2026-11-06T09:14:00",'
        ' "lang": "es", "media": ["photos/a.jpg", "' + (tmp_path / "clips" / "b.mp4").as_uri() + '"],'
        ' "markers": [{"code": "21+", "text": "+21", "severity": 3}, "nsfw"]}\n',
        encoding="utf-8",
    )
    (draft,) = list(read_jsonl(manifest))
    assert isinstance(draft, ItemDraft)
    assert draft.external_id == "7" and draft.language == "es" and draft.author == "Desk"
    assert draft.published_at == datetime(2026, 11, 6, 9, 14, tzinfo=UTC)
    assert [m.uri for m in draft.media] == [
        (tmp_path / "photos" / "a.jpg").resolve().as_uri(),
        (tmp_path / "clips" / "b.mp4").resolve().as_uri(),
    ]
    assert [(m.code, m.span, m.severity) for m in draft.markers] == [("21+", (7, 10), 3), ("nsfw", (0, 0), 1)]
    assert draft.effective_severity == 3


def test_content_hash_ignores_spacing_but_not_words() -> None:
    a = ItemDraft(text="Wounded  people\n carried")
    assert a.content_hash == ItemDraft(text="Wounded people carried").content_hash
    assert a.content_hash != ItemDraft(text="Wounded people carried away").content_hash


def test_bad_lines_name_their_number(tmp_path: Path) -> None:
    manifest = tmp_path / "feed.jsonl"
    manifest.write_text('[1, 2]\n{"text": 5}\n{"text": "ok", "published_at": "yesterday"}\n', encoding="utf-8")
    errors = [e for e in read_jsonl(manifest) if isinstance(e, IngestError)]
    assert [e.path for e in errors] == [f"{manifest}:1", f"{manifest}:2", f"{manifest}:3"]
    assert "JSON object" in errors[0].error and "'text'" in errors[1].error
