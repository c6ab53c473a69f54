"""The bundled program's entry point (PyInstaller runs this file as ``__main__``).

Ingest hashes files in spawned worker processes and decodes video in
forkserver children; in a frozen program those children are started by
running the bundle's executable again with multiprocessing's own arguments,
which only :func:`multiprocessing.freeze_support` recognises. It must run
before anything else.

On Windows and macOS the bundle has a second, windowed executable,
``veilw``, for the Start menu and the Dock: it has no console, and with it
the program opens the review window.
"""

import multiprocessing
import sys
from pathlib import Path

if __name__ == "__main__":
    multiprocessing.freeze_support()
    # Alembic imports the migration scripts from their .py files; Python
    # would cache them beside those files, inside the installed program,
    # where they would outlive an uninstall (and root would own them).
    sys.dont_write_bytecode = True

    from desktop.cli import main

    argv = sys.argv[1:]
    if Path(sys.executable).stem.lower() == "veilw":
        argv = ["gui", *argv]
    sys.exit(main(argv))
