"""The PDF report: a real A4 PDF whose text carries the figures, the names and the audit chain's head.

Read back with a PDF reader (pypdf), as a supervisor's viewer would: the text
must be text, in the order it reads, in whatever script the names are in.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from pypdf import PdfReader

from desktop.core.supervision.report_pdf import SERIES, write_pdf
from desktop.domain.reports import Agreement, AgreementFigure, Quantiles, Report
from tests.support.pdf import embedded_fonts, filled_rectangles, pdf_pages, pdf_text
from tests.support.reports import HEAD, sample_report

if TYPE_CHECKING:
    from pathlib import Path

A4_POINTS = (595.28, 841.89)


def test_pdf_carries_the_figures_and_the_chain_head(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"

    pages = write_pdf(sample_report(), target, head_hash=HEAD, title="Weekly report, team North")

    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    reader = PdfReader(target)
    assert len(reader.pages) == pages
    assert all(
        (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_POINTS, abs=0.5)
        for page in reader.pages
    )
    assert reader.metadata is not None and reader.metadata.title == "Weekly report, team North"
    text = pdf_text(target)
    assert text.startswith("Weekly report, team North Decisions from 20 Nov 2026 00:00 to 21 Nov 2026 17:30 UTC.")
    assert "veil report --json --since 2026-11-20T00:00:00+00:00 --until 2026-11-21T17:30:00+00:00" in text
    # The summary, in the dashboard's words.
    for row in (
        "Decisions 37",
        "Overrides 3",
        "Escalations open / resolved 1 / 1",
        "Time to decision, median 42 min 00 s",
        "Time to decision, 90th percentile 4 h 24 min",
        "Agreement with second review (kappa) 0.60",
    ):
        assert row in text, row
    # The charts' titles and captions.
    for words in (
        "Decisions per day (UTC)",
        "37 decisions over 2 days; most on 20 Nov (23)",
        "busiest hour 11:00 UTC (13 decisions)",
        "now 7 waiting; deepest 11 (20 Nov)",
        "24 labels on 19 warnings",
    ):
        assert words in text, words
    # Every table, row by row.
    for row in (
        "Approve with warning 19 51.4%",  # 19 of 37 decisions, by action
        "Graphic violence graphic-violence 15",  # by label
        "amira 21 12.6 min 52.0 min",  # per reviewer
        "35 42 min 00 s 4 h 24 min",  # time to decision
        "Label: Graphic violence 8 87.5% 0.75",  # agreement by label
        "amira 2026-11-20 8.3 min 33.3 min 14",  # exposure per reviewer per day
    ):
        assert row in text, row
    assert "the audit chain held 412 events" in text
    assert HEAD in text
    assert f"chain head {HEAD[:16]} · page {pages} of {pages}" in text
    assert "\ufffd" not in text


def test_names_and_labels_in_any_script(tmp_path: Path) -> None:
    """Cyrillic, Armenian and Arabic come out as the same words, Arabic in reading order."""
    names = {"Богдан Ковальчук": 21, "Արմեն Գրիգորյան": 14, "أمينة الحسيني": 2}
    labels = {"graphic-violence": "Насилие", "medical": "Բժշկական", "newsworthy": "إخباري"}
    report = dataclasses.replace(sample_report(), by_moderator=names, label_names=labels)
    target = tmp_path / "report.pdf"

    write_pdf(report, target, head_hash=HEAD, title="Отчёт за неделю")

    text = pdf_text(target)
    assert text.startswith("Отчёт за неделю")
    for name, n in names.items():
        assert f"{name} {n} 0.0 min 0.0 min" in text, name  # the per-reviewer table
    for code, label in labels.items():
        assert f"{label} {code}" in text, label  # the by-label table
    assert "Label: Насилие 8 87.5% 0.75" in text
    assert "\ufffd" not in text
    # The fonts travel inside the file: a reader without them shows the same glyphs.
    # Subsets of the regular and the bold, each under a tag of its own (ABCDEF+).
    assert {name.split("+")[-1] for name in embedded_fonts(target)} == {"DejaVuSansBook", "DejaVuSansBold"}


@pytest.mark.expected_log("desktop.core.supervision.report_pdf", "WARNING")
def test_a_character_the_font_lacks_is_marked_not_dropped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    report = dataclasses.replace(sample_report(), by_moderator={"李小龍": 3, "amira": 2})
    target = tmp_path / "report.pdf"

    with caplog.at_level(logging.WARNING, logger="desktop.core.supervision.report_pdf"):
        write_pdf(report, target, head_hash=HEAD, title="t")

    assert "\ufffd\ufffd\ufffd 3 0.0 min 0.0 min" in pdf_text(target)
    (record,) = caplog.records
    assert "no glyphs for 小李龍" in record.getMessage()


def test_bars_are_drawn_to_scale(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"

    write_pdf(sample_report(), target, head_hash=HEAD, title="t")

    bars = filled_rectangles(target, 0, SERIES)
    # First the two days (23 and 14 decisions), then the hours with decisions: 3 each, 13 at 11:00.
    assert len(bars) == 2 + 9
    heights = [abs(height) for _, _, _, height in bars]
    assert heights[0] / heights[1] == pytest.approx(23 / 14, rel=0.01)
    hours = heights[2:]
    assert max(hours) / min(hours) == pytest.approx(13 / 3, rel=0.01)
    assert hours.index(max(hours)) == 2  # 09, 10, then 11:00
    widths = {round(width, 2) for _, _, width, _ in bars[2:]}
    assert len(widths) == 1  # the hours' bars are alike


def test_a_long_report_runs_onto_more_pages_with_its_headings(tmp_path: Path) -> None:
    short = write_pdf(sample_report(), tmp_path / "short.pdf", head_hash=HEAD, title="t")
    report = sample_report()
    days = {f"2026-10-{d:02d}": report.exposure_by_moderator_day["amira"]["2026-11-20"] for d in range(1, 31)}
    longer = dataclasses.replace(report, exposure_by_moderator_day={"amira": days, "bogdan": days})

    long = write_pdf(longer, tmp_path / "long.pdf", head_hash=HEAD, title="t")

    assert long > short
    pages = pdf_pages(tmp_path / "long.pdf")
    heading = "Reviewer Day Unblurred Graphic open Graphic items"
    # The exposure table's heading row is repeated on each page it runs onto.
    assert sum(heading in page for page in pages) >= 2
    assert all(f"page {n} of {long}" in page for n, page in enumerate(pages, start=1))


def test_an_empty_report_says_so(tmp_path: Path) -> None:
    empty = Report(
        since=None, until=None, generated_at=datetime(2026, 11, 21, tzinfo=UTC), start=None,
        end=datetime(2026, 11, 21, tzinfo=UTC), decisions=0,
        by_action={"approve": 0, "warn": 0, "remove": 0, "escalate": 0}, by_label={}, label_names={},
        by_moderator={}, decisions_per_day={}, decisions_per_hour={f"{h:02d}": 0 for h in range(24)}, queue_depth={},
        time_to_decision_s=Quantiles(0, None, None), exposure_s_by_moderator={}, graphic_s_by_moderator={},
        exposure_by_moderator_day={}, graphic_items_by_moderator_day={}, overrides=0, escalations_open=0,
        escalations_resolved=0, agreement=Agreement(), audit_events=0, audit_head_hash="0" * 64,
    )  # fmt: skip
    target = tmp_path / "empty.pdf"

    write_pdf(empty, target, head_hash="0" * 64, title="Nothing yet")

    text = pdf_text(target)
    assert "Decisions from the beginning to 21 Nov 2026 00:00 UTC." in text
    assert "veil report --json --until 2026-11-21T00:00:00+00:00" in text
    assert "Time to decision, median -" in text
    assert "nothing in this range" in text and "no decisions in the range" in text
    assert "None in this range." in text
    assert "No blind second reviews of decisions in this range." in text


def test_agreement_without_a_kappa_prints_dashes(tmp_path: Path) -> None:
    figure = AgreementFigure
    report = dataclasses.replace(
        sample_report(),
        agreement=Agreement(overall=figure(2, 100.0, None), by_moderator={"amira": figure(2, 100.0, None)}),
    )
    target = tmp_path / "report.pdf"

    write_pdf(report, target, head_hash=HEAD, title="t")

    text = pdf_text(target)
    assert "Overall 2 100.0% -" in text and "amira 2 100.0% -" in text
    assert "Agreement with second review (kappa) -" in text
