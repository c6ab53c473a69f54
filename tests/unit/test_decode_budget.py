"""Pictures are decoded within a budget: one frame, the smallest size, never more than DECODE_BUDGET."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PIL import Image

from desktop.core.media.previews import DECODE_BUDGET, OverBudget, decode_cost, open_scaled
from tests.support.hostile_media import animated_webp, long_gif, solid_png

if TYPE_CHECKING:
    from pathlib import Path


def test_pictures_past_the_budget_are_refused_before_a_pixel_is_decoded(tmp_path: Path) -> None:
    png, webp = tmp_path / "wall.png", tmp_path / "canvas.webp"
    solid_png(png, 10_950)
    animated_webp(webp, 10_950)
    for path in (png, webp):
        with Image.open(path) as image:
            assert decode_cost(image) > DECODE_BUDGET
        with pytest.raises(OverBudget):
            open_scaled(path, 512, coarse=True)


def test_a_long_animation_costs_its_first_frame(tmp_path: Path) -> None:
    gif = tmp_path / "long.gif"
    long_gif(gif, 2_000, 10_000)
    frame, size, frames = open_scaled(gif, 512, coarse=True)
    assert size == (2_000, 2_000) and frames == 10_000
    assert max(frame.size) <= 256  # a palette picture shrunk before it became colour


def test_a_large_jpeg_is_decoded_at_a_fraction_of_its_size(tmp_path: Path) -> None:
    jpeg = tmp_path / "camera.jpg"
    Image.new("RGB", (6_000, 4_500), (20, 120, 60)).save(jpeg, quality=60)
    with Image.open(jpeg) as image:
        image.draft("RGB", (128, 96))  # what open_scaled asks for
        assert decode_cost(image) < DECODE_BUDGET // 50
    frame, size, _frames = open_scaled(jpeg, 512, coarse=True)
    assert size == (6_000, 4_500) and max(frame.size) <= 256
