"""The lines of a text input (a live blog, a JSONL or CSV manifest), decoded
by its byte order mark: UTF-16, or UTF-8 with or without one.

Read a block at a time, so a long file is never held whole; bytes that are
not valid in the file's encoding are replaced and counted, never fatal.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def decoded_lines(path: Path, problems: list[str]) -> Iterator[str]:
    """The file's lines, decoded by its BOM (UTF-8 or UTF-16) or as UTF-8,
    with Windows and old Mac line ends made plain."""
    with path.open("rb") as handle:
        # No seek back after peeking at the BOM, and read1, not read: the
        # input may be a pipe, and lines must flow as they arrive.
        block = handle.read1(1 << 20)
        encoding = "utf-16" if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        bad = 0
        pending = ""
        while block:
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError:
                # Redo this block leniently; the decoder's state is lost, but
                # only invalid input ever lands here.
                lenient = codecs.getincrementaldecoder(encoding)(errors="replace")
                text = lenient.decode(block)
                bad += text.count("\ufffd")
                decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
            pending += text
            carry = ""
            if pending.endswith("\r"):  # maybe half of a \r\n cut by the block boundary
                pending, carry = pending[:-1], "\r"
            *complete, pending = pending.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            pending += carry
            yield from complete
            block = handle.read1(1 << 20)
        try:
            pending += decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # the file ends inside a character
            pending += "\ufffd"
            bad += 1
        if pending:
            yield pending.rstrip("\r")
        if bad:
            problems.append(f"{bad} invalid byte sequence(s) replaced with U+FFFD")
