"""JSONL manifests: one JSON object per line, one item per object.

Fields (all but ``text`` optional)::

    id            the publisher's id of the item (string or number)
    text          the post's text
    author        who published it
    published_at  ISO 8601; a time without a zone is taken as UTC
    lang          BCP 47 language tag
    media         list of paths relative to the manifest, or file:// URIs
    markers       list of marker codes ("18+") or {"code", "text", "severity"}
    severity      0-3, to override the severity the markers give

A malformed line becomes an error naming its line number; the other lines go in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from desktop.core.ingest import IngestError, ItemDraft, MarkerDraft, MediaRef

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _media(value: Any, root: Path) -> tuple[MediaRef, ...]:
    refs = []
    for entry in value or ():
        uri = str(entry)
        if "://" not in uri:
            uri = (root / uri).resolve().as_uri()
        refs.append(MediaRef(uri=uri))
    return tuple(refs)


def _markers(value: Any, text: str) -> tuple[MarkerDraft, ...]:
    found = []
    for entry in value or ():
        raw = entry if isinstance(entry, dict) else {"code": str(entry)}
        code = str(raw["code"])[:32]
        matched = str(raw.get("text", code))
        start = text.find(matched)
        span = (start, start + len(matched)) if start >= 0 else (0, 0)
        severity = max(0, min(3, int(raw.get("severity", 1))))
        found.append(MarkerDraft(code, matched, span, "manifest", severity))
    return tuple(found)


# The widest each field may be; the database's columns are as wide.
LIMITS = {"id": 200, "author": 200, "lang": 16}


def _short(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise ValueError(f"{key!r} must be a string")
    text = str(value)
    if len(text) > LIMITS[key]:
        raise ValueError(f"{key!r} is longer than {LIMITS[key]} characters")
    return text


def draft_from(record: dict[str, Any], root: Path) -> ItemDraft:
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("'text' is missing or not a string")
    severity = record.get("severity")
    return ItemDraft(
        text=text,
        external_id=_short(record, "id"),
        author=_short(record, "author"),
        published_at=_when(record.get("published_at")),
        language=_short(record, "lang"),
        media=_media(record.get("media"), root),
        markers=_markers(record.get("markers"), text),
        severity=None if severity is None else int(severity),
    )


def read_jsonl(path: Path) -> Iterator[ItemDraft | IngestError]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
            if not line:
                continue
            try:
                yield draft_from(json.loads(line), path.parent)
            except (ValueError, KeyError, TypeError) as err:
                yield IngestError(f"{path}:{number}", f"line {number}: {err}")
