"""Live-blog text dumps: pasted pages of bullets, embedded posts and articles.

What makes an item, line by line:

- a bullet (``*``, ``•``, ``-`` or ``–`` then a space, ``1.``/``1)``), maybe
  behind a time stamp (``09:14 •``), starts one; ``*`` and ``•`` need no space
  (``*As a result...`` is how pages paste);
- a plain line after a bullet item starts one too, unless it is indented
  (a wrapped continuation); plain lines after plain lines are one paragraph;
- an attribution line (``— Name (@handle) Month D, YYYY``) closes the item
  above it and gives it that author, handle and date: an embedded post;
- a short line without closing punctuation followed by a long one is an
  article's heading: the article runs, bullets and all, until a blank line
  followed by a bullet or another heading, or the end of the file;
- a blank line ends any item but an article.

Links are recorded as media references of their item, never fetched. The
file is read line by line (a 1 GB dump is streamed); bytes that are not
valid in the file's encoding are replaced and reported, never fatal.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from desktop.core.ingest.lines import decoded_lines
from desktop.domain.ingest import IngestError, ItemDraft, MediaRef

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

MAX_ITEM_CHARS = 100_000
# Longer than any item may be, bullet and indent included, so a line cut
# here makes its item report itself cut.
MAX_LINE = 2 * MAX_ITEM_CHARS

_STAMP = r"(?P<stamp>\d{1,2}[:.]\d{2})\s*"
_BULLET = re.compile(rf"^\s*(?:{_STAMP}(?:[•*·\-–—]\s*)?|[•*·]\s*|[-–]\s+|\d{{1,3}}[.)]\s+)(?=\S)")
_ATTRIBUTION = re.compile(
    r"^\s*[—–-]{1,2}\s*(?P<name>[^()\n]{1,100}?)\s*\(@(?P<handle>\w{1,30})\)\s+"
    r"(?P<date>(?P<month>[A-Z][a-z]{2,8})\.?\s+(?P<day>\d{1,2}),\s+(?P<year>\d{4}))\s*$"
)
_LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"]+|pic\.twitter\.com/\w+|t\.me/[\w/+-]+", re.IGNORECASE)
_CLOSING = ".!?…:;,"
_MONTHS = {m: n for n, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}  # fmt: skip
_FEED_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass
class _Item:
    kind: str  # bullet | plain | article
    first_line: int
    lines: list[str] = field(default_factory=list)
    stamp: str | None = None
    author: str | None = None
    author_name: str | None = None
    published: datetime | None = None
    chars: int = 0
    truncated: bool = False

    def add(self, line: str) -> None:
        if self.chars + len(line) > MAX_ITEM_CHARS:
            self.truncated = True
            line = line[: max(0, MAX_ITEM_CHARS - self.chars)]
        if line or self.lines:
            self.lines.append(line)
            self.chars += len(line) + 1


def _kept(line: str, number: int, problems: list[str]) -> str:
    if len(line) <= MAX_LINE:
        return line
    kept = line[:MAX_LINE]
    if len(kept.strip()) < MAX_ITEM_CHARS:  # the item will not say it was cut: this must
        problems.append(f"line {number} is longer than {MAX_LINE:,} characters; the rest was skipped")
    return kept


def read_text(path: Path) -> Iterator[ItemDraft | IngestError]:
    problems: list[str] = []
    feed_date = _feed_date(path)
    try:
        lines = decoded_lines(path, problems, longest=MAX_LINE)
        kept = (_kept(line, number, problems) for number, line in enumerate(lines, start=1))
        for entry in _parse(kept, feed_date):
            if isinstance(entry, IngestError):
                entry = IngestError(f"{path}{entry.path}", entry.error)
            elif entry.origin is not None:
                entry = replace(entry, origin=(f"{path}{entry.origin[0]}", entry.origin[1]))
            yield entry
    except OSError as err:
        yield IngestError(str(path), f"cannot read: {err.strerror or err}")
    for problem in problems:
        yield IngestError(str(path), problem)


def looks_like_text(head: bytes) -> bool:
    """Plain text: decodes (give or take a cut-off last character) and has no NULs
    outside UTF-16."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start >= len(head) - 3
    return True


