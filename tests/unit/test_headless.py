"""The command line and the core never load Qt."""

from __future__ import annotations

import subprocess
import sys


def test_cli_and_core_import_without_qt() -> None:
    code = (
        "import sys, desktop.cli, desktop.core.review, desktop.core.audit, db.models, db.migrate; "
        "import desktop.core.supervision.report_pdf; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "[]"
