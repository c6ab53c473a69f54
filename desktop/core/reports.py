"""The old name of :mod:`desktop.core.supervision.reports`, for desktop/cli.py alone.

Goes when the command line calls only the application layer; nothing else imports it.
"""

from desktop.core.supervision.reports import open_escalations, report

__all__ = ["open_escalations", "report"]
