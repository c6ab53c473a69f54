"""The item panel with real texts: the corpus feed and posts in Armenian, Arabic and Russian.

Markers come from the real marker engine, as ingest stores them, so a
highlight is checked against what the engine found in the very same text.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QColor, QDesktopServices, QHelpEvent, QTextCursor, QTextFragment
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from desktop.core.ingest.text import read_text
from desktop.core.text.markers import MarkerEngine
from desktop.domain.ingest import ItemDraft
from desktop.domain.review import Action, DecisionInfo, ItemStatus, ItemView
from desktop.ui.item_panel import MARKER_CODE_PROPERTY, MARKER_KIND_PROPERTY, ItemPanel
from desktop.ui.theme import apply_theme, colours, marker_colours
from tests.conftest import CORPUS
from tests.ui.test_theme import restored_look

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

FEED = CORPUS / "feeds" / "live-blog-2020-11-06.txt"
EXPECTED = json.loads((CORPUS / "feeds" / "live-blog-2020-11-06.expected.json").read_text(encoding="utf-8"))
ENGINE = MarkerEngine.load()
RECEIVED = datetime(2026, 11, 20, 9, 14, tzinfo=UTC)
BIDI_CONTROLS = re.compile("[\u200e\u200f\u2066-\u2069]")

# Real marker phrases from each language's rules, after emoji (two UTF-16
# units each) and CRLF breaks (one document position for two characters):
# both move every later position if spans are not translated.
ARABIC = "😢😢 تحذير: محتوى حساس\r\nمشاهد مروعة من الجبهة، قتلى وجرحى 🔞"
ARMENIAN = "🎥 Ցնցող կադրեր առաջնագծից +18\nԱյս տեսանյութում երևում են զոհված զինծառայողներ։"
# The first line is a real post from the Telegram export in the corpus.
RUSSIAN = "Всех с наступающим!🐶🍾🎄\r\nШок-контент: солдат убит. Внимание"


def markers_of(text: str) -> list[dict[str, Any]]:
    """The engine's markers for ``text``, in the shape ReviewService.show gives them."""
    return [
        {
            "code": m.code,
            "text": m.matched_text,
            "span": list(m.span),
            "rule": m.rule,
            "severity": m.severity,
            "kind": m.kind,
            "language": m.language,
        }
        for m in ENGINE.detect(text)
    ]


def make_view(text: str, **changes: Any) -> ItemView:
    fields: dict[str, Any] = {
        "id": 42,
        "source": "live-blog",
        "external_id": "42",
        "text": text,
        "language": None,
        "author": None,
        "author_name": None,
        "published_at": None,
        "received_at": RECEIVED,
        "severity": 2,
        "status": ItemStatus.PENDING,
        "claimed_by": None,
        "lease_expires_at": None,
        "media_withheld": False,
        "duplicate_of": None,
        "markers": markers_of(text),
    }
    fields.update(changes)
    return ItemView(**fields)


def fragments(panel: ItemPanel) -> Iterator[QTextFragment]:
    """The document's runs of text in one format, in order."""
    block = panel.text_view.document().begin()
    while block.isValid():
        piece = block.begin()
        while not piece.atEnd():
            yield piece.fragment()
            piece += 1
        block = block.next()


def highlights(panel: ItemPanel) -> list[tuple[str, str, str]]:
    """(kind, code, text) of every highlighted run in the document, in order."""
    runs: list[list[Any]] = []
    for fragment in fragments(panel):
        fmt = fragment.charFormat()
        code = fmt.property(MARKER_CODE_PROPERTY)
        if not code:
            continue
        kind = fmt.property(MARKER_KIND_PROPERTY)
        if runs and runs[-1][3] == fragment.position() and runs[-1][:2] == [kind, code]:
            runs[-1][2] += fragment.text()
            runs[-1][3] = fragment.position() + fragment.length()
        else:
            runs.append([kind, code, fragment.text(), fragment.position() + fragment.length()])
    return [(kind, code, text) for kind, code, text, _end in runs]