def _feed_date(path: Path) -> datetime | None:
    found = _FEED_DATE.search(path.name)
    if not found:
        return None
    try:
        return datetime(int(found[1]), int(found[2]), int(found[3]), tzinfo=UTC)
    except ValueError:
        return None


def _parse(lines: Iterable[str], feed_date: datetime | None) -> Iterator[ItemDraft | IngestError]:
    current: _Item | None = None
    blank_before = True
    numbered = _numbered(lines)
    lookahead = next(numbered, None)
    while lookahead is not None:
        number, raw = lookahead
        lookahead = next(numbered, None)
        line = raw.rstrip()
        if not line.strip():
            if current is not None and current.kind != "article":
                yield from _finish(current, feed_date)
                current = None
            blank_before = True
            continue
        bullet = _BULLET.match(line)
        attribution = _ATTRIBUTION.match(line)
        if attribution and current is not None:
            current.author = f"@{attribution['handle']}"
            current.author_name = attribution["name"].strip()
            current.published = _date(attribution)
            yield from _finish(current, feed_date)
            current = None
        elif (
            current is not None
            and current.kind == "article"
            and not (blank_before and (bullet or _is_heading(line, lookahead)))
        ):
            current.add(line.strip())
        elif _is_heading(line, lookahead) and not bullet:
            if current is not None:
                yield from _finish(current, feed_date)
            current = _Item("article", number)
            current.add(line.strip())
        elif bullet:
            if current is not None:
                yield from _finish(current, feed_date)
            current = _Item("bullet", number, stamp=bullet["stamp"])
            current.add(line[bullet.end() :].strip())
        elif current is not None and (raw[:1].isspace() or (current.kind == "plain" and not blank_before)):
            current.add(line.strip())  # a wrapped line, or the next line of a paragraph
        else:
            if current is not None:
                yield from _finish(current, feed_date)
            current = _Item("plain", number)
            current.add(line.strip())
        blank_before = False
    if current is not None:
        yield from _finish(current, feed_date)


def _numbered(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, start=1):
        yield number, line.replace("\x00", "")


def _is_heading(line: str, lookahead: tuple[int, str] | None) -> bool:
    text = line.strip()
    if not 3 <= len(text) <= 80 or text[-1] in _CLOSING or not (text[0].isupper() or text[0].isdigit()):
        return False
    if lookahead is None:
        return False
    following = lookahead[1].strip()
    return len(following) >= max(100, 2 * len(text)) and not _ATTRIBUTION.match(following)


def _date(found: re.Match[str]) -> datetime | None:
    month = _MONTHS.get(found["month"].lower()) or next(
        (n for name, n in _MONTHS.items() if name.startswith(found["month"].lower()[:3])), None
    )
    if month is None:
        return None
    try:
        return datetime(int(found["year"]), month, int(found["day"]), tzinfo=UTC)
    except ValueError:
        return None


def _finish(item: _Item, feed_date: datetime | None) -> Iterator[ItemDraft | IngestError]:
    text = "\n".join(item.lines).strip()
    if not text:
        return
    published = item.published
    if published is None and item.stamp and feed_date is not None:
        hours, minutes = (int(part) for part in re.split(r"[:.]", item.stamp))
        if hours < 24 and minutes < 60:
            published = datetime.combine(feed_date.date(), time(hours, minutes), tzinfo=UTC)
    links = tuple(
        dict.fromkeys(MediaRef(uri=m.group(0).rstrip(".,;:)]'\"»"), media_type="link") for m in _LINK.finditer(text))
    )
    yield ItemDraft(
        text=text,
        author=item.author,
        author_name=item.author_name,
        published_at=published,
        media=links,
        origin=(f":{item.first_line}", f"line {item.first_line}"),
    )
    if item.truncated:
        yield IngestError(
            f":{item.first_line}", f"the item at line {item.first_line} was cut at {MAX_ITEM_CHARS:,} characters"
        )
