"""Frames for playing a video behind the blur: decoded, scaled, then blurred.

A :class:`FrameSource` reads one video the way storyboards do
(:mod:`desktop.core.media.video_files`: the same demuxer whitelist, file
protocol only, time limits) and hands out its frames
in order, each already scaled by swscale out of the decoder to the player's
size: no full-size RGB picture is ever made. Audio is never decoded; its
stream is discarded in the demuxer, so a video always plays muted.

:func:`render` blurs and greys a frame for the level the reviewer chose,
with the same sigma rule as still previews. A scaled frame is unblurred: it
lives only in the player's worker until rendered, and only "clear" shows it
as it is.

Nothing here knows Qt: the player runs this on its worker thread.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from fractions import Fraction
from typing import TYPE_CHECKING, BinaryIO

import av
import av.error
from av.codec.context import ThreadType
from PIL import Image, ImageFilter

from desktop.core.media.previews import PreviewError, sigma_for
from desktop.core.media.video_files import (
    duration_s,
    has_audio,
    open_video,
    over_limit,
    reading,
    scaled,
    video_stream,
)
from desktop.domain.previews import DEFAULTS, PreviewSettings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from types import TracebackType

    from av.packet import Packet
    from av.stream import Stream
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

# Least to most blurred. "clear" is the unblurred reveal; the others are the
# strengths of previews.STRENGTHS.
LEVELS = ("clear", "peek", "default", "strong", "opaque")
# The long edge frames are scaled to for the player: sharp enough to judge
# a scene when revealed, small enough to blur every frame on two cores.
PLAY_EDGE = 640
# When a container gives no frame rate, frames are assumed this far apart.
_FALLBACK_INTERVAL_S = 1 / 30


def render(frame: Image.Image, level: str, greyscale: bool, settings: PreviewSettings = DEFAULTS) -> Image.Image:
    """``frame`` as the reviewer is to see it: greyscale ("L") or RGB, blurred
    for ``level`` relative to its own size, or not at all for "clear"."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} (choose {', '.join(LEVELS)})")
    # Grey first: the blur then works on one channel instead of three, and
    # the two commute (both are linear), so the picture is the same.
    picture = frame.convert("L") if greyscale else frame.convert("RGB")
    if level == "clear":
        return picture
    return picture.filter(ImageFilter.GaussianBlur(sigma_for(picture.size, level, settings)))


