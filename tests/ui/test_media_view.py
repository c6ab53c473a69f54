"""The media grid with real widgets and real pictures, offscreen.

The pictures are drawn here: text, sharp edges, a face-like pattern and two
saturated patches, so that what the screen shows can be measured for detail
(a blur takes it away) and for colour (greyscale takes it away). Their
blurred previews are made by the same code that makes them at ingest.
"""

from __future__ import annotations

import gc
import weakref
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.core.media.previews import make_preview
from desktop.domain.review import MediaInfo
from desktop.ui.media_view import WITHHELD_TEXT, Level, MediaGrid, MediaTile, ViewPrefs, _KeyHints

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from numpy.typing import NDArray
    from pytestqt.qtbot import QtBot

WARNING = "Extreme gore (NSFL) — marked 21+"
ITEM, OTHER = 7, 8


# -- pictures ---------------------------------------------------------------


def detailed_picture(width: int = 960, height: int = 640) -> Image.Image:
    """Text, a checkerboard, thin lines, a face and two strong colours."""
    image = Image.new("RGB", (width, height), (200, 196, 188))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=34)
    for row in range(5):
        draw.text((20, 16 + row * 44), f"Line {row}: SHARP TEXT 0123456789 wxyz", fill=(10, 10, 10), font=font)
    cell = 12
    for y in range(260, 620, cell):
        for x in range(20, 380, cell):
            if (x // cell + y // cell) % 2:
                draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=(0, 0, 0))
    for x in range(400, 560, 6):
        draw.line((x, 260, x, 620), fill=(20, 20, 20), width=2)
    # A face: head, eyes, pupils, nose, mouth.
    draw.ellipse((600, 250, 800, 480), fill=(225, 180, 150), outline=(0, 0, 0), width=4)
    draw.ellipse((640, 320, 685, 350), fill=(255, 255, 255), outline=(0, 0, 0), width=3)
    draw.ellipse((715, 320, 760, 350), fill=(255, 255, 255), outline=(0, 0, 0), width=3)
    draw.ellipse((655, 327, 670, 343), fill=(0, 0, 0))
    draw.ellipse((730, 327, 745, 343), fill=(0, 0, 0))
    draw.line((700, 355, 690, 405, 710, 405), fill=(0, 0, 0), width=3)
    draw.arc((650, 400, 750, 450), 20, 160, fill=(120, 0, 0), width=5)
    draw.rectangle((820, 260, 940, 430), fill=(220, 20, 20))
    draw.rectangle((820, 450, 940, 620), fill=(20, 200, 40))
    return image


def to_qimage(image: Image.Image) -> QImage:
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    return QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()


