"""Records of a manifest that is not one record a line: the rows of a CSV
file, the elements of a JSON array. Each comes with the line it starts on,
and a record that cannot be read comes as :class:`Unreadable`, so the reader
names it and goes on where going on is honest.

Both read line by line and hold one record at a time, however long the file.
"""

from __future__ import annotations

import csv
import json
import re
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

# The longest JSON record read: past it, an element that still does not parse
# is refused rather than read on to the end of the file.
MAX_RECORD = 16 << 20  # characters
_SPACE = re.compile(r"[ \t\r\n]*")


@dataclass(frozen=True)
class Unreadable:
    """A record that could not be read, and why."""

    reason: str


def csv_rows(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str] | Unreadable]]:
    """The rows of ``lines`` (each ending in a newline), with the line each starts on; blank lines skipped.

    Read strictly: a quoted field must close before its delimiter. A row the
    csv module refuses is :class:`Unreadable` and reading goes on at the line
    after it. When the refused row ran on past its first line (a quote opened
    there never closed, and swallowed the lines after it up to the end of the
    file or the next stray quote), only that first line is taken as the bad
    row: the lines after it are read again as rows of their own.
    """
    source = iter(lines)
    replay: deque[str] = deque()
    taken: list[str] = []  # the lines the row being read has used

    def feed() -> Iterator[str]:
        while True:
            if replay:
                line = replay.popleft()
            else:
                line = next(source, "")
                if not line:
                    return
            taken.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    done = 0  # lines used by the rows read so far
    while True:
        taken.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            if len(taken) > 1:
                yield (
                    done + 1,
                    Unreadable(
                        f"a quote opened on this line does not close where it should ({err});"
                        f" the {len(taken) - 1} line(s) after it are read as rows of their own"
                    ),
                )
                replay.extendleft(reversed(taken[1:]))
                done += 1
            else:
                yield done + 1, Unreadable(str(err))
                done += len(taken)
            # The refused row's state dies with its reader.
            reader = csv.reader(feed(), delimiter=delimiter, strict=True)
            continue
        start = done + 1
        done += len(taken)
        if row:
            yield start, row


class _Text:
    """The part of a file not yet parsed, filled a line at a time."""

    def __init__(self, opening: str, number: int, lines: Iterator[tuple[int, str]]) -> None:
        self.text = opening + "\n"
        self.line = number  # the line ``text[counted]`` is on
        self.counted = 0
        self.lines = lines
        self.ended = False

    def more(self, size: int) -> bool:
        """Add at least ``size`` characters, whole lines; False at the end of the file."""
        parts: list[str] = []
        added = 0
        for _, raw in self.lines:
            parts.append(raw + "\n")
            added += len(raw) + 1
            if added >= size:
                break
        else:
            self.ended = True
        self.text += "".join(parts)
        return added > 0

    def skip_space(self, pos: int) -> int:
        while True:
            match = _SPACE.match(self.text, pos)
            pos = match.end() if match else pos
            if pos < len(self.text) or not self.more(1 << 16):
                return pos

    def line_at(self, pos: int) -> int:
        self.line += self.text.count("\n", self.counted, pos)
        self.counted = pos
        return self.line

    def forget_before(self, pos: int) -> int:
        """Drop the text before ``pos`` once it is long; the new position of ``pos``."""
        if pos < 1 << 20:
            return pos
        self.line_at(pos)
        self.text, self.counted = self.text[pos:], 0
        return 0


def array_records(opening: str, number: int, lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, Any]]:
    """The elements of a JSON array opened by ``opening`` (line ``number``,
    holding its ``[``), run on in ``lines`` (numbered), each with the line it
    starts on. An element that is not JSON ends the reading: no later
    element can be found for sure in a broken array, so the rest is named
    as not read (:class:`Unreadable`)."""
    decoder = json.JSONDecoder()
    buffer = _Text(opening, number, lines)
    pos = buffer.skip_space(buffer.text.index("[") + 1)
    if buffer.text.startswith("]", pos):
        return
    while True:
        size = 1 << 16
        while True:
            try:
                record, end = decoder.raw_decode(buffer.text, pos)
                break
            except RecursionError:
                yield buffer.line_at(pos), Unreadable("JSON nested too deeply; the rest of the array was not read")
                return
            except json.JSONDecodeError as err:
                # Lines are added whole, so no token is ever cut: an element
                # that does not parse is either longer than the text so far or broken.
                if buffer.ended or len(buffer.text) - pos > MAX_RECORD or not buffer.more(size):
                    start = buffer.line_at(pos)
                    broken = start + buffer.text.count("\n", pos, err.pos)
                    yield (
                        start,
                        Unreadable(f"not JSON ({err.msg} on line {broken}); the rest of the array was not read"),
                    )
                    return
                size *= 2
        yield buffer.line_at(pos), record
        pos = buffer.skip_space(end)
        if buffer.text.startswith(",", pos):
            pos = buffer.forget_before(buffer.skip_space(pos + 1))
            continue
        if buffer.text.startswith("]", pos):
            pos = buffer.skip_space(pos + 1)
            if pos < len(buffer.text):
                yield buffer.line_at(pos), Unreadable("text after the end of the array was not read")
            return
        yield (
            buffer.line_at(pos),
            Unreadable("the array does not go on with ',' or end with ']'; the rest was not read"),
        )
        return
