"""Sensitivity markers: the warnings publishers put on graphic material.

The rules are data (``resources/markers.toml``); this module only normalises
text, runs the rules and turns their hits into :class:`MarkerDraft`. What a
marker means for the item is a default and an ordering, never a decision.

Matching runs on a normalised copy of the text (see :func:`normalise`) so one
pattern covers ``１８＋`` and ``18+``, ``İ`` and ``i``, ``مُرَوِّعة`` and
``مروعة``; every hit is mapped back to the original text, so a marker's span
and ``matched_text`` are what the publisher wrote.

Speed: ingest has about 200 µs per item for everything (>= 5,000 items/s),
so a post without markers must cost a few tens of µs. Normalisation runs in C
(``unicodedata``, ``str.casefold``, ``re``) and builds an index in Python only
where the text changes; the rules are not tried at every character but only
where one of their possible first characters stands (see "the prefilter").
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.core.resources import resource
from desktop.core.text.pattern_prefixes import prefixes
from desktop.domain.errors import UsageError
from desktop.domain.ingest import MarkerDraft

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

__all__ = ["MarkerEngine", "normalise"]

KINDS = ("explicit", "weak", "cue")

# Characters that carry no meaning for matching and are dropped: Arabic tatweel
# and harakat (writers add them for emphasis or leave them out at will), emoji
# variation selectors (⚠ and ⚠️ are one warning sign), and invisible format
# characters that split a word without showing (soft hyphen, zero-width space
# and joiners, bidi marks, BOM) — the usual way a marker slips past a filter.
# U+0307 is the dot that Python's own lower() leaves on "İ" ("i̇").
_DROPPED = (
    "\u0640"
    + "".join(chr(c) for c in range(0x064B, 0x0660))
    + "\u0670\ufe0e\ufe0f\u0307\u00ad\u200b\u200c\u200d\u200e\u200f"
    + "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)

# One-to-one foldings applied before case folding.
_FOLDED = {
    # Turkish and Azerbaijani have dotted İ/i and dotless I/ı; English has only I/i.
    # Folding all four to "i" lets one pattern match "İÇERİK", "içerik" and
    # "IÇERIK" (typed without a Turkish keyboard), at the cost of not telling
    # "kırk" from "kirk" (no rule needs to).
    "İ": "i",
    "I": "i",
    "ı": "i",
    # Arabic: hamza seats on alef, alef maqsura and ta marbuta are spelt freely
    # in posts ("مروعه" for "مروعة"), so search folds them as Arabic search engines do.
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    # Russian writes ё as е more often than not.
    "Ё": "е",
    "ё": "е",
    # Dashes and the minus sign: "шок‑контент" with a non-breaking hyphen, "−21".
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
}
# Arabic-Indic and Persian digits are not compatibility characters, so NFKC
# keeps them; "١٨+" is still an age gate.
_FOLDED.update({chr(0x0660 + d): str(d) for d in range(10)})
_FOLDED.update({chr(0x06F0 + d): str(d) for d in range(10)})

# For patterns, folded at load: one translate() does it all.
_TABLE: dict[int, str | None] = {ord(k): v for k, v in _FOLDED.items()}
_TABLE.update(dict.fromkeys(map(ord, _DROPPED)))
# For text, where str.translate() with a dict costs ~50 ns a character: a
# regex finds whether there is anything to do at all, and str.replace() does it.
_DROP_RX = re.compile("[" + "".join(map(re.escape, _DROPPED)) + "]+")
_FOLD_RX = re.compile("[" + "".join(map(re.escape, _FOLDED)) + "]")
_FOLD_ITEMS = tuple(_FOLDED.items())
# Nothing composes with an ASCII character that follows it, and NFKC never
# changes an ASCII character, so a text can be cut just before one.
_CUT = re.compile(r"[\x00-\x7f]")
# Below this many characters a text that is not NFKC is normalised character
# by character; above it, it is first cut in halves.
_SMALL = 8


def normalise(text: str) -> tuple[str, list[int]]:
    """The text as the rules see it, and where each of its characters came from.

    Steps: NFKC (in pieces, so each output character can be traced to its
    source; ``１８＋`` → ``18+``, ``…`` → ``...``), removal of
    Arabic diacritics, tatweel, variation selectors and invisible format
    characters, the one-to-one foldings above (Turkish i, Arabic letter
    variants, ё, dashes, Arabic-Indic digits), then Unicode case folding.
    ``index[k]`` is the position in ``text`` of the character that normalised
    character ``k`` came from.
    """
    folded, index = _normalise(text)
    return folded, list(range(len(folded))) if index is None else index


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """:func:`normalise` with ``None`` for an identity index, the common case
    that needs no list at all."""
    if text.isascii():
        # ASCII has nothing to compose, drop or fold but its case, and lower() is one-to-one here.
        return text.lower(), None
    composed, index = _nfkc(text)
    if _DROP_RX.search(composed) is not None:
        kept: list[int] = []
        previous = 0
        for dropped in _DROP_RX.finditer(composed):
            kept.extend(range(previous, dropped.start()))
            previous = dropped.end()
        kept.extend(range(previous, len(composed)))
        index = _compose(index, kept)
        composed = _DROP_RX.sub("", composed)
    if _FOLD_RX.search(composed) is not None:
        for before, after in _FOLD_ITEMS:
            if before in composed:
                composed = composed.replace(before, after)
    folded = composed.casefold()
    if len(folded) != len(composed):
        # Case folding never shortens, so equal lengths mean one-to-one; when
        # it grows ("ß" → "ss") each piece points back to its source character.
        grown: list[int] = []
        for i, ch in enumerate(composed):
            grown.extend([i] * len(ch.casefold()))
        index = _compose(index, grown)
    return folded, index


def _compose(outer: list[int] | None, inner: list[int]) -> list[int]:
    """``outer[inner[k]]``: maps step by step back to the original text."""
    return inner if outer is None else [outer[i] for i in inner]


def _nfkc(text: str) -> tuple[str, list[int] | None]:
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    parts: list[str] = []
    index: list[int] = []
    _nfkc_into(text, 0, len(text), parts, index)
    return "".join(parts), index


def _nfkc_into(text: str, lo: int, hi: int, parts: list[str], index: list[int]) -> None:
    """NFKC of ``text[lo:hi]``, with the source of every output character."""
    piece = text[lo:hi]
    if unicodedata.is_normalized("NFKC", piece):
        parts.append(piece)
        index.extend(range(lo, hi))
        return
    if hi - lo > _SMALL:
        # Halving finds the few odd characters (an NBSP, an ellipsis) quickly.
        middle = (lo + hi) // 2
        cut = _CUT.search(text, middle, hi)
        if cut is None or cut.start() == lo:
            cut = _CUT.search(text, lo + 1, middle)
        if cut is not None and lo < cut.start() < hi:
            _nfkc_into(text, lo, cut.start(), parts, index)
            _nfkc_into(text, cut.start(), hi, parts, index)
            return
    # A cluster is a character and the combining marks after it: the unit
    # composition works on, and the unit an output character is traced to.
    start = lo
    for end in range(lo + 1, hi + 1):
        if end < hi and unicodedata.combining(text[end]):
            continue
        cluster = text[start:end]
        out = unicodedata.normalize("NFKC", cluster)
        parts.append(out)
        if len(out) == len(cluster):
            index.extend(range(start, end))
        else:
            index.extend([start] * len(out))
        start = end


# ---------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Rule:
    """One ``[[rule]]`` of the rule file, compiled against normalised text."""

    id: str
    kind: str
    code: str
    severity: int
    language: str | None
    pattern: str  # as written in the file
    regex: re.Pattern[str]
    not_before: re.Pattern[str] | None = None
    not_after: re.Pattern[str] | None = None
    not_near: re.Pattern[str] | None = None
    near: int = 120
    extend: re.Pattern[str] | None = None

    def vetoed(self, text: str, start: int, end: int) -> bool:
        """Whether the context around a hit says it is a look-alike (a
        temperature, a count, a privacy notice)."""
        if self.not_after is not None and self.not_after.match(text, end):
            return True
        if self.not_before is not None and self.not_before.search(text, max(0, start - self.near), start):
            return True
        return self.not_near is not None and bool(
            self.not_near.search(text, max(0, start - self.near), min(len(text), end + self.near))
        )


@dataclass(frozen=True)
class Scoring:
    """How markers add up to an item's severity (``[scoring]`` in the rule file)."""

    cues_alone: int = 1  # the most that content cues give an item on their own
    cues_with_media: int = 2  # ... when several distinct cues come with media
    distinct_cues: int = 2  # how many distinct cue codes count as "several"
    weak_bonus: int = 1  # what weak words add to an item that has another hit


