"""The video player with real widgets, offscreen, on real videos made in the test."""

from __future__ import annotations

import gc
import sys
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from PIL import Image, ImageChops, ImageStat
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QSlider

from desktop.ui.video_player import VideoPlayer
from tests.unit.test_playback import FRAMES, edge_energy, make_clip, slate

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from tests.conftest import FakeClock

WAIT_MS = 10_000
# The first frame as the player scales it (320x240 is under its long edge), unblurred.
SHARP = Image.fromarray(slate(0))


def workers() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name == "veil-video"]


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    # With sound: the player must play it muted without ever decoding it.
    return make_clip(tmp_path / "clip.mp4", audio=True)


@pytest.fixture
def player(qtbot: QtBot, clock: FakeClock) -> Iterator[VideoPlayer]:
    widget = VideoPlayer(clock=clock)
    qtbot.addWidget(widget)
    widget.resize(640, 420)
    widget.show()
    yield widget
    widget.stop()
    assert not workers()


def on_screen(player: VideoPlayer) -> Image.Image:
    """The frame the player is painting, as RGB."""
    image = player.picture.image()
    assert image is not None, "the screen is blank"
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return Image.frombuffer(
        "RGB", (rgb.width(), rgb.height()), bytes(rgb.constBits()), "raw", "RGB", rgb.bytesPerLine()
    )


def is_grey(image: Image.Image) -> bool:
    red, green, blue = image.split()
    return ImageChops.difference(red, green).getbbox() is None and ImageChops.difference(green, blue).getbbox() is None


def is_blurred(image: Image.Image) -> bool:
    """Blurred at least as much as "default" (about 1/1500 of the edges left; "peek" leaves 1/200)."""
    return edge_energy(image) < edge_energy(SHARP) / 500


def load(qtbot: QtBot, player: VideoPlayer, path: Path, *, level: str = "default", greyscale: bool = True) -> None:
    with qtbot.waitSignal(player.frame_shown, timeout=WAIT_MS) as shown:
        player.load(path, level=level, greyscale=greyscale)
    assert shown.args == [0.0]


def test_first_frame_is_blurred_grey_and_still(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip)

    image = on_screen(player)
    assert image.size == SHARP.size
    assert is_grey(image)
    assert is_blurred(image)
    # No autoplay: the player waits on its first frame. Absence can only be
    # shown over a span of time; half a second is five frames at this clip's rate.
    with qtbot.assertNotEmitted(player.frame_shown, wait=500), qtbot.assertNotEmitted(player.position_changed):
        pass
    assert player.position() == 0.0
    assert not player.is_playing()
    assert player.duration() == pytest.approx(3.0, abs=0.15)
    assert player.time_label.text() == "0:00 / 0:03"


def test_plays_at_one_and_a_half_times(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip)
    assert player.speed() == 1.5
    assert player.speed_label.text() == "1.5×"

    start = time.monotonic()
    with qtbot.waitSignal(player.playing_changed, timeout=WAIT_MS) as started:
        player.play()
    qtbot.waitUntil(lambda: player.position() >= 2.0, timeout=WAIT_MS)
    elapsed = time.monotonic() - start

    assert started.args == [True]
    # At 1x the frame at 2 s cannot be shown before 2 s have passed.
    assert elapsed < player.position()
    image = on_screen(player)
    assert is_grey(image) and is_blurred(image)


def test_plays_to_the_end_then_play_starts_again(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip)
    player.set_speed(4.0)

    with qtbot.waitSignal(player.playing_changed, timeout=WAIT_MS, check_params_cb=lambda playing: not playing):
        player.play()

    assert player.position() == pytest.approx((FRAMES - 1) / 10, abs=0.01)
    with qtbot.waitSignal(player.frame_shown, timeout=WAIT_MS, check_params_cb=lambda seconds: seconds < 1.0):
        player.play()
    assert player.is_playing()


