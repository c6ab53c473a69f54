"""The sensitivity-marker engine: what it finds, what it must never find, and
how it reads text that publishers type in eight languages and many keyboards."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.text.markers import MarkerEngine, normalise
from desktop.domain.errors import UsageError
from desktop.domain.ingest import MarkerDraft
from tests.conftest import CORPUS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

FEEDS = CORPUS / "feeds"

ENGINE = MarkerEngine.load()
# The same rules without the prefix index: every rule tried everywhere. Slow,
# and the reference the fast path must agree with.
PLAIN = MarkerEngine(ENGINE.rules, ENGINE.scoring, _prefilter=False)


def explicit(text: str) -> list[tuple[str, str]]:
    return [(m.code, m.matched_text) for m in ENGINE.detect(text) if m.kind == "explicit"]


def check_spans(text: str, markers: Sequence[MarkerDraft]) -> None:
    for m in markers:
        assert 0 <= m.span[0] < m.span[1] <= len(text)
        assert text[m.span[0] : m.span[1]] == m.matched_text


# --- Look-alikes, each beside a true positive ------------------------------


@pytest.mark.parametrize(
    ("look_alike", "true_positive", "written"),
    [
        ("Sunny, +21 °C by noon", "Soldier Corpse +21", "+21"),
        ("Завтра до +21° и без осадков", "Видео с передовой +21", "+21"),
        ("Tomorrow up to +21℃", "Bodycam footage (+21)", "+21"),
        ("Senior editor, 21+ years of experience", "You have to see from a body camera 21+", "21+"),
        ("Опыт работы 18+ лет", "Видео 18+", "18+"),
        ("Lakers win, +21 points in the third", "Losses of the Armed Forces +21", "+21"),
        ("Meet us in Room 21+ after lunch", "Aftermath of the strike 21+", "21+"),
        ("Call +21 3 555 0100 for tickets", "Losses +21\n12:30 more shelling", "+21"),
        ("Temperature +21.5 in Baku", "Baku +21", "+21"),
        ("COVID-19 cases rose again", "COVID-19 ward, NSFW", "NSFW"),
        ("TW Semiconductor reports earnings", "TW: blood", "TW: blood"),
        ("TW: Taiwan, JP: Japan", "TW: gore, burns", "TW: gore, burns"),
        ("Al Gore spoke at the summit", "gore 18+", "18+"),
        (
            "Política de privacidad: tratamos contenido sensible como sus datos personales con cuidado.",
            "Contenido sensible: imágenes del ataque",
            "Contenido sensible",
        ),
        (
            "We handle sensitive content such as your personal data under the GDPR.",
            "Sensitive content: the aftermath of the shelling",
            "Sensitive content",
        ),
        ("Score: +18 in the second half", "Aftermath +18", "+18"),
    ],
)
def test_look_alikes_raise_no_alarm_and_the_real_marker_does(look_alike: str, true_positive: str, written: str) -> None:
    assert explicit(look_alike) == []
    assert written in [text for _, text in explicit(true_positive)]


def test_taiwan_alone_is_not_a_trigger_warning() -> None:
    assert ENGINE.detect("TW") == []
    assert ENGINE.detect("Flights to TW resume") == []
    assert ENGINE.detect("TW: 3-1 final score") == []


def test_age_gate_codes_are_normalised_and_the_text_is_as_written() -> None:
    markers = ENGINE.detect("Azerbaijani Soldier Corpse +21")
    (gate,) = [m for m in markers if m.kind == "explicit"]
    assert (gate.code, gate.matched_text, gate.severity, gate.rule) == ("21+", "+21", 3, "age-21")
    assert [(m.code, m.matched_text, m.severity) for m in ENGINE.detect("Video 18+ 🔞")] == [
        ("18+", "18+", 2),
        ("18+", "🔞", 2),
    ]


# --- Explicit markers in each language ----------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "written", "severity", "language"),
    [
        ("NSFW: footage from the front", "nsfw", "NSFW", 2, "en"),
        ("#nsfl bodycam", "nsfl", "nsfl", 3, "en"),
        ("NFAA clip", "nfaa", "NFAA", 2, "en"),
        ("CW: blood, death\nSoldiers at the crossing", "cw", "CW: blood, death", 2, "en"),
        ("Warning: graphic content", "graphic-content", "graphic content", 2, "en"),
        ("Viewer discretion advised.", "viewer-discretion", "Viewer discretion advised", 2, "en"),
        ("Disturbing footage from Shusha", "disturbing-footage", "Disturbing footage", 2, "en"),
        ("Шок-контент! Кадры боя", "shock-content", "Шок-контент", 2, "ru"),
        ("Видео не для слабонервных", "viewer-discretion", "не для слабонервных", 2, "ru"),
        ("Увага, чутливий контент", "sensitive-content", "чутливий контент", 2, "uk"),
        ("Şok görüntülər: döyüş", "shock-content", "Şok görüntülər", 2, "az"),
        ("DƏHŞƏTLİ KADRLAR", "graphic-content", "DƏHŞƏTLİ KADRLAR", 2, "az"),
        ("Ցնցող կադրեր առաջնագծից", "graphic-content", "Ցնցող կադրեր", 2, "hy"),
        ("HASSAS İÇERİK barındırır", "sensitive-content", "HASSAS İÇERİK", 2, "tr"),
        ("Rahatsız edici görüntüler içerir", "disturbing-footage", "Rahatsız edici görüntüler", 2, "tr"),
        ("Contenido sensible: el ataque", "sensitive-content", "Contenido sensible", 2, "es"),
        ("Imágenes fuertes del frente", "graphic-content", "Imágenes fuertes", 2, "es"),
        ("تحذير: محتوى حساس", "sensitive-content", "محتوى حساس", 2, "ar"),
        ("مشاهد مروعة من الجبهة", "graphic-content", "مشاهد مروعة", 2, "ar"),
    ],
)
def test_explicit_markers_in_every_language(text: str, code: str, written: str, severity: int, language: str) -> None:
    found = [m for m in ENGINE.detect(text) if m.kind == "explicit"]
    assert [(m.code, m.matched_text, m.severity, m.language) for m in found] == [(code, written, severity, language)]
    check_spans(text, found)


@pytest.mark.parametrize(
    ("text", "code", "written"),
    [
        ("Azerbaijani Soldier Corpse", "cue:corpse", "Corpse"),
        ("at least 3 civilians were killed", "cue:killed", "killed"),
        ("soldados armenios heridos", "cue:wounded", "heridos"),
        ("muertos en el ataque", "cue:dead", "muertos"),
        ("солдат убит", "cue:killed", "убит"),
        ("загиблі військові", "cue:dead", "загиблі"),
        ("ölü əsgərlər", "cue:dead", "ölü"),
        ("əsgərin cəsədi", "cue:corpse", "cəsədi"),
        ("Yaralılar xəstəxanaya", "cue:wounded", "Yaralılar"),
        ("قتلى وجرحى", "cue:dead", "قتلى"),
        ("وجرحى", "cue:wounded", "وجرحى"),
        ("զոհված զինծառայողներ", "cue:dead", "զոհված"),
        ("beheading video", "cue:beheading", "beheading"),
        ("massacre in the village", "cue:massacre", "massacre"),
        ("signs of torture", "cue:torture", "torture"),
        ("blood on the street", "cue:blood", "blood"),
        ("execution of prisoners", "cue:execution", "execution"),
    ],
)
def test_content_cues(text: str, code: str, written: str) -> None:
    found = ENGINE.detect(text)
    assert (code, written, "cue", 1) in [(m.code, m.matched_text, m.kind, m.severity) for m in found]
    check_spans(text, found)


def test_a_hit_is_not_counted_twice() -> None:
    # "dead bodies" is one corpse cue, not a corpse and a "dead".
    assert [m.code for m in ENGINE.detect("dead bodies in the street")] == ["cue:corpse"]


# --- Weak words ------------------------------------------------------------


@pytest.mark.parametrize("word", ["Внимание", "Увага", "تحذير", "⚠️", "⚠", "ուշադրություն", "Warning"])
def test_weak_words_alone_mark_nothing_and_count_beside_a_hit(word: str) -> None:
    assert ENGINE.detect(word) == []
    assert ENGINE.detect(f"{word} {word}") == []
    with_hit = ENGINE.detect(f"{word} +18")
    assert [m.kind for m in with_hit] == ["weak", "explicit"]
    assert with_hit[0].matched_text == word
    assert ENGINE.item_severity(with_hit, has_media=False) == 3  # 18+ is S2, the weak word adds one


# --- Normalisation ---------------------------------------------------------


def test_fullwidth_digits_are_an_age_gate() -> None:
    assert normalise("１８＋")[0] == "18+"
    (gate,) = ENGINE.detect("Видео １８＋")
    assert (gate.code, gate.matched_text, gate.span) == ("18+", "１８＋", (6, 9))


def test_turkish_and_azerbaijani_i_fold_to_one_form() -> None:
    forms = ["İÇERİK", "içerik", "IÇERIK", "ıçerık"]
    assert {normalise(f)[0] for f in forms} == {"içerik"}
    # Python's own lower() leaves a combining dot on İ; it goes too.
    assert normalise("i\u0307çerik")[0] == "içerik"
    assert [code for code, _ in explicit("HASSAS İÇERİK")] == ["sensitive-content"]
    assert [code for code, _ in explicit("hassas içerik")] == ["sensitive-content"]


def test_arabic_diacritics_and_tatweel_are_ignored_and_kept_in_the_marker() -> None:
    plain = "مشاهد مروعة"
    written = "مشاهـــد مُرَوِّعَة"
    assert normalise(written)[0] == normalise(plain)[0]
    assert normalise("قَتْلَى")[0] == normalise("قتلى")[0]
    (marker,) = ENGINE.detect(written + " اليوم")
    assert marker.matched_text == written  # the publisher's spelling, harakat and all


def test_emoji_variation_selectors_are_unified() -> None:
    assert normalise("⚠️")[0] == normalise("⚠")[0] == normalise("⚠\ufe0e")[0] == "⚠"
    colour, text = ENGINE.detect("⚠️ NSFW"), ENGINE.detect("⚠ NSFW")
    assert [m.code for m in colour] == [m.code for m in text] == ["warning", "nsfw"]
    assert colour[0].matched_text == "⚠️" and colour[1].span == (3, 7)
    assert text[0].matched_text == "⚠" and text[1].span == (2, 6)


def test_invisible_characters_do_not_hide_a_marker() -> None:
    (marker,) = ENGINE.detect("N\u200bSFW clip")
    assert marker.code == "nsfw" and marker.matched_text == "N\u200bSFW"
    assert [m.code for m in ENGINE.detect("шок\u2011контент")] == ["shock-content"]
    assert [m.matched_text for m in ENGINE.detect("Видео ١٨+")] == ["١٨+"]


def test_index_maps_every_normalised_character_to_its_source() -> None:
    text = "ＮＳＦＷ… Straße ﬁlm İ مُرَوِّعَة"
    norm, index = normalise(text)
    assert norm == "nsfw... strasse film i مروعه"
    assert len(index) == len(norm)
    assert index == sorted(index)
    # Each normalised character comes from a source that normalises to contain it.
    for k, ch in enumerate(norm):
        assert ch in normalise(text[index[k]])[0] or not normalise(text[index[k]])[0]
    assert [text[i] for i in index[:4]] == list("ＮＳＦＷ")
    assert text[index[4]] == text[index[6]] == "…"


def test_spans_point_into_the_original_text() -> None:
    text = "Ｖｉｄｅｏ… ＮＳＦＷ, Straße +21, ⚠️ جثث"
    markers = ENGINE.detect(text)
    assert [m.matched_text for m in markers] == ["ＮＳＦＷ", "+21", "⚠️", "جثث"]
    check_spans(text, markers)


# --- Severity ------------------------------------------------------------------


def marker(code: str, kind: str, severity: int = 1) -> MarkerDraft:
    return MarkerDraft(code=code, matched_text=code, span=(0, 1), rule="test", severity=severity, kind=kind)


@pytest.mark.parametrize(
    ("markers", "has_media", "expected"),
    [
        ([], True, 0),
        ([marker("cue:dead", "cue")], True, 1),
        ([marker("cue:dead", "cue"), marker("cue:dead", "cue")], True, 1),  # one concept, twice
        ([marker("cue:dead", "cue"), marker("cue:blood", "cue")], False, 1),
        ([marker("cue:dead", "cue"), marker("cue:blood", "cue")], True, 2),
        ([marker("cue:dead", "cue"), marker("cue:blood", "cue"), marker("cue:corpse", "cue")], True, 2),
        ([marker("18+", "explicit", 2)], False, 2),
        ([marker("21+", "explicit", 3), marker("cue:dead", "cue")], True, 3),
        ([marker("nsfw", "explicit", 2), marker("warning", "weak")], False, 3),
        ([marker("cue:dead", "cue"), marker("warning", "weak")], False, 2),
        ([marker("warning", "weak")], True, 0),  # alone it counts for nothing
        ([marker("21+", "explicit", 3), marker("warning", "weak")], True, 3),  # capped
    ],
)
def test_item_severity(markers: list[MarkerDraft], has_media: bool, expected: int) -> None:
    assert ENGINE.item_severity(markers, has_media=has_media) == expected


# --- The corpus feed -----------------------------------------------------------


def test_corpus_feed_items_have_their_expected_markers_and_cues() -> None:
    text = (FEEDS / "live-blog-2020-11-06.txt").read_text(encoding="utf-8")
    expected = json.loads((FEEDS / "live-blog-2020-11-06.expected.json").read_text(encoding="utf-8"))["items"]
    # Crude items: from where each one starts to where the next one does.
    starts = [text.index(item["starts"]) for item in expected]
    assert starts == sorted(starts)
    for item, begin, end in zip(expected, starts, [*starts[1:], len(text)], strict=True):
        body = text[begin:end]
        found = ENGINE.detect(body)
        check_spans(body, found)
        assert [m.matched_text for m in found if m.kind == "explicit"] == item["markers"], item["starts"]
        cues = {m.matched_text.casefold() for m in found if m.kind == "cue"}
        assert cues >= {c.casefold() for c in item["cues"]}, item["starts"]
    # And the whole file at once: the age gates as written, their code normalised.
    gates = [(m.code, m.matched_text) for m in ENGINE.detect(text) if m.kind == "explicit"]
    assert gates == [("21+", "21+"), ("21+", "+21"), ("21+", "+21")]


# --- The rule file ---------------------------------------------------------


GOOD_RULE = """
[[rule]]
id = "good"
kind = "explicit"
code = "nsfw"
severity = 2
pattern = '''\\bnsfw\\b'''
"""


def test_rules_are_data(tmp_path: Path) -> None:
    path = tmp_path / "markers.toml"
    path.write_text(
        GOOD_RULE
        + """
