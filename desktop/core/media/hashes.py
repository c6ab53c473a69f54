"""What a media file is, and its fingerprints: SHA-256 and a PDQ perceptual hash.

The type is decided by the file's content, not its name. PDQ is the hash
format platforms share for known harmful images; ``pdqhash`` wraps Meta's
reference implementation. The image is decoded at reduced size first (PDQ
looks at 64x64 anyway), and decompression bombs are refused from the header,
before any pixel is decoded.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, BinaryIO

from PIL import Image

from desktop.core.media.containers import HEAD_BYTES, is_video
from desktop.core.media.originals import not_regular
from desktop.core.media.previews import PreviewError, blurred_preview, flatten, open_scaled, to_jpeg
from desktop.domain.previews import DEFAULTS, PreviewSettings

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.domain.ingest import MediaRef

_READ = 1 << 20
# Images up to this size are read into memory once, for hash and preview;
# larger ones are read twice, so their bytes never sit beside their pixels.
_IN_MEMORY = 32 << 20
# Images larger than this get no preview.
_MAX_IMAGE_FILE = 256 << 20

_ANIMATED = ("GIF", "WEBP", "PNG")


@dataclass(frozen=True)
class Sniffed:
    media_type: str  # image | animation | video | unknown
    detail: str  # the format, e.g. "JPEG", "MP4"


def fingerprint(
    path: Path,
    ref: MediaRef,
    *,
    strength: str = "default",
    settings: PreviewSettings = DEFAULTS,
    data: bytes | None = None,
) -> MediaRef:
    """``ref`` with the file's SHA-256 and size; for images also PDQ,
    dimensions and the blurred preview, all from one read of the file and
    one decode at preview size; for videos the blurred storyboard.

    ``data``: the file's content, when the caller has read it already
    (see :func:`read_whole`).

    Never raises for a bad file: what went wrong is in ``error``, as
    "preview unavailable: reason" when only the preview failed.
    """
    refused = not_regular(path)
    if refused:
        return replace(ref, error=refused)
    try:
        size = path.stat().st_size if data is None else len(data)
        if size == 0:
            return replace(ref, size_bytes=0, error="empty file (0 bytes)")
        if data is None:
            data = read_whole(path, ref, size)
        digest = _hash_file(path) if data is None else hashlib.sha256(data).hexdigest()
    except OSError as err:
        return replace(ref, error=f"cannot read: {err.strerror or err}")
    ref = replace(ref, sha256=digest, size_bytes=size)
    if ref.media_type == "video":
        return _video(path, ref, strength, settings)
    if ref.media_type in ("audio", "voice", "file", "link"):
        return ref
    if data is None and size > _MAX_IMAGE_FILE:
        return replace(ref, error=f"preview unavailable: the file is larger than {_MAX_IMAGE_FILE >> 20} MB")
    return _image(path if data is None else io.BytesIO(data), ref, strength, settings)


def read_whole(path: Path, ref: MediaRef, size: int) -> bytes | None:
    """The content of the file of ``ref`` (``size`` bytes) when it is read
    into memory whole, for its hash and its preview; None for a video or a
    large file, which is read in blocks. Raises OSError."""
    if ref.media_type in ("video", "audio", "voice", "file", "link") or size > _IN_MEMORY:
        return None
    return path.read_bytes()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def _image(source: Path | BinaryIO, ref: MediaRef, strength: str, settings: PreviewSettings) -> MediaRef:
    # Here, not at the top: an ingest's main process only tells what each
    # file is (:func:`identify`), its workers hash the pictures.
    import numpy as np
    import pdqhash

    try:
        frame, (width, height), frames = open_scaled(source, settings.long_edge, coarse=True)
        shown = flatten(frame)
        # PDQ looks at the unblurred picture, in memory, at preview size.
        vector, _quality = pdqhash.compute(np.asarray(shown))
        phash = f"{int(''.join('1' if bit else '0' for bit in vector), 2):064x}"
        preview = to_jpeg(blurred_preview(shown, (width, height), strength, settings))
    except PreviewError as err:
        return replace(ref, error=f"preview unavailable: {err}")
    except Exception as err:  # noqa: BLE001 - hostile files make decoders raise anything (TypeError, struct.error...)
        return replace(ref, error=f"preview unavailable: {type(err).__name__}: {err}")
    known = ref.media_type
    if known in ("unknown", "image", "animation"):
        known = "animation" if frames > 1 else "image"
    return replace(ref, width=width, height=height, phash=phash, media_type=known, preview=preview, frames=frames)


def _video(path: Path, ref: MediaRef, strength: str, settings: PreviewSettings) -> MediaRef:
    try:
        from desktop.core.media.video import TIME_LIMIT_S, storyboard
    except ImportError:  # PyAV missing from this installation
        return replace(ref, error="preview unavailable: video support (PyAV) is not installed")
    from functools import partial

    from desktop.core.media.isolation import run_isolated

    try:
        # In a child process: a decoder call that hangs or crashes costs this
        # file its preview, not the ingest its process. The storyboard stops
        # itself at its own limit; the hard one has a margin for starting the
        # child (a second or so where it must import PyAV afresh).
        board = run_isolated(
            partial(storyboard, path, strength=strength, settings=settings), time_limit_s=TIME_LIMIT_S + 5.0
        )
    except PreviewError as err:
        return replace(ref, error=f"preview unavailable: {err}")
    except Exception as err:  # noqa: BLE001 - starting a process can fail in many ways (no memory, no pipes)
        return replace(ref, error=f"preview unavailable: {type(err).__name__}: {err}")
    return replace(
        ref, width=board.width, height=board.height, duration_s=board.duration_s, preview=board.jpeg,
        frames=board.frames, codec=board.codec,
    )  # fmt: skip


def identify(path: Path) -> Sniffed:
    """The media type of a file by content: image (Pillow can open it) or video.

    A FIFO or a device is never opened: unknown."""
    if not_regular(path):
        return Sniffed("unknown", "")
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return Sniffed("unknown", "")
    if is_video(head):
        return Sniffed("video", "video")
    try:
        with Image.open(path) as image:
            animated = image.format in _ANIMATED and getattr(image, "n_frames", 1) > 1
            return Sniffed("animation" if animated else "image", image.format or "image")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Sniffed("image", "bomb")
    except Exception:  # noqa: BLE001 - whatever a hostile header makes Pillow raise, it is not media we can use
        return Sniffed("unknown", "")