def expected_highlights(view: ItemView) -> list[tuple[str, str, str]]:
    ordered = sorted(view.markers, key=lambda m: m["span"][0])
    return [(m["kind"], m["code"], m["text"]) for m in ordered]


def feed_views() -> list[ItemView]:
    drafts = [d for d in read_text(FEED) if isinstance(d, ItemDraft)]
    return [
        make_view(
            d.text,
            id=n,
            author=d.author,
            author_name=d.author_name,
            published_at=d.published_at,
            language=d.language,
        )
        for n, d in enumerate(drafts, start=1)
    ]


@pytest.fixture
def panel(qtbot: QtBot) -> ItemPanel:
    widget = ItemPanel(theme="dark")
    qtbot.addWidget(widget)
    widget.resize(760, 520)
    return widget


@pytest.fixture
def local_zone() -> Iterator[None]:
    """The reviewer sits in Yerevan (UTC+4, no daylight saving)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "<+04>-4"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.fixture
def app_look(qapp: QApplication) -> Iterator[QApplication]:
    with restored_look(qapp):
        yield qapp


# --- markers -------------------------------------------------------------------------


def test_corpus_feed_highlights_land_on_the_marker_text(panel: ItemPanel) -> None:
    views = feed_views()
    assert len(views) == len(EXPECTED["items"]) == 8
    for view, expected in zip(views, EXPECTED["items"], strict=True):
        assert view.text.startswith(expected["starts"])
        panel.show_item(view)

        shown = highlights(panel)
        assert shown == expected_highlights(view), expected["starts"]
        # What a careful reader sees: the publisher's markers exactly as written,
        # and at least the expected cue words.
        assert [text for kind, _code, text in shown if kind == "explicit"] == expected["markers"]
        cues = {text.casefold() for kind, _code, text in shown if kind == "cue"}
        assert set(expected["cues"]) <= cues, expected["starts"]


@pytest.mark.parametrize("text", [ARABIC, ARMENIAN, RUSSIAN], ids=["arabic", "armenian", "russian"])
def test_highlights_stay_on_the_marker_after_emoji_and_crlf(panel: ItemPanel, text: str) -> None:
    view = make_view(text)
    first_marker = min(m["span"][0] for m in view.markers)
    last_marker = max(m["span"][0] for m in view.markers)
    # Without something before the markers that the document counts differently
    # from Python, this test could not catch a missing translation.
    assert re.search("[\U00010000-\U0010ffff]", text[:last_marker])
    assert first_marker > 0 or "\r\n" in text[:last_marker]

    panel.show_item(view)

    assert highlights(panel) == expected_highlights(view)


def test_an_emoji_marker_is_highlighted_whole(panel: ItemPanel) -> None:
    view = make_view(ARABIC)
    assert ("explicit", "18+", "🔞") in expected_highlights(view)
    panel.show_item(view)
    assert ("explicit", "18+", "🔞") in highlights(panel)


def test_each_kind_has_its_own_colour(panel: ItemPanel) -> None:
    panel.show_item(make_view(ARABIC))
    wanted = marker_colours("dark")
    seen: dict[str, QColor] = {}
    for fragment in fragments(panel):
        fmt = fragment.charFormat()
        kind = fmt.property(MARKER_KIND_PROPERTY)
        if kind:
            seen[kind] = fmt.background().color()
    assert seen == wanted
    assert len({c.name() for c in seen.values()}) == 3


# Showing a tooltip raises its window, which the offscreen platform cannot do; says nothing about Veil.
def test_marker_tooltip_names_code_and_rule(qtbot: QtBot, panel: ItemPanel) -> None:
    view = make_view("Azerbaijani Soldier Corpse +21")
    panel.show_item(view)
    panel.show()
    qtbot.waitExposed(panel)
    explicit = next(m for m in view.markers if m["kind"] == "explicit")

    cursor = QTextCursor(panel.text_view.document())
    cursor.setPosition(explicit["span"][0] + 1)
    assert cursor.charFormat().toolTip() == "Publisher's marker: 21+\nrule age-21, severity 3"

    # And Qt shows it where the mouse rests.
    rect = panel.text_view.cursorRect(cursor)
    point = rect.center()
    viewport = panel.text_view.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point))
    QToolTip.hideText()
    QApplication.sendEvent(viewport, event)
    qtbot.waitUntil(lambda: "21+" in QToolTip.text())
    assert "age-21" in QToolTip.text()
    QToolTip.hideText()


def test_a_span_outside_the_text_is_skipped(panel: ItemPanel) -> None:
    stale = {"code": "21+", "text": "+21", "span": [40, 43], "rule": "age-21", "severity": 3, "kind": "explicit"}
    panel.show_item(make_view("short text +21", markers=[stale, *markers_of("short text +21")]))
    assert highlights(panel) == [("explicit", "21+", "+21")]


def test_legend_counts_markers_by_kind(panel: ItemPanel) -> None:
    panel.show_item(make_view(ARABIC))
    assert panel.legend_labels["explicit"].text().strip() == "Publisher's marker: 3"
    assert panel.legend_labels["weak"].text().strip() == "Weak marker: 1"
    assert panel.legend_labels["cue"].text().strip() == "Content cue: 2"
    panel.clear()
    assert panel.legend_labels["cue"].text().strip() == "Content cue"


# --- direction, links, markup ----------------------------------------------------------


def test_arabic_paragraphs_run_right_to_left(qtbot: QtBot, panel: ItemPanel) -> None:
    text = "Footage from the front, +21\nتحذير: محتوى حساس، مشاهد مروعة\n+21 مشاهد مروعة من الجبهة"
    panel.show_item(make_view(text))
    panel.show()
    qtbot.waitExposed(panel)

    document = panel.text_view.document()
    directions = [document.findBlockByNumber(n).textDirection() for n in range(document.blockCount())]
    assert directions == [
        Qt.LayoutDirection.LeftToRight,
        Qt.LayoutDirection.RightToLeft,
        # Starts with "+21", but its first letter is Arabic: the paragraph is.
        Qt.LayoutDirection.RightToLeft,
    ]
    # Laid out that way too: an Arabic line starts at the right edge.
    width = panel.text_view.viewport().width()
    for number, expect_right in ((0, False), (1, True), (2, True)):
        cursor = QTextCursor(document.findBlockByNumber(number))
        x = panel.text_view.cursorRect(cursor).x()
        assert (x > width / 2) is expect_right, (number, x, width)


class UrlCatcher(QObject):
    """Stands in for the desktop's browser: records what Qt would open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)