_RULE_KEYS = {
    "id",
    "kind",
    "code",
    "severity",
    "language",
    "pattern",
    "not_before",
    "not_after",
    "not_near",
    "near",
    "extend",
    "note",
}
_DEFAULT_SEVERITY = {"weak": 1, "cue": 1}
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_CODE = re.compile(r"[a-z0-9+:][a-z0-9+:._-]{0,31}")
# Tokens of a pattern: escapes stay as written, everything else is folded like text.
_PATTERN_TOKEN = re.compile(r"\\(?:N\{[^}]*\}|.)|.", re.DOTALL)
_REGEX_SPECIAL = frozenset("\\.^$*+?{}[]()|-#&~ \t\n\r\f\v")
# A text longer than _WINDOW is scanned in windows that overlap by _OVERLAP,
# which is also the most context (`near`) a rule may ask for.
_OVERLAP = 512
_WINDOW = 1 << 16
# A pathological text ("dead" a million times) must not become a million rows;
# the first hits of each rule tell the moderator as much.
_MAX_PER_RULE = 16


def _fold_pattern(pattern: str) -> str:
    """A pattern as it must be written to match normalised text: its literal
    characters go through the same steps as text, its escapes do not."""
    out: list[str] = []
    for token in _PATTERN_TOKEN.findall(unicodedata.normalize("NFC", pattern)):
        if token.startswith("\\"):
            out.append(token)
            continue
        folded = unicodedata.normalize("NFKC", token).translate(_TABLE).casefold()
        if folded != token and any(ch in _REGEX_SPECIAL for ch in folded):
            # "＋" and "–" fold to "+" and "-"; as literals they must stay literals.
            folded = re.escape(folded)
        out.append(folded)
    return "".join(out)


