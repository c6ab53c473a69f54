"""The lines of a text input (a live blog, a JSONL or CSV manifest), decoded
by its byte order mark: UTF-16, or UTF-8 with or without one.

Read a block at a time, so a long file is never held whole; bytes that are
not valid in the file's encoding are replaced and counted, never fatal. A
line is held only up to a bound the reader gives: one 4 GiB line without an
end costs what one long item does, and the rest of it is skipped unread.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# As CSV's field limit: the longest line a manifest reader parses. Held as
# text and parsed JSON it costs a few times this.
MAX_RECORD = 64 << 20
_BLOCK = 1 << 20
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 bytes that never start a character


def decoded_lines(path: Path, problems: list[str], *, longest: int) -> Iterator[str]:
    """The file's lines, decoded by its BOM (UTF-8 or UTF-16) or as UTF-8,
    with Windows and old Mac line ends made plain.

    A line longer than ``longest`` characters comes out as its first
    ``longest + 1`` (so the reader can tell it was longer) and the rest of it
    is skipped, undecoded where the encoding allows."""
    with path.open("rb") as handle:
        # No seek back after peeking at the BOM, and read1, not read: the
        # input may be a pipe, and lines must flow as they arrive.
        block = handle.read1(_BLOCK)
        encoding = "utf-16" if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        bad = 0
        pending = ""
        resync = False
        while block:
            if len(pending) > longest and encoding != "utf-16" and b"\n" not in block and b"\r" not in block:
                # Still the same overlong line, and no line end in this block: skipped undecoded.
                decoder.reset()
                resync = True
                block = handle.read1(_BLOCK)
                continue
            if resync:  # the block may start inside a character whose first bytes were skipped
                block, resync = block.lstrip(_CONTINUATION), False
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError:
                # Redo this block leniently; the decoder's state is lost, but
                # only invalid input ever lands here.
                lenient = codecs.getincrementaldecoder(encoding)(errors="replace")
                text = lenient.decode(block)
                bad += text.count("\ufffd")
                decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
            if len(pending) > longest and "\n" not in text and "\r" not in text:
                block = handle.read1(_BLOCK)  # still the same overlong line (UTF-16): skip it
                continue
            pending += text
            carry = ""
            if pending.endswith("\r"):  # maybe half of a \r\n cut by the block boundary
                pending, carry = pending[:-1], "\r"
            *complete, pending = pending.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            pending = pending[: longest + 1] + carry
            for line in complete:
                yield line[: longest + 1]
            block = handle.read1(_BLOCK)
        try:
            pending += decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # the file ends inside a character
            pending += "\ufffd"
            bad += 1
        if pending:
            yield pending.rstrip("\r")[: longest + 1]
        if bad:
            problems.append(f"{bad} invalid byte sequence(s) replaced with U+FFFD")


def record_lines(path: Path, problems: list[str], overlong: list[int]) -> Iterator[str]:
    """A manifest's lines: a line longer than :data:`MAX_RECORD` comes out
    empty, so the numbering holds, and its number goes to ``overlong``."""
    for number, line in enumerate(decoded_lines(path, problems, longest=MAX_RECORD), start=1):
        if len(line) > MAX_RECORD:
            overlong.append(number)
            yield ""
        else:
            yield line


def too_long(number: int) -> str:
    return f"line {number}: longer than {MAX_RECORD >> 20} MiB characters; not read"