@pytest.fixture
def browser() -> Iterator[UrlCatcher]:
    catcher = UrlCatcher()
    for scheme in ("http", "https", "file"):
        # The stubs say bytes for the slot's name; PySide6 takes only str.
        QDesktopServices.setUrlHandler(scheme, catcher, "open")  # type: ignore[arg-type]
    yield catcher
    for scheme in ("http", "https", "file"):
        QDesktopServices.unsetUrlHandler(scheme)


def test_links_are_text_and_a_click_opens_nothing(qtbot: QtBot, panel: ItemPanel, browser: UrlCatcher) -> None:
    views = feed_views()
    tweet = next(v for v in views if "pic.twitter.com" in v.text)
    text = tweet.text + "\nSource: https://example.org/post/123"
    panel.show_item(make_view(text))
    panel.show()
    qtbot.waitExposed(panel)
    view = panel.text_view

    for link in ("pic.twitter.com/anvbibuvtB", "https://example.org/post/123"):
        cursor = QTextCursor(view.document())
        cursor.setPosition(text.index(link) + 5)
        assert not cursor.charFormat().isAnchor()
        point = view.cursorRect(cursor).center()
        assert view.anchorAt(point) == ""
        with qtbot.assertNotEmitted(view.anchorClicked), qtbot.assertNotEmitted(view.sourceChanged):
            QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
            QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, point)
    assert browser.opened == []
    assert view.source() == QUrl()
    assert view.document().toPlainText() == text
    # The catcher does catch what is opened: the assertion above could fail.
    QDesktopServices.openUrl(QUrl("https://example.org/"))
    assert browser.opened == [QUrl("https://example.org/")]


