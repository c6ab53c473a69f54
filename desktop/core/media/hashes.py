"""What a media file is, and its fingerprints: SHA-256 and a PDQ perceptual hash.

The type is decided by the file's content, not its name. PDQ is the hash
format platforms share for known harmful images; ``pdqhash`` wraps Meta's
reference implementation. The image is decoded at reduced size first (PDQ
looks at 64x64 anyway), and decompression bombs are refused from the header,
before any pixel is decoded.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pdqhash
from PIL import Image, UnidentifiedImageError

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.core.ingest import MediaRef

# Images with more pixels than this are refused unread (Pillow's own default
# bomb limit is 89 MP; a news photo is rarely above 50 MP).
MAX_PIXELS = 120_000_000
_READ = 1 << 20

_VIDEO_SIGNATURES = (
    (4, b"ftyp"),  # MP4, MOV, M4V, 3GP
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska, WebM
    (8, b"AVI "),  # RIFF....AVI
    (0, b"FLV"),
    (0, b"\x00\x00\x01\xba"),  # MPEG-PS
    (0, b"\x00\x00\x01\xb3"),
)
_ANIMATED = ("GIF", "WEBP", "PNG")


@dataclass(frozen=True)
class Sniffed:
    media_type: str  # image | animation | video | unknown
    detail: str  # the format, e.g. "JPEG", "MP4"


def sniff(head: bytes) -> Sniffed:
    """The kind of media ``head`` (the first few KiB of a file) begins."""
    for offset, signature in _VIDEO_SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            if signature == b"ftyp" and head[8:12] in (b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1"):
                return Sniffed("image", head[8:12].decode().upper())
            return Sniffed("video", signature.decode("latin-1").strip() or "video")
    return Sniffed("unknown", "")


def fingerprint(path: Path, ref: MediaRef) -> MediaRef:
    """``ref`` with the file's SHA-256, size, and for images PDQ and dimensions.

    Never raises for a bad file: what went wrong is in ``error``.
    """
    try:
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as handle:
            while chunk := handle.read(_READ):
                digest.update(chunk)
                size += len(chunk)
    except OSError as err:
        return replace(ref, error=f"cannot read: {err.strerror or err}")
    ref = replace(ref, sha256=digest.hexdigest(), size_bytes=size)
    if size == 0:
        return replace(ref, error="empty file (0 bytes)")
    if ref.media_type in ("video", "audio", "voice", "file", "link"):
        return ref
    return _image_fingerprint(path, ref)


def _image_fingerprint(path: Path, ref: MediaRef) -> MediaRef:
    try:
        with warnings.catch_warnings():
            # Odd files make Pillow warn about what it skipped (bad TIFF tags,
            # invalid APNG chunks): not the operator's concern. It warns,
            # rather than raises, between its bomb limit and twice it: that is
            # the same refusal here.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return replace(ref, width=width, height=height, error=f"refused: {width}x{height} is too large")
                media_type = "animation" if getattr(image, "n_frames", 1) > 1 else "image"
                image.draft("RGB", (256, 256))  # JPEG: decode at 1/2..1/8 scale
                image.thumbnail((256, 256))
                pixels = np.asarray(image.convert("RGB"))
        vector, _quality = pdqhash.compute(pixels)
        bits = "".join("1" if b else "0" for b in vector)
        phash = f"{int(bits, 2):064x}"
        known = ref.media_type if ref.media_type not in ("unknown", "image") else media_type
        return replace(ref, width=width, height=height, phash=phash, media_type=known)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        return replace(ref, error=f"refused as a decompression bomb: {err}")
    except UnidentifiedImageError:
        return replace(ref, error="not an image Veil can read")
    except Exception as err:  # noqa: BLE001 - hostile files make decoders raise anything (TypeError, struct.error...)
        return replace(ref, error=f"cannot decode: {type(err).__name__}: {err}")


def identify(path: Path) -> Sniffed:
    """The media type of a file by content: image (Pillow can open it) or video."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return Sniffed("unknown", "")
    found = sniff(head)
    if found.media_type != "unknown":
        return found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # see _image_fingerprint
            with Image.open(path) as image:
                animated = image.format in _ANIMATED and getattr(image, "n_frames", 1) > 1
                return Sniffed("animation" if animated else "image", image.format or "image")
    except Image.DecompressionBombError:
        return Sniffed("image", "bomb")
    except Exception:  # noqa: BLE001 - whatever a hostile header makes Pillow raise, it is not media we can use
        return Sniffed("unknown", "")