def pixels(image: QImage) -> NDArray[np.uint8]:
    """An (h, w, 3) array of the picture's RGB values."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    flat = np.frombuffer(bytes(rgb.constBits()), dtype=np.uint8, count=stride * height)
    return flat.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def grey(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    luma: NDArray[np.float64] = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return luma


def detail(rgb: NDArray[np.uint8]) -> float:
    """High-frequency energy: the mean absolute Laplacian of the grey picture."""
    g = grey(rgb)
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(np.abs(lap).mean())


class Pictures:
    """One sharp test picture and its blurred previews, made as at ingest."""

    def __init__(self, folder: Path) -> None:
        self.original = detailed_picture()
        path = folder / "sharp.png"
        self.original.save(path)
        self.sharp = to_qimage(self.original)
        self.preview = QImage.fromData(make_preview(path).jpeg)
        self.strong = QImage.fromData(make_preview(path, strength="strong").jpeg)
        assert not self.preview.isNull() and not self.strong.isNull()


@pytest.fixture
def pictures(tmp_path: Path) -> Pictures:
    return Pictures(tmp_path)


@pytest.fixture
def grid(qtbot: QtBot) -> Iterator[MediaGrid]:
    widget = MediaGrid()
    qtbot.addWidget(widget)
    widget.resize(900, 640)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.clear()


def image_medium(media_id: int, *, error: str | None = None, frames: int = 1) -> MediaInfo:
    kind = "animation" if frames > 1 else "image"
    return MediaInfo(media_id, f"file:///feeds/{media_id}.png", kind, 4096, 960, 640, error is None, error, frames)


class Requests:
    """Every image_wanted the grid emits, as (item, media, level)."""

    def __init__(self, grid: MediaGrid) -> None:
        self.seen: list[tuple[int, int, Level]] = []
        grid.image_wanted.connect(self._on_image_wanted)

    def _on_image_wanted(self, item_id: int, media_id: int, level: int) -> None:
        self.seen.append((item_id, media_id, Level(level)))


class Exposures:
    def __init__(self, grid: MediaGrid) -> None:
        self.ended: list[tuple[int, int, str, object, float]] = []
        grid.exposure_ended.connect(self._on_exposure_ended)

    def _on_exposure_ended(self, item_id: int, media_id: int, mode: str, started_at: object, seconds: float) -> None:
        self.ended.append((item_id, media_id, mode, started_at, seconds))


def show_one(grid: MediaGrid, pictures: Pictures, *, item_id: int = ITEM, severity: int = 1) -> MediaTile:
    preview = pictures.strong if severity >= 3 else pictures.preview
    grid.show_item(
        item_id, [image_medium(1)], severity=severity, warning=WARNING if severity >= 3 else None, withheld=False,
        previews={1: preview},
    )  # fmt: skip
    (tile,) = grid.tiles()
    return tile


def on_screen(qtbot: QtBot, tile: MediaTile) -> NDArray[np.uint8]:
    """The tile's picture as painted, cropped to where the picture is drawn."""
    picture = tile.picture
    assert picture is not None
    qtbot.waitUntil(lambda: picture.isVisible() and picture.has_image())
    x, y, width, height = picture.image_rect()
    assert width > 100 and height > 100
    grabbed = picture.grab().toImage()
    ratio = grabbed.devicePixelRatio()
    return pixels(grabbed)[
        round(y * ratio) : round((y + height) * ratio), round(x * ratio) : round((x + width) * ratio)
    ]


def reference(image: Image.Image | QImage, size: tuple[int, int]) -> NDArray[np.uint8]:
    """``image`` scaled to ``size`` (width, height), as the tile would show it."""
    if isinstance(image, QImage):
        image = Image.fromarray(pixels(image))
    return np.asarray(image.convert("RGB").resize(size, Image.Resampling.LANCZOS), dtype=np.uint8)


def state(tile: MediaTile) -> tuple[Level, Level | None]:
    """The level a tile wants and the level of the picture it shows (None: no picture)."""
    return tile.level, tile.shown_level


def is_grey(rgb: NDArray[np.uint8]) -> bool:
    return bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())


# -- the blur on screen -----------------------------------------------------


def test_an_unrevealed_tile_shows_no_more_detail_than_the_blurred_preview(
    qtbot: QtBot, grid: MediaGrid, pictures: Pictures
) -> None:
    tile = show_one(grid, pictures)
    blurred = on_screen(qtbot, tile)
    size = (blurred.shape[1], blurred.shape[0])
    sharp_detail = detail(reference(pictures.original, size))
    preview_detail = detail(reference(pictures.preview, size))
    assert preview_detail < sharp_detail / 20  # the preview itself is blurred: the measure can tell
    assert detail(blurred) < sharp_detail / 20
    assert detail(blurred) < preview_detail * 1.5
    assert is_grey(blurred)
    assert tile.shown_level == Level.DEFAULT
    assert grid.revealed_media() == []

    grid.toggle_reveal()
    grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)
    revealed = on_screen(qtbot, tile)
    assert revealed.shape == blurred.shape
    assert detail(revealed) > sharp_detail / 2
    assert is_grey(revealed)  # a reveal is clear, not colour
    assert grid.revealed_media() == [1]

    grid.show_item(OTHER, [image_medium(2)], severity=1, warning=None, withheld=False, previews={2: pictures.preview})
    tile = show_one(grid, pictures)
    again = on_screen(qtbot, tile)
    assert detail(again) < preview_detail * 1.5
    assert is_grey(again)
    assert tile.shown_level == Level.DEFAULT
    assert grid.revealed_media() == []


