"""A medium at each step of the review window's strength slider.

The steps, from most hidden to clear: opaque, strong, default, peek, clear.
A step at least as blurred as the stored preview is made from the preview
itself (a Gaussian on a Gaussian is a Gaussian: blurring by
sqrt(want² - have²) more gives the stronger one exactly), without opening
the original. A lighter step, or clear, needs the original: it is decoded
at screen size, in memory, only when asked for.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, BinaryIO

from PIL import Image, ImageFilter

from desktop.core.media.previews import reveal, sigma_for
from desktop.domain.previews import DEFAULTS, PreviewSettings

if TYPE_CHECKING:
    from pathlib import Path

# Slider steps, weakest blur last; None is clear.
STEPS: tuple[str | None, ...] = ("opaque", "strong", "default", "peek", None)


def stored_strength(severity: int) -> str:
    """The strength ingest blurred an item's previews with."""
    return "strong" if severity >= 3 else "default"


def needs_original(step: str | None, stored: str) -> bool:
    """Whether ``step`` is lighter than the stored preview, so only the original can give it."""
    return STEPS.index(step) > STEPS.index(stored)


def from_preview(jpeg: bytes, stored: str, step: str, settings: PreviewSettings = DEFAULTS) -> Image.Image:
    """The stored preview blurred further to ``step`` (at least as strong as ``stored``)."""
    if needs_original(step, stored):
        raise ValueError(f"{step} is lighter than the stored {stored} preview")
    with Image.open(io.BytesIO(jpeg)) as opened:
        image = opened.convert("RGB")
    have = sigma_for(image.size, stored, settings)
    want = sigma_for(image.size, step, settings)
    extra = math.sqrt(max(0.0, want * want - have * have))
    return image.filter(ImageFilter.GaussianBlur(extra)) if extra > 0.5 else image


def from_original(original: Path | BinaryIO, step: str | None) -> Image.Image:
    """The original (a file, or a stream such as a sealed copy being
    unsealed) at screen size, blurred to ``step`` (None: clear), in memory only."""
    return reveal(original, strength=step)
