"""Blurred previews, and the unblurred view a reviewer asks for.

A preview is made at preview size and blurred there, never at full
resolution: JPEGs are decoded at 1/2..1/8 scale by the decoder itself
(draft mode), other formats are reduced by an integer factor before the
final resize. The blur is relative to the picture (a fraction of the
preview's short side, never under 8 px), so a face or a wound is as
unrecognisable in a small preview as in a large one. Previews are stored
in colour; the window shows them in greyscale by default.

Orientation (EXIF) is applied, colour converted to sRGB, and nothing of
the original's metadata (EXIF, GPS, ICC, XMP) is carried over: the JPEG
written here has none.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import pillow_heif
from PIL import Image, ImageCms, ImageFilter

if TYPE_CHECKING:
    from pathlib import Path

# Fractions of the preview's short side used as the Gaussian sigma.
STRENGTHS = {"peek": 0.012, "default": 0.03, "strong": 0.06, "opaque": 0.12}
MIN_SIGMA = {"peek": 3.0, "default": 8.0, "strong": 8.0, "opaque": 8.0}
PREVIEW_EDGE = 512
REVEAL_EDGE = 2048
MAX_PIXELS = 120_000_000
JPEG_QUALITY = 80

_SRGB = ImageCms.createProfile("sRGB")
# HEIC is what phones shoot; the plugin teaches Pillow to open it.
pillow_heif.register_heif_opener()


class PreviewError(Exception):
    """Why a file has no preview; the text is shown as "preview unavailable: ..."."""


@dataclass(frozen=True)
class Preview:
    jpeg: bytes  # blurred, colour, no metadata
    width: int  # of the original
    height: int
    frames: int  # 1 for a still image


def sigma_for(size: tuple[int, int], strength: str = "default") -> float:
    """The Gaussian sigma in pixels for a preview of ``size``."""
    if strength not in STRENGTHS:
        raise ValueError(f"unknown blur strength {strength!r} (choose {', '.join(STRENGTHS)})")
    return max(MIN_SIGMA[strength], STRENGTHS[strength] * min(size))


def blur(image: Image.Image, strength: str = "default") -> Image.Image:
    """``image`` (already at preview size) blurred for ``strength``."""
    return image.filter(ImageFilter.GaussianBlur(sigma_for(image.size, strength)))


def to_jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # A fresh RGB image has no info dict worth keeping: no EXIF, ICC or XMP
    # can ride along into the stored preview.
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=False)
    return out.getvalue()


def open_scaled(path: Path | BinaryIO, long_edge: int) -> tuple[Image.Image, tuple[int, int], int]:
    """The first frame of ``path`` as sRGB RGB(A), upright, with its long
    edge at most ``long_edge``, decoded at reduced size wherever the format
    allows. Returns the image, the original's size and its frame count."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's notes about skipped tags
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
            raise PreviewError(f"refused as a decompression bomb: {err}") from None
        with image:
            width, height = image.size
            if width <= 0 or height <= 0:
                raise PreviewError("the image has no size")
            if width * height > MAX_PIXELS:  # checked on the header, before any pixel
                raise PreviewError(f"refused: {width}x{height} pixels is more than Veil decodes")
            frames = getattr(image, "n_frames", 1)
            orientation = image.getexif().get(0x0112, 1)
            icc = image.info.get("icc_profile")
            image.draft("RGB", (long_edge, long_edge))  # JPEG: the decoder scales by 1/2..1/8
            frame = image.copy()  # the first frame; copy() decodes it
    factor = max(frame.size) // long_edge
    if factor >= 2:
        if frame.mode not in ("RGB", "RGBA", "L", "LA", "I", "F", "CMYK", "I;16"):
            frame = frame.convert("RGBA")
        frame = frame.reduce(factor)  # a cheap box filter down to near the final size
    frame = _to_srgb(frame, icc)
    if orientation in _TRANSPOSE:
        frame = frame.transpose(_TRANSPOSE[orientation])
    frame.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    return frame, (width, height), frames


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB or RGBA in sRGB: CMYK, LAB, 16-bit, palette and grey all end here."""
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            output = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to Pillow's plain conversion
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grey: scale down to 8 bits rather than clip at 255.
        image = image.point(lambda v: v / 256).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    return image.convert("RGB")


def flatten(image: Image.Image) -> Image.Image:
    """Transparent parts shown over mid grey, so nothing hides behind alpha."""
    if image.mode != "RGBA":
        return image.convert("RGB")
    ground = Image.new("RGB", image.size, (128, 128, 128))
    ground.paste(image, mask=image.getchannel("A"))
    return ground


def make_preview(path: Path, *, strength: str = "default", long_edge: int = PREVIEW_EDGE) -> Preview:
    """The blurred preview of the image at ``path``.

    Raises :class:`PreviewError` with a reason for anything it cannot show.
    """
    try:
        frame, size, frames = open_scaled(path, long_edge)
        return Preview(to_jpeg(blur(flatten(frame), strength)), size[0], size[1], frames)
    except PreviewError:
        raise
    except Exception as err:  # noqa: BLE001 - hostile files make decoders raise anything
        raise PreviewError(f"{type(err).__name__}: {err}") from None


def reveal(path: Path, *, long_edge: int = REVEAL_EDGE, strength: str | None = None) -> Image.Image:
    """The unblurred (or, with ``strength="peek"``, lightly blurred) image
    at screen size, in memory only: nothing is written anywhere."""
    try:
        frame, _size, _frames = open_scaled(path, long_edge)
    except PreviewError:
        raise
    except Exception as err:  # noqa: BLE001 - as in make_preview
        raise PreviewError(f"{type(err).__name__}: {err}") from None
    frame = flatten(frame)
    return blur(frame, strength) if strength else frame
