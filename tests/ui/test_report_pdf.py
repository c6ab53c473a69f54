"""The PDF report: a real A4 PDF whose text carries the figures and the audit chain's head.

QtPdf (QPdfDocument) is not in PySide6-Essentials, so :func:`pdf_text` reads
the text back the way a PDF reader does for Qt's output: inflate the
streams, map each font's glyph ids to characters through its ToUnicode
CMap, and follow the ``Tj`` operators of the page contents in order.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from typing import TYPE_CHECKING

import pytest
from PySide6.QtGui import QColor, QImage

from desktop.ui.report_pdf import render_first_page_png, write_pdf
from tests.support.reports import HEAD, sample_report

if TYPE_CHECKING:
    from pathlib import Path

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n")


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object's dictionary text and its stream (inflated), if it has one."""
    found: dict[int, tuple[bytes, bytes | None]] = {}
    for number, body in _OBJECT.findall(data):
        match = _STREAM.search(body)
        if match is None:
            found[int(number)] = (body, None)
            continue
        head = body[: match.start()]
        raw = body[match.end() : body.rfind(b"endstream")]
        found[int(number)] = (head, zlib.decompress(raw) if b"FlateDecode" in head else raw)
    return found


def _cmap(stream: bytes) -> dict[int, str]:
    """Glyph id -> text, from a ToUnicode CMap's bfchar and bfrange sections."""
    mapping: dict[int, str] = {}

    def text(hex_digits: bytes) -> str:
        return bytes.fromhex(hex_digits.decode()).decode("utf-16-be")

    for section in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for source, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            mapping[int(source, 16)] = text(target)
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for first, last, targets in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[.*?\]|<[0-9A-Fa-f]+>)", section, re.S
        ):
            start, end = int(first, 16), int(last, 16)
            if targets.startswith(b"["):
                for offset, target in enumerate(re.findall(rb"<([0-9A-Fa-f]+)>", targets)):
                    mapping[start + offset] = text(target)
            else:
                base = int(targets.strip(b"<>"), 16)
                for offset in range(end - start + 1):
                    mapping[start + offset] = chr(base + offset)
    return mapping


def pdf_text(path: Path) -> str:
    """Every character the PDF's pages draw, in drawing order: words keep their spaces, table
    cells and lines are joined with nothing between them."""
    objects = _objects(path.read_bytes())
    fonts: dict[bytes, dict[int, str]] = {}
    for head, _ in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            font_head = objects[int(number)][0]
            unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", font_head)
            if unicode_ref is not None:
                fonts[name] = _cmap(objects[int(unicode_ref.group(1))][1] or b"")
    pages = [
        objects[int(n)][1] or b"" for head, _ in objects.values() for n in re.findall(rb"/Contents (\d+) 0 R", head)
    ]
    out: list[str] = []
    for content in pages:
        font: dict[int, str] = {}
        for name, glyphs in re.findall(rb"/(F\d+) [\d.]+ Tf|<([0-9A-Fa-f]+)> Tj", content):
            if name:
                font = fonts.get(name, {})
                continue
            digits = glyphs.decode()
            out.extend(font.get(int(digits[i : i + 4], 16), "?") for i in range(0, len(digits), 4))
    # Qt's CMaps give the space glyph as a tab.
    return "".join(out).replace("\t", " ")


def test_pdf_carries_the_figures_and_the_chain_head(qapp: object, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"

    pages = write_pdf(sample_report(), target, head_hash=HEAD, title="Weekly report, team North")

    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = pdf_text(target)
    assert HEAD in text
    assert "Weekly report, team North" in text
    assert "the audit chain held 412 events" in text
    assert "Decisions37" in text  # the summary table's first row
    assert "Approve with warning1951.4%" in text  # 19 of 37 decisions, in the by-action table
    assert "amira2026-11-208.3 min33.3 min14" in text  # exposure per reviewer per day
    assert "Label: Graphic violence887.5%0.75" in text  # agreement by label
    assert f"page {pages} of {pages}" in text
    assert ("ab" * 32) not in text  # the reader is not fooled by any hex string


def test_a_long_report_runs_onto_more_pages(qapp: object, tmp_path: Path) -> None:
    short = write_pdf(sample_report(), tmp_path / "short.pdf", head_hash=HEAD, title="t")
    report = sample_report()
    days = {f"2026-10-{d:02d}": report.exposure_by_moderator_day["amira"]["2026-11-20"] for d in range(1, 31)}
    longer = dataclasses.replace(report, exposure_by_moderator_day={"amira": days, "bogdan": days})
    long = write_pdf(longer, tmp_path / "long.pdf", head_hash=HEAD, title="t")
    assert long > short
    text = pdf_text(tmp_path / "long.pdf")
    # The table's header row is repeated on each page it runs onto.
    assert text.count("ReviewerDayUnblurredGraphic openGraphic items") >= 2


def test_first_page_png_is_an_a4_page_with_ink(qapp: object, tmp_path: Path) -> None:
    target = tmp_path / "page1.png"

    render_first_page_png(sample_report(), target, head_hash=HEAD, title="Weekly report", dpi=72)

    image = QImage(str(target))
    assert not image.isNull()
    assert image.height() / image.width() == pytest.approx(297 / 210, rel=0.01)
    white = QColor("#ffffff").rgb()
    inked = sum(
        1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2) if image.pixel(x, y) != white
    )
    # Text, tables and three charts: far more than a blank page, far less than a filled one.
    assert 0.03 < inked / ((image.width() // 2) * (image.height() // 2)) < 0.6
