"""The supervisors' dashboard: the figures of one :class:`~desktop.domain.reports.Report`.

Every number here is read from the report the caller passes to
:meth:`Dashboard.show_report`, never from the database, so ``veil report
--json`` over the same range prints the same numbers. The widget does no
database work: its Refresh button only asks (``refresh_requested``); the
caller loads a new report off the UI thread and hands it over.

Charts are painted with QPainter (QtCharts is not in PySide6-Essentials)
from the :class:`~desktop.core.supervision.report_rows.Chart` series and layout rules
the PDF report (:mod:`desktop.core.supervision.report_pdf`) draws from too. Each chart
carries its numbers: on the bars where they fit, and in a caption below.
Colours come from the theme: calm blues and amber, no saturated red.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.supervision.report_rows import (
    CHART_NAMES,
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
from desktop.ui.theme import colours, current_theme

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtGui import QPaintEvent

    from desktop.domain.reports import Report


@dataclass(frozen=True)
class ChartColours:
    background: QColor
    text: QColor
    muted: QColor  # axis labels, grid
    grid: QColor
    series: QColor  # bars and the line
    emphasis: QColor  # the latest point of a line

    @classmethod
    def for_theme(cls, name: str) -> ChartColours:
        theme = colours(name)
        dark = name == "dark"
        return cls(
            background=QColor(theme.base),
            text=QColor(theme.text),
            muted=QColor(theme.placeholder),
            grid=QColor(theme.midlight if dark else theme.mid),
            series=QColor(theme.link if dark else theme.highlight),
            emphasis=QColor(theme.warning_text),
        )


# -- painting ---------------------------------------------------------------


def paint_chart(painter: QPainter, rect: QRectF, chart: Chart, palette: ChartColours) -> None:
    """Draw ``chart`` into ``rect`` (title on top, plot below) with the painter's font."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillRect(rect, palette.background)
    metrics = QFontMetricsF(painter.font())
    pad = metrics.height() * 0.6
    title_font = QFont(painter.font())
    title_font.setBold(True)
    painter.setFont(title_font)
    painter.setPen(palette.text)
    title_rect = QRectF(rect.left() + pad, rect.top() + pad * 0.6, rect.width() - 2 * pad, metrics.height())
    painter.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, chart.title)
    painter.setFont(_plain(title_font))
    plot = QRectF(
        rect.left() + pad,
        title_rect.bottom() + pad * 0.6,
        rect.width() - 2 * pad,
        rect.bottom() - title_rect.bottom() - pad * 1.2,
    )
    if not chart.points or plot.height() < metrics.height() * 2:
        painter.setPen(palette.muted)
        painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "nothing in this range")
    elif chart.kind == HBARS:
        _paint_hbars(painter, plot, chart, palette, metrics)
    else:
        _paint_columns(painter, plot, chart, palette, metrics)
    painter.restore()


def _plain(font: QFont) -> QFont:
    plain = QFont(font)
    plain.setBold(False)
    return plain


def _paint_columns(
    painter: QPainter, plot: QRectF, chart: Chart, palette: ChartColours, metrics: QFontMetricsF
) -> None:
    values = [value for _, value in chart.points]
    top = nice_ceiling(max(values))
    axis_width = metrics.horizontalAdvance(format_count(top)) + metrics.height() * 0.4
    label_height = metrics.height() * 1.3
    area = QRectF(plot.left() + axis_width, plot.top() + metrics.height(), plot.width() - axis_width, 0)
    area.setBottom(plot.bottom() - label_height)
    # Grid: zero, half and the top, labelled at the left.
    for fraction in (0.0, 0.5, 1.0):
        y = area.bottom() - fraction * area.height()
        painter.setPen(QPen(palette.grid, 1))
        painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
        painter.setPen(palette.muted)
        text_rect = QRectF(plot.left(), y - metrics.height() / 2, axis_width - metrics.height() * 0.3, metrics.height())
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, format_count(top * fraction)
        )
    count = len(chart.points)
    slot = area.width() / count
    widest = max(metrics.horizontalAdvance(label) for label, _ in chart.points) + metrics.height() * 0.5
    positions = [
        QPointF(area.left() + slot * (i + 0.5), area.bottom() - (value / top) * area.height())
        for i, (_, value) in enumerate(chart.points)
    ]
    if chart.kind == LINE:
        path = QPainterPath(positions[0])
        for point in positions[1:]:
            path.lineTo(point)
        painter.setPen(QPen(palette.series, max(2.0, metrics.height() * 0.14)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        radius = metrics.height() * 0.16
        for i, point in enumerate(positions):
            painter.setBrush(palette.emphasis if i == count - 1 else palette.series)
            painter.drawEllipse(point, radius, radius)
    else:
        bar = max(1.0, slot * 0.7)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.series)
        for point in positions:
            painter.drawRect(QRectF(point.x() - bar / 2, point.y(), bar, area.bottom() - point.y()))
    value_width = max(metrics.horizontalAdvance(format_count(v)) for v in values) + metrics.height() * 0.2
    painter.setPen(palette.text)
    for i in values_shown(chart, fit=value_width <= slot):
        point = positions[i]
        box = QRectF(point.x() - value_width / 2, point.y() - metrics.height() * 1.05, value_width, metrics.height())
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, format_count(values[i]))
    painter.setPen(palette.muted)
    for i in labels_shown(count, slot, widest):
        box = QRectF(positions[i].x() - widest / 2, area.bottom() + metrics.height() * 0.2, widest, metrics.height())
        painter.drawText(box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, chart.points[i][0])


