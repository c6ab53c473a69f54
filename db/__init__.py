"""Persistence for Veil: SQLAlchemy models, engines and Alembic migrations.

This package knows nothing of the application (no ``desktop`` import) and
nothing of Qt, so every part of it runs headless.
"""
