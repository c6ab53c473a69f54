"""The report as an A4 PDF: the dashboard's figures, tables and charts, and the audit chain's head.

Written with fpdf2 alone, so ``veil report --pdf`` works on a server with no
display and no Qt. The words, rows and chart series are the dashboard's own
(:mod:`desktop.core.supervision.report_rows`); the charts follow its layout rules and are
drawn here as rectangles, lines and text, so they stay sharp at any zoom.

Names and labels come in whatever script the team works in: the text is set
in DejaVu Sans (``resources/fonts``, embedded as a subset), which covers
Latin, Cyrillic, Armenian and Arabic, and HarfBuzz shapes it, which joins
Arabic letters and runs right-to-left text the right way. Text stays text:
selectable and searchable. The hash and the command are in Courier, a PDF
standard font every reader has: they are ASCII, and a reader copies them
best from a fixed-width line.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import TYPE_CHECKING

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, TableCellStyle, XPos, YPos
from fpdf.fonts import FontFace, TTFFont

from desktop import __version__
from desktop.core.resources import resource
from desktop.core.supervision.report_rows import (
    HBAR_ROW_LINES,
    HBARS,
    LINE,
    Chart,
    agreement_rows,
    chart_lines,
    charts,
    describe_range,
    exposure_rows,
    figures,
    format_count,
    labels_shown,
    nice_ceiling,
    reviewer_rows,
    values_shown,
)
from desktop.domain.reports import format_duration
from desktop.domain.review import ACTION_NAMES

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from desktop.domain.reports import Report

log = logging.getLogger(__name__)

# Millimetres and points.
MARGIN_MM = 16.0
FOOTER_MM = 8.0
BODY_PT = 10.0
CHART_PT = 9.0
SMALL_PT = 8.0
CODE_PT = 9.0
H1_PT = 17.0
H2_PT = 12.0
# The height of a line of text, as a multiple of the font's size.
LEADING = 1.2
MM_PER_PT = 25.4 / 72
FONT = "DejaVuSans"
CODE_FONT = "Courier"
# Printed on white paper: the light theme's calm colours (desktop.ui.theme):
# text, placeholder, mid, alternate base, base, highlight and warning text.
INK, MUTED, RULE, SHADE = "#1f2022", "#6f7174", "#b9b8b3", "#f1f0ec"
CHART_BACKGROUND, SERIES, EMPHASIS = "#f9f8f5", "#3d6c99", "#7a4e00"
RULE_MM = 0.2
TABLE_PADDING_MM = (1.0, 1.2)  # above and below, left and right of a cell's text
NUMBER_COLUMN_MM = 24.0  # the narrowest figure column, so tables' figures line up
# What a character the font has no glyph for is printed as.
REPLACEMENT = "\ufffd"
# Line breaks and the marks that steer shaping and direction (joiners, RLM): no glyph of their own.
_INVISIBLE = ("Cc", "Cf")


def _line(points: float) -> float:
    """The height in millimetres of a line of text set at ``points``."""
    return points * LEADING * MM_PER_PT


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "-"


def _command(report: Report) -> str:
    # --until is the end the figures ran to, so the command gives the same
    # figures later, when "now" has moved on.
    since = f" --since {report.since.isoformat()}" if report.since else ""
    return f"veil report --json{since} --until {report.end.isoformat()}"


def _share_out(wanted: Sequence[float], room: float) -> list[float]:
    """Widths for columns that want ``wanted`` in ``room``: what each wants, widened alike, when all fit;
    else the narrow ones get what they want and the wide ones share the rest (their text wraps)."""
    if sum(wanted) <= room:
        return [room * width / sum(wanted) for width in wanted]
    wide = set(range(len(wanted)))
    left = room
    while True:
        fair = left / len(wide)
        narrow = {i for i in wide if wanted[i] <= fair}
        if not narrow:
            return [fair if i in wide else width for i, width in enumerate(wanted)]
        wide -= narrow
        left -= sum(wanted[i] for i in narrow)


class _Underlined(TableBordersLayout):
    """A rule under every row, the heading's included; no vertical lines."""

    def cell_style_getter(
        self,
        row_idx: int,
        col_idx: int,
        col_pos: int,
        num_heading_rows: int,
        num_rows: int,
        num_col_idx: int,
        num_col_pos: int,
    ) -> TableCellStyle:
        return TableCellStyle(bottom=True)