[[rule]]
id = "splatter-en"
kind = "cue"
code = "cue:splatter"
language = "en"
pattern = '''\\bsplatter\\w*'''
not_before = '''\\bpaint\\s+'''
""",
        encoding="utf-8",
    )
    engine = MarkerEngine.load(path)
    assert [(m.code, m.rule, m.language) for m in engine.detect("Splattered walls")] == [
        ("cue:splatter", "splatter-en", "en")
    ]
    assert engine.detect("paint splatter") == []


# The good rule takes lines 1-7; a second rule starts at line 9 with its id on line 10.
SECOND = GOOD_RULE + '\n[[rule]]\nid = "bad"\nkind = "cue"\ncode = "cue:x"\n'


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (SECOND + "pattern = '''(unclosed'''\n", 13, "rule 'bad': bad pattern"),
        (SECOND + "pattern = '''x'''\nnot_after = '''[z-a]'''\n", 14, "bad not_after"),
        (SECOND + "pattern = '''x?'''\n", 13, "matches empty text"),
        (SECOND + "patern = '''x'''\n", 13, "unknown key 'patern'"),
        (SECOND.replace('"cue"', '"loud"') + "pattern = '''x'''\n", 10, "kind must be"),
        (GOOD_RULE + GOOD_RULE, 10, "defined twice"),
        (GOOD_RULE.replace("severity = 2", "severity = 5"), 3, "severity"),
    ],
)
def test_a_bad_rule_names_the_file_and_line(tmp_path: Path, body: str, line: int, message: str) -> None:
    path = tmp_path / "markers.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(UsageError, match=message) as caught:
        MarkerEngine.load(path)
    assert f"{path}:{line}:" in str(caught.value)


def test_a_broken_rule_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "markers.toml"
    path.write_text("[[rule]\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not valid TOML"):
        MarkerEngine.load(path)
    with pytest.raises(UsageError, match="cannot read"):
        MarkerEngine.load(tmp_path / "missing.toml")


def test_the_bundled_rules_are_all_indexed() -> None:
    # A rule the prefix index cannot place is tried at every character: correct, but slow.
    assert ENGINE._unindexed == ()


# --- Long and arbitrary text -------------------------------------------------


def test_a_very_long_text_is_read_whole_with_spans_in_place() -> None:
    filler = "Город на берегу моря, тихий вечер. " * 4000  # > 128 K characters, not ASCII
    text = filler + "Видео +21. " + filler + "NSFW"
    markers = ENGINE.detect(text)
    assert [(m.matched_text, m.span[0]) for m in markers] == [("+21", len(filler) + 6), ("NSFW", len(text) - 4)]
    check_spans(text, markers)


def test_a_pathological_text_gives_a_bounded_number_of_markers() -> None:
    markers = ENGINE.detect("dead " * 100_000 + "+21")
    assert len([m for m in markers if m.code == "cue:dead"]) <= 16
    assert markers[-1].code == "21+"


FRAGMENTS = [
    "+21", "21+", "18+", "+18", "°", " ", "\n", "NSFW", "TW:", "CW: ", "gore", "dead", "İ", "ı", "\u0651", "\u0640",
    "\ufe0f", "⚠", "🔞", "…", "ß", "ﬁ", "ё", "шок-контент", "مشاهد مروعة", "contenido sensible", "datos personales",
    "e\u0301", "\u200b", "１８＋", "Room ", "years", "لل", "جثث", "a", "7",
]  # fmt: skip
TEXTS = st.one_of(st.text(), st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=30).map("".join))


@given(TEXTS)
@settings(deadline=None)
def test_normalise_never_raises_and_maps_every_character(text: str) -> None:
    norm, index = normalise(text)
    assert len(index) == len(norm)
    assert index == sorted(index)
    assert all(0 <= i < len(text) for i in index)
    assert norm == norm.casefold()
    assert "\ufe0f" not in norm and "\u0640" not in norm


@given(TEXTS)
@settings(deadline=None)
def test_detect_never_raises_and_agrees_with_the_plain_engine(text: str) -> None:
    found = ENGINE.detect(text)
    check_spans(text, found)
    assert found == PLAIN.detect(text)
    assert 0 <= ENGINE.item_severity(found, has_media=True) <= 3