def test_markup_in_a_post_is_shown_as_typed(panel: ItemPanel) -> None:
    text = '<b>loud</b> <img src="https://example.org/pixel.png"> <a href="https://example.org">here</a>'
    panel.show_item(make_view(text, author_name="<i>Desk</i>", author="@desk"))
    assert panel.text_view.document().toPlainText() == text
    assert "<img" not in panel.text_view.toHtml().replace("&lt;img", "")
    assert panel.author_label.textFormat() == Qt.TextFormat.PlainText
    assert "<i>Desk</i>" in panel.author_label.text()


# --- the header and the notices --------------------------------------------------------


def test_header_says_who_when_and_how_severe(panel: ItemPanel, local_zone: None) -> None:
    tweet = next(v for v in feed_views() if v.author)
    view = make_view(
        tweet.text,
        author=tweet.author,
        author_name=tweet.author_name,
        published_at=datetime(2020, 11, 6, 10, 0, tzinfo=UTC),
        language="es",
        severity=3,
        claimed_by="ani",
        lease_expires_at=RECEIVED + timedelta(minutes=10),
    )
    panel.show_item(view)

    def plain(text: str) -> str:
        return BIDI_CONTROLS.sub("", text)

    assert panel.title_label.text() == "Item 42"
    assert panel.severity_label.text() == "S3 extreme"
    assert panel.source_label.text() == "live-blog"
    assert plain(panel.author_label.text()) == "Anoncandanga V (@candanga_anon)"
    assert panel.published_label.text() == "Fri 6 Nov 2020, 14:00"  # local: UTC+4
    assert panel.received_label.text() == "Fri 20 Nov 2026, 13:14"
    assert panel.received_label.toolTip() == "2026-11-20 09:14:00 UTC"
    assert panel.language_label.text() == "Spanish (es)"
    assert panel.status_label.text() == "Pending — held by ani until 13:24"


@pytest.mark.parametrize(("severity", "shown"), [(0, "S0 none"), (1, "S1 mild"), (2, "S2 graphic"), (3, "S3 extreme")])
def test_severity_words(panel: ItemPanel, severity: int, shown: str) -> None:
    panel.show_item(make_view("text", severity=severity))
    assert panel.severity_label.text() == shown


def test_an_arabic_author_keeps_the_handle_in_place(panel: ItemPanel) -> None:
    panel.show_item(make_view(ARABIC, author="@front_ar", author_name="جبهة الأخبار"))
    # Left-to-right mark first, then each part isolated.
    assert panel.author_label.text() == "\u200e\u2068جبهة الأخبار\u2069 (\u2068@front_ar\u2069)"


def test_unknown_author_time_and_language(panel: ItemPanel) -> None:
    panel.show_item(make_view("text", status=ItemStatus.ESCALATED))
    assert BIDI_CONTROLS.sub("", panel.author_label.text()) == "unknown"
    assert panel.published_label.text() == "—"
    assert panel.language_label.text() == "unknown"
    assert panel.status_label.text() == "Escalated"


def test_suggestion_banner_offers_the_near_duplicates_decision(qtbot: QtBot, panel: ItemPanel) -> None:
    earlier = DecisionInfo(
        id="d-7",
        item_id=7,
        action=Action.WARN,
        labels=["graphic-violence", "newsworthy"],
        reason=None,
        note=None,
        reviewer="vardan",
        decided_at=RECEIVED - timedelta(hours=1),
        round=1,
        overrides=None,
        undoes=None,
    )
    panel.show_item(make_view(ARMENIAN, duplicate_of=7, suggestion=earlier))
    panel.show()
    qtbot.waitExposed(panel)

    assert panel.suggestion_banner.isVisible()
    assert BIDI_CONTROLS.sub("", panel.suggestion_label.text()) == (
        "A near-duplicate (item 7) was decided: Approve with warning (graphic-violence, newsworthy) by vardan"
    )
    assert panel.apply_button.text() == "Apply (Y)"
    with qtbot.waitSignal(panel.apply_suggestion, timeout=1000):
        QTest.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)

    panel.show_item(make_view(ARMENIAN))
    assert not panel.suggestion_banner.isVisible()
    with qtbot.assertNotEmitted(panel.apply_suggestion):
        panel.apply_button.click()  # hidden, but a click must still not apply a stale suggestion