class _Printout(FPDF):
    """The report's pages; :meth:`footer` is called by fpdf2 at the end of each."""

    def __init__(self, *, title: str, head_hash: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report_title = title
        self.head_hash = head_hash
        self.missing: set[str] = set()  # characters printed as REPLACEMENT
        self.add_font(FONT, "", resource("fonts", "DejaVuSans.ttf"))
        self.add_font(FONT, "B", resource("fonts", "DejaVuSans-Bold.ttf"))
        # Arabic joined and right-to-left runs in order (HarfBuzz).
        self.set_text_shaping(use_shaping_engine=True)
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        # Text starts at the margin, where the tables and charts do; the
        # tables pad their own cells, and a chart's text sits in its boxes.
        self.c_margin = 0
        self.set_auto_page_break(auto=True, margin=MARGIN_MM + FOOTER_MM)
        self.set_title(title)
        self.set_creator(f"Veil {__version__}")
        self.set_lang("en")
        self.alias_nb_pages()
        self.set_text_color(INK)

    def normalize_text(self, text: str) -> str:
        # A character the font has no glyph for would vanish from the page
        # without a trace (a name in Chinese, say): it is printed as U+FFFD,
        # so the reader sees that something is missing, and the caller is told.
        font = self.current_font
        if isinstance(font, TTFFont):
            drawn = "".join(
                char if ord(char) in font.cmap or unicodedata.category(char) in _INVISIBLE else REPLACEMENT
                for char in text
            )
            if drawn != text:
                self.missing.update(char for char, shown in zip(text, drawn, strict=True) if shown != char)
                text = drawn
        return super().normalize_text(text)

    @property
    def body_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def footer(self) -> None:
        self.set_font(FONT, "", SMALL_PT)
        self.set_text_color(MUTED)
        height = _line(SMALL_PT)
        self.set_xy(self.l_margin, self.h - MARGIN_MM - height)
        self.cell(self.body_width / 2, height, self.report_title, align=Align.L)
        # {nb}: the page count, filled in when the document is finished.
        self.cell(
            self.body_width / 2,
            height,
            f"chain head {self.head_hash[:16]}  ·  page {self.page_no()} of {{nb}}",
            align=Align.R,
        )
        self.set_text_color(INK)

    # -- text -----------------------------------------------------------------

    def heading(self, text: str, *, first: bool = False) -> None:
        size = H1_PT if first else H2_PT
        # A heading never ends a page: it goes over with the lines it heads.
        if not first and self.will_page_break(_line(H2_PT) + 4 * _line(BODY_PT) + 6):
            self.add_page()
        elif not first:
            self.ln(4.0)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, _line(size), text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def paragraph(self, text: str, *, muted: bool = False, code: bool = False) -> None:
        size = CODE_PT if code else BODY_PT
        self.set_font(CODE_FONT if code else FONT, "", size)
        self.set_text_color(MUTED if muted else INK)
        self.multi_cell(0, _line(size), text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(INK)

    def figures_table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], *, numeric_from: int = 1) -> None:
        """Names at the left, figures right-aligned in columns; the heading is repeated on each page."""
        if not rows:
            self.paragraph("None in this range.", muted=True)
            return
        widths = self._column_widths(headers, rows, numeric_from)
        self.set_font(FONT, "", BODY_PT)
        self.set_draw_color(RULE)
        self.set_line_width(RULE_MM)
        with self.table(
            width=self.body_width,
            col_widths=widths,
            text_align=tuple(Align.R if i >= numeric_from else Align.L for i in range(len(headers))),
            align=Align.L,
            headings_style=FontFace(emphasis="BOLD", fill_color=SHADE),
            borders_layout=_Underlined(),
            line_height=_line(BODY_PT),
            padding=TABLE_PADDING_MM,
        ) as table:
            for cells in (headers, *rows):
                row = table.row()
                for text in cells:
                    row.cell(text)
        self.ln(1.0)

    def _column_widths(self, headers: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int) -> list[float]:
        """Figure columns as wide as their widest figure (and no narrower than
        :data:`NUMBER_COLUMN_MM`); name columns share what is left."""
        pad = 2 * TABLE_PADDING_MM[1] + 1.0
        self.set_font(FONT, "B", BODY_PT)
        natural = [self.get_string_width(text) + pad for text in headers]
        self.set_font(FONT, "", BODY_PT)
        for cells in rows:
            natural = [
                max(width, self.get_string_width(text) + pad) for width, text in zip(natural, cells, strict=True)
            ]
        if numeric_from == 0:
            return [self.body_width / len(headers)] * len(headers)
        figures_width = [max(width, NUMBER_COLUMN_MM) for width in natural[numeric_from:]]
        return _share_out(natural[:numeric_from], self.body_width - sum(figures_width)) + figures_width

    # -- charts ---------------------------------------------------------------

    def chart(self, chart: Chart) -> None:
        """``chart`` across the body, its caption under it; on the next page if it would not fit."""
        line = _line(CHART_PT)
        caption = _line(BODY_PT) + 4
        # No taller than a page: a chart of many labels gives each a thinner bar.
        height = min(line * chart_lines(chart), self.page_break_trigger - self.t_margin - caption)
        if self.will_page_break(height + caption):
            self.add_page()
        left, top, width = self.l_margin, self.get_y(), self.body_width
        # Its colours and line widths end with it: a table takes the fill colour in force for its cells.
        with self.local_context():
            self._draw_chart(chart, left, top, width, height, line)
        self.set_xy(left, top + height + 1.0)
        self.paragraph(chart.caption, muted=True)
        self.ln(3.0)

    def _text(
        self, x: float, y: float, w: float, h: float, text: str, align: Align, colour: str, *, cover: bool = False
    ) -> None:
        """``text`` in the box; ``cover``: on the chart's background, over any grid line behind it."""
        self.set_text_color(colour)
        self.set_xy(x, y)
        if cover:
            self.set_fill_color(CHART_BACKGROUND)
        self.cell(w, h, text, align=align, fill=cover)

    def _draw_chart(self, chart: Chart, left: float, top: float, width: float, height: float, line: float) -> None:
        self.set_fill_color(CHART_BACKGROUND)
        self.rect(left, top, width, height, style="F")
        pad = line * 0.6
        self.set_font(FONT, "B", CHART_PT)
        title_top = top + pad * 0.6
        self._text(left + pad, title_top, width - 2 * pad, line, chart.title, Align.L, INK)
        self.set_font(FONT, "", CHART_PT)
        plot_top = title_top + line + pad * 0.6
        plot = (left + pad, plot_top, width - 2 * pad, top + height - pad * 0.6 - plot_top)
        if not chart.points or plot[3] < line * 2:
            self._text(*plot, "nothing in this range", Align.C, MUTED)
        elif chart.kind == HBARS:
            self._draw_hbars(chart, plot, line)
        else:
            self._draw_columns(chart, plot, line)

    def _draw_columns(self, chart: Chart, plot: tuple[float, float, float, float], line: float) -> None:
        plot_left, plot_top, plot_width, plot_height = plot
        values = [value for _, value in chart.points]
        top = nice_ceiling(max(values))
        axis_width = self.get_string_width(format_count(top)) + line * 0.4
        area_left, area_top = plot_left + axis_width, plot_top + line
        area_width = plot_width - axis_width
        area_bottom = plot_top + plot_height - line * 1.3
        area_height = area_bottom - area_top
        # Grid: zero, half and the top, labelled at the left.
        self.set_draw_color(RULE)
        self.set_line_width(RULE_MM)
        for fraction in (0.0, 0.5, 1.0):
            y = area_bottom - fraction * area_height
            self.line(area_left, y, area_left + area_width, y)
            self._text(
                plot_left, y - line / 2, axis_width - line * 0.3, line, format_count(top * fraction), Align.R, MUTED
            )
        count = len(chart.points)
        slot = area_width / count
        positions = [
            (area_left + slot * (i + 0.5), area_bottom - (value / top) * area_height)
            for i, (_, value) in enumerate(chart.points)
        ]
        if chart.kind == LINE:
            self.set_draw_color(SERIES)
            self.set_line_width(line * 0.14)
            self.polyline(positions, style="D")
            radius = line * 0.16
            for i, (x, y) in enumerate(positions):
                self.set_fill_color(EMPHASIS if i == count - 1 else SERIES)
                self.circle(x, y, radius, style="F")
        else:
            bar = slot * 0.7
            self.set_fill_color(SERIES)
            for x, y in positions:
                if area_bottom - y > 0:
                    self.rect(x - bar / 2, y, bar, area_bottom - y, style="F")
        value_width = max(self.get_string_width(format_count(v)) for v in values) + line * 0.2
        for i in values_shown(chart, fit=value_width <= slot):
            x, y = positions[i]
            # Above its bar, on a clear patch no wider than the bar's slot: a grid line
            # does not strike through the number, a neighbouring bar stays whole.
            # A line's numbers leave the line they label whole.
            width = min(value_width, slot)
            box = (x - width / 2, y - line * 1.05, width, line)
            self._text(*box, format_count(values[i]), Align.C, INK, cover=chart.kind != LINE)
        widest = max(self.get_string_width(label) for label, _ in chart.points) + line * 0.5
        for i in labels_shown(count, slot, widest):
            x = positions[i][0]
            self._text(x - widest / 2, area_bottom + line * 0.2, widest, line, chart.points[i][0], Align.C, MUTED)

    def _draw_hbars(self, chart: Chart, plot: tuple[float, float, float, float], line: float) -> None:
        plot_left, plot_top, plot_width, plot_height = plot
        values = [value for _, value in chart.points]
        top = max(values) or 1.0
        label_width = min(
            max(self.get_string_width(label) for label, _ in chart.points) + line * 0.6, plot_width * 0.45
        )
        value_width = max(self.get_string_width(format_count(v)) for v in values) + line * 0.6
        row = min(plot_height / len(chart.points), line * HBAR_ROW_LINES)
        bar_left = plot_left + label_width
        bar_room = max(1.0, plot_width - label_width - value_width)
        self.set_fill_color(SERIES)
        for i, (label, value) in enumerate(chart.points):
            y = plot_top + i * row
            room = label_width - line * 0.6
            self._text(plot_left, y, room, row, self._elided(label, room), Align.R, INK)
            length = bar_room * value / top
            if value:
                self.rect(bar_left, y + row * 0.18, max(length, RULE_MM), row * 0.64, style="F")
            self._text(bar_left + length + line * 0.3, y, value_width, row, format_count(value), Align.L, INK)

    def _elided(self, text: str, width: float) -> str:
        """``text``, cut short with an ellipsis if it is wider than ``width``."""
        # A little slack: the room given is often the text's own width, give or take a rounding.
        if self.get_string_width(text) <= width + 0.01:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"


