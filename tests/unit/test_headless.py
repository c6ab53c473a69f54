"""The command line and the core never load Qt, and the command line loads
its heavy libraries only for the commands that need them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop import __version__

# What a command that opens no database and decodes no image must not pay for.
HEAVY = ("PySide6", "numpy", "pdqhash", "PIL", "av", "alembic", "sqlalchemy")


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def test_cli_and_core_import_without_qt() -> None:
    code = (
        "import sys, desktop.cli, desktop.core.review, desktop.core.audit, db.models, db.migrate; "
        "import desktop.core.supervision.report_pdf; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    assert _run(code) == "[]"


@pytest.mark.parametrize(
    "load",
    [
        "import desktop.cli",
        # The whole grammar, every command module with it, and the settings.
        "from desktop.cli.parser import build_parser; build_parser().parse_args(['queue'])",
        "from desktop import config; config.load({})",
    ],
)
def test_the_command_line_loads_no_heavy_library_until_a_command_needs_one(load: str) -> None:
    assert _run(f"import sys; {load}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))") == "[]"


def test_version_loads_nothing_but_the_version() -> None:
    code = (
        "import sys; from desktop.cli import main; code = main(['--version']); "
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('desktop', 'db', 'argparse', 'typing')))"
    )
    assert _run(code).splitlines() == [f"veil {__version__}", "0 ['desktop', 'desktop.cli']"]


@pytest.mark.parametrize(
    "command",
    [
        [str(Path(sys.executable).with_name("veil")), "--version"],  # the installed command
        [sys.executable, "-m", "desktop.cli", "--json", "--version"],  # through the whole parser
    ],
)
def test_veil_version(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"veil {__version__}\n", "")