def test_playing_leaves_the_count_of_true_alone(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    # PySide6 6.12's SignalInstance.emit() drops a reference to True on every
    # call (see video_player._emit); at a few signals per frame, Python 3.11
    # would abort within minutes of playing.
    load(qtbot, player, clip)
    player.set_speed(4.0)
    shown: list[float] = []
    player.frame_shown.connect(shown.append)

    gc.collect()
    before = sys.getrefcount(True)
    with qtbot.waitSignal(player.playing_changed, timeout=WAIT_MS, check_params_cb=lambda playing: not playing):
        player.play()
    gc.collect()
    after = sys.getrefcount(True)

    # Each frame shown is two emits (position, frame), so the leak would cost
    # at least twice len(shown). Other objects that held True and were freed
    # while playing account for a few more or less (12 seen on a CI machine),
    # hence a bound of one per frame rather than a handful.
    assert len(shown) > 20
    assert before - after < len(shown)


def test_jump_stays_within_the_video(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip)
    assert player.jump_seconds == 5.0

    player.jump(player.jump_seconds)
    assert player.time_label.text() == "0:03 / 0:03"  # at once, before the frame there is decoded
    assert player.slider.value() == player.slider.maximum()
    qtbot.waitUntil(lambda: player.position() > 2.8, timeout=WAIT_MS)
    duration = player.duration()
    assert duration is not None and player.position() <= duration
    assert not player.is_playing()  # a jump while paused stays paused

    player.jump(-1.0)
    qtbot.waitUntil(lambda: player.position() == pytest.approx(1.9), timeout=WAIT_MS)
    player.jump(-player.jump_seconds)
    qtbot.waitUntil(lambda: player.position() == 0.0, timeout=WAIT_MS)
    assert is_blurred(on_screen(player))


def test_the_slider_seeks(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip)
    assert player.slider.isEnabled() and player.slider.maximum() == pytest.approx(3000, abs=150)

    with qtbot.waitSignal(player.frame_shown, timeout=WAIT_MS) as shown:
        player.slider.triggerAction(QSlider.SliderAction.SliderSingleStepAdd)
    assert shown.args == [pytest.approx(1.0)]
    with qtbot.waitSignal(player.frame_shown, timeout=WAIT_MS) as shown:
        player.slider.triggerAction(QSlider.SliderAction.SliderPageStepAdd)
    assert shown.args == [pytest.approx(2.9)]  # the last frame: a page is the 5 s jump
    assert not player.is_playing()


@pytest.mark.parametrize("end", ["stop", "load"])
def test_reveal_is_sharp_and_its_exposure_is_reported(
    qtbot: QtBot, player: VideoPlayer, clip: Path, clock: FakeClock, tmp_path: Path, end: str
) -> None:
    other = make_clip(tmp_path / "other.mp4")
    load(qtbot, player, clip)

    with qtbot.waitSignal(player.frame_shown, timeout=WAIT_MS):
        player.set_level("clear")
    image = on_screen(player)
    assert edge_energy(image) > edge_energy(SHARP) / 2  # what the encoder kept of the edges
    assert is_grey(image)  # still grey: only the blur was lifted

    with qtbot.waitSignal(player.exposure_ended, timeout=WAIT_MS) as ended:
        if end == "stop":
            player.stop()
        else:
            player.load(other)

    mode, started_at, seconds = ended.args
    assert mode == "reveal"
    assert isinstance(started_at, datetime) and started_at == clock.now
    assert seconds >= 0.0
    if end == "load":
        qtbot.waitUntil(lambda: player.picture.image() is not None, timeout=WAIT_MS)
        assert player.level() == "default"  # the next video starts blurred again
        assert is_blurred(on_screen(player))
    else:
        assert player.picture.image() is None
        assert not workers()


def test_peek_is_its_own_exposure(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip)
    with qtbot.waitSignal(player.frame_shown, timeout=WAIT_MS):
        player.set_level("peek")
    peeked = edge_energy(on_screen(player))
    assert edge_energy(SHARP) / 500 < peeked < edge_energy(SHARP) / 50  # lighter than "default", far from sharp

    with qtbot.waitSignal(player.exposure_ended, timeout=WAIT_MS) as ended:
        player.set_level("default")

    assert ended.args[0] == "peek"


def test_more_blur_blanks_the_screen_at_once(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip)
    with qtbot.waitSignal(player.frame_shown, timeout=WAIT_MS):
        player.set_level("clear")

    player.set_level("strong")
    # Before the event loop runs again: the sharp frame is already gone.
    assert player.picture.image() is None
    with qtbot.waitSignal(player.frame_shown, timeout=WAIT_MS):
        pass
    assert is_blurred(on_screen(player))

    with qtbot.waitSignal(player.frame_shown, timeout=WAIT_MS):
        player.set_greyscale(False)
    assert not is_grey(on_screen(player))
    player.set_greyscale(True)
    assert player.picture.image() is None


def test_no_sharp_frame_after_blur_is_asked_for_while_playing(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip, level="clear")
    assert not is_blurred(on_screen(player))
    seen: list[float] = []

    def record(_seconds: float) -> None:
        seen.append(edge_energy(on_screen(player)))

    player.play()
    qtbot.waitUntil(lambda: player.position() >= 0.5, timeout=WAIT_MS)
    # Frames rendered sharp are in flight now; none of them may reach the screen.
    player.set_level("default")
    player.frame_shown.connect(record)
    qtbot.waitUntil(lambda: len(seen) >= 8, timeout=WAIT_MS)
    player.frame_shown.disconnect(record)

    assert max(seen) < edge_energy(SHARP) / 500


def test_colour_when_asked(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip, greyscale=False)

    image = on_screen(player)
    red, green, _blue = ImageStat.Stat(image.crop((0, 0, image.width // 2, image.height))).mean
    assert red > green + 40  # the red squares, blurred pink
    assert is_blurred(image)


@pytest.mark.parametrize(
    ("content", "reason"),
    [("text", "not a video"), ("truncated", "damaged or truncated"), ("missing", "cannot read the file")],
)
def test_unplayable_file_says_why(
    qtbot: QtBot, player: VideoPlayer, clip: Path, tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "bad.mp4"
    if content == "text":
        path.write_text("Not a video, whatever the name says.\n" * 20, encoding="utf-8")
    elif content == "truncated":
        path.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])

    with qtbot.waitSignal(player.failed, timeout=WAIT_MS) as failed:
        player.load(path)

    assert reason in failed.args[0]
    assert player.picture.image() is None
    assert not workers()
    player.play()
    player.jump(5.0)
    assert not player.is_playing()  # nothing to play, and no crash


def test_stop_ends_the_thread_and_drops_the_frames(qtbot: QtBot, player: VideoPlayer, clip: Path) -> None:
    load(qtbot, player, clip)
    player.play()
    qtbot.waitUntil(lambda: player.position() > 0.5, timeout=WAIT_MS)

    player.stop()

    assert not workers()
    assert player.picture.image() is None
    assert not player.is_playing()
    assert player.position() == 0.0
    # A frame in flight when stop() came is dropped, not painted.
    with qtbot.assertNotEmitted(player.frame_shown, wait=300):
        pass


def test_a_deleted_player_ends_its_thread(qtbot: QtBot, clip: Path) -> None:
    widget = VideoPlayer()
    with qtbot.waitSignal(widget.frame_shown, timeout=WAIT_MS):
        widget.load(clip)
    assert workers()

    # As when the window holding it is deleted: no stop() first.
    widget.deleteLater()
    qtbot.waitUntil(lambda: not workers(), timeout=WAIT_MS)


def test_speed_and_the_mute_notice(player: VideoPlayer) -> None:
    player.set_speed(3.0)
    assert player.speed_label.text() == "3×"
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="speed"):
            player.set_speed(bad)
    assert player.speed() == 3.0
    assert player.mute_label.text() == "muted — audio never plays"
    assert player.mute_icon.toolTip() == "muted — audio never plays"
    assert not player.mute_icon.pixmap().isNull()
    with pytest.raises(ValueError, match="unknown level"):
        player.set_level("light")


def test_rendered_offscreen(qtbot: QtBot, player: VideoPlayer, clip: Path, tmp_path: Path) -> None:
    load(qtbot, player, clip)
    target = tmp_path / "player-paused-blurred-grey.png"

    assert player.grab().save(str(target))

    with Image.open(target) as saved:
        shot = saved.convert("RGB")
    # The frame as painted, inside the screen's letterbox.
    box = player.picture.image_rect().translated(player.picture.pos())
    picture = shot.crop((box.x(), box.y(), box.x() + box.width(), box.y() + box.height()))
    assert shot.size == (player.width(), player.height())
    assert picture.width > SHARP.width  # scaled up to the screen
    screen = player.picture.geometry()
    assert is_grey(shot.crop((screen.x(), screen.y(), screen.x() + screen.width(), screen.y() + screen.height())))
    assert edge_energy(picture) < edge_energy(SHARP.resize(picture.size)) / 100
