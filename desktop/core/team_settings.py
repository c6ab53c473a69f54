"""The old name of :mod:`desktop.core.people.team_settings`, for desktop/cli.py alone.

Goes when the command line calls only the application layer; nothing else imports it.
"""

from desktop.core.people.team_settings import listing, parse_bool, set_value

__all__ = ["listing", "parse_bool", "set_value"]