class FrameSource:
    """The frames of the video at ``path`` (a file, or a stream such as a
    sealed copy being unsealed, which stays the caller's to close), in
    display order, as ``(seconds from the start, RGB image with long edge <= long_edge)``.

    Raises :class:`PreviewError` with a reason for a file it cannot open and
    for one that breaks while being read. ``time_limit_s`` bounds opening
    the file, each of FFmpeg's reads, and each call for a frame or a seek
    (checked between packets: one decode call that never returns cannot be
    interrupted, as for storyboards).
    """

    def __init__(self, path: Path | BinaryIO, *, long_edge: int = PLAY_EDGE, time_limit_s: float = 10.0) -> None:
        if long_edge < 1:
            raise ValueError("long_edge must be at least 1")
        self.long_edge = long_edge
        self.time_limit_s = time_limit_s
        # Packets the demuxer handed over, by stream type; audio stays at
        # (nearly) nothing because its stream is discarded.
        self.packets_read: Counter[str] = Counter()
        self.problem: str | None = None  # the last damage skipped over, for a reason if nothing shows
        self._container = open_video(path, time_limit_s)
        try:
            self._video, self.duration_s, self.frame_interval_s, self.has_audio = self._prepare()
        except BaseException:
            self._container.close()
            raise
        self._packets: Iterator[Packet[Stream]] | None = None
        self._decoded: deque[VideoFrame] = deque()
        self._ended = False
        self._last_s = -self.frame_interval_s  # time of the last frame given out, for frames without a pts

    def _prepare(self) -> tuple[VideoStream, float | None, float, bool]:
        """The video stream, set up for playing; its duration, frame interval
        and whether the file has audio (which is discarded)."""
        with reading(self.time_limit_s, "reading the video's header"):
            video = video_stream(self._container)
            # Frame threading decodes several frames at once on both cores of a
            # small machine; the few frames of delay it adds after a seek cost
            # less than decoding 1.5x real time on one core.
            video.thread_type = ThreadType.AUTO
            rate = video.average_rate or video.guessed_rate
            interval = float(1 / rate) if rate and rate > 0 else _FALLBACK_INTERVAL_S
            self._time_base = video.time_base
            self._start = video.start_time or 0
            self._sample_aspect = video.sample_aspect_ratio
            return video, duration_s(self._container, video), interval, has_audio(self._container)

    def close(self) -> None:
        self._close_packets()
        self._decoded.clear()
        self._container.close()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[tuple[float, Image.Image]]:
        while (frame := self.next_frame()) is not None:
            yield frame

    def next_frame(self, *, skip_before: float | None = None) -> tuple[float, Image.Image] | None:
        """The next frame, or None at the end of what can be decoded.

        Frames earlier than ``skip_before`` seconds are decoded (the frames
        after them need them) but neither converted nor scaled: that is how
        a player running late catches up.
        """
        deadline = time.monotonic() + self.time_limit_s
        with reading(self.time_limit_s, "reading the video"):
            while (frame := self._next_decoded(deadline)) is not None:
                seconds = self._seconds(frame)
                if skip_before is None or seconds >= skip_before:
                    return seconds, scaled(frame, self._sample_aspect, self.long_edge)
        return None

    def seek(self, seconds: float) -> None:
        """Go to ``seconds`` from the start: to the keyframe at or before it,
        then decode forward to the frame nearest that time (the last frame,
        past the end). The next :meth:`next_frame` gives that frame."""
        seconds = max(0.0, seconds)
        deadline = time.monotonic() + self.time_limit_s
        with reading(self.time_limit_s, "seeking in the video"):
            self._seek_keyframe(seconds)
            # Half a frame of slack: a pts is rounded to the time base, and
            # asking for 1.5 s should give the frame stamped 1.4999.
            due = seconds - self.frame_interval_s / 2
            last: VideoFrame | None = None
            while (frame := self._next_decoded(deadline)) is not None:
                last = frame
                if self._seconds(frame) >= due:
                    break
            if last is not None:
                self._decoded.appendleft(last)

    def _seek_keyframe(self, seconds: float) -> None:
        # The old demux generator must end before another starts: its ending
        # switches the container's read timeout off.
        self._close_packets()
        self._decoded.clear()
        self._ended = False
        if self._time_base:
            target = self._start + int(Fraction(seconds) / self._time_base)
            self._container.seek(target, stream=self._video, any_frame=False, backward=True)
        else:
            self._container.seek(int(seconds * av.time_base), any_frame=False, backward=True)
        self._last_s = seconds - self.frame_interval_s

    def _next_decoded(self, deadline: float) -> VideoFrame | None:
        """The next sound frame out of the decoder, reading packets as needed."""
        while not self._decoded:
            if self._ended:
                return None
            if time.monotonic() > deadline:
                raise PreviewError(over_limit(self.time_limit_s, "reading the video"))
            if self._packets is None:
                # All streams not discarded: counting what arrives shows the discard at work.
                self._packets = self._container.demux()
            try:
                # At the end, demux gives empty packets that drain the decoder.
                packet = next(self._packets)
            except StopIteration:
                self._ended = True
                return None
            except av.error.ExitError:
                raise
            except av.error.FFmpegError as err:
                # Unreadable data: what came before it is all there is to show.
                self.problem = f"unreadable data: {err.strerror or err}"
                self._ended = True
                return None
            if packet.size:
                self.packets_read[packet.stream.type] += 1
            if packet.stream_index != self._video.index:
                continue  # never decoded: a packet the demuxer had read before the discard was set
            try:
                decoded = self._video.decode(packet)
            except av.error.ExitError:
                raise
            except av.error.FFmpegError as err:
                # A damaged packet; the frames after the next keyframe may be whole.
                self.problem = f"damaged frames: {err.strerror or err}"
                continue
            self._decoded.extend(frame for frame in decoded if not frame.is_corrupt)
        return self._decoded.popleft()

    def _seconds(self, frame: VideoFrame) -> float:
        if frame.pts is not None and self._time_base:
            seconds = float((frame.pts - self._start) * self._time_base)
        else:
            seconds = self._last_s + self.frame_interval_s
        self._last_s = seconds
        return seconds

    def _close_packets(self) -> None:
        if self._packets is not None:
            close = getattr(self._packets, "close", None)
            if close is not None:
                close()
            self._packets = None
