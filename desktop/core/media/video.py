"""Video storyboards: a few blurred frames from across a video.

A storyboard is up to nine frames spread over the duration, laid out in a
grid whose long edge fits the preview size. Frames are found in two passes.
The first seeks to the keyframe at or before each of the points spread over
the duration and decodes only the first frame there, so a 30-second clip
costs a handful of frame decodes rather than a thousand. A clip with fewer
keyframes than points (a long GOP) leaves points whose seek found a keyframe
already shown; the second pass seeks once, to the first of them, and
decodes forward without seeking again (skipping frames that none it wants
depends on), giving each the first frame at or after it. It stops when all
are filled, at the end of the stream, or when half the time limit is spent:
the storyboard then has the frames found so far. Frames are never repeated
and stay in time order.

Every frame is scaled down by swscale straight out of the decoder (no
full-size RGB copy is made), blurred at its tile size with the same rule as
still images (and the installation's :class:`PreviewSettings`), and only
then pasted into the grid: no unblurred grid ever exists. Audio is never
decoded; its packets are discarded by the demuxer.

FFmpeg reads hostile input: the file is opened and its video checked as
:mod:`desktop.core.media.video_files` says (the player opens it the same
way), and the time limit is checked between packets; a single FFmpeg call that never returns
(or crashes) cannot be stopped from here, so callers that read files they
did not make run :func:`storyboard` in a child process under a hard limit
(:mod:`desktop.core.media.isolation`, as ``hashes`` does).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import av.error
from av.codec.context import ThreadType
from PIL import Image

from desktop.core.media.previews import PreviewError, blur, sigma_for, to_jpeg
from desktop.core.media.video_files import duration_s, has_audio, open_video, over_limit, reading, scaled, video_stream
from desktop.domain.previews import DEFAULTS, PreviewSettings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from av.container import InputContainer
    from av.packet import Packet
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

# Empty grid cells, like transparent image areas, are mid grey.
_GROUND = (128, 128, 128)
# A layout leaving cells empty must give frames this much more area per empty
# cell to win: a full 3x3 grid reads better than a 2x5 with a hole.
_EMPTY_CELL_PENALTY = 0.8
TIME_LIMIT_S = 10.0
# A frame's pts (None when the stream does not say) and its scaled picture.
_Shot = tuple[int | None, Image.Image]


@dataclass(frozen=True)
class VideoPreview:
    jpeg: bytes  # the storyboard: blurred, colour, no metadata
    width: int  # of the video's frames as stored (before any display rotation)
    height: int
    duration_s: float | None  # None when the container does not say
    codec: str | None
    frames: int  # frames in the storyboard
    has_audio: bool


def storyboard(
    path: Path,
    *,
    frames: int = 9,
    strength: str = "default",
    settings: PreviewSettings = DEFAULTS,
    time_limit_s: float = TIME_LIMIT_S,
) -> VideoPreview:
    """A blurred storyboard of up to ``frames`` frames of the video at ``path``,
    its long edge and blur as ``settings`` say.

    Raises :class:`PreviewError` with a reason for anything it cannot show,
    including a video that takes longer than ``time_limit_s`` to read.
    """
    if frames < 1 or settings.long_edge < 1:
        raise ValueError("frames and the long edge must be at least 1")
    # An unknown strength is the caller's bug: fail before any I/O.
    sigma_for((settings.long_edge, settings.long_edge), strength, settings)
    started = time.monotonic()
    container = open_video(path, time_limit_s)
    # Closed on every path, error or not.
    with container, reading(time_limit_s, "reading the file"):
        return _storyboard(container, frames, strength, settings, started, time_limit_s)


def _storyboard(
    container: InputContainer,
    count: int,
    strength: str,
    settings: PreviewSettings,
    started: float,
    time_limit_s: float,
) -> VideoPreview:
    video = video_stream(container)
    context = video.codec_context
    width, height = context.width, context.height
    # Frame threading holds frames back until several are in flight, so each
    # seek would decode a few extra frames; slice threading has no such delay.
    video.thread_type = ThreadType.SLICE
    length = duration_s(container, video)
    codec = context.codec.canonical_name

    reader = _Reader(container, video, started + time_limit_s, time_limit_s)
    reader.check_time()

    def shot(frame: VideoFrame) -> _Shot:
        picture = scaled(frame, video.sample_aspect_ratio, settings.long_edge)
        reader.check_time()
        return frame.pts, picture

    targets = _targets(video, length, count)
    if targets is None:
        first = reader.first_frame(set())
        shots: list[_Shot | None] = [shot(first) if first is not None else None]
    else:
        keyframes: set[int] = set()  # pts of the keyframes the first pass reached
        shots = _seek_each(reader, targets, shot, keyframes)
        # The second pass may use half the time limit: a long video with one
        # keyframe still gets the storyboard found by then, not an error.
        soft_deadline = started + time_limit_s / 2
        if any(found is None for found in shots) and time.monotonic() < soft_deadline:
            _decode_forward(reader, targets, shots, shot, keyframes, soft_deadline)
    tiles = [found[1] for found in shots if found is not None]
    if not tiles:
        because = f": {reader.problem}" if reader.problem else ""
        raise PreviewError(f"no frame of the video could be decoded{because}")
    return VideoPreview(
        jpeg=to_jpeg(_grid(tiles, strength, settings)),
        width=width,
        height=height,
        duration_s=length,
        codec=codec,
        frames=len(tiles),
        has_audio=has_audio(container),
    )


def _seek_each(
    reader: _Reader, targets: list[int], shot: Callable[[VideoFrame], _Shot], keyframes: set[int]
) -> list[_Shot | None]:
    """The first pass: for each target, the first frame decoded after seeking
    to the keyframe at or before it; None where that keyframe was already
    shown or nothing could be decoded there. ``keyframes`` collects the pts
    of the keyframes reached."""
    shots: list[_Shot | None] = [None] * len(targets)
    taken: int | None = None  # pts of the last frame kept, to drop a frame found twice
    for slot, target in enumerate(targets):
        # A stream that cannot seek still shows its first frame; the second
        # pass decodes on from there for the rest.
        if not reader.seek(target) and slot > 0:
            break
        frame = reader.first_frame(keyframes)
        # No frame: this part is cut off, damaged or already shown; a later one may still decode.
        if frame is not None and (frame.pts is None or taken is None or frame.pts > taken):
            taken = frame.pts
            shots[slot] = shot(frame)
    return shots


def _decode_forward(
    reader: _Reader,
    targets: list[int],
    shots: list[_Shot | None],
    shot: Callable[[VideoFrame], _Shot],
    keyframes: set[int],
    soft_deadline: float,
) -> None:
    """The second pass: one seek to the first empty slot's target, then
    decoding forward, filling each empty slot with the first sound frame at
    or after its target that falls between the frames shown before and after
    it. Ends with the stream, when every slot is filled, or at ``soft_deadline``."""
    empty = deque(slot for slot, found in enumerate(shots) if found is None)
    reader.seek(targets[empty[0]])  # a stream that cannot seek is decoded on from where the first pass stopped
    context = reader.video.codec_context
    for packet in reader.packets():
        if time.monotonic() > soft_deadline:
            return
        # A frame before the next target only matters as a reference for the
        # frames after it, so the others (most B-frames) are not decoded; and
        # none before a keyframe known to come at or before the target matters.
        target = targets[empty[0]]
        if packet.pts is None or packet.pts >= target:
            context.skip_frame = "DEFAULT"
        elif any(packet.pts < keyframe <= target for keyframe in keyframes):
            context.skip_frame = "ALL"
        else:
            context.skip_frame = "NONREF"
        for frame in reader.decode(packet):
            if frame.pts is None:
                continue  # cannot be placed in time
            before, after = _shown_around(shots, empty[0])
            while after is not None and frame.pts >= after:
                # Decoding has passed the next frame shown: nothing lies between for this slot.
                empty.popleft()
                if not empty:
                    return
                before, after = _shown_around(shots, empty[0])
            if frame.pts >= targets[empty[0]] and (before is None or frame.pts > before):
                shots[empty.popleft()] = shot(frame)
                if not empty:
                    return


def _shown_around(shots: list[_Shot | None], slot: int) -> tuple[int | None, int | None]:
    """The pts of the frames shown nearest before and after ``slot`` (None: none, or unknown)."""
    before = next((found[0] for found in reversed(shots[:slot]) if found is not None), None)
    after = next((found[0] for found in shots[slot + 1 :] if found is not None), None)
    return before, after


def _targets(video: VideoStream, duration: float | None, count: int) -> list[int] | None:
    """Seek points in the stream's time base: the middle of each of ``count``
    equal spans of the video. None without a duration or time base: then
    there is no spreading, only the first frame."""
    if duration is None or not video.time_base:
        return None
    start = video.start_time or 0
    return [start + int(Fraction(duration) * (i * 2 + 1) / (count * 2) / video.time_base) for i in range(count)]


class _Reader:
    """Seeks and decodes the video stream within the time limit, noting what
    went wrong rather than giving up on the first damaged packet."""

    def __init__(self, container: InputContainer, video: VideoStream, deadline: float, time_limit_s: float) -> None:
        self.container = container
        self.video = video
        self.deadline = deadline
        self.time_limit_s = time_limit_s
        self.problem: str | None = None

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise PreviewError(over_limit(self.time_limit_s, "making the storyboard"))

    def seek(self, target: int) -> bool:
        """Go to the keyframe at or before ``target``; False if the stream cannot seek."""
        try:
            self.container.seek(target, stream=self.video, any_frame=False, backward=True)
        except av.error.ExitError:
            raise
        except av.error.FFmpegError as err:  # no index, or a format that only streams
            self.problem = f"cannot seek: {err.strerror or err}"
            return False
        return True

    def packets(self) -> Iterator[Packet[VideoStream]]:
        """The video's packets from the current position, until the stream
        ends (with an empty packet that drains the decoder) or breaks off."""
        packets = self.container.demux(self.video)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.ExitError:
                raise
            except av.error.FFmpegError as err:
                self.problem = f"unreadable data: {err.strerror or err}"
                return
            self.check_time()
            yield packet

    def decode(self, packet: Packet[VideoStream]) -> list[VideoFrame]:
        """The sound frames the decoder gives for ``packet`` (frames come out
        in time order, a few packets late when the video has B-frames)."""
        try:
            decoded = self.video.decode(packet)
        except av.error.ExitError:
            raise
        except av.error.FFmpegError as err:
            # A damaged packet; the frames after the next keyframe may be whole.
            self.problem = f"damaged frames: {err.strerror or err}"
            return []
        return [frame for frame in decoded if not frame.is_corrupt]

    def first_frame(self, seen: set[int]) -> VideoFrame | None:
        """The first sound frame decoded from the current position, or None
        if the stream ends (or breaks off) first, or if the position is a
        keyframe whose pts is in ``seen`` (already shown: not decoded again)."""
        for index, packet in enumerate(self.packets()):
            if index == 0 and packet.is_keyframe and packet.pts is not None:
                # With a long GOP several seek points land on the same keyframe;
                # recognising it from the packet saves decoding it again.
                if packet.pts in seen:
                    return None
                seen.add(packet.pts)
            frames = self.decode(packet)
            if frames:
                return frames[0]
        return None


def _grid(tiles: list[Image.Image], strength: str, settings: PreviewSettings) -> Image.Image:
    """The storyboard: each tile resized to its cell and blurred there, then pasted."""
    aspect = Fraction(tiles[0].width, tiles[0].height)
    cols, rows, cell = _layout(len(tiles), aspect, settings.long_edge)
    board = Image.new("RGB", (cols * cell[0], rows * cell[1]), _GROUND)
    for index, tile in enumerate(tiles):
        # A frame whose size changed mid-stream keeps its own aspect inside the cell.
        scale = Fraction(min(cell[0] * tile.height, cell[1] * tile.width), tile.width * tile.height)
        size = (min(cell[0], max(1, round(tile.width * scale))), min(cell[1], max(1, round(tile.height * scale))))
        blurred = blur(tile.resize(size, Image.Resampling.LANCZOS), strength, settings)
        col, row = index % cols, index // cols
        x = col * cell[0] + (cell[0] - blurred.width) // 2
        y = row * cell[1] + (cell[1] - blurred.height) // 2
        board.paste(blurred, (x, y))
    return board


def _layout(count: int, aspect: Fraction, long_edge: int) -> tuple[int, int, tuple[int, int]]:
    """Columns, rows and cell size that give each frame the most area with
    the whole grid inside ``long_edge`` square, preferring full grids."""
    best: tuple[float, int, int, tuple[int, int]] | None = None
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        # The cell's height at the largest scale both grid edges allow.
        cell_h = min(Fraction(long_edge, rows), Fraction(long_edge, cols) / aspect)
        cell = (max(1, math.floor(cell_h * aspect)), max(1, math.floor(cell_h)))
        score = cell[0] * cell[1] * _EMPTY_CELL_PENALTY ** (cols * rows - count)
        if best is None or score > best[0]:
            best = (score, cols, rows, cell)
    assert best is not None  # count >= 1
    return best[1], best[2], best[3]
