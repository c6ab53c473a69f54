"""The old name of :mod:`desktop.core.supervision.report_pdf`, for desktop/cli.py alone.

Goes when the command line calls only the application layer; nothing else imports it.
"""

from desktop.core.supervision.report_pdf import write_pdf

__all__ = ["write_pdf"]
