"""Alembic environment: always run from code with a connection handed in.

``db.migrate`` builds the Config and puts an open connection in
``config.attributes["connection"]`` (Alembic cookbook, "Sharing a Connection
across one or more programmatic migration commands").
"""

from alembic import context
from sqlalchemy import Connection

from db.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("Veil's migrations run through db.migrate.upgrade(), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch rebuilds the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
