"""One item as a reviewer reads it: who posted it, when, how severe, and its text.

The text is shown as plain text, always: an item is untrusted input, and
rich text would let a post draw its own interface, fetch images (a tracking
pixel, or the very picture the blur is there to hide) or turn a phrase into
a link. Links in it are shown, never followed.

Markers are painted over the text where the engine found them. A marker's
span counts Python code points; the document counts UTF-16 code units and
folds each CRLF into one paragraph break, so spans are translated by
:class:`_DocumentPositions` before use. Without that, every emoji before a
marker would push its highlight one character to the right.
"""

from __future__ import annotations

import bisect
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QLocale, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QFont, QTextBlockFormat, QTextCharFormat, QTextCursor, QTextDocument, QTextFormat, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.review import ACTION_NAMES, SEVERITY_NAMES
from desktop.ui.theme import MARKER_KINDS, colours, current_theme, marker_colours

if TYPE_CHECKING:
    from desktop.domain.review import DecisionInfo, ItemView

KIND_NAMES = {"explicit": "Publisher's marker", "weak": "Weak marker", "cue": "Content cue"}
# Where markers overlap, the later kind here is painted last and wins: what
# the publisher wrote matters more than a word the engine noticed.
_PAINT_ORDER = ("cue", "weak", "explicit")
_UNDERLINES = {
    # Colour is not the only difference: a reviewer who cannot tell amber
    # from teal still sees a solid, dotted or dashed line.
    "explicit": QTextCharFormat.UnderlineStyle.SingleUnderline,
    "weak": QTextCharFormat.UnderlineStyle.DotLine,
    "cue": QTextCharFormat.UnderlineStyle.DashUnderline,
}
# Char format properties that say which marker a highlighted fragment is.
MARKER_CODE_PROPERTY = int(QTextFormat.Property.UserProperty.value) + 1
MARKER_KIND_PROPERTY = int(QTextFormat.Property.UserProperty.value) + 2
LINE_HEIGHT_PERCENT = 130

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the database keeps UTC
    return moment.astimezone()


def local_time(moment: datetime) -> str:
    """``moment`` in the reviewer's time zone: "Fri 6 Nov 2020, 14:00"."""
    local = _local(moment)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def _isolated(text: str) -> str:
    """``text`` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: its
    direction is its own and does not reorder what stands around it."""
    return f"\u2068{text}\u2069"


def marker_kind(marker: dict[str, Any]) -> str:
    kind = marker.get("kind")
    if kind in MARKER_KINDS:
        return str(kind)
    return "cue" if str(marker.get("code", "")).startswith("cue:") else "explicit"


def describe_decision(decision: DecisionInfo) -> str:
    """Say what a decision was: "Approve with warning (graphic-violence, newsworthy)"."""
    parts = [", ".join(decision.labels)] if decision.labels else []
    if decision.reason:
        parts.append(f"reason: {decision.reason}")
    details = f" ({'; '.join(parts)})" if parts else ""
    return f"{ACTION_NAMES.get(decision.action, decision.action.value)}{details}"


class _DocumentPositions:
    """Python string indices of an item's text, as positions in its QTextDocument."""

    def __init__(self, text: str) -> None:
        # Characters outside the BMP take two UTF-16 code units in the document.
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]
        # The "\n" of each CRLF, which the document folds into the "\r"'s break.
        self._folded = [m.start() + 1 for m in re.finditer("\r\n", text)]

    def __call__(self, index: int) -> int:
        return index + bisect.bisect_left(self._astral, index) - bisect.bisect_right(self._folded, index)