def test_clear_leaves_no_picture_and_no_unblurred_image_behind(
    qtbot: QtBot, grid: MediaGrid, pictures: Pictures
) -> None:
    tile = show_one(grid, pictures)
    sharp = to_qimage(pictures.original)
    alive = weakref.ref(sharp)
    grid.toggle_reveal()
    grid.set_image(ITEM, 1, Level.CLEAR, sharp)
    assert tile.shown_level == Level.CLEAR
    picture = tile.picture
    assert picture is not None
    del sharp

    grid.clear()
    gc.collect()
    assert alive() is None  # nothing in the grid holds the unblurred picture any more
    assert grid.tiles() == []
    assert grid.revealed_media() == []
    assert not picture.has_image()

    tile = show_one(grid, pictures)
    assert detail(on_screen(qtbot, tile)) < detail(reference(pictures.original, (300, 200))) / 5


def test_greyscale_by_default_colour_on_c_and_a_reveal_stays_grey(
    qtbot: QtBot, grid: MediaGrid, pictures: Pictures
) -> None:
    tile = show_one(grid, pictures)
    assert is_grey(on_screen(qtbot, tile))

    grid.toggle_colour()
    coloured = on_screen(qtbot, tile)
    assert not is_grey(coloured)
    red = coloured[..., 0].astype(int) - coloured[..., 1].astype(int)
    assert red.max() > 60  # the red patch shows red, even blurred

    grid.toggle_colour()
    grid.toggle_reveal()
    grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)
    assert is_grey(on_screen(qtbot, tile))

    # Colour is per item: the next item opens in greyscale again.
    grid.toggle_colour()
    assert not is_grey(on_screen(qtbot, tile))
    tile = show_one(grid, pictures, item_id=OTHER)
    assert is_grey(on_screen(qtbot, tile))


def test_colour_by_default_when_the_reviewer_prefers_it(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    grid.set_prefs(ViewPrefs(greyscale=False))
    tile = show_one(grid, pictures)
    assert not is_grey(on_screen(qtbot, tile))
    grid.toggle_colour()
    assert is_grey(on_screen(qtbot, tile))


# -- withheld media ---------------------------------------------------------


def test_withheld_media_are_never_asked_for_or_shown(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    requests = Requests(grid)
    exposures = Exposures(grid)
    video = MediaInfo(2, "file:///feeds/2.mp4", "video", 9000, 1280, 720, True, None, None, 12.0, "h264")
    grid.show_item(
        ITEM, [image_medium(1), video], severity=3, warning=WARNING, withheld=True,
        previews={1: pictures.preview, 2: pictures.preview},
    )  # fmt: skip
    tiles = grid.tiles()
    assert len(tiles) == 2
    qtbot.waitUntil(lambda: all(t.placeholder is not None and t.placeholder.isVisible() for t in tiles))

    def nothing_shown() -> None:
        for tile in tiles:
            assert tile.picture is None  # no place to draw a picture at all
            assert tile.shown_level is None
            assert tile.play_button is None and tile.reveal_button is None
            assert tile.placeholder is not None and tile.placeholder.text() == WITHHELD_TEXT
            # The whole tile is its dark notice: no region carries a picture's detail.
            assert detail(pixels(tile.grab().toImage())) < 3
        assert grid.revealed_media() == []

    nothing_shown()
    assert not grid.level_slider.isEnabled()
    tiles[0].setFocus()
    for action in (
        grid.toggle_reveal,
        grid.reveal_all,
        grid.toggle_colour,
        lambda: grid.hold_reveal(True),
        lambda: grid.hold_reveal(False),
        lambda: grid.set_level(Level.CLEAR),
        lambda: grid.set_level(Level.PEEK),
        lambda: grid.step_level(+2),
        lambda: grid.level_slider.setValue(Level.CLEAR),
        lambda: QTest.keyClick(grid, Qt.Key.Key_R),
        lambda: QTest.keyClick(grid, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier),
        lambda: QTest.keyPress(grid, Qt.Key.Key_Space),
        lambda: QTest.keyRelease(grid, Qt.Key.Key_Space),
        # A controller that answers anyway is not listened to.
        lambda: grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp),
        lambda: grid.set_image(ITEM, 2, Level.DEFAULT, pictures.preview),
    ):
        action()
        nothing_shown()
    assert requests.seen == []
    assert exposures.ended == []

    grid.set_prefs(ViewPrefs(greyscale=False, s3_warning_screen=False))  # rebuilt: still withheld
    tiles = grid.tiles()
    nothing_shown()
    assert requests.seen == []


def test_a_withheld_item_without_media_rows_still_says_why(grid: MediaGrid) -> None:
    grid.show_item(ITEM, [], severity=0, warning=None, withheld=True, previews={})
    assert grid.tiles() == []
    assert grid._notice.text() == WITHHELD_TEXT
    assert grid._notice.isVisible()


# -- severity 3 ---------------------------------------------------------------


def test_severity_3_opens_behind_a_warning_screen(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    requests = Requests(grid)
    tile = show_one(grid, pictures, severity=3)
    assert tile.warning_screen is not None and tile.warning_label is not None and tile.reveal_button is not None
    qtbot.waitUntil(tile.warning_screen.isVisible)
    assert tile.warning_label.text() == WARNING
    assert tile.warning_label.isVisible()
    assert tile.picture is not None and not tile.picture.isVisible() and not tile.picture.has_image()
    assert tile.shown_level is None

    grid.hold_reveal(True)
    assert "press R" in tile.status.text()
    grid.hold_reveal(False)
    grid.set_level(Level.CLEAR)  # the slider is not an explicit reveal of a screened picture
    grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)  # nor is a controller's unasked answer
    assert tile.warning_screen.isVisible()
    assert tile.shown_level is None
    assert requests.seen == []

    grid.set_level(Level.STRONG)
    QTest.mouseClick(tile.reveal_button, Qt.MouseButton.LeftButton)
    assert requests.seen == [(ITEM, 1, Level.CLEAR)]
    assert not tile.warning_screen.isVisible()
    # While the clear picture is on its way, the strong blur the tile has is shown.
    assert state(tile) == (Level.CLEAR, Level.STRONG)
    grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)
    assert state(tile) == (Level.CLEAR, Level.CLEAR)
    assert detail(on_screen(qtbot, tile)) > 10

    grid.toggle_reveal()  # back to blurred: the strong blur, the screen was lifted by choice
    assert tile.shown_level == Level.STRONG


