"""The old name of :mod:`desktop.core.supervision.qa`, for desktop/cli.py alone.

Goes when the command line calls only the application layer; nothing else imports it.
"""

from desktop.core.supervision.qa import agreement, claim_next, decide, parse_rate, sample

__all__ = ["agreement", "claim_next", "decide", "parse_rate", "sample"]
