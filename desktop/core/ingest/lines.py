"""Lines of a manifest, each held in memory only up to a bound.

Iterating a file object reads a whole line whatever its length: one 4 GiB
line without an end would be 4 GiB of memory (more as text). A manifest's
line is one item, and no item needs more than :data:`MAX_RECORD`; a longer
line is skipped in blocks and named, never held. Open a binary file with a
large buffer (:data:`BUFFER`): the skipping goes a buffer at a time.
"""

from __future__ import annotations

from typing import IO, AnyStr, Generic

# As CSV's field limit: a line this long is read, its text cut to what an
# item holds and the cut reported; beyond it a line is skipped and named.
# Held as bytes, text and parsed JSON it costs about four times this.
MAX_RECORD = 64 << 20
BUFFER = 1 << 20


class LineTooLong(ValueError):
    """A line longer than :data:`MAX_RECORD`, skipped unread."""


class Bounded(Generic[AnyStr]):
    """The lines of ``handle`` (ends included, as iterating it gives them).

    An overlong line raises LineTooLong once it has been skipped; iterating
    goes on with the next line.
    """

    def __init__(self, handle: IO[AnyStr]) -> None:
        self._handle: IO[AnyStr] = handle

    def __iter__(self) -> Bounded[AnyStr]:
        return self

    def __next__(self) -> AnyStr:
        line: AnyStr = self._handle.readline(MAX_RECORD + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_RECORD and line[-1:] not in ("\n", b"\n"):
            self._skip_line()
            raise LineTooLong(f"longer than {MAX_RECORD >> 20} MiB; not read")
        return line

    def _skip_line(self) -> None:
        peek = getattr(self._handle, "peek", None)
        if peek is None:  # text: its line ends are the reader's to decide
            while (rest := self._handle.readline(1 << 20)) and rest[-1:] not in ("\n", b"\n"):
                pass
            return
        # Bytes: a buffer at a time, consumed up to the line end (readline is ten times slower).
        while chunk := peek(1):
            end = chunk.find(b"\n")
            self._handle.read(len(chunk) if end < 0 else end + 1)
            if end >= 0:
                return
