"""What every draft must hold before it joins a chunk, whatever its reader.

A chunk is stored in one transaction, so one value the database refuses
would cost every item beside it. Each draft is checked here first, and a
bad value is repaired or dropped with a note naming it, never the item: the
post still reaches a moderator, and the note says what was lost.

- A date outside year 1900..9999 in UTC (what SQLite and PostgreSQL both
  store, and nothing a feed publishes truthfully) is dropped: the item goes
  in undated, since its content, not its timestamp, is what needs review.
- A lone surrogate (from a JSON ``\\ud800`` escape, or a file name's byte that
  is not UTF-8) cannot be encoded by any driver. In a name or id it becomes
  ``\\xNN`` for the byte, so two such files stay two items; elsewhere U+FFFD.
- NUL, which PostgreSQL text cannot hold, becomes U+FFFD.
- A value wider than its column (PostgreSQL refuses it; SQLite would keep
  it): an id is shortened to its start and a digest of the whole, so two
  long names stay two items and the same input finds the same item again;
  an author or a source is cut; a language code is dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from desktop.domain.ingest import IngestError, ItemDraft, MarkerDraft

if TYPE_CHECKING:
    from pathlib import Path

FIRST_YEAR = 1900
LAST_YEAR = 9999
# The widest each value may be: the database's columns are as wide.
ID_WIDTH = 200
NAME_WIDTH = 200  # an author, an author's name, a source
LANGUAGE_WIDTH = 16
_DIGEST = 16  # hex digits of SHA-256 that end a shortened id
# os.fsdecode's surrogateescape maps an undecodable byte 0xNN to U+DCNN.
_ESCAPED = range(0xDC80, 0xDD00)


class _Clean(Protocol):
    def __call__(self, value: str, name: str, *, escape: bool = False) -> str: ...


def checked(draft: ItemDraft) -> tuple[ItemDraft, list[str]]:
    """``draft`` with every value a database stores, and a note for each value changed."""
    notes: list[str] = []
    bad: list[str] = []

    def clean(value: str, name: str, *, escape: bool = False) -> str:
        fixed = _storable(value, escape=escape)
        if fixed != value.replace("\x00", "\ufffd"):
            bad.append(name)
        return fixed

    def optional(value: str | None, name: str, *, escape: bool = False) -> str | None:
        return None if value is None else clean(value, name, escape=escape)

    published = draft.published_at
    if published is not None and not _in_range(published):
        notes.append(
            f"published_at {published.isoformat()} is outside the years {FIRST_YEAR}-{LAST_YEAR} (UTC);"
            " stored without a date"
        )
        published = None
    fixed = replace(
        draft,
        text=clean(draft.text, "text"),
        external_id=optional(draft.external_id, "id", escape=True),
        author=optional(draft.author, "author"),
        author_name=optional(draft.author_name, "author name"),
        language=optional(draft.language, "language"),
        source=optional(draft.source, "source"),
        published_at=published,
        media=tuple(replace(ref, uri=clean(ref.uri, "media path", escape=True)) for ref in draft.media),
        markers=tuple(_marker(marker, clean) for marker in draft.markers),
    )
    if bad:
        fields = ", ".join(dict.fromkeys(bad))
        notes.append(f"{fields}: characters that are not valid Unicode (a lone surrogate) were replaced")
    return _narrowed(fixed, notes), notes


def _narrowed(draft: ItemDraft, notes: list[str]) -> ItemDraft:
    """``draft`` with every value as narrow as its column, a note for each one changed."""
    external_id, author, author_name, source, language = (
        draft.external_id, draft.author, draft.author_name, draft.source, draft.language,
    )  # fmt: skip
    if external_id is not None and len(external_id) > ID_WIDTH:
        digest = hashlib.sha256(external_id.encode()).hexdigest()[:_DIGEST]
        notes.append(
            f"id is {len(external_id):,} characters, longer than {ID_WIDTH}:"
            f" stored as its first {ID_WIDTH - _DIGEST - 1} and a digest of the whole"
        )
        external_id = f"{external_id[: ID_WIDTH - _DIGEST - 1]}~{digest}"
    author = _cut(author, "author", notes)
    author_name = _cut(author_name, "author name", notes)
    source = _cut(source, "source", notes)
    if language is not None and len(language) > LANGUAGE_WIDTH:
        notes.append(f"language code longer than {LANGUAGE_WIDTH} characters; stored without a language")
        language = None
    return replace(
        draft, external_id=external_id, author=author, author_name=author_name, source=source, language=language
    )


def _cut(value: str | None, name: str, notes: list[str]) -> str | None:
    if value is None or len(value) <= NAME_WIDTH:
        return value
    notes.append(f"{name} longer than {NAME_WIDTH} characters; cut")
    return value[: NAME_WIDTH - 1] + "…"


def note(draft: ItemDraft, fallback: Path | str, problem: str) -> IngestError:
    """An error about ``draft`` naming the file and the place its reader found it."""
    if draft.origin is None:
        return IngestError(str(fallback), problem)
    path, place = draft.origin
    return IngestError(path, f"{place}: {problem}")


def readable_name(name: str) -> str:
    """A file name as text every database stores: a byte that is not UTF-8 shown as ``\\xNN``."""
    return _storable(name, escape=True)


def _marker(marker: MarkerDraft, clean: _Clean) -> MarkerDraft:
    return replace(
        marker,
        code=clean(marker.code, "marker"),
        matched_text=clean(marker.matched_text, "marker"),
        rule=clean(marker.rule, "marker"),
        language=None if marker.language is None else clean(marker.language, "marker"),
    )


def _in_range(value: datetime) -> bool:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        year = value.astimezone(UTC).year
    except OverflowError:  # 9999-12-31T23:59:59-12:00 is in year 10000 in UTC
        return False
    return FIRST_YEAR <= year <= LAST_YEAR


def _storable(value: str, *, escape: bool) -> str:
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = "".join(_character(c, escape=escape) for c in value)
    return value


def _character(c: str, *, escape: bool) -> str:
    code = ord(c)
    if not 0xD800 <= code <= 0xDFFF:
        return c
    if escape and code in _ESCAPED:
        return f"\\x{code - 0xDC00:02x}"
    return "\ufffd"
