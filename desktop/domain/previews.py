"""How strongly previews are blurred and how large they are: what an installation may set.

The pictures themselves are made by :mod:`desktop.core.media.previews`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Fractions of the preview's short side used as the Gaussian sigma.
STRENGTHS = {"peek": 0.012, "default": 0.03, "strong": 0.06, "opaque": 0.12}
PREVIEW_EDGE = 512


@dataclass(frozen=True)
class PreviewSettings:
    """What an installation may change: the preview's size and the blur of
    each strength, as a fraction of the preview's short side."""

    long_edge: int = PREVIEW_EDGE
    default: float = STRENGTHS["default"]
    strong: float = STRENGTHS["strong"]
    opaque: float = STRENGTHS["opaque"]

    def fraction(self, strength: str) -> float:
        return {"default": self.default, "strong": self.strong, "opaque": self.opaque}.get(
            strength, STRENGTHS.get(strength, 0.0)
        )


DEFAULTS = PreviewSettings()