def write_pdf(report: Report, path: Path, *, head_hash: str, title: str) -> int:
    """Write ``report`` to ``path`` as an A4 PDF; returns the number of pages.

    ``head_hash`` is the audit chain's head the caller verified (normally
    ``report.audit_head_hash`` after :func:`desktop.core.audit.verify`);
    the event count printed beside it is the report's own.
    """
    pdf = _Printout(title=title, head_hash=head_hash)
    # The document's date is the report's, so the same report gives the same file.
    pdf.set_creation_date(report.generated_at)
    pdf.add_page()
    ttd = report.time_to_decision_s
    agreement = report.agreement
    shown = figures(report)

    pdf.heading(title, first=True)
    pdf.paragraph(f"Decisions {describe_range(report)}.")
    pdf.paragraph(
        f"Generated {report.generated_at:%d %b %Y %H:%M} UTC by Veil {__version__}. "
        "Every figure can be reproduced with:",
        muted=True,
    )
    pdf.paragraph(_command(report), code=True)
    pdf.ln(2.0)
    pdf.figures_table(
        ["Figure", "Value"],
        [
            ("Decisions", shown["decisions"]),
            ("Overrides", shown["overrides"]),
            ("Escalations open / resolved", shown["escalations"]),
            ("Time to decision, median", shown["ttd_median"]),
            ("Time to decision, 90th percentile", shown["ttd_p90"]),
            ("Agreement with second review (kappa)", shown["kappa"]),
        ],
    )

    pdf.heading("Charts")
    for chart in charts(report).values():
        pdf.chart(chart)

    pdf.heading("Decisions by action")
    pdf.figures_table(
        ["Action", "Decisions", "Share"],
        [
            (ACTION_NAMES.get(action, action), format_count(n), _share(n, report.decisions))
            for action, n in report.by_action.items()
        ],
    )
    pdf.heading("Decisions by warning label")
    pdf.figures_table(
        ["Label", "Code", "Decisions"],
        [(report.label_names.get(code, code), code, format_count(n)) for code, n in report.by_label.items()],
        numeric_from=2,
    )
    pdf.heading("Per reviewer, whole range")
    pdf.figures_table(["Reviewer", "Decisions", "Unblurred", "Graphic open"], reviewer_rows(report))
    pdf.heading("Time to decision")
    pdf.paragraph("From an item's arrival to its first decision, for items first decided in the range.", muted=True)
    pdf.ln(1.0)
    pdf.figures_table(
        ["Items", "Median", "90th percentile"],
        [(format_count(ttd.n), format_duration(ttd.median), format_duration(ttd.p90))],
        numeric_from=0,
    )
    pdf.heading("Agreement with blind second review")
    if agreement.measured:
        pdf.figures_table(["", "Pairs", "Agreement", "Kappa"], agreement_rows(report))
    else:
        pdf.paragraph("No blind second reviews of decisions in this range.", muted=True)
    pdf.heading("Exposure per reviewer per day")
    pdf.paragraph(
        "Unblurred: seconds of revealed or peeked media. Graphic open: time with a graphic item on screen. "
        "Graphic items: distinct graphic items opened that day (UTC).",
        muted=True,
    )
    pdf.ln(1.0)
    pdf.figures_table(
        ["Reviewer", "Day", "Unblurred", "Graphic open", "Graphic items"], exposure_rows(report), numeric_from=2
    )
    pdf.heading("Audit chain")
    pdf.paragraph(
        f"When this report was read the audit chain held {report.audit_events:,} events. "
        "Its head hash, verified before printing:"
    )
    pdf.paragraph(head_hash, code=True)
    pdf.paragraph(
        "veil audit verify prints the head of the chain; an export made now (veil audit export) lets anyone "
        "check later that this history was not rewritten.",
        muted=True,
    )
    path.write_bytes(pdf.output())
    if pdf.missing:
        log.warning(
            "the report's font has no glyphs for %s; printed as %s in %s",
            "".join(sorted(pdf.missing)),
            REPLACEMENT,
            path,
        )
    return pdf.pages_count
