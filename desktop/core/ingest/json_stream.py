"""Big JSON files read as a stream: memory follows one record, never the file.

A Telegram export's ``result.json`` can hold hundreds of megabytes; loaded
whole, it costs several times its size. ijson's C parser (yajl) reads it in
blocks instead. Two things it does differently from :mod:`json` are made
right here, on the bytes, before it sees them:

- it reads UTF-8 only: a UTF-8 BOM is skipped, and UTF-16 or UTF-32 (which
  :func:`json.detect_encoding` recognises, as ``json.loads`` does) is recoded;
- a ``\\u`` escape of a lone surrogate (``\\ud800``) becomes ``?`` or bytes no
  decoder takes; it is rewritten to ``\\ufffd``, which is what the readers
  would have made of it anyway (no database stores a lone surrogate).

Read :func:`events` first, bounding the depth (``MAX_DEPTH``), then
:func:`items`: ijson names every value by its full path, so a file nested
100,000 deep would cost it gigabytes of path strings.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import TYPE_CHECKING, Any

import ijson

# The C parser, which the wheels carry: the pure-Python one is ten times slower.
_PARSER = ijson.get_backend("yajl2_c")

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import BinaryIO

# Telegram exports nest six deep; json.loads gives up near a thousand.
MAX_DEPTH = 256
_BLOCK = 64 * 1024
# A pair of escapes (12 bytes) or one lone one, each after an even run of
# backslashes (``\\\\ud800`` is a backslash and the text "ud800").
_SURROGATE = re.compile(
    rb"(?<!\\)((?:\\\\)*)(\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2})"
)
_HINT = re.compile(rb"\\u[dD][89a-fA-F]")
# A surrogate pair's second half may start 12 bytes before a block's end, its first half 6 before that.
_REACH = 18


class NotJson(ValueError):
    """The file is not valid JSON; the message says where."""


class TooDeep(ValueError):
    """The JSON nests deeper than :data:`MAX_DEPTH`."""


class JsonBytes:
    """A JSON file's bytes as the parser reads them (see the module's notes).

    Also counts the lines handed over, so an error can say where it is.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        head = handle.read(4)
        encoding = json.detect_encoding(head)
        self._decoder: codecs.IncrementalDecoder | None = None
        if encoding == "utf-8-sig":
            head = head[3:]
        elif encoding != "utf-8":
            self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
            head = self._decoder.decode(head).encode("utf-8", errors="surrogatepass")
        self._pending = head
        self._ended = False
        self.lines_before = 0  # newlines before the last block handed over
        self.lines_through = 0  # newlines up to its end

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing first, to see bytes from text
            return b""
        while True:
            if self._ended:
                ready, self._pending = self._pending, b""
            else:
                block = self._handle.read(_BLOCK)
                if self._decoder is not None:
                    block = self._decoder.decode(block, final=not block).encode("utf-8", errors="surrogatepass")
                self._ended = not block
                ready, self._pending = _repaired(self._pending + block, final=self._ended)
            if ready or self._ended:
                self.lines_before = self.lines_through
                self.lines_through += ready.count(b"\n")
                return ready

    def where(self) -> str:
        first, last = self.lines_before + 1, self.lines_through + 1
        return f"line {first}" if first == last else f"lines {first}-{last}"


def _repaired(buffer: bytes, *, final: bool) -> tuple[bytes, bytes]:
    """What of ``buffer`` can go to the parser now, lone surrogate escapes
    rewritten, and what must wait for the next block to be judged."""
    cut = len(buffer)
    if not final:
        tail = buffer.find(b"\\", max(0, len(buffer) - _REACH))
        if tail != -1:
            start = tail
            while start > 0 and buffer[start - 1] == 0x5C:
                start -= 1
            cut = tail - (tail - start) % 2  # an even run of backslashes stays behind, pairs go
    if not _HINT.search(buffer):
        return buffer[:cut], buffer[cut:]
    parts: list[bytes] = []
    done = 0
    for found in _SURROGATE.finditer(buffer):
        if found.end() > cut:
            cut = min(cut, found.start())
            break
        parts.append(buffer[done : found.start()])
        escape = found.group(2)
        parts.append(found.group(1) + (escape if len(escape) == 12 else rb"\ufffd"))
        done = found.end()
    parts.append(buffer[done:cut])
    return b"".join(parts), buffer[cut:]


def events(path: Path) -> Iterator[tuple[str, Any]]:
    """ijson's basic events of ``path`` (no values built); raises NotJson.

    The caller bounds the depth (and raises TooDeep): a check here would
    cost a Python step per token.
    """
    with path.open("rb") as handle:
        stream = JsonBytes(handle)
        try:
            yield from _PARSER.basic_parse(stream, use_float=True)
        except ijson.JSONError as err:
            raise NotJson(f"not valid JSON ({stream.where()}): {_first_line(err)}") from None
        except UnicodeDecodeError as err:
            raise NotJson(f"not valid text in its encoding ({stream.where()}): {err.reason}") from None


def items(path: Path, prefix: str) -> Iterator[Any]:
    """Each value at ``prefix`` (ijson's notation: ``messages.item``), one at a time.

    Only for a file :func:`events` went through whole: its errors are not
    expected here, and its depth is known to be sane.
    """
    with path.open("rb") as handle:
        stream = JsonBytes(handle)
        try:
            yield from _PARSER.items(stream, prefix, use_float=True)
        except ijson.JSONError as err:  # the file changed since it was checked
            raise NotJson(f"not valid JSON ({stream.where()}): {_first_line(err)}") from None
        except UnicodeDecodeError as err:
            raise NotJson(f"not valid text in its encoding ({stream.where()}): {err.reason}") from None


def _first_line(err: Exception) -> str:
    # yajl's message goes on with a copy of the text around the error: not for a report.
    text = str(err)
    if text.startswith(("b'", 'b"')):
        text = text[2:]
    return text.strip().split("\n", 1)[0].split("\\n", 1)[0].rstrip(".") or type(err).__name__
