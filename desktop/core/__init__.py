"""Headless domain logic over the database, by area. Never imports Qt.

Each area imports only areas below it (the contracts in pyproject.toml hold
this); areas on one line do not know each other:

    workspace               opening a database: checks, upgrade, seed, who works on it
    supervision/ ingest/    second review, reports, exports, the decision log / reading inputs, storing items
    review/                 the queue in review order, claims, decisions, what an item shows
    people/ taxonomy care   users and team settings / labels, reasons, actions / reviewers' exposure
    audit                   the hash-chained audit log
    text/ media/            markers, cues and language / fingerprints, previews, video, originals
    clock resources transactions

``qa``, ``reports``, ``report_pdf``, ``export``, ``users`` and ``team_settings``
at this level are the old names the command line (desktop/cli.py) still
imports; they forward to supervision/ and people/ and go with it.
"""
