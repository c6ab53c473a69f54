"""Video files as Veil opens and reads them with FFmpeg, for storyboards and for playing alike.

FFmpeg reads hostile input, so a container is opened with a short list of
video demuxers (no playlists, concat lists or image sequences, which could
make FFmpeg open other files or URLs) and the file protocol only, with a
timeout on each of FFmpeg's own reads. Only the video stream is read: audio
and every other stream are discarded by the demuxer. Whatever a hostile
file makes PyAV raise comes out as a :class:`PreviewError` with a reason.

Frames are scaled by swscale straight out of the decoder, so no full-size
RGB copy of a frame is ever made.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from fractions import Fraction
from pathlib import PurePath
from typing import TYPE_CHECKING, BinaryIO

import av
import av.error
from av.stream import Discard, Disposition
from PIL import Image

from desktop.core.media.containers import is_video
from desktop.core.media.previews import MAX_PIXELS, PreviewError
from desktop.domain.errors import IntegrityFailure

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

# FFmpeg demuxer names for the containers Veil reads as video. "mov" covers
# MP4, MOV, M4V and 3GP; "matroska" covers MKV and WebM.
_DEMUXERS = "mov,matroska,avi,mpegts,flv,mpeg,ogg,asf"
_KNOWN = "MP4, MOV, WebM, MKV, AVI, MPEG-TS, FLV, MPEG, Ogg, ASF"
_OPEN_OPTIONS = {"format_whitelist": _DEMUXERS, "protocol_whitelist": "file"}
# Quarter turns counterclockwise (the display matrix's sense) to Pillow's transposes.
_TURNS = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_270}


def open_video(path: Path | BinaryIO, time_limit_s: float) -> InputContainer:
    """``path`` opened for reading its video, or a :class:`PreviewError` saying why not.

    A stream (a sealed copy being unsealed) is read through Python, not by
    FFmpeg's own file protocol; it stays the caller's to close.
    """
    try:
        size = _size(path)
    except OSError as err:
        raise PreviewError(f"cannot read the file: {err.strerror or err}") from None
    except IntegrityFailure as err:
        raise PreviewError(str(err)) from None
    if size == 0:
        raise PreviewError("the file is empty")
    try:
        return av.open(
            path if not isinstance(path, PurePath) else str(path),
            mode="r",
            container_options=_OPEN_OPTIONS,
            # The timeout interrupts FFmpeg's own reads: probing a hostile file can loop.
            timeout=(time_limit_s, time_limit_s),
            metadata_errors="replace",  # a title in a stray encoding is no reason to refuse the video
        )
    except av.error.ExitError:
        raise PreviewError(over_limit(time_limit_s, "opening the file")) from None
    except (av.error.InvalidDataError, av.error.ArgumentError) as err:
        # ArgumentError is how FFmpeg refuses a demuxer outside the list.
        raise PreviewError(_unreadable(path, err)) from None
    except av.error.FFmpegError as err:
        raise PreviewError(f"cannot open the video: {err.strerror or err}") from None
    except Exception as err:  # noqa: BLE001 - hostile headers make PyAV raise anything
        raise PreviewError(f"cannot open the video: {type(err).__name__}: {err}") from None


def _size(path: Path | BinaryIO) -> int:
    if isinstance(path, PurePath):
        return path.stat().st_size
    return path.seek(0, io.SEEK_END) - path.seek(0)


def _head(path: Path | BinaryIO) -> bytes:
    try:
        if isinstance(path, PurePath):
            with path.open("rb") as file:
                return file.read(512)
        path.seek(0)
        return path.read(512)
    except (OSError, IntegrityFailure):
        return b""


def _unreadable(path: Path | BinaryIO, err: av.error.FFmpegError) -> str:
    """Why FFmpeg would not open ``path``: a file that starts like a video
    container is damaged (a cut-off MP4 has lost its index); anything else
    is not a video at all."""
    head = _head(path)
    if is_video(head):
        return f"a damaged or truncated video: {err.strerror or err}"
    return f"not a video Veil reads ({_KNOWN})"


def over_limit(time_limit_s: float, doing: str) -> str:
    return f"over the time limit of {time_limit_s:g} s while {doing}"


@contextmanager
def reading(time_limit_s: float, doing: str) -> Iterator[None]:
    """Whatever a hostile file makes the block raise, as a :class:`PreviewError`."""
    try:
        yield
    except PreviewError:
        raise
    except av.error.ExitError:
        raise PreviewError(over_limit(time_limit_s, doing)) from None
    except Exception as err:  # noqa: BLE001 - hostile files make decoders raise anything
        reason = err.strerror if isinstance(err, av.error.FFmpegError) and err.strerror else str(err)
        raise PreviewError(f"cannot decode the video: {type(err).__name__}: {reason}") from None


def video_stream(container: InputContainer) -> VideoStream:
    """The container's video, checked on its header before any frame is
    decoded; every other stream is discarded by the demuxer unread."""
    found = next(
        # Cover art in an MP4/MKV is a one-picture "video" stream; it is not the video.
        (stream for stream in container.streams.video if not stream.disposition & Disposition.attached_pic),
        None,
    )
    if found is None:
        raise PreviewError("the file has no video stream")
    context = found.codec_context
    if context is None:  # PyAV leaves it out when FFmpeg has no decoder for the codec
        raise PreviewError("no decoder for the video's codec")
    if context.width <= 0 or context.height <= 0:
        raise PreviewError("the video has no picture size")
    if context.width * context.height > MAX_PIXELS:
        raise PreviewError(f"refused: {context.width}x{context.height} pixels is more than Veil decodes")
    for stream in container.streams:
        if stream is not found:
            stream.discard = Discard.all
    return found


def has_audio(container: InputContainer) -> bool:
    return any(stream.type == "audio" for stream in container.streams)


def duration_s(container: InputContainer, video: VideoStream) -> float | None:
    """The video's length in seconds; None when the container does not say."""
    if video.duration and video.duration > 0 and video.time_base:
        return float(video.duration * video.time_base)
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    return None


def scaled(frame: VideoFrame, sample_aspect: Fraction | None, long_edge: int) -> Image.Image:
    """``frame`` as RGB, upright, at display aspect, long edge at most
    ``long_edge``. Unblurred: whoever asks blurs it, or shows it only on a reveal."""
    display_w = frame.width * (sample_aspect if sample_aspect and sample_aspect > 0 else Fraction(1))
    display_h = Fraction(frame.height)
    scale = min(Fraction(1), long_edge / max(display_w, display_h))
    size = (max(1, round(display_w * scale)), max(1, round(display_h * scale)))
    # swscale converts with the frame's own colour matrix and range and scales
    # in the same pass, so no full-size RGB copy is made.
    plane = frame.reformat(width=size[0], height=size[1], format="rgb24", interpolation="AREA").planes[0]
    # Straight from the plane's buffer (rows padded to line_size): to_ndarray
    # would cost a child process the import of numpy on its first frame.
    image = Image.frombuffer("RGB", size, bytes(plane), "raw", "RGB", plane.line_size, 1)
    turn = _TURNS.get(round(frame.rotation / 90) % 4)
    return image.transpose(turn) if turn is not None else image