class _ItemText(QTextBrowser):
    """The item's text: read-only, selectable, and inert."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        # No LinksAccessibleBy*: QTextBrowser's default would make any anchor a target.
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        # A long URL or a run of emoji wraps instead of scrolling sideways.
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        # The text is plain and has nothing to load; should that ever change,
        # nothing an item names is fetched from disk or the network.
        return None

    def doSetSource(
        self, name: QUrl | str, type: QTextDocument.ResourceType = QTextDocument.ResourceType.UnknownResource
    ) -> None:
        pass  # never navigate away from the item


class ItemPanel(QWidget):
    # the reviewer asked to give this item the near-duplicate's decision shown in the banner
    apply_suggestion = Signal()

    def __init__(self, parent: QWidget | None = None, *, theme: str | None = None) -> None:
        """``theme`` fixes the marker colours; without it they follow :func:`apply_theme`."""
        super().__init__(parent)
        self._follows_app = theme is None
        self._theme = theme or current_theme()
        self._colours = marker_colours(self._theme)
        self._view: ItemView | None = None
        self._build()
        self._connect_signals()
        self.clear()

    # -- building -------------------------------------------------------

    def _build(self) -> None:
        self.title_label = self._value_label()
        self.title_label.setWordWrap(False)
        title_font = QFont(self.title_label.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.title_label.setFont(title_font)
        self.severity_label = self._value_label()
        self.severity_label.setWordWrap(False)
        self.severity_label.setFont(title_font)
        self.status_label = self._value_label()

        self.source_label = self._value_label()
        self.author_label = self._value_label()
        self.language_label = self._value_label()
        self.published_label = self._value_label()
        self.received_label = self._value_label()

        title_row = QHBoxLayout()
        title_row.setSpacing(16)
        title_row.addWidget(self.title_label)
        title_row.addWidget(self.severity_label)
        title_row.addStretch(1)

        facts = QGridLayout()
        facts.setHorizontalSpacing(10)
        facts.setVerticalSpacing(2)
        for row, column, name, value in (
            (0, 0, "Source", self.source_label),
            (0, 2, "Author", self.author_label),
            (1, 0, "Published", self.published_label),
            (1, 2, "Received", self.received_label),
            (2, 0, "Language", self.language_label),
            (2, 2, "Status", self.status_label),
        ):
            key = QLabel(name)
            key.setEnabled(False)  # drawn in the quieter disabled colour: the values matter
            facts.addWidget(key, row, column, Qt.AlignmentFlag.AlignTop)
            facts.addWidget(value, row, column + 1, Qt.AlignmentFlag.AlignTop)
        facts.setColumnStretch(1, 1)
        facts.setColumnStretch(3, 1)

        self.withheld_notice = QFrame()
        self.withheld_notice.setObjectName("withheldNotice")
        withheld_layout = QHBoxLayout(self.withheld_notice)
        self.withheld_label = QLabel(
            "Media withheld: this item was escalated for a reason that withholds its media "
            "(suspected child sexual abuse material). It is never shown, to anyone, in any mode."
        )
        self.withheld_label.setWordWrap(True)
        withheld_layout.addWidget(self.withheld_label)

        self.suggestion_banner = QFrame()
        self.suggestion_banner.setObjectName("suggestionBanner")
        banner_layout = QHBoxLayout(self.suggestion_banner)
        self.suggestion_label = self._value_label()
        self.apply_button = QPushButton("Apply (Y)")
        self.apply_button.setToolTip("Give this item the same decision (Y). Nothing is applied until you ask.")
        self.apply_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Y is the key; focus stays with the reviewer
        banner_layout.addWidget(self.suggestion_label, 1)
        banner_layout.addWidget(self.apply_button)

        self.text_view = _ItemText()
        self.text_view.setPlaceholderText("No item")
        self.text_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        legend = QHBoxLayout()
        legend.setSpacing(12)
        self.legend_labels: dict[str, QLabel] = {}
        for kind, example in (
            ("explicit", "+21, 18+, NSFW"),
            ("weak", "“warning”, ⚠"),
            ("cue", "“corpse”, “killed”"),
        ):
            swatch = QLabel(f" {KIND_NAMES[kind]} ")
            swatch.setToolTip(f"{KIND_NAMES[kind]}, e.g. {example}")
            self.legend_labels[kind] = swatch
            legend.addWidget(swatch)
        legend.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(title_row)
        layout.addLayout(facts)
        layout.addWidget(self.withheld_notice)
        layout.addWidget(self.suggestion_banner)
        layout.addWidget(self.text_view, 1)
        layout.addLayout(legend)
        self._paint_legend()

    @staticmethod
    def _value_label() -> QLabel:
        label = QLabel()
        # Author names and the like come from the post: shown as typed, never as markup.
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        return label

    def _connect_signals(self) -> None:
        self.apply_button.clicked.connect(self._on_apply_button_clicked)

    # -- showing --------------------------------------------------------

    def show_item(self, view: ItemView) -> None:
        self._view = view
        severity = min(max(view.severity, 0), len(SEVERITY_NAMES) - 1)
        self.title_label.setText(f"Item {view.id}")
        self.text_view.setPlaceholderText("This item has no text")
        self.severity_label.setText(f"S{severity} {SEVERITY_NAMES[severity]}")
        self.status_label.setText(self._status(view))
        self.source_label.setText(view.source or "—")
        self.author_label.setText(self._author(view))
        self.language_label.setText(self._language(view.language))
        self._set_time(self.published_label, view.published_at)
        self._set_time(self.received_label, view.received_at)

        self.withheld_notice.setVisible(view.media_withheld)
        suggestion = view.suggestion
        if suggestion is None:
            self.suggestion_banner.hide()
        else:
            self.suggestion_label.setText(
                f"A near-duplicate (item {suggestion.item_id}) was decided: "
                f"{describe_decision(suggestion)} by {_isolated(suggestion.reviewer)}"
            )
            self.suggestion_banner.show()
        self._render_text()

    def clear(self) -> None:
        self._view = None
        for label in (
            self.title_label,
            self.severity_label,
            self.status_label,
            self.source_label,
            self.author_label,
            self.language_label,
            self.published_label,
            self.received_label,
            self.suggestion_label,
        ):
            label.clear()
            label.setToolTip("")
        self.title_label.setText("No item")
        self.text_view.setPlaceholderText("No item")
        self.withheld_notice.hide()
        self.suggestion_banner.hide()
        self.text_view.clear()
        self._count_markers(None)

    def set_theme(self, name: str) -> None:
        """Repaint the markers and the legend in theme ``name``'s colours."""
        self._colours = marker_colours(name)
        self._theme = name
        self._paint_legend()
        if self._view is not None:
            self._render_text()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # apply_theme changes the application's palette, which reaches every widget.
        if event.type() == QEvent.Type.PaletteChange and self._follows_app and current_theme() != self._theme:
            self.set_theme(current_theme())

    @staticmethod
    def _status(view: ItemView) -> str:
        status = view.status.value.capitalize()
        if view.claimed_by:
            until = f" until {_local(view.lease_expires_at):%H:%M}" if view.lease_expires_at else ""
            return f"{status} — held by {view.claimed_by}{until}"
        return status

    @staticmethod
    def _author(view: ItemView) -> str:
        name, handle = view.author_name, view.author
        if name and handle and name != handle:
            # Each part isolated: an Arabic name would otherwise reorder the
            # line and show "(@front_ar)" as "(front_ar@)".
            author = f"{_isolated(name)} ({_isolated(handle)})"
        else:
            author = _isolated(name or handle or "unknown")
        # LEFT-TO-RIGHT MARK first: a selectable label lays out through
        # QTextDocument, which takes the paragraph's direction from the first
        # strong character even inside an isolate; the header reads left to right.
        return f"\u200e{author}"

    @staticmethod
    def _language(code: str | None) -> str:
        if not code:
            return "unknown"
        locale = QLocale(code)
        if locale.language() == QLocale.Language.C:
            return code
        return f"{QLocale.languageToString(locale.language())} ({code})"

    @staticmethod
    def _set_time(label: QLabel, moment: datetime | None) -> None:
        if moment is None:
            label.setText("—")
            label.setToolTip("")
            return
        label.setText(local_time(moment))
        utc = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        label.setToolTip(f"{utc:%Y-%m-%d %H:%M:%S} UTC")

    # -- the text -------------------------------------------------------

    def _render_text(self) -> None:
        view = self._view
        assert view is not None
        # setPlainText writes in the cursor's current format, which after the
        # last item is that item's first character's: a marker there would
        # paint the whole next text. Start from a plain format.
        self.text_view.setCurrentCharFormat(QTextCharFormat())
        # setPlainText folds CRLF into one break; _DocumentPositions counts on that.
        self.text_view.setPlainText(view.text)
        document = self.text_view.document()
        cursor = QTextCursor(document)
        cursor.select(QTextCursor.SelectionType.Document)
        spacing = QTextBlockFormat()
        spacing.setLineHeight(LINE_HEIGHT_PERCENT, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        cursor.mergeBlockFormat(spacing)

        position = _DocumentPositions(view.text)
        painted = sorted(view.markers, key=lambda m: _PAINT_ORDER.index(marker_kind(m)))
        for marker in painted:
            span = marker.get("span")
            if not isinstance(span, list | tuple) or len(span) != 2:
                continue
            start, end = int(span[0]), int(span[1])
            if not 0 <= start < end <= len(view.text):
                continue  # a span from another version of the text: nothing to point at
            cursor.setPosition(position(start))
            cursor.setPosition(position(end), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(self._marker_format(marker))
        self.text_view.moveCursor(QTextCursor.MoveOperation.Start)
        self._count_markers(view)

    def _marker_format(self, marker: dict[str, Any]) -> QTextCharFormat:
        kind = marker_kind(marker)
        code = str(marker.get("code", ""))
        fmt = QTextCharFormat()
        fmt.setBackground(self._colours[kind])
        fmt.setUnderlineStyle(_UNDERLINES[kind])
        if kind == "explicit":
            fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setProperty(MARKER_CODE_PROPERTY, code)
        fmt.setProperty(MARKER_KIND_PROPERTY, kind)
        details = [f"rule {marker.get('rule') or '?'}"]
        if marker.get("severity") is not None:
            details.append(f"severity {marker['severity']}")
        if marker.get("language"):
            details.append(f"language {marker['language']}")
        fmt.setToolTip(f"{KIND_NAMES[kind]}: {code}\n{', '.join(details)}")
        return fmt

    def _count_markers(self, view: ItemView | None) -> None:
        for kind, swatch in self.legend_labels.items():
            count = sum(1 for m in view.markers if marker_kind(m) == kind) if view else 0
            swatch.setText(f" {KIND_NAMES[kind]}: {count} " if count else f" {KIND_NAMES[kind]} ")

    def _paint_legend(self) -> None:
        text = colours(self._theme).text
        for kind, swatch in self.legend_labels.items():
            line = {"explicit": "solid", "weak": "dotted", "cue": "dashed"}[kind]
            weight = "bold" if kind == "explicit" else "normal"
            swatch.setStyleSheet(
                f"QLabel {{ background-color: {self._colours[kind].name()}; color: {text};"
                f" border-bottom: 2px {line} {text}; font-weight: {weight}; padding: 1px 4px; }}"
            )

    # -- slots ----------------------------------------------------------

    @Slot()
    def _on_apply_button_clicked(self) -> None:
        if self._view is not None and self._view.suggestion is not None:
            self.apply_suggestion.emit()
