"""The prefixes the marker index is built from: what they are for the
patterns rules are written with, and that no match ever starts elsewhere."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.text.markers import MarkerEngine
from desktop.core.text.pattern_prefixes import prefixes

KEY = 4

# (pattern, (prefixes at a word start, prefixes anywhere) or None: cannot be worked out)
EXAMPLES: list[tuple[str, tuple[set[str], set[str]] | None]] = [
    (r"\bnsfw\b", ({"nsfw"}, set())),
    (r"(?<![\w+\-.,/:])(?:\+21|21\+)(?![\w+])", ({"21+"}, {"+21"})),
    (r"(?<!\w)[وب]?(?:مشاهد|صور)", ({"مشاه", "صور", "وصور", "ومشا", "بصور", "بمشا"}, set())),
    (r"\bgor(?:e|y)\b|\bmutilat\w*", ({"gore", "gory", "muti"}, set())),
    (r"\bкров(?:і|ю|['’ʼ]ю|ав\w*)?\b", ({"кров"}, set())),
    (r"⚠|❗", (set(), {"⚠", "❗"})),
    (r"^abc", ({"abc"}, set())),
    (r"\Aabc", ({"abc"}, set())),
    (r"(?<=\s)abc", (set(), {"abc"})),
    (r"(?=ab)abc", (set(), {"abc"})),
    (r"\Babc", (set(), {"abc"})),
    # A negated class that holds \w is no word start: the character before must be a word character.
    (r"(?<![^\w])abc", (set(), {"abc"})),
    (r"\b\+x", (set(), {"+x"})),  # \b before a non-word character is not a word start
    (r"a{2,3}b", (set(), {"a"})),
    (r"x?yz", (set(), {"xyz", "yz"})),
    (r"(?:ab)*cd", (set(), {"ab", "cd"})),
    (r"(?>ab)c", (set(), {"abc"})),
    (r"a++b", (set(), {"a"})),
    (r"a*?bc", (set(), {"a", "bc"})),
    (r"[a-c]de", (set(), {"ade", "bde", "cde"})),
    (r"[]a]b", (set(), {"]b", "ab"})),
    (r"[a-]b", (set(), {"ab", "-b"})),
    (r"\x41\u0410\n", (set(), {"AА\n"})),
    (r"\.\+\ x", (set(), {".+ x"})),
    (r"a{,2}bc", (set(), {"a", "bc"})),
    (r"a{x}", (set(), {"a{x}"})),  # not a repeat count: literal braces, as in re
    (r"a{}", (set(), {"a{}"})),
    (r"(?#a note)abc", (set(), {"abc"})),
    (r"(?P<word>ab)c", (set(), {"abc"})),
    (r"\w+abc", None),
    (r".abc", None),
    (r"[^a]bc", None),
    (r"[\x00-\xff]bc", None),  # too many to list
    (r"abc|", None),  # matches empty text: no prefix
    (r"(?P<n>ab)(?P=n)", None),  # back-references are not read
    (r"(ab)\1", None),
    (r"(?i:abc)", None),  # flags inside the pattern are not read
    (r"(?:a|b)(?:c|d)(?:e|f)(?:g|h)", (set(), {w + x + y + z for w in "ab" for x in "cd" for y in "ef" for z in "gh"})),
]


@pytest.mark.parametrize(("pattern", "expected"), EXAMPLES)
def test_prefixes_of_the_patterns_rules_are_written_with(
    pattern: str, expected: tuple[set[str], set[str]] | None
) -> None:
    assert prefixes(re.compile(pattern), KEY) == expected


def test_a_pattern_with_flags_is_not_read() -> None:
    assert prefixes(re.compile("abc", re.IGNORECASE), KEY) is None
    assert prefixes(re.compile("(?i)abc"), KEY) is None


def test_too_many_prefixes_is_no_index() -> None:
    assert prefixes(re.compile("[a-z][a-z][a-z]"), KEY) is None


PATTERNS = [re.compile(p) for p, _ in EXAMPLES] + [rule.regex for rule in MarkerEngine.load().rules]
FRAGMENTS = [
    "abc",
    "ab",
    "a",
    "b",
    "c",
    " ",
    "x",
    "+21",
    "21+",
    "nsfw",
    "кров",
    "ю",
    "صور",
    "و",
    "⚠",
    "]",
    "-",
    ".+ x",
    "{",
]
TEXTS = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=2), max_size=12).map("".join)


@given(TEXTS)
@settings(deadline=None)
def test_every_match_starts_with_a_prefix_and_where_it_must(text: str) -> None:
    for regex in PATTERNS:
        found = prefixes(regex, KEY)
        if found is None:
            continue
        at_word_start, anywhere = found
        for start in range(len(text) + 1):
            if regex.match(text, start) is None:
                continue
            word_start = start == 0 or not re.match(r"\w", text[start - 1])
            allowed = anywhere | (at_word_start if word_start else set())
            assert any(text.startswith(p, start) for p in allowed), (regex.pattern, text, start)
