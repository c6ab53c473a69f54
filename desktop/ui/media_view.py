"""The media of the item under review, as tiles, blurred until asked.

The grid does no I/O. It shows the stored blurred previews it is handed,
asks for any other picture with :attr:`MediaGrid.image_wanted` and gets it
back through :meth:`MediaGrid.set_image`; the window's controller reads and
decodes files on its picture worker. What reaches the screen is decided here:

- a tile never shows a weaker blur than the level it wants: while a picture
  is on its way, it keeps the strongest-but-no-stronger-than-needed one it
  has, or a dark placeholder;
- greyscale is applied at display, colour only when the reviewer asks (C);
- withheld media (suspected CSAM, escalated) have no picture at all: their
  tiles are built without a place to draw one;
- severity 3 items open behind a warning screen that only an explicit
  reveal (the button, R, Shift+R) lifts;
- every reveal is timed from the moment its picture is painted, and
  reported when it ends (:attr:`MediaGrid.exposure_ended`), for the
  reviewer's exposure record;
- unblurred pictures are held only for the item on screen: showing another
  item, or nothing, drops them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QEvent, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QImage,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.app.stages import STAGES

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


class Level(IntEnum):
    """The per-item strength slider, from opaque to clear."""

    OPAQUE = 0
    STRONG = 1
    DEFAULT = 2
    PEEK = 3
    CLEAR = 4


LEVEL_NAMES = {
    Level.OPAQUE: "Opaque",
    Level.STRONG: "Strong",
    Level.DEFAULT: "Standard",
    Level.PEEK: "Peek",
    Level.CLEAR: "Clear",
}
# The levels at which the reviewer sees the picture, and how the exposure record names them.
EXPOSURE_MODES = {Level.PEEK: "peek", Level.CLEAR: "reveal"}

WITHHELD_TEXT = "Media withheld — suspected CSAM escalation; never shown"
S3_HOLD_HINT = "Hold-to-reveal is off for severity 3: press R or click Reveal."
# Media types that never have a picture: the tile names the file instead.
NON_VISUAL = frozenset({"audio", "voice", "file", "link"})

BACKGROUND = QColor(0x1E, 0x1E, 0x1E)
MIN_PICTURE = QSize(180, 140)
STYLE = """
QWidget#mediaTiles { background: #181818; }
QFrame#mediaTile { background: #242424; border: 1px solid #303030; border-radius: 6px; }
QFrame#mediaTile:focus { border: 1px solid #9a9a9a; }
QFrame#mediaTile QLabel { color: #dadada; background: transparent; }
QFrame#mediaTile QLabel#tileCaption, QFrame#mediaTile QLabel#tileStatus { color: #a6a6a6; }
QLabel#placeholder { background: #1e1e1e; border-radius: 4px; }
QFrame#warningScreen { background: #1b1b1b; border-radius: 4px; }
QLabel#mediaNotice { color: #c8c8c8; }
"""


class Medium(Protocol):
    """What the grid reads of a medium: the fields of ``desktop.domain.review.MediaInfo``.

    A protocol rather than the dataclass itself, so that ``desktop.ui`` does not
    import the review service (and through it SQLAlchemy), not even for types.
    """

    @property
    def id(self) -> int: ...
    @property
    def uri(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def width(self) -> int | None: ...
    @property
    def height(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def frames(self) -> int | None: ...
    @property
    def duration_s(self) -> float | None: ...
    @property
    def codec(self) -> str | None: ...


@dataclass(frozen=True)
class ViewPrefs:
    greyscale: bool = True  # the default view is greyscale; colour is a per-item toggle
    s3_warning_screen: bool = True  # S3 items show a warning screen, not a thumbnail (False: the strong blur)


@dataclass(frozen=True)
class _Exposure:
    level: Level
    started_at: datetime  # aware UTC, for the record
    started: float  # time.monotonic(), for the duration


class _Kind(Enum):
    PICTURE = "picture"  # an image, animation, sticker or video storyboard
    FILE = "file"  # audio and other files: a name and a type
    WITHHELD = "withheld"


class _Picture(QWidget):
    """A picture scaled to fit, keeping its aspect, on a dark ground."""

    # the picture was drawn on screen (the start of an exposure)
    painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._scaled: QPixmap | None = None
        self.setMinimumSize(MIN_PICTURE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self._scaled = None
        self.update()

    def has_image(self) -> bool:
        return self._image is not None

    def image_rect(self) -> tuple[int, int, int, int]:
        """Where the picture is drawn (x, y, width, height), in this widget's pixels."""
        if self._image is None:
            return (0, 0, 0, 0)
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return ((self.width() - size.width()) // 2, (self.height() - size.height()) // 2, size.width(), size.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self._image is None:
            return
        x, y, width, height = self.image_rect()
        ratio = self.devicePixelRatioF()
        device = QSize(max(1, round(width * ratio)), max(1, round(height * ratio)))
        if self._scaled is None or self._scaled.size() != device:
            # Scaled once per size, not on every paint: a clear picture can be 2048 px.
            self._scaled = QPixmap.fromImage(
                self._image.scaled(
                    device, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )
            self._scaled.setDevicePixelRatio(ratio)
        painter.drawPixmap(x, y, self._scaled)
        painter.end()
        STAGES.mark("painted")
        if self.isVisible():
            self.painted.emit()


class MediaTile(QFrame):
    """One medium. The grid decides which level it wants; the tile shows the
    best picture it has for that level and asks for the one it lacks."""

    # media_id, Level: this tile needs that picture
    image_wanted = Signal(int, int)
    # media_id, mode ("peek" | "reveal"): an unblurred picture was painted
    exposure_started = Signal(int, str)
    # media_id, mode, started_at (aware UTC datetime), seconds
    exposure_ended = Signal(int, str, object, float)
    # media_id: the Reveal button of the warning screen was clicked
    reveal_requested = Signal(int)
    # media_id: the Play button of a video was clicked
    play_requested = Signal(int)

    def __init__(
        self,
        medium: Medium,
        *,
        kind: _Kind,
        preview: QImage | None,
        base_level: Level,
        screened: bool,
        warning: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.media_id = medium.id
        self.media_type = medium.media_type
        self.kind = kind
        self.level = base_level if kind is _Kind.PICTURE else Level.OPAQUE  # the level wanted
        self.shown_level: Level | None = None  # the level of the picture on screen; None: no picture
        # Set by the grid: a per-tile level (R, Shift+R), Space held over it, the S3 screen still up.
        self.override: Level | None = None
        self.held = False
        self.screened = screened and kind is _Kind.PICTURE
        self._base_level = base_level  # the level of the stored preview
        self._medium = medium
        self._colour = False
        self._pictures: dict[Level, QImage] = {}
        if preview is not None and kind is _Kind.PICTURE:
            self._pictures[base_level] = preview
        self._pending: set[Level] = set()
        self._errors: dict[Level, str] = {}
        self._displayed: tuple[Level, bool] | None = None
        self._exposure: _Exposure | None = None
        self.picture: _Picture | None = None
        self.placeholder: QLabel | None = None
        self.warning_screen: QFrame | None = None
        self.warning_label: QLabel | None = None
        self.reveal_button: QPushButton | None = None
        self.play_button: QPushButton | None = None
        self._build(warning)
        self._connect_signals()
        # Nothing is shown (or asked for) until the grid, connected, says which level: see want().

    # -- building -------------------------------------------------------

    def _build(self, warning: str | None) -> None:
        self.setObjectName("mediaTile")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        self.status = QLabel(self)
        self.status.setObjectName("tileStatus")
        self.status.setWordWrap(True)
        # A line kept free even when empty, so the picture does not jump while one loads.
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing())
        self.status.hide()
        if self.kind is _Kind.WITHHELD:
            # No _Picture is ever built here: a withheld tile has nowhere to draw one.
            self.placeholder = self._message_label(WITHHELD_TEXT)
            layout.addWidget(self.placeholder, 1)
            self.setAccessibleName(WITHHELD_TEXT)
            return
        if self.kind is _Kind.FILE:
            self.placeholder = self._message_label(f"{_file_name(self._medium.uri)}\n{self.media_type}")
            layout.addWidget(self.placeholder, 1)
            return
        self.picture = _Picture()
        self.placeholder = self._message_label("")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.picture)
        self.pages.addWidget(self.placeholder)
        if self.screened:
            self.pages.addWidget(self._build_warning_screen(warning))
        layout.addWidget(self.pages, 1)
        bottom = QHBoxLayout()
        caption = _caption(self._medium)
        self.caption = QLabel(caption)
        self.caption.setObjectName("tileCaption")
        # As tall as a button, so a video's Play does not make its picture smaller than its neighbours'.
        self.caption.setMinimumHeight(QPushButton().sizeHint().height())
        bottom.addWidget(self.caption, 1)
        if self.media_type == "video":
            self.play_button = QPushButton("Play")
            self.play_button.setToolTip("Play the video in the player")
            bottom.addWidget(self.play_button)
        layout.addLayout(bottom)
        layout.addWidget(self.status)
        self.status.show()

    def _message_label(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("placeholder")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setMinimumSize(MIN_PICTURE)
        label.setMargin(12)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return label

    def _build_warning_screen(self, warning: str | None) -> QFrame:
        screen = QFrame()
        screen.setObjectName("warningScreen")
        screen.setMinimumSize(MIN_PICTURE)
        layout = QVBoxLayout(screen)
        layout.addStretch(1)
        self.warning_label = QLabel(warning or "Severity 3")
        self.warning_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.warning_label.setWordWrap(True)
        font = self.warning_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.warning_label.setFont(font)
        explain = QLabel("Severity 3. Nothing is shown until you reveal it.")
        explain.setAlignment(Qt.AlignmentFlag.AlignCenter)
        explain.setWordWrap(True)
        self.reveal_button = QPushButton("Reveal")
        self.reveal_button.setToolTip("Show this picture unblurred (R)")
        # Not in the focus chain: a Space meant as hold-to-peek must not press it.
        # The keyboard way to reveal is R on the focused tile.
        self.reveal_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.reveal_button)
        row.addStretch(1)
        layout.addWidget(self.warning_label)
        layout.addWidget(explain)
        layout.addLayout(row)
        layout.addStretch(1)
        self.warning_screen = screen
        return screen

    def _connect_signals(self) -> None:
        if self.picture is not None:
            self.picture.painted.connect(self._on_picture_painted)
        if self.reveal_button is not None:
            self.reveal_button.clicked.connect(self._on_reveal_button_clicked)
        if self.play_button is not None:
            self.play_button.clicked.connect(self._on_play_button_clicked)

    # -- what the grid tells the tile -------------------------------------

    def want(self, level: Level, *, colour: bool) -> None:
        if self.kind is not _Kind.PICTURE:
            return
        if level != self.level:
            # A failed level is asked for again when the reviewer comes back to it.
            self._errors.clear()
        self.level = level
        self._colour = colour
        self._refresh()

    def accept(self, level: Level, image: QImage) -> bool:
        """Take a picture the grid was handed; False if it was not wanted (dropped)."""
        self._pending.discard(level)
        if self.kind is not _Kind.PICTURE or self.screened or level != self.level or image.isNull():
            return False
        self._errors.pop(level, None)
        self._pictures[level] = image
        self._displayed = None  # a new picture for a level already on screen is still a new picture
        self._refresh()
        return True

    def fail(self, level: Level, reason: str) -> None:
        self._pending.discard(level)
        if self.kind is _Kind.PICTURE and level == self.level and not self.screened:
            self._errors[level] = reason
            self._refresh()

    def lift_screen(self) -> None:
        self.screened = False

    def show_hint(self, text: str) -> None:
        if self.kind is _Kind.PICTURE:
            self.status.setText(text)

    def release(self) -> None:
        """End any exposure and let go of every picture (the item is leaving)."""
        self._end_exposure()
        self._pictures.clear()
        self._pending.clear()
        self._displayed = None
        self.shown_level = None
        if self.picture is not None:
            self.picture.set_image(None)

    @property
    def is_picture(self) -> bool:
        return self.kind is _Kind.PICTURE

    def exposed(self) -> bool:
        return self._exposure is not None

    # -- showing ------------------------------------------------------------

    def _refresh(self) -> None:
        if self.kind is not _Kind.PICTURE:
            return
        if self.play_button is not None:
            # Playing is a way of seeing: not before the screen is lifted.
            self.play_button.setVisible(not self.screened)
        if self.screened:
            assert self.warning_screen is not None
            self._show(None)
            self.pages.setCurrentWidget(self.warning_screen)
            self.status.setText("")
            return
        level = self.level
        # The weakest blur still at least as strong as wanted; never a weaker one.
        usable = [have for have in self._pictures if have <= level]
        shown = max(usable) if usable else None
        request = (
            level not in self._pictures
            and level != self._base_level  # that one is the stored preview, handed in with the item
            and level not in self._pending
            and level not in self._errors
        )
        self._show(shown)
        self.status.setText(self._status_text(level, shown, request))
        if request:
            self._pending.add(level)
            self.image_wanted.emit(self.media_id, int(level))

    def _show(self, level: Level | None) -> None:
        if self._exposure is not None and self._exposure.level != level:
            self._end_exposure()
        self.shown_level = level
        assert self.picture is not None and self.placeholder is not None
        if level is None:
            self._displayed = None
            self.picture.set_image(None)
            self.placeholder.setText(self._placeholder_text())
            self.pages.setCurrentWidget(self.placeholder)
            return
        if self._displayed != (level, self._colour):
            image = self._pictures[level]
            if not self._colour:
                image = image.convertToFormat(QImage.Format.Format_Grayscale8)
            self.picture.set_image(image)
            self._displayed = (level, self._colour)
        self.pages.setCurrentWidget(self.picture)

    def _placeholder_text(self) -> str:
        level = self.level
        if level in self._errors:
            return f"{LEVEL_NAMES[level]} picture unavailable: {self._errors[level]}"
        if level == self._base_level:
            error = self._medium.error
            if error:
                return f"Preview unavailable: {_strip_prefix(error)}"
            return "No preview yet"
        return f"Loading the {LEVEL_NAMES[level].lower()} picture…"

    def _status_text(self, level: Level, shown: Level | None, requesting: bool) -> str:
        if shown is None:
            return ""
        if shown == level:
            # The reviewer should always be able to tell an unblurred tile from a blurred one.
            return {Level.CLEAR: "Clear — R blurs it again", Level.PEEK: "Peek: a light blur"}.get(level, "")
        if level in self._errors:
            return f"{LEVEL_NAMES[level]} picture unavailable: {self._errors[level]}"
        if requesting or level in self._pending:
            return f"Loading the {LEVEL_NAMES[level].lower()} picture…"
        return ""

    # -- exposure -------------------------------------------------------------

    @Slot()
    def _on_picture_painted(self) -> None:
        level = self.shown_level
        if self._exposure is None and level in EXPOSURE_MODES:
            assert level is not None
            self._exposure = _Exposure(level, datetime.now(UTC), time.monotonic())
            self.exposure_started.emit(self.media_id, EXPOSURE_MODES[level])

    def _end_exposure(self) -> None:
        exposure, self._exposure = self._exposure, None
        if exposure is not None:
            seconds = max(0.0, time.monotonic() - exposure.started)
            self.exposure_ended.emit(self.media_id, EXPOSURE_MODES[exposure.level], exposure.started_at, seconds)

    @Slot()
    def _on_reveal_button_clicked(self) -> None:
        self.reveal_requested.emit(self.media_id)

    @Slot()
    def _on_play_button_clicked(self) -> None:
        self.play_requested.emit(self.media_id)


class _KeyHints(QLabel):
    """The keys' reminder, in the longest wording that fits the width it is given.

    A reminder, not a control: on a narrow pane it gives way to the slider,
    dropping whole hints rather than showing half of one.
    """

    WORDINGS = (
        "R reveal · Shift+R all · hold Space · C colour",
        "R reveal · hold Space · C colour",
        "R reveal · C colour",
        "",
    )

    def __init__(self) -> None:
        super().__init__(self.WORDINGS[0])
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setToolTip(self.WORDINGS[0])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        metrics = self.fontMetrics()
        room = event.size().width()
        self.setText(next(text for text in self.WORDINGS if metrics.horizontalAdvance(text) <= room))


class MediaGrid(QWidget):
    """The centre pane of the review window: the item's media as tiles."""

    # item_id, media_id, Level: a tile needs that picture
    image_wanted = Signal(int, int, int)
    # item_id, media_id, mode "peek"|"reveal": an unblurred picture was painted
    exposure_started = Signal(int, int, str)
    # item_id, media_id, mode "reveal"|"peek", started_at (aware UTC datetime), seconds
    exposure_ended = Signal(int, int, str, object, float)
    # the item's slider level, for the status bar
    level_changed = Signal(int)
    # item_id, media_id: the reviewer asked to play a video
    play_requested = Signal(int, int)

    def __init__(self, prefs: ViewPrefs = ViewPrefs(), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._prefs = prefs
        self._item_id: int | None = None
        self._media: tuple[Medium, ...] = ()
        self._previews: dict[int, QImage] = {}  # blurred, as stored: kept to rebuild on new prefs
        self._severity = 0
        self._warning: str | None = None
        self._withheld = False
        self._level = Level.DEFAULT
        self._colour = not prefs.greyscale
        self._tiles: list[MediaTile] = []
        self._held: MediaTile | None = None
        self._build()
        self._connect_signals()
        self._show_notice("No item selected")

    # -- building -------------------------------------------------------

    def _build(self) -> None:
        self.setStyleSheet(STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.level_slider = QSlider(Qt.Orientation.Horizontal)
        self.level_slider.setRange(Level.OPAQUE, Level.CLEAR)
        self.level_slider.setPageStep(1)
        self.level_slider.setTickInterval(1)
        self.level_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.level_slider.setMinimumWidth(120)
        self.level_slider.setMaximumWidth(220)
        self.level_slider.setToolTip("Blur for every picture of this item, from opaque to clear")
        self.level_slider.setAccessibleName("Blur strength")
        self.level_label = QLabel()
        self.level_label.setMinimumWidth(self.level_label.fontMetrics().horizontalAdvance("Standard · colour  "))
        self._keys = _KeyHints()
        self._keys.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # quieter than the controls
        header = QHBoxLayout()
        header.setContentsMargins(8, 4, 8, 4)
        header.addWidget(QLabel("Blur"))
        header.addWidget(self.level_slider)
        header.addWidget(self.level_label)
        header.addWidget(self._keys, 1)

        self._notice = QLabel()
        self._notice.setObjectName("mediaNotice")
        self._notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._notice.setWordWrap(True)
        self._grid = QGridLayout()
        self._grid.setSpacing(8)
        container = QWidget()
        container.setObjectName("mediaTiles")
        inner = QVBoxLayout(container)
        inner.setContentsMargins(8, 8, 8, 8)
        inner.addWidget(self._notice)
        inner.addLayout(self._grid, 1)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidget(container)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self._scroll, 1)
        self._sync_slider()

    def _connect_signals(self) -> None:
        self.level_slider.valueChanged.connect(self._on_level_slider_value_changed)

    def _connect_tile(self, tile: MediaTile) -> None:
        tile.image_wanted.connect(self._on_tile_image_wanted)
        tile.exposure_started.connect(self._on_tile_exposure_started)
        tile.exposure_ended.connect(self._on_tile_exposure_ended)
        tile.reveal_requested.connect(self._on_tile_reveal_requested)
        tile.play_requested.connect(self._on_tile_play_requested)

    # -- the item -------------------------------------------------------

    def set_prefs(self, prefs: ViewPrefs) -> None:
        if prefs == self._prefs:
            return
        self._prefs = prefs
        if self._item_id is not None:
            # Built again from the stored previews: a screen turned on covers at once.
            self.show_item(
                self._item_id,
                self._media,
                severity=self._severity,
                warning=self._warning,
                withheld=self._withheld,
                previews=self._previews,
            )
        else:
            self._colour = not prefs.greyscale

    def show_item(
        self,
        item_id: int,
        media: Sequence[Medium],
        *,
        severity: int,
        warning: str | None,
        withheld: bool,
        previews: Mapping[int, QImage],
    ) -> None:
        self._teardown()
        self._item_id = item_id
        self._media = tuple(media)
        # Withheld: not even the blurred previews are kept.
        self._previews = {} if withheld else dict(previews)
        self._severity = severity
        self._warning = warning
        self._withheld = withheld
        self._level = self._start_level()
        self._colour = not self._prefs.greyscale
        self._sync_slider()
        screened = self._screened_item()
        for medium in self._media:
            kind = _Kind.WITHHELD if withheld else (_Kind.FILE if _is_file(medium, previews) else _Kind.PICTURE)
            preview = self._previews.get(medium.id)
            tile = MediaTile(
                medium,
                kind=kind,
                preview=None if preview is None or preview.isNull() else preview,
                base_level=self._level,
                screened=screened,
                warning=warning,
            )
            self._connect_tile(tile)
            self._tiles.append(tile)
        self._lay_out()
        if not self._tiles:
            self._show_notice(WITHHELD_TEXT if withheld else "This item has no media")
        self.level_changed.emit(int(self._level))
        self._apply_all()

    def clear(self) -> None:
        self._teardown()
        self._item_id = None
        self._media = ()
        self._previews = {}
        self._withheld = False
        self._severity = 0
        self._warning = None
        self._level = Level.DEFAULT
        self._sync_slider()
        self._show_notice("No item selected")

    def set_image(self, item_id: int, media_id: int, level: Level, image: QImage) -> None:
        if item_id != self._item_id or self._withheld:
            return  # late: the reviewer has moved on (or the item's media are never shown)
        tile = self._tile(media_id)
        if tile is not None:
            tile.accept(Level(level), image)

    def set_image_error(self, item_id: int, media_id: int, level: Level, reason: str) -> None:
        if item_id != self._item_id or self._withheld:
            return
        tile = self._tile(media_id)
        if tile is not None:
            tile.fail(Level(level), reason)

    # -- the reviewer's actions -------------------------------------------

    def toggle_reveal(self) -> None:
        """R: the current tile between its blurred level and CLEAR."""
        tile = self._current_tile()
        if tile is None:
            return
        if tile.screened:
            tile.lift_screen()
            tile.override = Level.CLEAR
        elif tile.level == Level.CLEAR:
            tile.held = False
            tile.override = self._blurred_override()
            if self._held is tile:
                self._held = None
        else:
            tile.override = Level.CLEAR
        self._apply(tile)

    def reveal_all(self) -> None:
        """Shift+R: every tile CLEAR; again: back to blurred."""
        tiles = self._picture_tiles()
        if not tiles:
            return
        if all(not t.screened and t.level == Level.CLEAR for t in tiles):
            self._held = None
            for tile in tiles:
                tile.held = False
                tile.override = self._blurred_override()
        else:
            for tile in tiles:
                tile.lift_screen()
                tile.override = Level.CLEAR
        for tile in tiles:
            self._apply(tile)

    def hold_reveal(self, pressed: bool) -> None:
        """Space held over a tile: CLEAR while held, blurred on release."""
        if not pressed:
            self._release_hold()
            return
        if self._held is not None:
            return  # key repeat
        tile = self._current_tile()
        if tile is None:
            return
        if self._screened_item():
            tile.show_hint(S3_HOLD_HINT)
            return
        tile.held = True
        self._held = tile
        self._apply(tile)

    def toggle_colour(self) -> None:
        """C: this item's pictures in colour, or back to greyscale."""
        if self._item_id is None or self._withheld:
            return
        self._colour = not self._colour
        self._sync_slider()
        self._apply_all()

    def set_level(self, level: Level) -> None:
        """The per-item slider: every tile at ``level``, per-tile reveals undone."""
        level = Level(level)
        if self._item_id is None or self._withheld or level == self._level:
            self._sync_slider()
            return
        self._level = level
        for tile in self._tiles:
            tile.override = None
        self._sync_slider()
        self.level_changed.emit(int(level))
        self._apply_all()

    def step_level(self, delta: int) -> None:
        self.set_level(Level(min(Level.CLEAR, max(Level.OPAQUE, self._level + delta))))

    def level(self) -> Level:
        return self._level

    def colour(self) -> bool:
        return self._colour

    def revealed_media(self) -> list[int]:
        """Media ids shown at PEEK or CLEAR right now."""
        return [t.media_id for t in self._tiles if t.shown_level in EXPOSURE_MODES]

    def tiles(self) -> list[MediaTile]:
        return list(self._tiles)

    # -- keys -----------------------------------------------------------------
    # The window may bind these as actions instead; a shortcut takes the key
    # before it gets here, so the two never both fire.

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, modifiers = event.key(), event.modifiers()
        shift = modifiers & Qt.KeyboardModifier.ShiftModifier
        others = modifiers & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier
        if others != Qt.KeyboardModifier.NoModifier:
            super().keyPressEvent(event)
        elif key == Qt.Key.Key_R and shift:
            self.reveal_all()
        elif key == Qt.Key.Key_R:
            self.toggle_reveal()
        elif key == Qt.Key.Key_C and not shift:
            self.toggle_colour()
        elif key == Qt.Key.Key_Space and not shift:
            if not event.isAutoRepeat():
                self.hold_reveal(True)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.hold_reveal(False)
        else:
            super().keyReleaseEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        # A Space released in another window never reaches us: let go on leaving.
        if event.type() == QEvent.Type.ActivationChange and not self.isActiveWindow():
            self._release_hold()
        super().changeEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._release_hold()
        super().hideEvent(event)

    # -- slots ----------------------------------------------------------------

    @Slot(int)
    def _on_level_slider_value_changed(self, value: int) -> None:
        self.set_level(Level(value))

    @Slot(int, int)
    def _on_tile_image_wanted(self, media_id: int, level: int) -> None:
        if self._item_id is not None and not self._withheld:
            self.image_wanted.emit(self._item_id, media_id, level)

    @Slot(int, str)
    def _on_tile_exposure_started(self, media_id: int, mode: str) -> None:
        if self._item_id is not None:
            self.exposure_started.emit(self._item_id, media_id, mode)

    @Slot(int, str, object, float)
    def _on_tile_exposure_ended(self, media_id: int, mode: str, started_at: object, seconds: float) -> None:
        if self._item_id is not None:
            self.exposure_ended.emit(self._item_id, media_id, mode, started_at, seconds)

    @Slot(int)
    def _on_tile_reveal_requested(self, media_id: int) -> None:
        tile = self._tile(media_id)
        if tile is None or self._withheld:
            return
        tile.lift_screen()
        tile.override = Level.CLEAR
        self._apply(tile)

    @Slot(int)
    def _on_tile_play_requested(self, media_id: int) -> None:
        if self._item_id is not None and not self._withheld:
            self.play_requested.emit(self._item_id, media_id)

    # -- helpers --------------------------------------------------------------

    def _start_level(self) -> Level:
        # S3 previews are stored at the strong blur, so that is where S3 items start
        # (behind the warning screen, when it is on).
        return Level.STRONG if self._severity >= 3 else Level.DEFAULT

    def _screened_item(self) -> bool:
        return self._severity >= 3 and self._prefs.s3_warning_screen and not self._withheld

    def _blurred_override(self) -> Level | None:
        """What "blurred again" means for a tile: the slider's level, unless the slider is at CLEAR."""
        return None if self._level < Level.CLEAR else self._start_level()

    def _wanted(self, tile: MediaTile) -> Level:
        if tile.held:
            return Level.CLEAR
        return self._level if tile.override is None else tile.override

    def _apply(self, tile: MediaTile) -> None:
        if not self._withheld and self._item_id is not None:
            tile.want(self._wanted(tile), colour=self._colour)

    def _apply_all(self) -> None:
        for tile in self._tiles:
            self._apply(tile)

    def _release_hold(self) -> None:
        tile, self._held = self._held, None
        if tile is not None:
            tile.held = False
            self._apply(tile)

    def _picture_tiles(self) -> list[MediaTile]:
        if self._withheld:
            return []
        return [t for t in self._tiles if t.is_picture]

    def _current_tile(self) -> MediaTile | None:
        """The picture tile under the mouse, else the one with keyboard focus, else the first."""
        tiles = self._picture_tiles()
        for tile in tiles:
            if tile.underMouse():
                return tile
        focus = QApplication.focusWidget()
        if focus is not None:
            for tile in tiles:
                if focus is tile or tile.isAncestorOf(focus):
                    return tile
        return tiles[0] if tiles else None

    def _tile(self, media_id: int) -> MediaTile | None:
        return next((t for t in self._tiles if t.media_id == media_id), None)

    def _sync_slider(self) -> None:
        blocked = self.level_slider.blockSignals(True)
        self.level_slider.setValue(int(self._level))
        self.level_slider.blockSignals(blocked)
        active = self._item_id is not None and not self._withheld
        self.level_slider.setEnabled(active)
        # Nothing to blur or reveal: no level to name, no keys to offer.
        colour = " · colour" if self._colour else ""
        self.level_label.setText(f"{LEVEL_NAMES[self._level]}{colour}" if active else "")
        self._keys.setVisible(active)

    def _show_notice(self, text: str) -> None:
        self._notice.setText(text)
        self._notice.show()

    def _lay_out(self) -> None:
        self._notice.hide()
        columns = _columns(len(self._tiles))
        for column in range(3):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        for index, tile in enumerate(self._tiles):
            self._grid.addWidget(tile, index // columns, index % columns)

    def _teardown(self) -> None:
        """End every reveal (reporting it) and drop every picture, then the tiles."""
        self._held = None
        for tile in self._tiles:
            tile.release()
        for tile in self._tiles:
            self._grid.removeWidget(tile)
            tile.hide()
            tile.deleteLater()
        self._tiles = []


def _is_file(medium: Medium, previews: Mapping[int, QImage]) -> bool:
    return medium.media_type in NON_VISUAL and medium.id not in previews


def _columns(count: int) -> int:
    if count <= 1:
        return 1
    if count in (2, 4):
        return 2
    return 3


def _strip_prefix(error: str) -> str:
    """The core writes "preview unavailable: reason"; the tile says that itself."""
    prefix = "preview unavailable:"
    return error[len(prefix) :].strip() if error.lower().startswith(prefix) else error


def _file_name(uri: str) -> str:
    parts = urlsplit(uri)
    name = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) if parts.path else ""
    return name or uri


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def _caption(medium: Medium) -> str:
    size = f"{medium.width}\N{MULTIPLICATION SIGN}{medium.height}" if medium.width and medium.height else None
    if medium.media_type == "video":
        parts = ["Video"]
        if medium.duration_s is not None:
            parts.append(_duration(medium.duration_s))
        if size:
            parts.append(size)
        if medium.codec:
            parts.append(medium.codec)
        return " · ".join(parts)
    if medium.media_type == "animation" or (medium.frames or 1) > 1:
        frames = f"{medium.frames} frames" if medium.frames else "frames unknown"
        return " · ".join(p for p in ("Animated image", frames, size) if p)
    return size or ""