class _RuleFile:
    """Reading one rule file, with errors that name the file and the line."""

    def __init__(self, path: Path, raw: str) -> None:
        self.path = path
        self.raw = raw
        self._cursor = 0  # rules are read in file order, so each is looked for after the last

    def line_of(self, needle: str, after: int = 0) -> int | None:
        at = self.raw.find(needle, after)
        if at < 0 and "\n" in needle:
            at = self.raw.find(needle.split("\n", 1)[0], after)
        return None if at < 0 else self.raw.count("\n", 0, at) + 1

    def offset_of_rule(self, rule_id: str) -> int:
        found = re.compile(rf"^[ \t]*id[ \t]*=[ \t]*[\"']{re.escape(rule_id)}[\"']", re.MULTILINE).search(
            self.raw, self._cursor
        )
        if found is None:
            return self._cursor
        self._cursor = found.end()
        return found.start()

    def error(self, message: str, line: int | None) -> UsageError:
        where = f"{self.path}:{line}" if line else str(self.path)
        return UsageError(f"{where}: {message}")

    def compile(self, rule_id: str, key: str, pattern: Any, offset: int) -> re.Pattern[str]:
        if not isinstance(pattern, str) or not pattern:
            raise self.error(f"rule {rule_id!r}: {key} must be a non-empty string", self.line_of(rule_id, offset))
        try:
            re.compile(pattern)
            return re.compile(_fold_pattern(pattern))
        except re.error as err:
            line = self.line_of(pattern, offset) or self.line_of(rule_id, offset)
            raise self.error(f"rule {rule_id!r}: bad {key} {pattern!r}: {err.msg}", line) from None

    def rule(self, raw: Any, seen: set[str]) -> Rule:
        if not isinstance(raw, dict):
            raise self.error("each [[rule]] must be a table", None)
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
            raise self.error(
                f"rule id {rule_id!r} must be 1-64 lower-case letters, digits, '.', '_' or '-'",
                self.line_of(str(rule_id)) if rule_id else None,
            )
        offset = self.offset_of_rule(rule_id)
        line = self.line_of(rule_id, offset)
        if rule_id in seen:
            raise self.error(f"rule {rule_id!r} is defined twice", line)
        seen.add(rule_id)
        unknown = sorted(set(raw) - _RULE_KEYS)
        if unknown:
            raise self.error(f"rule {rule_id!r}: unknown key {unknown[0]!r}", self.line_of(unknown[0], offset) or line)
        kind = raw.get("kind")
        if kind not in KINDS:
            raise self.error(f"rule {rule_id!r}: kind must be one of {KINDS}, not {kind!r}", line)
        code = raw.get("code")
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise self.error(f"rule {rule_id!r}: code {code!r} must be 1-32 lower-case characters", line)
        severity = raw.get("severity", _DEFAULT_SEVERITY.get(kind))
        if type(severity) is not int or not 0 <= severity <= 3:
            raise self.error(f"rule {rule_id!r}: severity must be 0, 1, 2 or 3, not {severity!r}", line)
        language = raw.get("language")
        if language is not None and (not isinstance(language, str) or not 0 < len(language) <= 16):
            raise self.error(f"rule {rule_id!r}: language must be a short language tag", line)
        near = raw.get("near", 120)
        if type(near) is not int or not 0 < near <= _OVERLAP:
            raise self.error(f"rule {rule_id!r}: near must be a whole number of characters, 1-{_OVERLAP}", line)
        pattern = raw.get("pattern")
        regex = self.compile(rule_id, "pattern", pattern, offset)
        if regex.match(""):
            raise self.error(f"rule {rule_id!r}: pattern matches empty text", self.line_of(str(pattern), offset))
        contexts: dict[str, re.Pattern[str] | None] = {}
        for key in ("not_before", "not_after", "not_near", "extend"):
            value = raw.get(key)
            contexts[key] = None if value is None else self.compile(rule_id, key, value, offset)
        not_before = contexts["not_before"]
        if not_before is not None:
            # It must end where the hit starts.
            not_before = re.compile(f"(?:{not_before.pattern})\\Z")
        return Rule(
            id=rule_id,
            kind=kind,
            code=code,
            severity=severity,
            language=language,
            pattern=str(pattern),
            regex=regex,
            not_before=not_before,
            not_after=contexts["not_after"],
            not_near=contexts["not_near"],
            near=near,
            extend=contexts["extend"],
        )

    def scoring(self, raw: Any) -> Scoring:
        if raw is None:
            return Scoring()
        line = self.line_of("[scoring]")
        if not isinstance(raw, dict):
            raise self.error("[scoring] must be a table", line)
        defaults = Scoring()
        values: dict[str, int] = {}
        for key, value in raw.items():
            if not hasattr(defaults, key):
                raise self.error(f"[scoring]: unknown key {key!r}", self.line_of(key) or line)
            low, high = (1, 99) if key == "distinct_cues" else (0, 3)
            if type(value) is not int or not low <= value <= high:
                raise self.error(f"[scoring]: {key} must be {low}-{high}, not {value!r}", self.line_of(key) or line)
            values[key] = value
        return Scoring(**values)


