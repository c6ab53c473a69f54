"""The live-blog text reader, on the real corpus feed and on made-up hostile input."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.ingest.text import MAX_ITEM_CHARS, _parse, read_text
from desktop.domain.ingest import IngestError, ItemDraft
from tests.conftest import CORPUS

FEED = CORPUS / "feeds" / "live-blog-2020-11-06.txt"
EXPECTED = json.loads((CORPUS / "feeds" / "live-blog-2020-11-06.expected.json").read_text(encoding="utf-8"))


def drafts(path: Path) -> list[ItemDraft]:
    return [d for d in read_text(path) if isinstance(d, ItemDraft)]


def errors(path: Path) -> list[IngestError]:
    return [e for e in read_text(path) if isinstance(e, IngestError)]


def test_corpus_feed_gives_exactly_the_expected_items() -> None:
    found = drafts(FEED)
    expected = EXPECTED["items"]
    assert len(found) == len(expected) == 8
    for draft, want in zip(found, expected, strict=True):
        assert draft.text.startswith(want["starts"]), (draft.text[:60], want["starts"])
        for marker in want["markers"]:
            assert marker in draft.text
    tweet = found[5]
    assert tweet.author == "@candanga_anon"
    assert tweet.author_name == "Anoncandanga V"
    assert tweet.published_at == datetime(2020, 11, 6, tzinfo=UTC)
    assert [m.uri for m in tweet.media] == ["pic.twitter.com/anvbibuvtB"]
    assert all(m.media_type == "link" for m in tweet.media)
    assert "Anoncandanga" not in tweet.text  # the attribution is metadata, not text
    article = found[7]
    assert article.text.splitlines()[0] == "Nov. 6: what you need to know today"
    # The article runs to the end of the file, its dash-led paragraphs included.
    last_line = FEED.read_text(encoding="utf-8").strip().splitlines()[-1].strip()
    assert article.text.endswith(last_line)
    assert "-“The war in Karabakh" in article.text
    assert errors(FEED) == []


def test_bullets_time_stamps_and_blocks(tmp_path: Path) -> None:
    feed = tmp_path / "blog-2026-11-20.txt"
    feed.write_text(
        "09:14 • First update with a time stamp\n"
        "09:20 - Second update\n"
        "1. Numbered one\n"
        "2) Numbered two\n"
        "\n"
        "A paragraph that wraps\n"
        "onto a second line.\n"
        "\n"
        "– en dash bullet\n"
        "  indented continuation of it\n",
        encoding="utf-8",
    )
    found = drafts(feed)
    assert [d.text for d in found] == [
        "First update with a time stamp",
        "Second update",
        "Numbered one",
        "Numbered two",
        "A paragraph that wraps\nonto a second line.",
        "en dash bullet\nindented continuation of it",
    ]
    assert found[0].published_at == datetime(2026, 11, 20, 9, 14, tzinfo=UTC)
    assert found[1].published_at == datetime(2026, 11, 20, 9, 20, tzinfo=UTC)


def test_encodings_and_line_ends(tmp_path: Path) -> None:
    text = "* Первое сообщение +18\r\n* Ikinci mesaj İstanbul\r\n"
    for name, data in (
        ("utf8.txt", text.encode("utf-8")),
        ("bom.txt", b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("utf16.txt", text.encode("utf-16")),  # with its BOM
        ("utf16be.txt", b"\xfe\xff" + text.encode("utf-16-be")),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        assert [d.text for d in drafts(path)] == ["Первое сообщение +18", "Ikinci mesaj İstanbul"], name
        assert errors(path) == [], name


def test_invalid_bytes_are_replaced_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"* good line\n* bad \xff\xfe bytes here\n* another good line\n")
    found = drafts(path)
    assert [d.text for d in found] == ["good line", "bad \ufffd\ufffd bytes here", "another good line"]
    (problem,) = errors(path)
    assert "invalid byte" in problem.error and problem.path == str(path)


def test_nul_bytes_do_not_reach_the_text(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(b"* before\x00after\n")
    assert [d.text for d in drafts(path)] == ["beforeafter"]


def test_a_50_mb_line_is_cut_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    with path.open("w", encoding="utf-8") as out:
        out.write("* " + "x" * (50 * 1024 * 1024) + "\n* next\n")
    found = drafts(path)
    assert len(found[0].text) == MAX_ITEM_CHARS and found[1].text == "next"
    (cut,) = errors(path)
    assert "cut at" in cut.error and cut.path == f"{path}:1"


def test_the_file_is_streamed_not_read_whole(tmp_path: Path) -> None:
    """The first item arrives while the writer is still holding the rest back."""
    fifo = tmp_path / "feed.txt"
    os.mkfifo(fifo)
    first_seen = threading.Event()
    writer_ok: list[bool] = []

    def write() -> None:
        with fifo.open("w", encoding="utf-8") as out:
            out.write("* first item\n" + "* filler\n" * 100)
            out.flush()
            # A reader that wanted the whole file would never let this fire.
            writer_ok.append(first_seen.wait(timeout=30))
            out.write("* last item\n")

    thread = threading.Thread(target=write)
    thread.start()
    seen = []
    for entry in read_text(fifo):
        assert isinstance(entry, ItemDraft)
        seen.append(entry.text)
        first_seen.set()
    thread.join(timeout=30)
    assert writer_ok == [True]
    assert seen[0] == "first item" and seen[-1] == "last item" and len(seen) == 102


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    (problem,) = list(read_text(tmp_path / "nope.txt"))
    assert isinstance(problem, IngestError) and "cannot read" in problem.error


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), max_size=30))
def test_arbitrary_lines_never_raise(lines: list[str]) -> None:
    for entry in _parse(lines, None):
        assert isinstance(entry, ItemDraft | IngestError)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.txt"
        path.write_bytes(data)
        for entry in read_text(path):
            assert isinstance(entry, ItemDraft | IngestError)