def test_withheld_media_notice(qtbot: QtBot, panel: ItemPanel) -> None:
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_item(make_view("text", media_withheld=True, status=ItemStatus.ESCALATED))
    assert panel.withheld_notice.isVisible()
    assert "never shown" in panel.withheld_label.text()
    panel.show_item(make_view("text"))
    assert not panel.withheld_notice.isVisible()


def test_clear_leaves_nothing_of_the_item(panel: ItemPanel) -> None:
    panel.show_item(make_view(ARABIC, media_withheld=True, author="@front_ar"))
    panel.clear()
    assert panel.text_view.document().isEmpty()
    assert panel.author_label.text() == ""
    assert panel.title_label.text() == "No item"
    assert not panel.withheld_notice.isVisibleTo(panel)
    assert highlights(panel) == []


# --- themes ----------------------------------------------------------------------------


def test_markers_follow_the_application_theme(qtbot: QtBot, app_look: QApplication) -> None:
    apply_theme(app_look, "light", 12)
    panel = ItemPanel()
    qtbot.addWidget(panel)
    panel.show_item(make_view(RUSSIAN))

    def backgrounds() -> dict[str, str]:
        found: dict[str, str] = {}
        for fragment in fragments(panel):
            fmt = fragment.charFormat()
            if fmt.property(MARKER_KIND_PROPERTY):
                found[fmt.property(MARKER_KIND_PROPERTY)] = fmt.background().color().name()
        return found

    assert backgrounds() == {kind: c.name() for kind, c in marker_colours("light").items()}
    apply_theme(app_look, "dark", 12)
    qtbot.waitUntil(lambda: backgrounds() == {kind: c.name() for kind, c in marker_colours("dark").items()})
    # What was highlighted is still exactly the marker text.
    assert highlights(panel) == expected_highlights(make_view(RUSSIAN))


@pytest.mark.parametrize("name", ["dark", "light"])
def test_rendered_panel_paints_markers_on_the_theme(qtbot: QtBot, app_look: QApplication, name: str) -> None:
    apply_theme(app_look, name, 12)
    panel = ItemPanel()
    qtbot.addWidget(panel)
    panel.resize(760, 400)
    view = make_view(ARMENIAN)
    panel.show_item(view)
    panel.show()
    qtbot.waitExposed(panel)

    image = panel.grab().toImage()
    text_view = panel.text_view
    cue = next(m for m in view.markers if m["kind"] == "cue")
    cursor = QTextCursor(text_view.document())
    cursor.setPosition(cue["span"][0] + 2)  # inside the word; the Armenian line has no emoji
    rect = text_view.cursorRect(cursor)
    inside = text_view.viewport().mapTo(panel, QPoint(rect.x() - 3, rect.top() + 2))
    assert image.pixelColor(inside) == marker_colours(name)["cue"]
    corner = text_view.viewport().mapTo(panel, QPoint(text_view.viewport().width() - 5, 200))
    assert image.pixelColor(corner) == QColor(colours(name).base)


def test_a_marker_at_the_start_does_not_spill_into_the_next_item(panel: ItemPanel) -> None:
    first = make_view("+21 Footage from the square. Viewer discretion advised.")
    assert min(m["span"][0] for m in first.markers) == 0  # the case that once painted the next text whole
    panel.show_item(first)
    assert highlights(panel) == expected_highlights(first)
    second = make_view("Road sign at the checkpoint, this morning. NSFW nearby.")
    panel.show_item(second)
    assert highlights(panel) == expected_highlights(second)
    plain = make_view("A quiet council meeting about bus routes.", markers=[])
    panel.show_item(plain)
    assert highlights(panel) == []


def test_an_item_without_text_says_so_rather_than_no_item(panel: ItemPanel) -> None:
    panel.show_item(make_view(""))
    assert panel.text_view.document().isEmpty()
    assert panel.text_view.placeholderText() == "This item has no text"
    panel.clear()
    assert panel.text_view.placeholderText() == "No item"
