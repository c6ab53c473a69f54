"""A video player that shows frames only as blurred and grey as asked.

Frames come from :class:`desktop.core.media.playback.FrameSource` on one
Python thread per loaded video ("veil-video"), which decodes, scales, blurs,
greys and turns them into QImages; the UI thread only paints. The worker
leaves the newest frame in a one-slot mailbox and wakes the UI (a queued
call) only when the box was empty, so a busy UI thread skips frames rather
than piling them up. Frames are timed by the monotonic clock at the chosen
speed; a worker running late decodes without scaling until it is back on time.

Every frame carries the generation of the look (blur level, greyscale) it was
rendered for, and only frames of the current generation are shown. When the
look becomes more protective (more blur, or grey) the screen is blanked at
once rather than left showing the sharper frame for the moment a re-render
takes. A video never plays until asked, and never makes a sound: its audio is
not even decoded.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, BinaryIO

from PySide6.QtCore import Q_ARG, QMetaObject, QObject, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QStyle, QToolButton, QVBoxLayout, QWidget

from desktop.core.media.playback import LEVELS, PLAY_EDGE, FrameSource, render
from desktop.core.media.previews import PreviewError
from desktop.domain.clock import system_clock
from desktop.domain.previews import DEFAULTS, PreviewSettings

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from PIL import Image
    from PySide6.QtGui import QHideEvent, QPaintEvent, QShowEvent

    from desktop.domain.clock import Clock

log = logging.getLogger(__name__)

# What the care records call time at each level; the other levels are not exposure.
_EXPOSURE_MODES = {"clear": "reveal", "peek": "peek"}
# How long stop() waits for the worker. Decoding a frame takes milliseconds;
# only a hostile file stuck inside one FFmpeg call takes longer, and the UI
# does not wait for that: the worker is told to quit and ends after the call.
_JOIN_S = 2.0
_BACKGROUND = QColor(32, 32, 32)


@dataclass(frozen=True)
class _Look:
    level: str
    greyscale: bool
    generation: int  # the player's count of looks; frames of an older one are never shown


# Requests to the worker, in the order the UI made them.
@dataclass(frozen=True)
class _Play:
    pass


@dataclass(frozen=True)
class _Pause:
    pass


@dataclass(frozen=True)
class _Seek:
    seconds: float


@dataclass(frozen=True)
class _Speed:
    factor: float


@dataclass(frozen=True)
class _SetLook:
    look: _Look


@dataclass(frozen=True)
class _Quit:
    pass


_Command = _Play | _Pause | _Seek | _Speed | _SetLook | _Quit


# What the worker leaves for the UI.
@dataclass(frozen=True)
class _Frame:
    generation: int
    seconds: float
    image: QImage  # rendered: blurred and grey as the look of ``generation`` says


@dataclass(frozen=True)
class _Loaded:
    duration_s: float | None


@dataclass(frozen=True)
class _Ended:
    pass


@dataclass(frozen=True)
class _Failed:
    reason: str


_Event = _Loaded | _Ended | _Failed


class _Mailbox:
    """The newest frame and the events not yet taken by the UI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: _Frame | None = None
        self._events: list[_Event] = []

    def post(self, item: _Frame | _Event) -> bool:
        """Leave ``item``; True if the box was empty, so the UI must be woken."""
        with self._lock:
            was_empty = self._frame is None and not self._events
            if isinstance(item, _Frame):
                self._frame = item  # an unshown older frame is dropped: the UI is behind
            else:
                self._events.append(item)
            return was_empty

    def take(self) -> tuple[_Frame | None, list[_Event]]:
        with self._lock:
            frame, events = self._frame, self._events
            self._frame, self._events = None, []
            return frame, events


class _Bridge(QObject):
    """Carries the worker's wake-up to the UI thread. Made on the UI thread
    and never destroyed (see :data:`_BRIDGES`), so it outlives every post even
    when the player is deleted first."""

    # the mailbox was empty and now holds something
    mail = Signal()


# Every bridge made, kept until the application ends. A bridge freed with its
# worker would be destroyed on whichever thread dropped it last (often the
# worker's own, as its thread ends) while a wake-up it posted is still queued
# for it: that crashed the UI thread when a player was deleted without stop().
# A bridge is a few hundred bytes; a shift loads a few hundred videos at most.
_BRIDGES: list[_Bridge] = []


@dataclass(frozen=True)
class _Ahead:
    """A frame decoded and rendered before it is due."""

    seconds: float
    raw: Image.Image
    look: _Look
    image: QImage


