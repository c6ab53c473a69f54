"""Readers turn inputs into drafts (:mod:`desktop.domain.ingest`); :mod:`.store` writes them.

Every reader, whatever its format, yields the same drafts, so storing,
de-duplication and the ingest report are written once.
"""
