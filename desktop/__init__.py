"""Veil: a desktop review queue for graphic material."""

__version__ = "0.1.0"
