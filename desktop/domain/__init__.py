"""Typed values and enums every layer shares: no SQLAlchemy, no Qt.

The application layer (:mod:`desktop.app`) takes and returns these; the
window and the command line present them; :mod:`db.models` stores them.
"""
