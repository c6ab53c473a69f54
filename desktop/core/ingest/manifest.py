"""Manifests: JSONL (one JSON object a line) or CSV (a header row), one item each.

Fields (all but ``text`` optional)::

    id            the publisher's id of the item (string or number)
    text          the post's text
    source        the source it came from (default: the manifest's name)
    author        who published it
    published_at  ISO 8601; a time without a zone is taken as UTC
    lang          ISO 639-1 language code
    media         paths relative to the manifest's folder, or file:// URIs
                  (JSONL: a list; CSV: separated by "|")
    markers       marker codes ("18+") or {"code", "text", "severity"}
                  (CSV: codes separated by "|")
    severity      0-3, to override the severity the markers give

A malformed line becomes an error naming its line number; the other lines go
in. A media path that leads out of the manifest's folder is refused unread.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from desktop.core.ingest.lines import BUFFER, Bounded, LineTooLong
from desktop.core.ingest.paths import Escapes, inside
from desktop.core.media.originals import file_uri_path
from desktop.domain.ingest import IngestError, ItemDraft, MarkerDraft, MediaRef

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _media(value: Any, root: Path, refused: list[str]) -> tuple[MediaRef, ...]:
    if isinstance(value, str):
        value = [value]
    refs = []
    for entry in value or ():
        named = str(entry)
        if named.startswith("file://"):
            local = file_uri_path(named)
            try:
                if local is None:
                    raise Escapes(f"{named!r} is not a local file URI")
                relative = local.relative_to(root.resolve()) if local.is_absolute() else local
                refs.append(MediaRef(uri=inside(root, relative.as_posix()).as_uri()))
            except (Escapes, ValueError):
                refused.append(f"{named!r} lies outside the manifest's folder and was not read")
            continue
        if "://" in named:
            refs.append(MediaRef(uri=named, media_type="link"))
            continue
        try:
            refs.append(MediaRef(uri=inside(root, named).as_uri()))
        except Escapes as err:
            refused.append(str(err))
    return tuple(refs)


def _markers(value: Any, text: str) -> tuple[MarkerDraft, ...]:
    found = []
    for entry in value or ():
        raw = entry if isinstance(entry, dict) else {"code": str(entry)}
        code = str(raw["code"])[:32]
        matched = str(raw.get("text", code))
        start = text.find(matched)
        span = (start, start + len(matched)) if start >= 0 else (0, 0)
        severity = max(0, min(3, _whole(raw.get("severity", 1), "a marker's severity")))
        found.append(MarkerDraft(code, matched, span, "manifest", severity))
    return tuple(found)


MAX_ITEM_CHARS = 100_000  # as the text reader: a post longer than this is a broken input
# The widest each field may be; the database's columns are as wide.
LIMITS = {"id": 200, "author": 200, "lang": 16, "source": 200}


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


def _whole(value: Any, what: str) -> int:
    """A whole number; ``1e999`` (infinity in JSON) or NaN is an error naming ``what``, not a crash."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{what} {value} is not a finite number")
    return int(value)


def draft_from(record: dict[str, Any], root: Path, refused: list[str] | None = None) -> ItemDraft:
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("'text' is missing or not a string")
    if len(text) > MAX_ITEM_CHARS:
        if refused is not None:
            refused.append(f"text cut at {MAX_ITEM_CHARS:,} characters (it had {len(text):,})")
        text = text[:MAX_ITEM_CHARS]
    severity = record.get("severity")
    return ItemDraft(
        text=text,
        external_id=_short(record, "id"),
        author=_short(record, "author"),
        published_at=_when(record.get("published_at")),
        language=_short(record, "lang"),
        media=_media(record.get("media"), root, refused if refused is not None else []),
        source=_short(record, "source"),
        markers=_markers(record.get("markers"), text),
        severity=None if severity is None else _whole(severity, "severity"),
    )


def read_jsonl(path: Path) -> Iterator[ItemDraft | IngestError]:
    with path.open("rb", buffering=BUFFER) as handle:
        lines = Bounded(handle)
        number = 0
        while True:
            number += 1
            try:
                raw = next(lines)
            except StopIteration:
                return
            except LineTooLong as err:
                yield IngestError(f"{path}:{number}", f"line {number}: {err}")
                continue
            line = raw.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError as err:
                yield IngestError(f"{path}:{number}", f"line {number}: not JSON: {err}")
                continue
            yield from _entry(path, number, record)


def read_csv(path: Path) -> Iterator[ItemDraft | IngestError]:
    csv.field_size_limit(64 << 20)  # one post may be long; the default 128 KiB is not
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.DictReader(Bounded(handle))
        if not reader.fieldnames or "text" not in reader.fieldnames:
            yield IngestError(str(path), "a CSV manifest needs a header row with a 'text' column")
            return
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                yield IngestError(f"{path}:{reader.line_num}", f"line {reader.line_num}: {err}")
                return
            except LineTooLong as err:  # the line after the last one the reader took
                yield IngestError(f"{path}:{reader.line_num + 1}", f"line {reader.line_num + 1}: {err}")
                return
            record: dict[str, Any] = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
            for key in ("media", "markers"):
                if key in record:
                    record[key] = [part.strip() for part in str(record[key]).split("|") if part.strip()]
            if row.get(None):  # type: ignore[call-overload, unused-ignore]
                yield IngestError(f"{path}:{reader.line_num}", f"line {reader.line_num}: more fields than the header")
                continue
            yield from _entry(path, reader.line_num, record)


def _entry(path: Path, number: int, record: Any) -> Iterator[ItemDraft | IngestError]:
    refused: list[str] = []
    try:
        draft = draft_from(record, path.parent, refused)
    except (ValueError, KeyError, TypeError, OverflowError) as err:
        yield IngestError(f"{path}:{number}", f"line {number}: {err}")
        return
    yield replace(draft, origin=(f"{path}:{number}", f"line {number}"))
    for reason in refused:
        yield IngestError(f"{path}:{number}", f"line {number}: {reason}")
