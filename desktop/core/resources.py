"""Where the bundled resources (taxonomy, demo feed, icons) are found."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the packages in a checkout or an
    editable install, inside the bundle in a PyInstaller build, or wherever
    ``VEIL_RESOURCES`` says."""
    override = os.environ.get("VEIL_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Path:
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"Veil resource missing: {path} (broken installation?)")
    return path
