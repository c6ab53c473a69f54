"""Settings, from the strongest source to the weakest:

command line > environment (``VEIL_*``) > user file > system file > defaults.

The user file is ``config.toml`` in the user config folder (platformdirs);
the system file is ``/etc/veil/config.toml`` on Linux,
``C:\\ProgramData\\Veil\\config.toml`` on Windows and
``/Library/Application Support/Veil/config.toml`` on macOS. Both are TOML with
the keys of :class:`Values`. Every value remembers where it came from.
"""

from __future__ import annotations

import ctypes
import getpass
import os
import sys
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_type_hints

import platformdirs
import tomli_w

from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    from desktop.domain.previews import PreviewSettings

APP = "veil"


@dataclass(frozen=True)
class Values:
    """Every setting, with its type and its default."""

    db_url: str | None = None  # None: the SQLite file in the user data folder
    # A folder (often a network share) ingest copies originals into, so that
    # every workstation can open them; None: media stay where they were found.
    media_store: str | None = None
    user: str | None = None  # None: the operating-system login name
    lease_minutes: int = 10
    undo_grace_minutes: int = 5
    busy_timeout_ms: int = 5000
    # Previews: the long edge in pixels, and each blur strength's Gaussian
    # sigma as a percentage of the preview's short side.
    preview_long_edge: int = 512
    blur_default_percent: float = 3.0
    blur_strong_percent: float = 6.0
    blur_opaque_percent: float = 12.0
    # The review window. Blurred and greyscale is the default view; a setting
    # changes the default, never what a reviewer can do for one item.
    greyscale: bool = True
    s3_warning_screen: bool = True  # False: S3 items show the strong blur instead of a warning
    theme: str = "dark"
    font_size_pt: int = 12
    # Care: a break reminder after this much reveal time or this many S2+
    # items, and a daily budget of time spent on graphic (S2+) items.
    break_reveal_minutes: int = 20
    break_graphic_items: int = 60
    daily_budget_minutes: int = 240
    # Video plays only when asked, muted, at this speed, with jumps of this length.
    video_speed: float = 1.5
    video_jump_seconds: int = 5


KEYS = tuple(f.name for f in fields(Values))
# What each setting holds: bool, int, float, or str for the text ones (where None is "not set").
TYPES: dict[str, type] = {
    key: hint if hint in (bool, int, float) else str for key, hint in get_type_hints(Values).items()
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


def log_dir() -> Path:
    """Where Veil keeps its log (``VEIL_LOG_DIR`` for tests)."""
    override = os.environ.get("VEIL_LOG_DIR")
    return Path(override) if override else platformdirs.user_log_path(APP, appauthor=False)


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
        return _program_data() / "Veil" / "config.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Veil/config.toml")
    return Path("/etc/veil/config.toml")


if sys.platform == "win32":
    _CSIDL_COMMON_APPDATA = 0x23  # ShlObj.h: the all-users application data folder
    _SHGFP_TYPE_CURRENT = 0
    _MAX_PATH = 260

    def _program_data() -> Path:
        """C:\\ProgramData, asked of Windows itself (SHGetFolderPathW).

        Not the %PROGRAMDATA% variable, nor anything platformdirs reads from
        the environment: those are the user's to change, and with them which
        file locks their settings.
        """
        buffer = ctypes.create_unicode_buffer(_MAX_PATH)
        result = ctypes.windll.shell32.SHGetFolderPathW(None, _CSIDL_COMMON_APPDATA, None, _SHGFP_TYPE_CURRENT, buffer)
        if result != 0:  # an HRESULT: 0 is S_OK
            raise UsageError(f"Windows did not say where ProgramData is (error {result & 0xFFFFFFFF:#010x})")
        return Path(buffer.value)