def test_severity_3_reveal_by_key(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    requests = Requests(grid)
    tile = show_one(grid, pictures, severity=3)
    QTest.keyClick(grid, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    assert requests.seen == [(ITEM, 1, Level.CLEAR)]
    assert tile.warning_screen is not None and not tile.warning_screen.isVisible()


def test_severity_3_without_the_warning_screen_starts_at_the_strong_blur(
    qtbot: QtBot, grid: MediaGrid, pictures: Pictures
) -> None:
    requests = Requests(grid)
    levels: list[int] = []
    grid.level_changed.connect(levels.append)
    grid.set_prefs(ViewPrefs(s3_warning_screen=False))
    tile = show_one(grid, pictures, severity=3)
    assert tile.warning_screen is None
    assert tile.shown_level == Level.STRONG
    assert levels == [Level.STRONG]
    assert requests.seen == []  # the stored preview is the strong one
    shown = grey(on_screen(qtbot, tile))
    size = (shown.shape[1], shown.shape[0])
    # At this blur the detail measure is all rounding noise; the pixels tell the two blurs apart.
    off_strong = np.abs(shown - grey(reference(pictures.strong, size))).mean()
    off_default = np.abs(shown - grey(reference(pictures.preview, size))).mean()
    assert off_strong < 3 < off_default


# -- levels ---------------------------------------------------------------------


def test_a_level_is_asked_for_once_and_late_answers_are_dropped(
    qtbot: QtBot, grid: MediaGrid, pictures: Pictures
) -> None:
    requests = Requests(grid)
    levels: list[int] = []
    grid.level_changed.connect(levels.append)
    tile = show_one(grid, pictures)
    grid.set_level(Level.PEEK)
    grid.set_level(Level.PEEK)
    grid.toggle_colour()  # the tile is shown anew, the peek still on its way
    grid.set_level(Level.DEFAULT)
    grid.set_level(Level.PEEK)
    grid.toggle_colour()
    assert requests.seen == [(ITEM, 1, Level.PEEK)]
    assert levels == [Level.DEFAULT, Level.PEEK, Level.DEFAULT, Level.PEEK]
    assert grid.level_slider.value() == Level.PEEK
    # Until the peek arrives, the stronger blur stays.
    assert tile.level == Level.PEEK and tile.shown_level == Level.DEFAULT
    assert tile.status.text() == "Loading the peek picture…"

    show_one(grid, pictures, item_id=OTHER)
    grid.set_image(ITEM, 1, Level.PEEK, pictures.sharp)  # for the item that has gone
    (tile,) = grid.tiles()
    assert tile.shown_level == Level.DEFAULT
    assert grid.revealed_media() == []


def test_an_answer_for_a_level_no_longer_wanted_is_dropped(grid: MediaGrid, pictures: Pictures) -> None:
    requests = Requests(grid)
    tile = show_one(grid, pictures)
    grid.toggle_reveal()
    grid.toggle_reveal()
    assert tile.level == Level.DEFAULT
    grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)
    assert tile.shown_level == Level.DEFAULT
    grid.toggle_reveal()  # asked again, since the first answer was thrown away
    assert requests.seen == [(ITEM, 1, Level.CLEAR), (ITEM, 1, Level.CLEAR)]


def test_a_stronger_level_never_shows_the_weaker_blur_while_waiting(
    qtbot: QtBot, grid: MediaGrid, pictures: Pictures
) -> None:
    requests = Requests(grid)
    tile = show_one(grid, pictures)
    grid.set_level(Level.OPAQUE)
    assert requests.seen == [(ITEM, 1, Level.OPAQUE)]
    assert tile.shown_level is None
    assert tile.placeholder is not None
    qtbot.waitUntil(tile.placeholder.isVisible)
    assert tile.picture is not None and not tile.picture.has_image()

    opaque = to_qimage(pictures.original.resize((6, 4), Image.Resampling.BOX).resize((960, 640)))
    grid.set_image(ITEM, 1, Level.OPAQUE, opaque)
    assert state(tile) == (Level.OPAQUE, Level.OPAQUE)
    grid.step_level(+1)  # the opaque picture is shown until the strong one comes
    assert state(tile) == (Level.STRONG, Level.OPAQUE)
    grid.step_level(+1)  # back to the stored preview
    assert state(tile) == (Level.DEFAULT, Level.DEFAULT)
    assert requests.seen == [(ITEM, 1, Level.OPAQUE), (ITEM, 1, Level.STRONG)]


def test_a_failed_picture_says_why_and_keeps_the_blur(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    requests = Requests(grid)
    tile = show_one(grid, pictures)
    grid.toggle_reveal()
    grid.set_image_error(ITEM, 1, Level.CLEAR, "the original is no longer on disk")
    assert tile.shown_level == Level.DEFAULT
    assert tile.status.text() == "Clear picture unavailable: the original is no longer on disk"
    grid.toggle_reveal()
    grid.toggle_reveal()
    assert requests.seen == [(ITEM, 1, Level.CLEAR), (ITEM, 1, Level.CLEAR)]


# -- reveal -------------------------------------------------------------------------


def test_hold_reveals_while_held(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    requests = Requests(grid)
    tile = show_one(grid, pictures)
    QTest.keyPress(grid, Qt.Key.Key_Space)
    assert requests.seen == [(ITEM, 1, Level.CLEAR)]
    grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)
    assert grid.revealed_media() == [1]
    QTest.keyRelease(grid, Qt.Key.Key_Space)
    assert tile.shown_level == Level.DEFAULT
    assert grid.revealed_media() == []


def test_the_current_tile_is_the_focused_one_else_the_first(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    requests = Requests(grid)
    media = [image_medium(1), image_medium(2), image_medium(3)]
    grid.show_item(
        ITEM, media, severity=1, warning=None, withheld=False, previews={m.id: pictures.preview for m in media}
    )
    first, _second, third = grid.tiles()
    grid.toggle_reveal()
    assert requests.seen == [(ITEM, 1, Level.CLEAR)]
    assert (first.level, third.level) == (Level.CLEAR, Level.DEFAULT)

    grid.activateWindow()
    third.setFocus()
    qtbot.waitUntil(third.hasFocus)
    QTest.keyClick(third, Qt.Key.Key_R)  # the key goes up from the tile to the grid
    assert requests.seen[-1] == (ITEM, 3, Level.CLEAR)
    assert state(third) == (Level.CLEAR, Level.DEFAULT)


def test_reveal_all_and_back(grid: MediaGrid, pictures: Pictures) -> None:
    media = [image_medium(1), image_medium(2)]
    grid.show_item(
        ITEM, media, severity=1, warning=None, withheld=False, previews={m.id: pictures.preview for m in media}
    )
    grid.reveal_all()
    assert [t.level for t in grid.tiles()] == [Level.CLEAR, Level.CLEAR]
    for medium in media:
        grid.set_image(ITEM, medium.id, Level.CLEAR, pictures.sharp)
    assert grid.revealed_media() == [1, 2]
    grid.reveal_all()
    assert [t.shown_level for t in grid.tiles()] == [Level.DEFAULT, Level.DEFAULT]
    assert grid.revealed_media() == []


# -- exposure -------------------------------------------------------------------------


def test_a_reveal_is_reported_when_the_reviewer_moves_on(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    exposures = Exposures(grid)
    show_one(grid, pictures)
    grid.toggle_reveal()
    assert exposures.ended == []
    with qtbot.waitSignal(grid.exposure_started) as started:
        grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)
    assert started.args == [ITEM, 1, "reveal"]
    assert exposures.ended == []

    show_one(grid, pictures, item_id=OTHER)
    assert len(exposures.ended) == 1
    item_id, media_id, mode, started_at, seconds = exposures.ended[0]
    assert (item_id, media_id, mode) == (ITEM, 1, "reveal")
    assert isinstance(started_at, datetime) and started_at.utcoffset() == timedelta(0)
    assert seconds >= 0


def test_a_peek_is_reported_as_a_peek(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    exposures = Exposures(grid)
    show_one(grid, pictures)
    grid.set_level(Level.PEEK)
    peek = to_qimage(pictures.original.resize((480, 320)))
    with qtbot.waitSignal(grid.exposure_started):
        grid.set_image(ITEM, 1, Level.PEEK, peek)
    grid.set_level(Level.DEFAULT)
    assert [(e[1], e[2]) for e in exposures.ended] == [(1, "peek")]


def test_an_asked_for_picture_not_yet_painted_is_no_exposure(grid: MediaGrid, pictures: Pictures) -> None:
    exposures = Exposures(grid)
    show_one(grid, pictures)
    grid.toggle_reveal()
    grid.toggle_reveal()  # the picture never came
    grid.clear()
    assert exposures.ended == []


# -- kinds of media ---------------------------------------------------------------------


def test_video_animation_audio_and_missing_previews(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    requests = Requests(grid)
    video = MediaInfo(1, "file:///feeds/clip.mp4", "video", 9000, 1920, 1080, True, None, None, 65.0, "h264")
    animation = image_medium(2, frames=24)
    audio = MediaInfo(3, "file:///feeds/voice%20note.ogg", "voice", 100, None, None, False, None)
    broken = image_medium(4, error="preview unavailable: refused as a decompression bomb")
    pending = MediaInfo(5, "file:///feeds/5.jpg", "image", 10, None, None, False, None)
    grid.show_item(
        ITEM, [video, animation, audio, broken, pending], severity=1, warning=None, withheld=False,
        previews={1: pictures.preview, 2: pictures.preview},
    )  # fmt: skip
    tiles = grid.tiles()
    assert [t.media_id for t in tiles] == [1, 2, 3, 4, 5]
    qtbot.waitUntil(lambda: all(t.isVisible() for t in tiles))

    assert tiles[0].caption.text() == "Video · 1:05 · 1920×1080 · h264"
    assert tiles[0].play_button is not None
    with qtbot.waitSignal(grid.play_requested) as played:
        QTest.mouseClick(tiles[0].play_button, Qt.MouseButton.LeftButton)
    assert played.args == [ITEM, 1]
    assert tiles[0].shown_level == Level.DEFAULT

    assert "24 frames" in tiles[1].caption.text()
    assert tiles[2].picture is None
    assert tiles[2].placeholder is not None and tiles[2].placeholder.text() == "voice note.ogg\nvoice"
    assert tiles[3].placeholder is not None
    assert tiles[3].placeholder.text() == "Preview unavailable: refused as a decompression bomb"
    assert tiles[4].placeholder is not None and tiles[4].placeholder.text() == "No preview yet"
    # The stored preview is the controller's to hand over; a tile without one does not ask for it.
    assert requests.seen == []


def test_video_play_waits_behind_the_warning_screen(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    video = MediaInfo(1, "file:///feeds/clip.mp4", "video", 9000, 1920, 1080, True, None, None, 5.0, "vp9")
    grid.show_item(ITEM, [video], severity=3, warning=WARNING, withheld=False, previews={1: pictures.strong})
    (tile,) = grid.tiles()
    assert tile.play_button is not None and tile.reveal_button is not None
    qtbot.waitUntil(tile.reveal_button.isVisible)
    assert not tile.play_button.isVisible()
    QTest.mouseClick(tile.reveal_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(tile.play_button.isVisible)


def test_the_tile_under_the_mouse_comes_before_the_focused_one(
    qtbot: QtBot, grid: MediaGrid, pictures: Pictures
) -> None:
    requests = Requests(grid)
    media = [image_medium(1), image_medium(2)]
    grid.show_item(
        ITEM, media, severity=1, warning=None, withheld=False, previews={m.id: pictures.preview for m in media}
    )
    first, second = grid.tiles()
    grid.activateWindow()
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    QTest.mouseMove(second, second.rect().center())
    qtbot.waitUntil(second.underMouse)
    grid.hold_reveal(True)
    assert requests.seen == [(ITEM, 2, Level.CLEAR)]
    QTest.mouseMove(first, first.rect().center())  # the hold stays with the tile it began on
    grid.hold_reveal(False)
    assert state(second) == (Level.DEFAULT, Level.DEFAULT)


def test_a_hold_lets_go_when_the_grid_is_hidden(qtbot: QtBot, pictures: Pictures) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    grid = MediaGrid(parent=window)
    QVBoxLayout(window).addWidget(grid)
    window.resize(900, 640)
    window.show()
    qtbot.waitExposed(window)
    exposures = Exposures(grid)
    tile = show_one(grid, pictures)
    grid.hold_reveal(True)
    with qtbot.waitSignal(grid.exposure_started):
        grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)
    grid.hide()  # another page of the window: the Space release goes to that page
    assert state(tile) == (Level.DEFAULT, Level.DEFAULT)
    assert [(e[1], e[2]) for e in exposures.ended] == [(1, "reveal")]
    grid.clear()


def test_a_hold_lets_go_when_another_window_is_activated(qtbot: QtBot, grid: MediaGrid, pictures: Pictures) -> None:
    tile = show_one(grid, pictures)
    grid.activateWindow()
    qtbot.waitActive(grid)
    grid.hold_reveal(True)
    grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitActive(other)
    qtbot.waitUntil(lambda: state(tile) == (Level.DEFAULT, Level.DEFAULT))


def test_turning_the_warning_screen_on_covers_a_revealed_item(
    qtbot: QtBot, grid: MediaGrid, pictures: Pictures
) -> None:
    exposures = Exposures(grid)
    grid.set_prefs(ViewPrefs(s3_warning_screen=False))
    show_one(grid, pictures, severity=3)
    grid.toggle_reveal()
    with qtbot.waitSignal(grid.exposure_started):
        grid.set_image(ITEM, 1, Level.CLEAR, pictures.sharp)
    grid.set_prefs(ViewPrefs(s3_warning_screen=True))
    (tile,) = grid.tiles()
    assert tile.warning_screen is not None
    qtbot.waitUntil(tile.warning_screen.isVisible)
    assert tile.shown_level is None
    assert grid.revealed_media() == []
    assert len(exposures.ended) == 1


@pytest.mark.parametrize("width", [600, 330, 200, 120, 20])
def test_the_key_reminder_drops_whole_hints_when_narrow(qtbot: QtBot, width: int) -> None:
    hints = _KeyHints()
    qtbot.addWidget(hints)
    hints.resize(width, 20)
    hints.show()
    qtbot.waitExposed(hints)
    assert hints.text() in _KeyHints.WORDINGS
    assert hints.fontMetrics().horizontalAdvance(hints.text()) <= width
    longer = _KeyHints.WORDINGS[: _KeyHints.WORDINGS.index(hints.text())]
    assert all(hints.fontMetrics().horizontalAdvance(text) > width for text in longer)
