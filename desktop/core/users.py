"""The old name of :mod:`desktop.core.people.users`, for desktop/cli.py alone.

Goes when the command line calls only the application layer; nothing else imports it.
"""

from desktop.core.people.users import add_user, list_users, set_disabled, set_password

__all__ = ["add_user", "list_users", "set_disabled", "set_password"]