@dataclass(frozen=True)
class Settings:
    values: Values = field(default_factory=Values)
    origins: dict[str, str] = field(default_factory=lambda: dict.fromkeys(KEYS, "default"))
    locked: frozenset[str] = frozenset()  # keys only the system file sets

    @property
    def db_url(self) -> str:
        url = self.values.db_url
        if url:
            return url
        return f"sqlite:///{data_dir() / 'veil.sqlite3'}"

    @property
    def media_store(self) -> Path | None:
        folder = self.values.media_store
        return Path(folder).expanduser() if folder else None

    @property
    def store_journal(self) -> Path:
        """This workstation's journals of the copies its ingests make into the media store."""
        return data_dir() / "store-journal"

    @property
    def user(self) -> str:
        return self.values.user or getpass.getuser()

    def preview(self) -> PreviewSettings:
        # Here, not at the top: the previews module loads Pillow, which
        # commands that only read settings (veil --help, veil queue) never need.
        from desktop.domain.previews import PreviewSettings

        edge = self.values.preview_long_edge
        if not 64 <= edge <= 4096:
            raise UsageError(f"setting preview_long_edge from {self.origins['preview_long_edge']} must be 64 to 4096")
        return PreviewSettings(
            long_edge=edge,
            default=self.values.blur_default_percent / 100,
            strong=self.values.blur_strong_percent / 100,
            opaque=self.values.blur_opaque_percent / 100,
        )

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {key: {"value": getattr(self.values, key), "from": self.origins[key]} for key in KEYS}


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
        if not isinstance(locked, list) or not all(isinstance(k, str) and k in KEYS for k in locked):
            raise UsageError(f"{path}: {LOCKED} must be a list of setting names (known: {', '.join(KEYS)})")
        data[LOCKED] = locked
    unknown = sorted(set(data) - set(KEYS) - ({LOCKED} if system else set()))
    if unknown:
        raise UsageError(f"{path}: unknown setting {unknown[0]!r} (known: {', '.join(KEYS)})")
    return data


def _typed(key: str, value: Any, origin: str) -> Any:
    kind = TYPES[key]
    low, high = RANGES.get(key, (1, float("inf")))
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "on", "1"):
            return True
        if text in ("false", "no", "off", "0"):
            return False
        raise UsageError(f"setting {key} from {origin} must be true or false, not {value!r}")
    if kind is float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise UsageError(f"setting {key} from {origin} must be a number, not {value!r}") from None
        if not low <= number <= high:
            raise UsageError(f"setting {key} from {origin} must be from {low:g} to {high:g}")
        return number
    if kind is int:
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
        if key not in KEYS:
            raise UsageError(f"unknown setting {key!r}")
        if key in locked:
            raise UsageError(f"{key} is locked by your administrator in {system_config_file()}")
        checked = _typed(key, value, "the settings dialog")
        if checked is None:
            data.pop(key, None)
        else:
            data[key] = checked
    path.parent.mkdir(parents=True, exist_ok=True)
    heading = "# Veil's settings for this user; written by the settings dialog, editable by hand.\n"
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(heading + tomli_w.dumps(dict(sorted(data.items()))), encoding="utf-8")
    temporary.replace(path)
    return path


def load(overrides: dict[str, Any] | None = None) -> Settings:
    """Settings from every source; ``overrides`` are the command line's.

    The system file may lock keys (``locked = ["db_url", ...]``): for those,
    what the user's file or the environment say is ignored, so a workstation
    stays on the database and blur IT chose; a command-line option for one
    is refused (someone typed it and expects it to apply).
    """
    system = _read(system_config_file(), system=True)
    locked = frozenset(system.pop(LOCKED, []))
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    layers: list[tuple[str, dict[str, Any]]] = [
        ("default", asdict(Values())),
        (str(system_config_file()), system),
        (str(user_config_file()), _read(user_config_file())),
        ("environment", {k: os.environ[v] for k, v in ENVIRONMENT.items() if os.environ.get(v)}),
        ("command line", {k: v for k, v in (overrides or {}).items() if v is not None}),
    ]
    for n, (origin, layer) in enumerate(layers):
        for key, value in layer.items():
            if n >= 2 and key in locked:
                if origin == "command line":
                    raise UsageError(f"{key} is locked by your administrator in {system_config_file()}")
                continue  # the administrator's value stands
            values[key] = _typed(key, value, origin)
            origins[key] = origin
    return Settings(Values(**values), origins, locked)
