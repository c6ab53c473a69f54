"""Warning labels, decision actions and reason codes, as values; and what a decision must carry."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.domain.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from desktop.domain.review import Action


DEFAULT_SETTINGS = ("hide", "warn", "ignore")


BLURS = ("media", "content", "none")


SEVERITIES = ("alert", "inform", "none")


AGE_GATES = (None, 18, 21)


@dataclass(frozen=True)
class LabelInfo:
    code: str
    name: str
    description: str
    default_setting: str
    blurs: str
    severity: str
    age_gate: int | None
    equivalents: dict[str, str] = field(default_factory=dict)
    accompanies_only: bool = False
    active: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "default": self.default_setting,
            "blurs": self.blurs,
            "severity": self.severity,
            "age_gate": self.age_gate,
            "equivalents": dict(self.equivalents),
            "accompanies_only": self.accompanies_only,
            "active": self.active,
        }


@dataclass(frozen=True)
class ReasonInfo:
    kind: str
    code: str
    name: str
    description: str
    withholds_media: bool


class Requires(enum.StrEnum):
    """What a decision of an action must carry: the taxonomy file's ``requires``."""

    NOTHING = "nothing"  # neither labels nor a reason
    LABEL = "label"  # at least one label that describes the content, no reason
    REASON = "reason"  # a reason code of the action's kind; labels may go with it


@dataclass(frozen=True)
class ActionInfo:
    code: Action
    name: str
    key: str
    requires: Requires


@dataclass(frozen=True)
class Taxonomy:
    labels: list[LabelInfo]
    reasons: list[ReasonInfo]
    actions: list[ActionInfo]


class Lack(enum.Enum):
    """What keeps a decision from being recorded (see :func:`decision_problem`)."""

    LABELS_REFUSED = "labels refused"  # the action takes no labels
    REASON_REFUSED = "reason refused"  # the action takes no reason
    LABEL_MISSING = "label missing"  # the action needs a label
    CONTENT_LABEL_MISSING = "content label missing"  # every label given only accompanies another
    REASON_MISSING = "reason missing"  # the action needs a reason


@dataclass(frozen=True)
class DecisionProblem:
    lack: Lack
    message: str  # in words, as the service refuses it; a window may say it its own way for its keys

    def __str__(self) -> str:
        return self.message


def requirement(action: Action, actions: Sequence[ActionInfo]) -> Requires:
    """What ``actions`` (the taxonomy's) say a decision of ``action`` must carry."""
    for info in actions:
        if info.code == action:
            return info.requires
    raise UsageError(f"{action.value} is not a decision")


def decision_problem(
    action: Action, labels: Sequence[LabelInfo], reason: str | None, actions: Sequence[ActionInfo]
) -> DecisionProblem | None:
    """Why a decision of ``action`` with ``labels`` and ``reason`` cannot be recorded; None when it can.

    The one statement of what each action requires (:class:`Requires`), for
    the service that refuses a decision and the windows that say what one
    lacks before it is sent. Whether the codes exist is for the database
    to say; this is about what is given. Labels that all only accompany
    another label (newsworthy) describe nothing, whatever the action.
    """
    requires = requirement(action, actions)
    if labels and all(label.accompanies_only for label in labels):
        codes = ", ".join(label.code for label in labels)
        return DecisionProblem(
            Lack.CONTENT_LABEL_MISSING,
            f"{codes} only accompanies another label; add the label that describes the content",
        )
    if requires is Requires.NOTHING and labels:
        labelled = next((a for a in actions if a.requires is Requires.LABEL), None)
        instead = f"; use {labelled.code.value} to {labelled.name.lower()} labels" if labelled else ""
        return DecisionProblem(Lack.LABELS_REFUSED, f"{action.value} takes no labels{instead}")
    if requires is Requires.LABEL and not labels:
        return DecisionProblem(
            Lack.LABEL_MISSING, f"{action.value} needs at least one label (--label CODE; see: veil labels list)"
        )
    if requires is not Requires.REASON and reason:
        said = "takes no reason" if requires is Requires.NOTHING else "takes labels, not a reason"
        return DecisionProblem(Lack.REASON_REFUSED, f"{action.value} {said}")
    if requires is Requires.REASON and not reason:
        return DecisionProblem(Lack.REASON_MISSING, f"{action.value} needs a reason code (see: veil labels reasons)")
    return None
