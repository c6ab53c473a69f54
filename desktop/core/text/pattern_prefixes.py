"""The strings every match of a regular expression starts with.

The marker engine indexes its rules by the first few characters their
matches can start with (see "the prefilter" in :mod:`desktop.core.text.markers`).
That needs the pattern's structure, which ``re`` keeps to itself, so the
pattern is read here: literal characters, character classes, groups,
alternatives, repeats and the zero-width assertions, as the ``re``
documentation defines them. Anything else (back-references, conditionals,
flags inside a pattern, octal and named escapes) is not guessed at: the
answer is "unknown", and the rule is tried at every character, slower but
never wrong. For the same reason every approximation here errs on the side
of more prefixes, never fewer.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

__all__ = ["prefixes"]

# More prefixes than this for one pattern and the index would be no quicker than the rule.
_MOST_PREFIXES = 512
# A character class with more members than this cannot be listed usefully.
_MOST_OPTIONS = 64
_WORD_CHAR = re.compile(r"\w")


# ---------------------------------------------------------------------------
# A pattern's structure


@dataclass(frozen=True)
class _Char:
    """One character: one of ``options``, or (None) from a set too large to list."""

    options: frozenset[str] | None
    all_word_chars: bool = False  # every word character is among those it may be (\w, [\w+-])


@dataclass(frozen=True)
class _Empty:
    """A zero-width assertion. ``word_start``: where the next character is a
    word character, the one before is not (\\b, ^, \\A, (?<!\\w))."""

    word_start: bool = False


@dataclass(frozen=True)
class _Either:
    """A group, or the whole pattern: one of its alternatives."""

    alternatives: tuple[tuple[_Node, ...], ...]


@dataclass(frozen=True)
class _Repeat:
    low: int
    high: int | None  # None: no upper bound
    body: _Node


_Node = _Char | _Empty | _Either | _Repeat


class _Unknown(Exception):
    """Syntax this reader does not take apart."""


_SIMPLE_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_CLASS_ESCAPES = {"d", "D", "s", "S", "w", "W"}
_QUANTIFIER = re.compile(r"\{(\d*)(,(\d*))?\}")


class _Reader:
    """Reads a pattern that ``re`` compiled (so its syntax is valid) into nodes."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.at = 0

    def read(self) -> _Either:
        found = self.alternatives()
        if self.at != len(self.pattern):
            raise _Unknown(self.pattern[self.at :])
        return found

    def peek(self, text: str) -> bool:
        return self.pattern.startswith(text, self.at)

    def take(self) -> str:
        if self.at >= len(self.pattern):
            raise _Unknown("unexpected end")
        char = self.pattern[self.at]
        self.at += 1
        return char

    def alternatives(self) -> _Either:
        found = [self.sequence()]
        while self.peek("|"):
            self.at += 1
            found.append(self.sequence())
        return _Either(tuple(found))

    def sequence(self) -> tuple[_Node, ...]:
        nodes: list[_Node] = []
        while self.at < len(self.pattern) and not self.peek("|") and not self.peek(")"):
            atom = self.atom()
            if atom is None:
                continue  # a comment
            nodes.append(self.quantified(atom))
        return tuple(nodes)

    def quantified(self, atom: _Node) -> _Node:
        char = self.pattern[self.at : self.at + 1]
        bounds: tuple[int, int | None]
        if char in ("*", "+", "?"):
            self.at += 1
            bounds = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        elif (found := _QUANTIFIER.match(self.pattern, self.at)) and (found[1] or found[2]):
            self.at = found.end()
            low = int(found[1] or 0)
            bounds = (low, int(found[3]) if found[3] else None) if found[2] else (low, low)
        else:
            return atom  # "{" that is not a repeat count is a literal brace, as in re
        if self.peek("?") or self.peek("+"):
            self.at += 1  # lazy or possessive: the same strings can match
        return _Repeat(bounds[0], bounds[1], atom)

    def atom(self) -> _Node | None:
        char = self.take()
        if char == "(":
            return self.group()
        if char == "[":
            return self.char_class()
        if char == "\\":
            return self.escape()
        if char == ".":
            return _Char(None)
        if char == "^":
            return _Empty(word_start=True)
        if char == "$":
            return _Empty()
        if char in "*+?":
            raise _Unknown("nothing to repeat")
        return _Char(frozenset({char}))

    def group(self) -> _Node | None:
        kind = ""
        for opening in ("?:", "?>", "?=", "?!", "?<=", "?<!", "?#", "?P<"):
            if self.peek(opening):
                kind = opening
                self.at += len(opening)
                break
        else:
            if self.peek("?"):
                raise _Unknown("flags, a conditional or a back-reference")
        if kind == "?#":
            end = self.pattern.find(")", self.at)
            if end < 0:
                raise _Unknown("unclosed comment")
            self.at = end + 1
            return None
        if kind == "?P<":
            end = self.pattern.find(">", self.at)
            if end < 0:
                raise _Unknown("unclosed group name")
            self.at = end + 1
        inner = self.alternatives()
        if self.take() != ")":
            raise _Unknown("unclosed group")
        if kind in ("?=", "?!", "?<="):
            return _Empty()
        if kind == "?<!":
            # (?<!\w), (?<![\w+-]): no word character before this place.
            only = inner.alternatives[0] if len(inner.alternatives) == 1 else ()
            return _Empty(word_start=len(only) == 1 and isinstance(only[0], _Char) and only[0].all_word_chars)
        return inner

    def escape(self) -> _Node:
        char = self.take()
        if char in ("b", "A"):
            return _Empty(word_start=True)
        if char in ("B", "Z"):
            return _Empty()
        if char in _CLASS_ESCAPES:
            return _Char(None, all_word_chars=char == "w")
        return _Char(frozenset({self.escaped(char)}))

    def escaped(self, char: str) -> str:
        """The character an escape (the text after the backslash) stands for."""
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char in _HEX_ESCAPES:
            digits = self.pattern[self.at : self.at + _HEX_ESCAPES[char]]
            if len(digits) != _HEX_ESCAPES[char] or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise _Unknown("bad hexadecimal escape")
            self.at += len(digits)
            if int(digits, 16) > sys.maxunicode:
                raise _Unknown("no such character")
            return chr(int(digits, 16))
        if char.isascii() and char.isalnum():
            raise _Unknown(f"escape \\{char}")  # octal, back-references, \N{...}
        return char

    def char_class(self) -> _Char:
        negated = self.peek("^")
        if negated:
            self.at += 1
        members: set[str] = set()
        unlisted = word = False  # it holds a \d, \s, \w... or a wide range; it holds \w
        first = True
        while first or not self.peek("]"):
            first = False
            char = self.take()
            if char == "\\":
                escape = self.take()
                if escape in _CLASS_ESCAPES:
                    unlisted, word = True, word or escape == "w"
                    continue
                low = "\b" if escape == "b" else self.escaped(escape)
            else:
                low = char
            if self.peek("-") and not self.peek("-]"):
                self.at += 1
                high = self.take()
                if high == "\\":
                    escape = self.take()
                    if escape in _CLASS_ESCAPES:
                        raise _Unknown("a range to a class")
                    high = "\b" if escape == "b" else self.escaped(escape)
                if ord(high) - ord(low) >= _MOST_OPTIONS:
                    unlisted = True
                    continue
                members.update(chr(c) for c in range(ord(low), ord(high) + 1))
            else:
                members.add(low)
        self.at += 1  # the closing bracket
        listed = not negated and not unlisted and len(members) <= _MOST_OPTIONS
        return _Char(frozenset(members) if listed else None, all_word_chars=not negated and word)


