"""The report as an A4 PDF: the dashboard's figures, tables and charts, and the audit chain's head.

The PDF is laid out once as a QTextDocument (HTML tables, charts as images
painted by :mod:`desktop.ui.dashboard`) and then cut into pages by hand,
so that :func:`render_first_page_png` paints exactly what the PDF's first
page holds: this PySide6-Essentials build has no QtPdf to read the PDF
back. The text stays text in the PDF (selectable, searchable), fonts are
embedded by Qt.

Needs a QGuiApplication (fonts); :func:`ensure_gui_application` makes one
on the offscreen platform, so ``veil report --pdf`` works on a server with
no display.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from desktop import __version__
from desktop.core.report_rows import (
    ACTION_NAMES,
    Chart,
    agreement_rows,
    charts,
    describe_range,
    exposure_rows,
    reviewer_rows,
)
from desktop.core.reports import format_duration
from desktop.ui.dashboard import chart_height, render_chart

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from PySide6.QtCore import QCoreApplication

    from desktop.core.reports import Report

# The document is laid out in CSS pixels (96 to the inch) and scaled to each device.
LAYOUT_DPI = 96
PDF_DPI = 300
PAGE_MM = (210.0, 297.0)  # A4
MARGIN_MM = 16.0
FOOTER_MM = 8.0
CHART_SCALE = 3.0  # chart images at 288 dpi: sharp on paper
BODY_PT = 10
# Printed on white paper: the light theme's calm colours.
PRINT_THEME = "light"
INK, MUTED, RULE, SHADE = "#1f2022", "#6f7174", "#b9b8b3", "#f1f0ec"


def ensure_gui_application() -> QCoreApplication:
    """The running Qt application, or a new QGuiApplication on the offscreen platform."""
    app = QGuiApplication.instance()
    if app is None:
        # Offscreen whatever the environment says: nothing is shown, and a
        # server has no display for the default platform plugin to open.
        app = QGuiApplication(["veil", "-platform", "offscreen"])
    return app


def _px(mm: float) -> float:
    return mm / 25.4 * LAYOUT_DPI


def _body_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
    font.setPointSize(BODY_PT)
    return font


def _chart_font() -> QFont:
    # Pixel-sized: the chart images are painted in layout pixels and scaled.
    font = _body_font()
    font.setPixelSize(round(BODY_PT * 0.9 * LAYOUT_DPI / 72))
    return font


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, numeric_from: int = 1) -> str:
    if not rows:
        return f'<p style="color:{MUTED}">None in this range.</p>'
    head = "".join(
        f'<th align="{"right" if i >= numeric_from else "left"}">{html.escape(h)}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td align="{"right" if i >= numeric_from else "left"}">{html.escape(cell)}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    # <thead>: the header row is repeated on every page the table runs onto.
    return f'<table width="100%" cellspacing="0" cellpadding="3"><thead><tr>{head}</tr></thead>{body}</table>'


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "-"


def _command(report: Report) -> str:
    # --until is the end the figures ran to, so the command gives the same
    # figures later, when "now" has moved on.
    since = f" --since {report.since.isoformat()}" if report.since else ""
    return f"veil report --json{since} --until {report.end.isoformat()}"


class _Printout:
    """The report laid out for A4 pages; paints any page onto any device."""

    def __init__(self, report: Report, *, head_hash: str, title: str) -> None:
        self.report = report
        self.title = title
        self.head_hash = head_hash
        self.page_size = QSizeF(_px(PAGE_MM[0]), _px(PAGE_MM[1]))
        self.margin = _px(MARGIN_MM)
        self.footer = _px(FOOTER_MM)
        self.body = QSizeF(
            self.page_size.width() - 2 * self.margin,
            self.page_size.height() - 2 * self.margin - self.footer,
        )
        self.document = QTextDocument()
        # Laid out against a 96-dpi device whatever the screen says, so the
        # pages break at the same places on every machine and every output.
        self._layout_device = QImage(1, 1, QImage.Format.Format_RGB32)
        dots_per_metre = round(LAYOUT_DPI / 0.0254)
        self._layout_device.setDotsPerMeterX(dots_per_metre)
        self._layout_device.setDotsPerMeterY(dots_per_metre)
        self.document.documentLayout().setPaintDevice(self._layout_device)
        self.document.setDefaultFont(_body_font())
        self.document.setDocumentMargin(0)
        self.document.setDefaultStyleSheet(
            f"body {{ color: {INK}; }}"
            f"h1 {{ font-size: 17pt; margin-bottom: 2px; }}"
            f"h2 {{ font-size: 12pt; margin-top: 14px; margin-bottom: 4px; }}"
            f"th {{ background-color: {SHADE}; border-bottom: 1px solid {RULE}; font-weight: bold; }}"
            f"td {{ border-bottom: 1px solid {RULE}; }}"
            f".muted {{ color: {MUTED}; }}"
            f".hash {{ font-family: monospace; font-size: 9pt; }}"
        )
        self._add_charts()
        self.document.setHtml(self._html())
        self.document.setPageSize(self.body)

    def _add_charts(self) -> None:
        font = _chart_font()
        width = self.body.width()
        self.chart_sizes: dict[str, tuple[float, float]] = {}
        for name, chart in charts(self.report).items():
            height = chart_height(chart, font)
            image = render_chart(chart, width, height, font=font, theme=PRINT_THEME, scale=CHART_SCALE)
            self.document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"veil-chart:{name}"), image)
            self.chart_sizes[name] = (width, height)

    def _chart(self, name: str, chart: Chart) -> str:
        width, height = self.chart_sizes[name]
        caption = html.escape(chart.caption)
        return (
            f'<p><img src="veil-chart:{name}" width="{width:.0f}" height="{height:.0f}"><br>'
            f'<span class="muted">{caption}</span></p>'
        )

    def _html(self) -> str:
        report = self.report
        ttd = report.time_to_decision_s
        escape = html.escape
        drawn = charts(report)
        agreement = report.agreement
        kappa = agreement.overall.kappa if agreement.measured else None
        summary = [
            ("Decisions", f"{report.decisions:,}"),
            ("Overrides", f"{report.overrides:,}"),
            ("Escalations open / resolved", f"{report.escalations_open:,} / {report.escalations_resolved:,}"),
            ("Time to decision, median", format_duration(ttd.median)),
            ("Time to decision, 90th percentile", format_duration(ttd.p90)),
            ("Agreement with second review (kappa)", f"{kappa:.2f}" if kappa is not None else "-"),
        ]
        parts = [
            f"<h1>{escape(self.title)}</h1>",
            f"<p>Decisions {escape(describe_range(report))}."
            f'<br><span class="muted">Generated {report.generated_at:%d %b %Y %H:%M} UTC by Veil {__version__}. '
            "Every figure can be reproduced with:</span>"
            f'<br><span class="hash">{escape(_command(report))}</span></p>',
            _table(["Figure", "Value"], summary),
            "<h2>Charts</h2>",
            *(self._chart(name, chart) for name, chart in drawn.items()),
            "<h2>Decisions by action</h2>",
            _table(
                ["Action", "Decisions", "Share"],
                [
                    (ACTION_NAMES.get(action, action), f"{n:,}", _share(n, report.decisions))
                    for action, n in report.by_action.items()
                ],
            ),
            "<h2>Decisions by warning label</h2>",
            _table(
                ["Label", "Code", "Decisions"],
                [(report.label_names.get(code, code), code, f"{n:,}") for code, n in report.by_label.items()],
                numeric_from=2,
            ),
            "<h2>Per reviewer, whole range</h2>",
            _table(["Reviewer", "Decisions", "Unblurred", "Graphic open"], reviewer_rows(report)),
            "<h2>Time to decision</h2>",
            '<p class="muted">From an item\'s arrival to its first decision, for items first decided in the range.</p>',
            _table(
                ["Items", "Median", "90th percentile"],
                [(f"{ttd.n:,}", format_duration(ttd.median), format_duration(ttd.p90))],
                numeric_from=0,
            ),
            "<h2>Agreement with blind second review</h2>",
            _table(["", "Pairs", "Agreement", "Kappa"], agreement_rows(report))
            if agreement.measured
            else '<p class="muted">No blind second reviews of decisions in this range.</p>',
            "<h2>Exposure per reviewer per day</h2>",
            '<p class="muted">Unblurred: seconds of revealed or peeked media. Graphic open: time with a graphic '
            "item on screen. Graphic items: distinct graphic items opened that day (UTC).</p>",
            _table(
                ["Reviewer", "Day", "Unblurred", "Graphic open", "Graphic items"], exposure_rows(report), numeric_from=2
            ),
            "<h2>Audit chain</h2>",
            f"<p>When this report was read the audit chain held {report.audit_events:,} events; its head hash "
            f'(verified before printing) is<br><span class="hash">{escape(self.head_hash)}</span><br>'
            '<span class="muted">veil audit verify prints the head of the chain; an export made now '
            "(veil audit export) lets anyone check later that this history was not rewritten.</span></p>",
        ]
        return "<body>" + "".join(parts) + "</body>"

    @property
    def pages(self) -> int:
        return max(1, self.document.pageCount())

    def paint_page(self, painter: QPainter, index: int) -> None:
        """Page ``index`` (0-based) in layout pixels; the painter is scaled to the device already."""
        painter.save()
        painter.fillRect(QRectF(0, 0, self.page_size.width(), self.page_size.height()), QColor("#ffffff"))
        painter.translate(self.margin, self.margin - index * self.body.height())
        self.document.drawContents(
            painter, QRectF(0, index * self.body.height(), self.body.width(), self.body.height())
        )
        painter.restore()
        painter.save()
        font = _body_font()
        # In layout pixels: a point size would be resolved again at the device's resolution.
        font.setPixelSize(round(BODY_PT * 0.8 * LAYOUT_DPI / 72))
        painter.setFont(font)
        painter.setPen(QColor(MUTED))
        footer = QRectF(
            self.margin, self.page_size.height() - self.margin - self.footer * 0.6, self.body.width(), self.footer * 0.6
        )
        painter.drawText(footer, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{self.title}")
        painter.drawText(
            footer,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"chain head {self.head_hash[:16]}  ·  page {index + 1} of {self.pages}",
        )
        painter.restore()


def write_pdf(report: Report, path: Path, *, head_hash: str, title: str) -> int:
    """Write ``report`` to ``path`` as an A4 PDF; returns the number of pages.

    ``head_hash`` is the audit chain's head the caller verified (normally
    ``report.audit_head_hash`` after :func:`desktop.core.audit.verify`);
    the event count printed beside it is the report's own.
    """
    ensure_gui_application()
    printout = _Printout(report, head_hash=head_hash, title=title)
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    writer.setTitle(title)
    writer.setCreator(f"Veil {__version__}")
    painter = QPainter(writer)
    try:
        painter.scale(PDF_DPI / LAYOUT_DPI, PDF_DPI / LAYOUT_DPI)
        for index in range(printout.pages):
            if index:
                writer.newPage()
            printout.paint_page(painter, index)
    finally:
        painter.end()
    return printout.pages


def render_first_page_png(report: Report, png_path: Path, *, head_hash: str, title: str, dpi: int = 110) -> None:
    """The PDF's first page as a PNG at ``dpi``, for the docs and the tests.

    QtPdf, which could read the PDF back, is not part of PySide6-Essentials,
    so this paints the same laid-out page again instead of the PDF file.
    """
    ensure_gui_application()
    printout = _Printout(report, head_hash=head_hash, title=title)
    scale = dpi / LAYOUT_DPI
    image = QImage(
        round(printout.page_size.width() * scale),
        round(printout.page_size.height() * scale),
        QImage.Format.Format_RGB32,
    )
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.scale(scale, scale)
        printout.paint_page(painter, 0)
    finally:
        painter.end()
    # The stubs say bytes for the format; PySide6 takes only str here.
    if not image.save(str(png_path), "PNG"):  # type: ignore[call-overload]
        raise OSError(f"cannot write {png_path}")