def _paint_hbars(painter: QPainter, plot: QRectF, chart: Chart, palette: ChartColours, metrics: QFontMetricsF) -> None:
    values = [value for _, value in chart.points]
    top = max(values) or 1.0
    label_width = min(
        max(metrics.horizontalAdvance(label) for label, _ in chart.points) + metrics.height() * 0.6, plot.width() * 0.45
    )
    value_width = max(metrics.horizontalAdvance(format_count(v)) for v in values) + metrics.height() * 0.6
    row = min(plot.height() / len(chart.points), metrics.height() * HBAR_ROW_LINES)
    bar_left = plot.left() + label_width
    bar_room = max(1.0, plot.width() - label_width - value_width)
    for i, (label, value) in enumerate(chart.points):
        y = plot.top() + i * row
        painter.setPen(palette.text)
        shown = metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_width - metrics.height() * 0.6)
        painter.drawText(
            QRectF(plot.left(), y, label_width - metrics.height() * 0.6, row),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            shown,
        )
        length = bar_room * value / top
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.series)
        painter.drawRect(QRectF(bar_left, y + row * 0.18, max(length, 1.0 if value else 0.0), row * 0.64))
        painter.setPen(palette.text)
        painter.drawText(
            QRectF(bar_left + length + metrics.height() * 0.3, y, value_width, row),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            format_count(value),
        )


def chart_height(chart: Chart, font: QFont) -> float:
    """The height ``chart`` wants at ``font``: horizontal bars grow with their rows."""
    return QFontMetricsF(font).height() * chart_lines(chart)


# -- the widget -------------------------------------------------------------


