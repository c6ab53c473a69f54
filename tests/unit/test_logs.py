"""The log: a private rotating file for window and command line, WARNING and
above on the command line's stderr, tracebacks in the file only."""

from __future__ import annotations

import logging
import stat
from typing import TYPE_CHECKING

import pytest

from desktop import logs

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.expected_log("veil.test", "WARNING")
def test_records_go_to_a_private_file_and_warnings_to_stderr(
    set_up_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    target = logs.set_up(stderr_level=logging.WARNING)
    assert target is not None and target == logs.log_file()
    log = logging.getLogger("veil.test")
    log.info("item %d shown", 41)
    log.warning("media %d has no preview", 7)
    try:
        raise ValueError("a bug")
    except ValueError:
        log.exception("unexpected error")
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = target.read_text(encoding="utf-8")
    assert "item 41 shown" in written and "media 7 has no preview" in written
    assert "Traceback" in written and "ValueError: a bug" in written
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    err = capsys.readouterr().err
    assert "veil: WARNING: media 7 has no preview" in err
    assert "item 41" not in err  # INFO stays in the file
    assert "Traceback" not in err and "unexpected error" not in err  # the terminal gets one line, elsewhere


@pytest.mark.expected_log("PIL", "ERROR")
def test_a_librarys_records_go_to_the_file_not_the_terminal(
    set_up_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    target = logs.set_up(stderr_level=logging.WARNING)
    assert target is not None
    logging.getLogger("PIL.TiffImagePlugin").error("More samples per pixel than can be decoded: %d", 65535)
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "More samples per pixel" in target.read_text(encoding="utf-8")
    assert capsys.readouterr().err == ""  # the ingest report names the file in Veil's words


@pytest.mark.expected_log("veil.test", "WARNING")
def test_setting_up_twice_does_not_double_records(set_up_logging: None) -> None:
    logs.set_up()
    target = logs.set_up()
    assert target is not None
    logging.getLogger("veil.test").warning("once")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert target.read_text(encoding="utf-8").count("once") == 1


@pytest.mark.expected_log("veil.test", "WARNING")
def test_an_unwritable_log_folder_leaves_veil_working(
    set_up_logging: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    monkeypatch.setenv("VEIL_LOG_DIR", str(blocked / "log"))
    assert logs.set_up() is None
    logging.getLogger("veil.test").warning("still fine")
