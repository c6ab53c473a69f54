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
import itertools
import json
import math
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from desktop.core.ingest.checks import ID_WIDTH, LANGUAGE_WIDTH, NAME_WIDTH
from desktop.core.ingest.lines import MAX_RECORD, record_lines, too_long
from desktop.core.ingest.paths import Escapes, inside
from desktop.core.ingest.records import Unreadable, array_records, csv_rows
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
# The widest each field may be. A manifest's value too wide refuses its
# line, named: whoever wrote the manifest can fix it. Values Veil makes of
# file names, which nobody chose to fit, are narrowed by checks.py instead.
LIMITS = {"id": ID_WIDTH, "author": NAME_WIDTH, "lang": LANGUAGE_WIDTH, "source": NAME_WIDTH}
DELIMITERS = ",;\t"
# A JSON array of records: "[" then "{", maybe on the next line.
_ARRAY_START = re.compile(r"\[\s*(\{|$)")


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
    """One record a line; or, when the file opens a JSON array (``[`` then
    ``{`` over several lines), the array's records, each named by the line
    it starts on. UTF-8 or, by its byte order mark, UTF-16."""
    problems: list[str] = []
    overlong: list[int] = []
    numbered = enumerate(record_lines(path, problems, overlong), start=1)
    first = True
    for number, raw in numbered:
        line = raw.strip()
        if not line:
            continue
        if first and _opens_array(line):
            for start, record in array_records(line, number, numbered):
                if isinstance(record, Unreadable):
                    yield IngestError(f"{path}:{start}", f"line {start}: {record.reason}")
                else:
                    yield from _entry(path, start, record)
            break
        first = False
        yield from _line(path, number, line)
    yield from _problems(path, problems, overlong)


def _line(path: Path, number: int, line: str) -> Iterator[ItemDraft | IngestError]:
    try:
        record = json.loads(line)
    except ValueError as err:
        yield IngestError(f"{path}:{number}", f"line {number}: not JSON: {err}")
        return
    except RecursionError:
        yield IngestError(f"{path}:{number}", f"line {number}: not read: JSON nested too deeply")
        return
    if isinstance(record, list) and record and all(isinstance(entry, dict) for entry in record):
        # A whole array of records on one line: each is an item of its own.
        for index, entry in enumerate(record, start=1):
            yield from _entry(path, number, entry, place=f"line {number}, record {index}")
        return
    yield from _entry(path, number, record)


def _opens_array(line: str) -> bool:
    """Whether the first line of a file opens a JSON array of records that
    runs on over the next lines (a JSONL line holding a whole array is not)."""
    if _ARRAY_START.match(line) is None:
        return False
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return True
    return False


def read_csv(path: Path) -> Iterator[ItemDraft | IngestError]:
    """Rows under a header naming the columns, separated by commas,
    semicolons or tabs (the header says which). UTF-8 or, by its byte order
    mark, UTF-16. A row the csv module refuses is named by its line and the
    next rows are read; a quote opened and never closed is named by the line
    it opened on, and the lines it swallowed are read again as rows."""
    csv.field_size_limit(MAX_RECORD)  # one post may be long; the default 128 KiB is not
    problems: list[str] = []
    overlong: list[int] = []
    lines = record_lines(path, problems, overlong)
    blank = 0
    for header_line in lines:
        if header_line.strip():
            break
        blank += 1
    else:
        header_line = ""
    delimiter = csv_delimiter(header_line)
    if delimiter is None:
        yield IngestError(str(path), "a CSV manifest needs a header row with a 'text' column")
        return
    rows = csv_rows((line + "\n" for line in itertools.chain([header_line], lines)), delimiter)
    header: list[str] | None = None
    for number, row in ((blank + n, row) for n, row in rows):
        if header is None:
            if isinstance(row, Unreadable):
                yield IngestError(f"{path}:{number}", f"line {number}: the header is not read: {row.reason}")
                return
            header = [name.strip().lower() for name in row]
            if "text" not in header:
                yield IngestError(str(path), "a CSV manifest needs a header row with a 'text' column")
                return
            continue
        if isinstance(row, Unreadable):
            yield IngestError(f"{path}:{number}", f"line {number}: not read: {row.reason}")
            continue
        if len(row) > len(header):
            yield IngestError(f"{path}:{number}", f"line {number}: more fields than the header")
            continue
        record: dict[str, Any] = {k: v for k, v in zip(header, row, strict=False) if v != ""}
        for key in ("media", "markers"):
            if key in record:
                record[key] = [part.strip() for part in str(record[key]).split("|") if part.strip()]
        yield from _entry(path, number, record)
    yield from _problems(path, problems, overlong)


def _problems(path: Path, problems: list[str], overlong: list[int]) -> Iterator[IngestError]:
    for number in overlong:
        yield IngestError(f"{path}:{number}", too_long(number))
    for problem in problems:
        yield IngestError(str(path), problem)


def csv_delimiter(header: str) -> str | None:
    """The delimiter that splits ``header`` into named columns, ``text`` among them; None if none does."""
    for delimiter in DELIMITERS:
        columns = [column.strip().strip('"').lower() for column in header.split(delimiter)]
        if len(columns) > 1 and "text" in columns:
            return delimiter
    return None


def _entry(path: Path, number: int, record: Any, *, place: str = "") -> Iterator[ItemDraft | IngestError]:
    place = place or f"line {number}"
    refused: list[str] = []
    try:
        draft = draft_from(record, path.parent, refused)
    except (ValueError, KeyError, TypeError, OverflowError) as err:
        yield IngestError(f"{path}:{number}", f"{place}: {err}")
        return
    yield replace(draft, origin=(f"{path}:{number}", place))
    for reason in refused:
        yield IngestError(f"{path}:{number}", f"{place}: {reason}")
