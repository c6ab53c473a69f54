"""Settings come from the strongest source, and say which one."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from desktop import config
from desktop.domain.errors import UsageError


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_precedence_command_line_env_user_system_default(monkeypatch: pytest.MonkeyPatch) -> None:
    _write(config.system_config_file(), 'db_url = "sqlite:////system.db"\nuser = "sys"\nlease_minutes = 7\n')
    _write(config.user_config_file(), 'user = "me"\nlease_minutes = 12\n')
    monkeypatch.setenv("VEIL_USER", "env-user")

    settings = config.load({"db_url": "sqlite:////cli.db"})

    assert settings.db_url == "sqlite:////cli.db"
    assert settings.origins["db_url"] == "command line"
    assert settings.user == "env-user" and settings.origins["user"] == "environment"
    assert settings.values.lease_minutes == 12
    assert settings.origins["lease_minutes"] == str(config.user_config_file())
    assert settings.values.undo_grace_minutes == 5 and settings.origins["undo_grace_minutes"] == "default"


def test_default_database_lives_in_the_user_data_folder() -> None:
    settings = config.load()
    assert settings.db_url == f"sqlite:///{config.data_dir() / 'veil.sqlite3'}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lease_minutes = ", "cannot read settings file"),
        ("colour = 'red'\n", "unknown setting 'colour'"),
        ("lease_minutes = 'soon'\n", "must be a whole number"),
        ("lease_minutes = 0\n", "must be positive"),
    ],
)
def test_bad_settings_files_are_named(text: str, message: str) -> None:
    _write(config.user_config_file(), text)
    with pytest.raises(UsageError, match=message) as caught:
        config.load()
    assert "\n" not in str(caught.value)


def test_the_system_file_can_lock_settings_against_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    _write(
        config.system_config_file(),
        'db_url = "postgresql://veil@db.example/veil"\nblur_default_percent = 4.0\n'
        'locked = ["db_url", "blur_default_percent"]\n',
    )
    _write(config.user_config_file(), 'db_url = "sqlite:////home/me/mine.db"\ntheme = "light"\n')
    monkeypatch.setenv("VEIL_DB_URL", "sqlite:////tmp/elsewhere.db")

    with pytest.raises(UsageError, match="db_url is locked by your administrator"):
        config.load({"db_url": "sqlite:////cli.db"})
    settings = config.load({"theme": "dark"})

    assert settings.locked == {"db_url", "blur_default_percent"}
    assert settings.values.db_url == "postgresql://veil@db.example/veil"
    assert settings.origins["db_url"] == str(config.system_config_file())
    assert settings.values.theme == "dark"  # not locked: the command line beats the user's file
    with pytest.raises(UsageError, match="locked by your administrator"):
        config.save_user({"blur_default_percent": 9.0})
    assert "blur_default_percent" not in config.user_config_file().read_text(encoding="utf-8")


def test_the_user_file_round_trips_text_that_needs_escaping() -> None:
    _write(config.user_config_file(), 'theme = "light"\n')
    changes = {
        "media_store": "\\\\server\\share\\veil",  # a Windows network share
        "user": "Амира",
        "db_url": 'postgresql+psycopg://veil:a"b\\c@db.example/veil',  # a password with a quote and a backslash
    }
    path = config.save_user(changes)

    assert tomllib.loads(path.read_text(encoding="utf-8")) == {**changes, "theme": "light"}
    settings = config.load()
    assert settings.media_store == Path("\\\\server\\share\\veil")
    assert settings.user == "Амира"
    assert settings.db_url == changes["db_url"]
    assert {settings.origins[key] for key in changes} == {str(path)}


def test_a_bad_lock_list_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    _write(config.system_config_file(), 'locked = ["colour"]\n')
    with pytest.raises(UsageError, match="locked must be a list of setting names"):
        config.load()


def test_the_installed_template_is_all_defaults_until_edited() -> None:
    """packaging/config.toml: loads as is, and every commented-out key, once
    uncommented, is a real setting whose value there is the default."""
    from tests.conftest import REPO

    template = (REPO / "packaging" / "config.toml").read_text(encoding="utf-8")
    _write(config.system_config_file(), template)
    assert config.load().origins == dict.fromkeys(config.KEYS, "default")

    uncommented = "\n".join(line.removeprefix("#") if "=" in line else line for line in template.splitlines())
    _write(config.system_config_file(), uncommented)
    settings = config.load()
    system = str(config.system_config_file())
    examples = {"db_url", "media_store"}
    set_there = {key for key, origin in settings.origins.items() if origin == system}
    assert set_there == set(config.KEYS) - {
        "user",
        "busy_timeout_ms",
        "theme",
        "font_size_pt",
        "video_speed",
        "video_jump_seconds",
    }
    for key in set_there - examples:
        assert getattr(settings.values, key) == getattr(config.Values(), key), key
    assert settings.locked == {"db_url", "media_store", "s3_warning_screen", "daily_budget_minutes"}


def test_the_tables_beside_the_settings_name_real_ones() -> None:
    # Values types each setting; these tables still name them by string.
    named = set(config.CHOICES) | set(config.RANGES) | set(config.ENVIRONMENT)
    assert named <= set(config.KEYS)
    assert {config.TYPES[key] for key in config.RANGES} <= {int, float}
    assert {config.TYPES[key] for key in config.CHOICES} == {str}