# ---------------------------------------------------------------------------
# From the structure to the prefixes

# (prefix so far, may grow, must start where (?<!\w) holds)
_Path = tuple[str, bool, bool]


def _close(paths: set[_Path]) -> set[_Path]:
    return {(s, False, anchored) for s, _, anchored in paths}


def _append(paths: set[_Path], chars: frozenset[str], length: int) -> set[_Path]:
    out: set[_Path] = set()
    for s, grows, anchored in paths:
        if not grows:
            out.add((s, False, anchored))
            continue
        for ch in chars:
            out.add((s + ch, len(s) + 1 < length, anchored))
    return out


def _walk(nodes: tuple[_Node, ...], paths: set[_Path], length: int) -> set[_Path] | None:
    for node in nodes:
        if not any(grows for _, grows, _ in paths):
            break
        stepped = _step(node, paths, length)
        if stepped is None or len(stepped) > _MOST_PREFIXES:
            return None
        paths = stepped
    return paths


def _step(node: _Node, paths: set[_Path], length: int) -> set[_Path] | None:
    if isinstance(node, _Char):
        return _close(paths) if node.options is None else _append(paths, node.options, length)
    if isinstance(node, _Empty):
        if node.word_start:
            return {(s, grows, anchored or not s) for s, grows, anchored in paths}
        return paths
    if isinstance(node, _Either):
        out: set[_Path] = set()
        for alternative in node.alternatives:
            walked = _walk(alternative, paths, length)
            if walked is None:
                return None
            out |= walked
        return out
    once = _walk((node.body,), paths, length)
    if once is None:
        return None
    # After one turn another may follow: only a {0,1} or {1} repeat can keep growing.
    after = once if node.high == 1 else _close(once)
    return after | paths if node.low == 0 else after


def prefixes(regex: re.Pattern[str], length: int) -> tuple[set[str], set[str]] | None:
    """The strings every match of ``regex`` starts with (up to ``length``
    characters): those that can only start where a word starts, and the
    others; None if they cannot be worked out."""
    if regex.flags != re.UNICODE:
        return None
    try:
        paths = _walk((_Reader(regex.pattern).read(),), {("", True, False)}, length)
    except (_Unknown, RecursionError):
        return None
    if not paths or any(not s for s, _, _ in paths):
        return None
    at_word_start = {s for s, _, anchored in paths if anchored and _WORD_CHAR.match(s)}
    return at_word_start, {s for s, _, _ in paths} - at_word_start