class ChartView(QWidget):
    """One chart, painted from its :class:`Chart` with the application's font and theme."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"chart_{name}")
        self.chart: Chart | None = None
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_chart(self, chart: Chart) -> None:
        self.chart = chart
        # Screen readers and tooltips get the numbers the bars stand for.
        numbers = ", ".join(f"{label}: {format_count(value)}" for label, value in chart.points)
        self.setAccessibleName(chart.title)
        self.setAccessibleDescription(numbers)
        self.setFixedHeight(round(chart_height(chart, self.font())))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.chart is None:
            return
        painter = QPainter(self)
        try:
            painter.setFont(self.font())
            paint_chart(painter, QRectF(self.rect()), self.chart, ChartColours.for_theme(current_theme()))
        finally:
            painter.end()


class Dashboard(QWidget):
    """Figures, charts and tables of one report; refreshed only by :meth:`show_report`."""

    # The user asked for fresh figures; the caller loads a report off the UI thread
    # and calls show_report with it.
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.report: Report | None = None
        self._range = QLabel("No report loaded yet")
        self._range.setObjectName("dashboardRange")
        self._refresh = QPushButton("Refresh")
        self._refresh.setObjectName("dashboardRefresh")
        self._figures: dict[str, QLabel] = {}
        self._charts = {name: ChartView(name) for name in CHART_NAMES}
        self._captions = {name: QLabel() for name in CHART_NAMES}
        self._reviewers = self._table("reviewerTable", ["Reviewer", "Decisions", "Unblurred", "Graphic open"])
        self._exposure = self._table("exposureTable", ["Reviewer", "Day", "Unblurred", "Graphic open", "Graphic items"])
        self._agreement = self._table("agreementTable", ["", "Pairs", "Agreement", "Kappa"])
        self._agreement_note = QLabel()
        self._agreement_note.setObjectName("agreementNote")
        self._agreement_note.setWordWrap(True)
        self._build()
        self._connect_signals()

    # -- building ---------------------------------------------------------

    @staticmethod
    def _table(name: str, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The names take the spare width; the figures stay together at the right.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.setAlternatingRowColors(True)
        return table

    def _figure(self, name: str, caption: str) -> QWidget:
        tile = QFrame()
        tile.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(tile)
        layout.setContentsMargins(12, 8, 12, 8)
        value = QLabel("-")
        value.setObjectName(f"figure_{name}")
        font = QFont(value.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        value.setFont(font)
        text = QLabel(caption)
        text.setObjectName(f"caption_{name}")
        layout.addWidget(value)
        layout.addWidget(text)
        self._figures[name] = value
        return tile

    def _section(self, title: str, body: QWidget, caption: QLabel | None = None) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(title)
        font = QFont(heading.font())
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        layout.addWidget(body)
        if caption is not None:
            layout.addWidget(caption)
        return box

    def _build(self) -> None:
        top = QHBoxLayout()
        font = QFont(self._range.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self._range.setFont(font)
        top.addWidget(self._range, 1)
        top.addWidget(self._refresh)

        figures = QHBoxLayout()
        for name, caption in (
            ("decisions", "decisions"),
            ("overrides", "overrides"),
            ("escalations", "escalations open / resolved"),
            ("ttd_median", "time to decision, median"),
            ("ttd_p90", "time to decision, 90th percentile"),
            ("kappa", "agreement (kappa)"),
        ):
            figures.addWidget(self._figure(name, caption))

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(16)
        for name, label in self._captions.items():
            label.setObjectName(f"chartCaption_{name}")
            label.setWordWrap(True)
        # Top-aligned: a short neighbour keeps its caption under its chart.
        top_aligned = Qt.AlignmentFlag.AlignTop
        grid.addWidget(self._plain_chart("per_day"), 0, 0, top_aligned)
        grid.addWidget(self._plain_chart("per_hour"), 0, 1, top_aligned)
        grid.addWidget(self._plain_chart("queue_depth"), 1, 0, top_aligned)
        grid.addWidget(self._plain_chart("by_action"), 1, 1, top_aligned)
        grid.addWidget(self._plain_chart("by_label"), 2, 0, top_aligned)
        agreement = QWidget()
        agreement_layout = QVBoxLayout(agreement)
        agreement_layout.setContentsMargins(0, 0, 0, 0)
        agreement_layout.addWidget(self._agreement)
        agreement_layout.addWidget(self._agreement_note)
        grid.addWidget(self._section("Agreement with blind second review", agreement), 2, 1, top_aligned)
        grid.addWidget(self._section("Per reviewer, whole range", self._reviewers), 3, 0, top_aligned)
        grid.addWidget(self._section("Exposure per reviewer per day", self._exposure), 3, 1, top_aligned)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        content = QWidget()
        column = QVBoxLayout(content)
        column.addLayout(top)
        column.addLayout(figures)
        column.addLayout(grid)
        column.addStretch(1)
        self._chain = QLabel()
        self._chain.setObjectName("dashboardChain")
        self._chain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self._chain)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _plain_chart(self, name: str) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._charts[name])
        layout.addWidget(self._captions[name])
        return box

    def _connect_signals(self) -> None:
        self._refresh.clicked.connect(self._on_refresh_clicked)

    @Slot()
    def _on_refresh_clicked(self) -> None:
        self.refresh_requested.emit()

    # -- showing a report ---------------------------------------------------

    def show_report(self, report: Report) -> None:
        self.report = report
        self._range.setText(f"Decisions {describe_range(report)}")
        for name, text in figures(report).items():
            self._figures[name].setText(text)
        for name, chart in charts(report).items():
            self._charts[name].set_chart(chart)
            self._captions[name].setText(chart.caption)
        self._fill(self._reviewers, reviewer_rows(report))
        self._fill(self._exposure, exposure_rows(report))
        self._fill(self._agreement, agreement_rows(report))
        self._agreement.setVisible(report.agreement.measured)
        self._agreement_note.setText(
            "" if report.agreement.measured else "No blind second reviews of decisions in this range yet."
        )
        self._agreement_note.setVisible(not report.agreement.measured)
        self._chain.setText(f"Audit chain when read: {report.audit_events:,} events, head {report.audit_head_hash}")

    @staticmethod
    def _fill(table: QTableWidget, rows: Sequence[tuple[str, ...]]) -> None:
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                cell = QTableWidgetItem(text)
                if c > 0 and text[:1].isdigit():
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, cell)
        header = table.horizontalHeader().height()
        rows_height = sum(table.rowHeight(r) for r in range(len(rows)))
        table.setFixedHeight(header + rows_height + 2 * table.frameWidth() + 2)