class _Worker:
    """Plays one video on its own thread; the UI talks to it by :meth:`send`."""

    def __init__(
        self,
        path: Path | BinaryIO,
        look: _Look,
        speed: float,
        long_edge: int,
        settings: PreviewSettings,
        bridge: _Bridge,
    ) -> None:
        self.mailbox = _Mailbox()
        self.bridge = bridge
        self._path = path
        self._look = look
        self._speed = speed
        self._long_edge = long_edge
        self._settings = settings
        self._commands: queue.SimpleQueue[_Command] = queue.SimpleQueue()
        self._source: FrameSource | None = None
        self._playing = False
        self._ended = False
        # The last frame sent, unblurred, to re-render when the look changes
        # while paused. It never leaves this thread.
        self._shown: tuple[float, Image.Image] | None = None
        self._ahead: _Ahead | None = None
        self._anchor_s = 0.0  # the video's time at _anchor_wall
        self._anchor_wall = 0.0
        self._thread = threading.Thread(target=self._run, name="veil-video", daemon=True)

    # -- the UI's side ---------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def send(self, command: _Command) -> None:
        self._commands.put(command)

    def quit(self) -> None:
        self._commands.put(_Quit())

    def stop(self) -> bool:
        """Quit and wait for the thread; False if it is still inside FFmpeg."""
        self.quit()
        self._thread.join(_JOIN_S)
        return not self._thread.is_alive()

    # -- the worker thread -----------------------------------------------

    def _run(self) -> None:
        try:
            self._source = FrameSource(self._path, long_edge=self._long_edge)
            self._post(_Loaded(self._source.duration_s))
            first = self._source.next_frame()
            if first is None:
                because = f": {self._source.problem}" if self._source.problem else ""
                raise PreviewError(f"no frame of the video could be decoded{because}")
            self._show(*first)
            while self._serve():
                pass
        except PreviewError as err:
            self._post(_Failed(str(err)))
        except Exception as err:  # noqa: BLE001 - a hostile video must end in a reason, not a dead player
            self._post(_Failed(f"cannot play the video: {type(err).__name__}: {err}"))
        finally:
            self._shown = self._ahead = None
            if self._source is not None:
                self._source.close()
            if not isinstance(self._path, PurePath):
                self._path.close()  # a stream handed over by load()

    def _serve(self) -> bool:
        """Wait for a request or the next frame's time and act on it; False to quit."""
        try:
            first = self._commands.get(timeout=self._wait_s())
        except queue.Empty:
            self._advance()
            return True
        commands = [first]
        while True:
            try:
                commands.append(self._commands.get_nowait())
            except queue.Empty:
                break
        # Requests that came together are acted on together: of a slider's
        # stream of seeks only the last is decoded.
        seek_to: float | None = None
        relook = False
        for command in commands:
            match command:
                case _Quit():
                    return False
                case _Play():
                    self._play()
                case _Pause():
                    self._playing = False
                case _Seek(seconds):
                    seek_to = seconds
                case _Speed(factor):
                    if self._playing:
                        self._anchor(self._now_s())
                    self._speed = factor
                case _SetLook(look):
                    self._look = look
                    relook = True
        if seek_to is not None:
            self._seek(seek_to)  # shown in the new look
        elif relook and self._shown is not None:
            self._show(*self._shown)
        return True

    def _wait_s(self) -> float | None:
        if not self._playing:
            return None  # nothing to do until asked
        if self._ahead is None:
            return 0.0
        return max(0.0, self._due(self._ahead.seconds) - time.monotonic())

    def _advance(self) -> None:
        assert self._source is not None
        if not self._playing:
            return
        if self._ahead is None:
            # Frames more than one frame late are decoded but not scaled or blurred.
            got = self._source.next_frame(skip_before=self._now_s() - self._source.frame_interval_s)
            if got is None:
                self._playing = False
                self._ended = True
                self._post(_Ended())
                return
            seconds, raw = got
            look = self._look
            self._ahead = _Ahead(seconds, raw, look, self._render(raw, look))  # ready before it is due
        elif time.monotonic() >= self._due(self._ahead.seconds):
            ahead, self._ahead = self._ahead, None
            self._show(ahead.seconds, ahead.raw, ahead)

    def _play(self) -> None:
        if self._playing:
            return
        if self._ended:
            self._seek(0.0)  # play at the end starts again
        self._playing = True
        self._anchor(self._shown[0] if self._shown else 0.0)

    def _seek(self, seconds: float) -> None:
        assert self._source is not None
        self._source.seek(seconds)
        self._ahead = None
        self._ended = False
        got = self._source.next_frame()
        if got is None:  # the source holds the last frame past the end; nothing at all is left
            self._playing = False
            self._ended = True
            self._post(_Ended())
            return
        self._show(*got)
        self._anchor(got[0])

    def _show(self, seconds: float, raw: Image.Image, ahead: _Ahead | None = None) -> None:
        look = self._look
        image = ahead.image if ahead is not None and ahead.look == look else self._render(raw, look)
        self._shown = (seconds, raw)
        self._post(_Frame(look.generation, seconds, image))

    def _render(self, raw: Image.Image, look: _Look) -> QImage:
        return _to_qimage(render(raw, look.level, look.greyscale, self._settings))

    def _anchor(self, seconds: float) -> None:
        self._anchor_s = seconds
        self._anchor_wall = time.monotonic()

    def _now_s(self) -> float:
        """Where the video is by the clock."""
        return self._anchor_s + (time.monotonic() - self._anchor_wall) * self._speed

    def _due(self, seconds: float) -> float:
        """The monotonic time the frame at ``seconds`` is due."""
        return self._anchor_wall + (seconds - self._anchor_s) / self._speed

    def _post(self, item: _Frame | _Event) -> None:
        if self.mailbox.post(item):
            # Queued: the signal is emitted on the bridge's (the UI) thread.
            QMetaObject.invokeMethod(self.bridge, "mail", Qt.ConnectionType.QueuedConnection)


