"""The old name of :mod:`desktop.core.supervision.export`, for desktop/cli.py alone.

Goes when the command line calls only the application layer; nothing else imports it.
"""

from desktop.core.supervision.export import decision_rows, write_csv, write_jsonl

__all__ = ["decision_rows", "write_csv", "write_jsonl"]
