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
import json
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    from desktop.core.media.previews import PreviewSettings

APP = "veil"

DEFAULTS: dict[str, Any] = {
    "db_url": None,  # None: the SQLite file in the user data folder
    # A folder (often a network share) ingest copies originals into, so that
    # every workstation can open them; None: media stay where they were found.
    "media_store": None,
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
    # The review window. Blurred and greyscale is the default view; a setting
    # changes the default, never what a reviewer can do for one item.
    "greyscale": True,
    "s3_warning_screen": True,  # False: S3 items show the strong blur instead of a warning
    "theme": "dark",
    "font_size_pt": 12,
    # Care: a break reminder after this much reveal time or this many S2+
    # items, and a daily budget of time spent on graphic (S2+) items.
    "break_reveal_minutes": 20,
    "break_graphic_items": 60,
    "daily_budget_minutes": 240,
    # Video plays only when asked, muted, at this speed, with jumps of this length.
    "video_speed": 1.5,
    "video_jump_seconds": 5,
}
# The system file's list of keys users may not change.
LOCKED = "locked"
# Settings with a fixed set of values, and numbers with bounds other than "positive".
CHOICES: dict[str, tuple[str, ...]] = {"theme": ("dark", "light")}
RANGES: dict[str, tuple[float, float]] = {
    "blur_default_percent": (0.1, 50),
    "blur_strong_percent": (0.1, 50),
    "blur_opaque_percent": (0.1, 50),
    "font_size_pt": (8, 32),
    "video_speed": (0.25, 4),
    "video_jump_seconds": (1, 600),
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
    # Only a checkout (tests, development) may read another system file: in
    # the installed program a user could otherwise point Veil at a file of
    # their own and shed the settings IT locked.
    if override and not getattr(sys, "frozen", False):
        return Path(override)
    if sys.platform == "win32":
        # C:\ProgramData, asked of Windows itself (SHGetFolderPath): the
        # %PROGRAMDATA% variable, and platformdirs' WIN_PD_OVERRIDE_*, are the
        # user's to change, and with them which file locks their settings.
        from platformdirs.windows import get_win_folder_via_ctypes

        return Path(get_win_folder_via_ctypes("CSIDL_COMMON_APPDATA")) / "Veil" / "config.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Veil/config.toml")
    return Path("/etc/veil/config.toml")


@dataclass
class Settings:
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()  # keys only the system file sets

    def get(self, key: str) -> Any:
        return self.values[key]

    @property
    def db_url(self) -> str:
        url = self.values["db_url"]
        if url:
            return str(url)
        return f"sqlite:///{data_dir() / 'veil.sqlite3'}"

    @property
    def media_store(self) -> Path | None:
        folder = self.values["media_store"]
        return Path(folder).expanduser() if folder else None

    @property
    def user(self) -> str:
        return str(self.values["user"] or getpass.getuser())

    def preview(self) -> PreviewSettings:
        # Here, not at the top: the previews module loads Pillow, which
        # commands that only read settings (veil --help, veil queue) never need.
        from desktop.core.media.previews import PreviewSettings

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


def _read(path: Path, *, system: bool = False) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise UsageError(f"cannot read settings file {path}: {err}") from None
    if system:
        data = dict(data)
        locked = data.pop(LOCKED, [])
        if not isinstance(locked, list) or not all(isinstance(k, str) and k in DEFAULTS for k in locked):
            raise UsageError(f"{path}: {LOCKED} must be a list of setting names (known: {', '.join(DEFAULTS)})")
        data[LOCKED] = locked
    unknown = sorted(set(data) - set(DEFAULTS) - ({LOCKED} if system else set()))
    if unknown:
        raise UsageError(f"{path}: unknown setting {unknown[0]!r} (known: {', '.join(DEFAULTS)})")
    return data


def _typed(key: str, value: Any, origin: str) -> Any:
    default = DEFAULTS[key]
    low, high = RANGES.get(key, (1, float("inf")))
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "on", "1"):
            return True
        if text in ("false", "no", "off", "0"):
            return False
        raise UsageError(f"setting {key} from {origin} must be true or false, not {value!r}")
    if isinstance(default, float):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise UsageError(f"setting {key} from {origin} must be a number, not {value!r}") from None
        if not low <= number <= high:
            raise UsageError(f"setting {key} from {origin} must be from {low:g} to {high:g}")
        return number
    if isinstance(default, int):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise UsageError(f"setting {key} from {origin} must be a whole number, not {value!r}") from None
        if number <= 0:
            raise UsageError(f"setting {key} from {origin} must be positive")
        if not low <= number <= high:
            raise UsageError(f"setting {key} from {origin} must be from {low:g} to {high:g}")
        return number
    chosen = None if value in (None, "") else str(value)
    if key in CHOICES and chosen not in CHOICES[key]:
        raise UsageError(f"setting {key} from {origin} must be one of {', '.join(CHOICES[key])}, not {value!r}")
    return chosen


def save_user(changes: dict[str, Any]) -> Path:
    """Write ``changes`` into the user's settings file, keeping its other keys.

    Values are checked first, so a bad value is refused before anything is
    written; the file is replaced in one step (written beside, then renamed).
    """
    path = user_config_file()
    data = _read(path)
    locked = load().locked
    for key, value in changes.items():
        if key not in DEFAULTS:
            raise UsageError(f"unknown setting {key!r}")
        if key in locked:
            raise UsageError(f"{key} is locked by your administrator in {system_config_file()}")
        checked = _typed(key, value, "the settings dialog")
        if checked is None:
            data.pop(key, None)
        else:
            data[key] = checked
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Veil's settings for this user; written by the settings dialog, editable by hand."]
    lines += [f"{key} = {_toml(value)}" for key, value in sorted(data.items())]
    temporary = path.with_name(path.name + ".new")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    # A TOML basic string: JSON's escapes are valid TOML escapes.
    return json.dumps(str(value), ensure_ascii=False)


def load(overrides: dict[str, Any] | None = None) -> Settings:
    """Settings from every source; ``overrides`` are the command line's.

    The system file may lock keys (``locked = ["db_url", ...]``): for those,
    what the user's file or the environment say is ignored, so a workstation
    stays on the database and blur IT chose; a command-line option for one
    is refused (someone typed it and expects it to apply).
    """
    settings = Settings()
    system = _read(system_config_file(), system=True)
    settings.locked = frozenset(system.pop(LOCKED, []))
    layers: list[tuple[str, dict[str, Any]]] = [
        ("default", DEFAULTS),
        (str(system_config_file()), system),
        (str(user_config_file()), _read(user_config_file())),
        ("environment", {k: os.environ[v] for k, v in ENVIRONMENT.items() if os.environ.get(v)}),
        ("command line", {k: v for k, v in (overrides or {}).items() if v is not None}),
    ]
    for n, (origin, layer) in enumerate(layers):
        for key, value in layer.items():
            if n >= 2 and key in settings.locked:
                if origin == "command line":
                    raise UsageError(f"{key} is locked by your administrator in {system_config_file()}")
                continue  # the administrator's value stands
            settings.values[key] = _typed(key, value, origin)
            settings.origins[key] = origin
    return settings
