"""Decisions in words, for the audit view, the override dialog and the feedback list.

The core records codes ("remove", "gratuitous", "graphic-violence"); people
read names ("Remove — Gratuitous"). Names come from the database's own
taxonomy, so a label an admin renamed reads as it is called now.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.domain.review import ACTION_NAMES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from desktop.domain.review import Action
    from desktop.domain.taxonomy import LabelInfo, ReasonInfo


@dataclass(frozen=True)
class Names:
    """Label and reason names by code."""

    labels: Mapping[str, str]
    reasons: Mapping[tuple[str, str], str]  # (kind, code): kind is "remove" or "escalate"

    @classmethod
    def of(cls, labels: Iterable[LabelInfo], reasons: Mapping[str, Iterable[ReasonInfo]]) -> Names:
        return cls(
            {label.code: label.name for label in labels},
            {(kind, r.code): r.name for kind, found in reasons.items() for r in found},
        )

    def label(self, code: str) -> str:
        return self.labels.get(code, code)

    def reason(self, action: Action, code: str) -> str:
        return self.reasons.get((action.value, code), code)


NO_NAMES = Names({}, {})


def action_name(action: Action, *, short: bool = False) -> str:
    """The action as the window names it ("Approve with warning"), or with
    ``short``, for a table's narrow column, its own word ("Warn")."""
    if short:
        return action.value.capitalize()
    return ACTION_NAMES.get(action, action.value)


def decision_text(
    action: Action, labels: Sequence[str], reason: str | None, names: Names = NO_NAMES, *, short: bool = False
) -> str:
    """A decision in words: "Remove — Gratuitous", "Approve with warning: Graphic violence, Newsworthy"."""
    text = action_name(action, short=short)
    if reason:
        text += f" — {names.reason(action, reason)}"
    if labels:
        text += ": " + ", ".join(names.label(code) for code in labels)
    return text


def when(moment: datetime, *, seconds: bool = False) -> str:
    """``moment`` in the reader's time zone, sortable by eye: "2026-11-20 09:01"."""
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M:%S}" if seconds else f"{local:%Y-%m-%d %H:%M}"


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip shown exactly as written.

    Qt guesses whether a tooltip is rich text; item text and notes are
    untrusted, and a post that starts with a tag would otherwise be drawn
    as HTML. Escaped and wrapped, it is always shown as the words it is.
    """
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>" if text else ""
