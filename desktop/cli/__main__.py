"""``python -m desktop.cli``: the ``veil`` command."""

import sys

from desktop.cli import main

sys.exit(main())