# ---------------------------------------------------------------------------
# Where a rule can start: the prefilter
#
# Trying every rule at every character costs milliseconds per post. Instead,
# each rule's pattern is read (desktop.core.text.pattern_prefixes) for the first few
# characters any match must start with, e.g. {"+21", "21+"} or {"corp", "dead"}.
# One search for all those prefixes finds the few places worth trying, and
# there only the rules whose prefix is present are run. A rule whose start
# cannot be worked out (it begins with \w or .) is searched for on its own:
# slower, never wrong.

_KEY = 4  # prefix length: long enough to be rare in ordinary text


def _trie_regex(keys: Iterable[str]) -> str:
    """One regex that matches where any key starts, consuming one character
    (so the next key may start right after it)."""
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def rest(node: dict[str, Any]) -> str:
        if "" in node:
            return ""  # a shorter key ends here, nothing more is needed
        alternatives = [re.escape(ch) + rest(child) for ch, child in sorted(node.items())]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    alternatives = []
    for ch, child in sorted(trie.items()):
        tail = rest(child)
        alternatives.append(re.escape(ch) + (f"(?={tail})" if tail else ""))
    return "|".join(alternatives)


# ---------------------------------------------------------------------------
# The engine


class MarkerEngine:
    """Compiled marker rules. Build one with :meth:`load` and share it: it
    holds no state between calls, so threads may use one engine at once."""

    def __init__(self, rules: Sequence[Rule], scoring: Scoring | None = None, *, _prefilter: bool = True) -> None:
        # Where several rules match at one place the earlier wins: explicit
        # markers first, then weak words, then cues, each in file order.
        self.rules: tuple[Rule, ...] = tuple(sorted(rules, key=lambda r: KINDS.index(r.kind)))
        self.scoring = scoring or Scoring()
        self._order = {rule.id: n for n, rule in enumerate(self.rules)}
        by_key: dict[str, list[Rule]] = {}
        word_keys: set[str] = set()
        other_keys: set[str] = set()
        self._unindexed: tuple[Rule, ...] = ()
        unindexed: list[Rule] = []
        for rule in self.rules:
            found = prefixes(rule.regex, _KEY) if _prefilter else None
            if found is None:
                unindexed.append(rule)
                continue
            word_keys.update(found[0])
            other_keys.update(found[1])
            for prefix in found[0] | found[1]:
                by_key.setdefault(prefix, []).append(rule)
        self._unindexed = tuple(unindexed)
        # A key's list holds the rules of every shorter key it starts with, so
        # the longest key found at a place names every rule worth trying there.
        self._by_key: dict[str, tuple[Rule, ...]] = {}
        for key in by_key:
            candidates = {r.id: r for n in range(1, len(key) + 1) for r in by_key.get(key[:n], ())}
            self._by_key[key] = tuple(sorted(candidates.values(), key=lambda r: self._order[r.id]))
        self._word_starts = re.compile(rf"(?<!\w)(?:{_trie_regex(word_keys)})") if word_keys else None
        self._anywhere = re.compile(_trie_regex(other_keys)) if other_keys else None
        self._lookaheads = tuple(re.compile(f"(?=(?:{rule.regex.pattern}))", rule.regex.flags) for rule in unindexed)

    @classmethod
    def load(cls, path: Path | None = None) -> MarkerEngine:
        """Read a rule file (the bundled ``markers.toml`` by default).

        Raises :class:`UsageError` naming the file, and the line where it can,
        for unreadable files, invalid TOML and bad rules or patterns.
        """
        path = path or resource("markers.toml")
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"{path}: cannot read marker rules: {err}") from None
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as err:
            raise UsageError(f"{path}: not valid TOML: {err}") from None
        reader = _RuleFile(path, raw)
        unknown = sorted(set(data) - {"rule", "scoring", "version"})
        if unknown:
            raise reader.error(f"unknown table {unknown[0]!r}", reader.line_of(unknown[0]))
        if data.get("version", 1) != 1:
            raise reader.error(f"version {data['version']!r} is not one this Veil reads (1)", reader.line_of("version"))
        raw_rules = data.get("rule", [])
        if not isinstance(raw_rules, list):
            raise reader.error("'rule' must be an array of tables: [[rule]]", reader.line_of("rule"))
        seen: set[str] = set()
        rules = [reader.rule(raw_rule, seen) for raw_rule in raw_rules]
        return cls(rules, reader.scoring(data.get("scoring")))

    def detect(self, text: str) -> list[MarkerDraft]:
        """Every marker in ``text``, in order. Weak words are returned only
        when the text has another hit; alone they mark nothing."""
        if not self.rules or not text:
            return []
        counts: dict[str, int] = {}
        if len(text) <= _WINDOW + _OVERLAP:
            found = self._scan(text, 0, len(text), 0, counts)
        else:
            # A very long text is read in windows so the index map stays small;
            # each window sees _OVERLAP characters of context on both sides
            # and keeps only the hits that start inside it.
            found = []
            for begin in range(0, len(text), _WINDOW):
                lo = max(0, begin - _OVERLAP)
                part = text[lo : begin + _WINDOW + _OVERLAP]
                found.extend(self._scan(part, begin - lo, begin - lo + _WINDOW, lo, counts))
        if all(m.kind == "weak" for m in found):
            return []
        return found

    def _places(self, norm: str) -> list[int]:
        """Where a rule may match, in order."""
        places: set[int] = set()
        for finder in (self._word_starts, self._anywhere):
            if finder is not None:
                places.update(m.start() for m in finder.finditer(norm))
        for lookahead in self._lookaheads:
            places.update(m.start() for m in lookahead.finditer(norm))
        return sorted(places)

    def _rules_at(self, norm: str, at: int) -> Sequence[Rule]:
        indexed: Sequence[Rule] = ()
        for length in range(_KEY, 0, -1):
            found = self._by_key.get(norm[at : at + length])
            if found is not None:
                indexed = found
                break
        if not self._unindexed:
            return indexed
        return sorted({*indexed, *self._unindexed}, key=lambda r: self._order[r.id])

    def _scan(self, text: str, keep_from: int, keep_to: int, shift: int, counts: dict[str, int]) -> list[MarkerDraft]:
        """Hits in ``text`` that start in [keep_from, keep_to), with spans shifted by ``shift``."""
        norm, index = _normalise(text)
        found: list[MarkerDraft] = []
        taken_to = 0  # hits do not overlap: the first one found keeps its text
        for at in self._places(norm):
            if at < taken_to:
                continue
            for rule in self._rules_at(norm, at):
                hit = rule.regex.match(norm, at)
                if hit is None or hit.end() == at or rule.vetoed(norm, at, hit.end()):
                    continue
                taken_to = end = hit.end()
                if rule.extend is not None and (more := rule.extend.match(norm, end)) is not None:
                    # The topic is shown with the marker but stays open to other rules.
                    end = more.end()
                start, end = _original_span(index, at, end, len(text))
                if keep_from <= start < keep_to and counts.get(rule.id, 0) < _MAX_PER_RULE:
                    counts[rule.id] = counts.get(rule.id, 0) + 1
                    found.append(
                        MarkerDraft(
                            code=rule.code,
                            matched_text=text[start:end],
                            span=(start + shift, end + shift),
                            rule=rule.id,
                            severity=rule.severity,
                            language=rule.language,
                            kind=rule.kind,
                        )
                    )
                break
        return found

    def item_severity(self, markers: Sequence[MarkerDraft], *, has_media: bool) -> int:
        """An item's severity, 0-3, from its markers and whether it has media.

        The strongest explicit marker sets it; content cues alone give at most
        ``cues_alone`` (``cues_with_media`` when there are several distinct cues
        and media to go with them); weak words add ``weak_bonus`` only when
        there is another hit. Capped at 3.
        """
        s = self.scoring
        explicit = max((m.severity for m in markers if m.kind == "explicit"), default=0)
        cues = {m.code for m in markers if m.kind == "cue"}
        from_cues = 0
        if cues:
            several = len(cues) >= s.distinct_cues
            from_cues = s.cues_with_media if several and has_media else s.cues_alone
        score = max(explicit, from_cues)
        if any(m.kind == "weak" for m in markers) and any(m.kind != "weak" for m in markers):
            score += s.weak_bonus
        return max(0, min(3, score))


def _original_span(index: list[int] | None, start: int, end: int, length: int) -> tuple[int, int]:
    """The span in the original text of normalised ``[start, end)``.

    The end runs up to the source of the next normalised character, so what
    normalisation dropped inside or right after a hit (the variation selector
    of "⚠️", the harakat on a last letter) stays part of ``matched_text``; a
    hit that ends inside an expanded character ("…" → "...") takes all of it.
    """
    if index is None:
        return start, end
    orig_start = index[start]
    orig_end = index[end] if end < len(index) else length
    return orig_start, max(orig_end, index[end - 1] + 1)