def _to_qimage(image: Image.Image) -> QImage:
    if image.mode == "L":
        fmt, depth = QImage.Format.Format_Grayscale8, 1
    else:
        fmt, depth = QImage.Format.Format_RGB888, 3
    # The copy owns its pixels: the bytes object is gone once this returns.
    return QImage(image.tobytes(), image.width, image.height, image.width * depth, fmt).copy()


class _Screen(QWidget):
    """Paints the current frame, scaled to fit, or a blank with a message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._message = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def image(self) -> QImage | None:
        """The frame on screen, if any."""
        return self._image

    def show_image(self, image: QImage) -> None:
        self._image, self._message = image, ""
        self.update()

    def clear(self, message: str = "") -> None:
        self._image, self._message = None, message
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 90)

    def image_rect(self) -> QRect:
        """Where the frame is painted: scaled to fit, centred; empty when blank."""
        if self._image is None or self._image.isNull():
            return QRect()
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect(
            (self.width() - size.width()) // 2, (self.height() - size.height()) // 2, size.width(), size.height()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), _BACKGROUND)
        if self._image is not None and not self._image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.image_rect(), self._image)
        elif self._message:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._message,
            )
        painter.end()


class _Current:
    """The player's worker, where the player's ``destroyed`` hook can reach it:
    a player deleted without stop() still ends its thread."""

    def __init__(self) -> None:
        self.worker: _Worker | None = None

    def abandon(self) -> None:
        if self.worker is not None:
            self.worker.quit()
            self.worker = None


@dataclass(frozen=True)
class _Exposure:
    mode: str
    started_at: datetime
    started: float  # monotonic


class VideoPlayer(QWidget):
    """Plays one video at a time, muted, blurred and grey unless told otherwise.

    ``load`` shows the first frame and waits: nothing plays until ``play``.
    The window owns the keyboard and calls the methods.
    """

    # seconds from the start of the frame now on screen
    position_changed = Signal(float)
    # why the video cannot be played (the screen says so too)
    failed = Signal(str)
    # an exposure ended: mode ("reveal" for "clear", "peek"), its start (aware datetime), seconds on screen
    exposure_ended = Signal(str, object, float)
    # a frame was painted: its time from the start, in seconds
    frame_shown = Signal(float)
    # playback started (True) or stopped (False: paused, at the end, stopped or failed)
    playing_changed = Signal(bool)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        speed: float = 1.5,
        long_edge: int = PLAY_EDGE,
        settings: PreviewSettings = DEFAULTS,
        clock: Clock = system_clock,
    ) -> None:
        super().__init__(parent)
        _check_speed(speed)
        self.jump_seconds = 5.0  # the window's step for jump(+/-)
        self._speed = speed
        self._long_edge = long_edge
        self._settings = settings
        self._clock = clock
        self._level = "default"
        self._greyscale = True
        self._generation = 0
        self._current = _Current()
        self._playing = False
        self._duration: float | None = None
        self._position = 0.0
        self._seeking_to: float | None = None  # a seek asked for and not yet shown
        self._exposure: _Exposure | None = None
        self._build()
        self._connect_signals()

    # -- building -------------------------------------------------------

    def _build(self) -> None:
        style = self.style()
        self.picture = _Screen(self)
        self.picture.clear()

        # The window owns the keyboard (Space, arrows): the controls take no focus.
        self.play_button = QToolButton(self)
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.setAutoRaise(True)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setEnabled(False)
        # The slider counts milliseconds; a click in the groove or an arrow moves by the jump.
        self.slider.setSingleStep(1000)
        self.slider.setPageStep(round(self.jump_seconds * 1000))
        self.time_label = QLabel(self)
        self.speed_label = QLabel(self)
        self.speed_label.setToolTip("playback speed")
        muted = "muted — audio never plays"
        self.mute_icon = QLabel(self)
        self.mute_icon.setPixmap(style.standardIcon(QStyle.StandardPixmap.SP_MediaVolumeMuted).pixmap(16, 16))
        self.mute_icon.setToolTip(muted)
        self.mute_icon.setAccessibleName(muted)
        self.mute_label = QLabel(muted, self)
        self.mute_label.setEnabled(False)  # drawn in the quieter disabled colour: a fact, not a control

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 2, 4, 2)
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        controls.addSpacing(8)
        controls.addWidget(self.speed_label)
        controls.addSpacing(8)
        controls.addWidget(self.mute_icon)
        controls.addWidget(self.mute_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.picture, 1)
        layout.addLayout(controls)
        self._show_playing()
        self._show_position()
        self._show_speed()

    def _connect_signals(self) -> None:
        self.play_button.clicked.connect(self._on_play_button_clicked)
        self.slider.actionTriggered.connect(self._on_slider_action_triggered)
        # A plain Python callable: it still runs when the C++ widget is going away.
        self.destroyed.connect(self._current.abandon)

    # -- the interface --------------------------------------------------

    def load(self, path: Path | BinaryIO, *, level: str = "default", greyscale: bool = True) -> None:
        """Open ``path`` and show its first frame at ``level``; it does not play.
        A stream (a sealed copy being unsealed) is the player's from here: it
        is read on the player's thread and closed when that video ends."""
        _check_level(level)
        self.stop()
        self._level, self._greyscale = level, greyscale
        self._generation += 1
        bridge = _Bridge()
        _BRIDGES.append(bridge)
        bridge.mail.connect(self._on_bridge_mail)
        worker = _Worker(path, self._look(), self._speed, self._long_edge, self._settings, bridge)
        self._current.worker = worker
        self.picture.clear("Opening the video…")
        worker.start()

    def play(self) -> None:
        worker = self._current.worker
        if worker is None or self._playing:
            return
        worker.send(_Play())
        self._set_playing(True)

    def pause(self) -> None:
        worker = self._current.worker
        if worker is None or not self._playing:
            return
        worker.send(_Pause())
        self._set_playing(False)

    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def seek(self, seconds: float) -> None:
        """Go to ``seconds`` from the start (kept within the video)."""
        worker = self._current.worker
        if worker is None:
            return
        target = max(0.0, seconds if self._duration is None else min(seconds, self._duration))
        self._seeking_to = target
        worker.send(_Seek(target))
        self._show_position(target)

    def jump(self, seconds: float) -> None:
        """Go ``seconds`` forward (or back, if negative) from where the video is."""
        self.seek((self._position if self._seeking_to is None else self._seeking_to) + seconds)

    def set_speed(self, factor: float) -> None:
        _check_speed(factor)
        self._speed = factor
        if self._current.worker is not None:
            self._current.worker.send(_Speed(factor))
        self._show_speed()

    def set_level(self, level: str) -> None:
        """Blur frames for ``level`` from now on; one of LEVELS ("clear" is no blur)."""
        _check_level(level)
        if level == self._level:
            return
        more_protective = LEVELS.index(level) > LEVELS.index(self._level)
        self._level = level
        self._end_exposure()  # what is on screen changes now
        self._change_look(blank=more_protective)

    def set_greyscale(self, greyscale: bool) -> None:
        if greyscale == self._greyscale:
            return
        self._greyscale = greyscale
        self._change_look(blank=greyscale)

    def stop(self) -> None:
        """Stop playing, end the worker thread and drop every frame."""
        self._end_exposure()
        self._generation += 1  # anything still on its way is never shown
        worker, self._current.worker = self._current.worker, None
        if worker is not None:
            worker.bridge.mail.disconnect(self._on_bridge_mail)
            if not worker.stop():
                log.warning("the video worker is still inside FFmpeg; it ends when the call returns")
        self.picture.clear()
        self._set_playing(False)
        self._duration = None
        self._position = 0.0
        self._seeking_to = None
        self._show_position()

    def position(self) -> float:
        """Seconds from the start of the frame on screen."""
        return self._position

    def duration(self) -> float | None:
        """The video's length in seconds, once loaded and if the file says."""
        return self._duration

    def speed(self) -> float:
        return self._speed

    def level(self) -> str:
        return self._level

    def greyscale(self) -> bool:
        return self._greyscale

    def is_playing(self) -> bool:
        return self._playing

    # -- events ---------------------------------------------------------

    def hideEvent(self, event: QHideEvent) -> None:
        # Unseen is unexposed: a hidden player neither plays on nor counts time.
        self.pause()
        self._end_exposure()
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.picture.image() is not None:
            self._begin_exposure()

    # -- slots ----------------------------------------------------------

    @Slot()
    def _on_play_button_clicked(self) -> None:
        self.toggle_play()

    @Slot(int)
    def _on_slider_action_triggered(self, action: int) -> None:
        if action != QSlider.SliderAction.SliderNoAction.value:
            # The slider's position has moved; its value follows only after this signal.
            self.seek(self.slider.sliderPosition() / 1000)

    @Slot()
    def _on_bridge_mail(self) -> None:
        worker = self._current.worker
        if worker is None:
            return
        frame, events = worker.mailbox.take()
        for event in events:
            match event:
                case _Loaded(duration_s):
                    self._duration = duration_s
                    self.slider.setRange(0, round((duration_s or 0.0) * 1000))
                    self.slider.setEnabled(duration_s is not None)
                    self._show_position()
                case _Ended():
                    self._set_playing(False)
                case _Failed(reason):
                    self._fail(reason)
                    return
        if frame is not None and frame.generation == self._generation:
            self._on_frame(frame)

    # -- helpers --------------------------------------------------------

    def _on_frame(self, frame: _Frame) -> None:
        self.picture.show_image(frame.image)
        self._begin_exposure()
        self._seeking_to = None
        if frame.seconds != self._position:
            self._position = frame.seconds
            _emit(self, "position_changed", frame.seconds)
        self._show_position()
        _emit(self, "frame_shown", frame.seconds)

    def _fail(self, reason: str) -> None:
        self.stop()
        self.picture.clear(f"video unavailable: {reason}")
        _emit(self, "failed", reason)

    def _look(self) -> _Look:
        return _Look(self._level, self._greyscale, self._generation)

    def _change_look(self, *, blank: bool) -> None:
        self._generation += 1
        if blank:
            # The frame on screen is sharper (or more colourful) than now asked for.
            self.picture.clear()
        if self._current.worker is not None:
            self._current.worker.send(_SetLook(self._look()))

    def _begin_exposure(self) -> None:
        mode = _EXPOSURE_MODES.get(self._level)
        if self._exposure is not None and self._exposure.mode != mode:
            self._end_exposure()
        if mode is not None and self._exposure is None and self.isVisible():
            self._exposure = _Exposure(mode, self._clock(), time.monotonic())

    def _end_exposure(self) -> None:
        exposure, self._exposure = self._exposure, None
        if exposure is not None:
            # The one plain emit() (see _emit): a datetime cannot go by meta-call, and
            # this runs once per reveal or peek, not once per frame.
            self.exposure_ended.emit(exposure.mode, exposure.started_at, time.monotonic() - exposure.started)

    def _set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self._show_playing()
            _emit(self, "playing_changed", playing)

    def _show_playing(self) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if self._playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setToolTip("Pause" if self._playing else "Play")
        self.play_button.setAccessibleName(self.play_button.toolTip())

    def _show_position(self, seconds: float | None = None) -> None:
        at = self._position if seconds is None else seconds
        if not self.slider.isSliderDown():  # the reviewer's drag wins over the playing position
            self.slider.setValue(round(at * 1000))
        total = "--:--" if self._duration is None else _clock_text(self._duration)
        self.time_label.setText(f"{_clock_text(at)} / {total}")

    def _show_speed(self) -> None:
        self.speed_label.setText(f"{self._speed:g}\N{MULTIPLICATION SIGN}")


def _emit(owner: QObject, signal: str, *args: float | str | bool) -> None:
    """Emit ``owner``'s ``signal`` by meta-call rather than ``SignalInstance.emit()``.

    PySide6 6.12.0's emit() hands back True without a reference to it. On
    Python 3.11, where True is not immortal, every emit() drops True's
    reference count by one, and some thousands of emits later (a few
    minutes of playing at one emit per frame) the interpreter aborts with
    "Fatal Python error: bool_dealloc". A meta-call hands nothing back.
    """
    QMetaObject.invokeMethod(owner, signal, *(Q_ARG(type(arg), arg) for arg in args))


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} (choose {', '.join(LEVELS)})")


def _check_speed(factor: float) -> None:
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"speed must be a positive number, not {factor!r}")


def _clock_text(seconds: float) -> str:
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
