"""Settings, from the strongest source to the weakest:

command line > environment (``VEIL_*``) > user file > system file > defaults.

The user file is ``config.toml`` in the user config folder (platformdirs);
the system file is ``/etc/veil/config.toml`` on Linux,
``C:\\ProgramData\\Veil\\config.toml`` on Windows and
``/Library/Application Support/Veil/config.toml`` on macOS. Both are TOML with
the keys of :data:`DEFAULTS`. Every value remembers where it came from.
"""

from __future__ import annotations

import getpass
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from desktop.core.errors import UsageError
from desktop.core.media.previews import PreviewSettings

APP = "veil"

DEFAULTS: dict[str, Any] = {
    "db_url": None,  # None: the SQLite file in the user data folder
    "user": None,  # None: the operating-system login name
    "lease_minutes": 10,
    "undo_grace_minutes": 5,
    "busy_timeout_ms": 5000,
    # Previews: the long edge in pixels, and each blur strength's Gaussian
    # sigma as a percentage of the preview's short side.
    "preview_long_edge": 512,
    "blur_default_percent": 3.0,
    "blur_strong_percent": 6.0,
    "blur_opaque_percent": 12.0,
}
ENVIRONMENT = {
    "db_url": "VEIL_DB_URL",
    "user": "VEIL_USER",
    "busy_timeout_ms": "VEIL_BUSY_TIMEOUT_MS",
}


def data_dir() -> Path:
    override = os.environ.get("VEIL_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path(APP, appauthor=False)


def user_config_file() -> Path:
    override = os.environ.get("VEIL_CONFIG")
    if override:
        return Path(override)
    return platformdirs.user_config_path(APP, appauthor=False) / "config.toml"


def system_config_file() -> Path:
    override = os.environ.get("VEIL_SYSTEM_CONFIG")
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Veil" / "config.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Veil/config.toml")
    return Path("/etc/veil/config.toml")


@dataclass
class Settings:
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values[key]

    @property
    def db_url(self) -> str:
        url = self.values["db_url"]
        if url:
            return str(url)
        return f"sqlite:///{data_dir() / 'veil.sqlite3'}"

    @property
    def user(self) -> str:
        return str(self.values["user"] or getpass.getuser())

    def preview(self) -> PreviewSettings:
        edge = int(self.values["preview_long_edge"])
        if not 64 <= edge <= 4096:
            raise UsageError(f"setting preview_long_edge from {self.origins['preview_long_edge']} must be 64 to 4096")
        return PreviewSettings(
            long_edge=edge,
            default=self.values["blur_default_percent"] / 100,
            strong=self.values["blur_strong_percent"] / 100,
            opaque=self.values["blur_opaque_percent"] / 100,
        )

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {key: {"value": self.values[key], "from": self.origins[key]} for key in self.values}


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise UsageError(f"cannot read settings file {path}: {err}") from None
    unknown = sorted(set(data) - set(DEFAULTS))
    if unknown:
        raise UsageError(f"{path}: unknown setting {unknown[0]!r} (known: {', '.join(DEFAULTS)})")
    return data


def _typed(key: str, value: Any, origin: str) -> Any:
    default = DEFAULTS[key]
    if isinstance(default, float):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise UsageError(f"setting {key} from {origin} must be a number, not {value!r}") from None
        if not 0 < number <= 50:
            raise UsageError(f"setting {key} from {origin} must be above 0 and at most 50")
        return number
    if isinstance(default, int) and not isinstance(default, bool):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise UsageError(f"setting {key} from {origin} must be a whole number, not {value!r}") from None
        if number <= 0:
            raise UsageError(f"setting {key} from {origin} must be positive")
        return number
    return None if value in (None, "") else str(value)


def load(overrides: dict[str, Any] | None = None) -> Settings:
    """Settings from every source; ``overrides`` are the command line's."""
    settings = Settings()
    layers: list[tuple[str, dict[str, Any]]] = [
        ("default", DEFAULTS),
        (str(system_config_file()), _read(system_config_file())),
        (str(user_config_file()), _read(user_config_file())),
        ("environment", {k: os.environ[v] for k, v in ENVIRONMENT.items() if os.environ.get(v)}),
        ("command line", {k: v for k, v in (overrides or {}).items() if v is not None}),
    ]
    for origin, layer in layers:
        for key, value in layer.items():
            settings.values[key] = _typed(key, value, origin)
            settings.origins[key] = origin
    return settings
