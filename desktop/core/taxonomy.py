"""Warning labels, decision actions and reason codes.

The bundled ``resources/taxonomy.toml`` seeds an empty database; after that
the database is the source of truth for labels and reasons, and admins
change it through :func:`set_label` and :func:`set_label_active` (audited
like any change). The actions, and what each requires, are the file's
(:func:`actions`). :func:`check_decision` checks a decision against both.
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from db.models import Label, Reason
from desktop.core import audit
from desktop.core.resources import resource
from desktop.domain.errors import NotFound, UsageError
from desktop.domain.people import Actor, Permission
from desktop.domain.review import DECISIONS, Action
from desktop.domain.taxonomy import (
    AGE_GATES,
    BLURS,
    DEFAULT_SETTINGS,
    SEVERITIES,
    ActionInfo,
    LabelInfo,
    ReasonInfo,
    Requires,
    Taxonomy,
    decision_problem,
    requirement,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from pathlib import Path

    from sqlalchemy.orm import Session


def _check_label(raw: dict[str, Any]) -> LabelInfo:
    code = str(raw.get("code", ""))
    where = f"label {code or '(no code)'}"
    try:
        label = LabelInfo(
            code=code,
            name=str(raw["name"]),
            description=str(raw.get("description", "")),
            default_setting=str(raw["default"]),
            blurs=str(raw["blurs"]),
            severity=str(raw["severity"]),
            age_gate=raw.get("age_gate"),
            equivalents={str(k): str(v) for k, v in dict(raw.get("equivalents", {})).items()},
            accompanies_only=bool(raw.get("accompanies_only", False)),
        )
    except KeyError as missing:
        raise UsageError(f"{where}: missing {missing}") from None
    if not code or not code.replace("-", "").isalnum() or code != code.lower():
        raise UsageError(f"{where}: codes are lower-case letters, digits and hyphens")
    for value, allowed, name in (
        (label.default_setting, DEFAULT_SETTINGS, "default"),
        (label.blurs, BLURS, "blurs"),
        (label.severity, SEVERITIES, "severity"),
        (label.age_gate, AGE_GATES, "age_gate"),
    ):
        if value not in allowed:
            raise UsageError(f"{where}: {name} must be one of {allowed}, not {value!r}")
    return label


def load_file(path: Path | None = None) -> Taxonomy:
    """Read and check a taxonomy file (the bundled one by default)."""
    path = path or resource("taxonomy.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"{path}: not valid TOML: {err}") from None
    labels = [_check_label(raw) for raw in data.get("label", [])]
    reasons = [
        ReasonInfo(
            kind=str(raw["kind"]),
            code=str(raw["code"]),
            name=str(raw["name"]),
            description=str(raw.get("description", "")),
            withholds_media=bool(raw.get("withholds_media", False)),
        )
        for raw in data.get("reason", [])
    ]
    actions = [_check_action(raw) for raw in data.get("action", [])]
    if {a.code for a in actions} != set(DECISIONS):
        raise UsageError(f"{path}: the four actions approve, warn, remove, escalate must each be defined")
    if len({label.code for label in labels}) != len(labels):
        raise UsageError(f"{path}: a label code is defined twice")
    return Taxonomy(labels, reasons, actions)


def _check_action(raw: dict[str, Any]) -> ActionInfo:
    code = str(raw.get("code", ""))
    where = f"action {code or '(no code)'}"
    try:
        name, key, requires = str(raw["name"]), str(raw["key"]), str(raw["requires"])
    except KeyError as missing:
        raise UsageError(f"{where}: missing {missing}") from None
    if code not in {a.value for a in DECISIONS}:
        raise UsageError(f"{where}: the actions are approve, warn, remove and escalate")
    if requires not in {r.value for r in Requires}:
        raise UsageError(f"{where}: requires must be one of {[r.value for r in Requires]}, not {requires!r}")
    return ActionInfo(Action(code), name, key, Requires(requires))


@cache
def actions() -> tuple[ActionInfo, ...]:
    """The decisions and what each requires, as the bundled taxonomy file defines them (read once)."""
    return tuple(load_file().actions)


def is_seeded(session: Session) -> bool:
    """Whether the database has a taxonomy: one indexed row looked up, not the labels loaded."""
    return session.scalar(select(Label.code).limit(1)) is not None


def seed_if_empty(session: Session, now: datetime, taxonomy: Taxonomy | None = None) -> bool:
    """Load the bundled taxonomy into a database that has none. True if it did."""
    if session.scalar(select(func.count()).select_from(Label)):
        return False
    taxonomy = taxonomy or load_file()
    for position, label in enumerate(taxonomy.labels):
        session.add(_row(label, position))
    for reason in taxonomy.reasons:
        session.add(
            Reason(
                kind=reason.kind,
                code=reason.code,
                name=reason.name,
                description=reason.description,
                withholds_media=reason.withholds_media,
                active=True,
            )
        )
    audit.append(
        session,
        kind="taxonomy.seed",
        actor=None,
        at=now,
        payload={"labels": [lb.code for lb in taxonomy.labels], "reasons": [r.code for r in taxonomy.reasons]},
    )
    return True


def _row(label: LabelInfo, position: int) -> Label:
    return Label(
        code=label.code,
        name=label.name,
        description=label.description,
        default_setting=label.default_setting,
        blurs=label.blurs,
        severity=label.severity,
        age_gate=label.age_gate,
        equivalents=dict(label.equivalents),
        accompanies_only=label.accompanies_only,
        position=position,
        active=label.active,
    )


def _info(row: Label) -> LabelInfo:
    return LabelInfo(
        code=row.code,
        name=row.name,
        description=row.description,
        default_setting=row.default_setting,
        blurs=row.blurs,
        severity=row.severity,
        age_gate=row.age_gate,
        equivalents=dict(row.equivalents),
        accompanies_only=row.accompanies_only,
        active=row.active,
    )


def labels(session: Session, *, include_inactive: bool = False) -> list[LabelInfo]:
    query = select(Label).order_by(Label.position, Label.code)
    if not include_inactive:
        query = query.where(Label.active.is_(True))
    return [_info(row) for row in session.scalars(query)]


def reasons(session: Session, kind: str) -> list[ReasonInfo]:
    rows = session.scalars(select(Reason).where(Reason.kind == kind, Reason.active.is_(True)).order_by(Reason.code))
    return [ReasonInfo(r.kind, r.code, r.name, r.description, r.withholds_media) for r in rows]


def reasons_by_kind(session: Session) -> dict[str, list[ReasonInfo]]:
    """The active reasons of each action that requires one ("remove", "escalate"), keyed by its code."""
    return {a.code.value: reasons(session, a.code.value) for a in actions() if a.requires is Requires.REASON}


def check_decision(
    session: Session, action: Action, labels: Sequence[str], reason: str | None
) -> tuple[list[str], Reason | None]:
    """A decision's label codes (each once) and its reason's row, checked: every
    code known and active, and what the action requires
    (:func:`desktop.domain.taxonomy.decision_problem`)."""
    wanted = list(dict.fromkeys(labels))
    found = (
        {row.code: row for row in session.scalars(select(Label).where(Label.code.in_(wanted), Label.active.is_(True)))}
        if wanted
        else {}
    )
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise UsageError(f"unknown label code {unknown[0]!r} (see: veil labels list)")
    problem = decision_problem(action, [_info(found[code]) for code in wanted], reason, actions())
    if problem is not None:
        raise UsageError(problem.message)
    if requirement(action, actions()) is not Requires.REASON:
        return wanted, None
    row = session.get(Reason, (action.value, reason))
    if row is None or not row.active:
        raise UsageError(f"unknown {action.value} reason {reason!r} (see: veil labels reasons)")
    return wanted, row


def set_label(session: Session, actor: Actor, label: LabelInfo, now: datetime) -> LabelInfo:
    """Add a label, or change one, by code (admins only)."""
    actor.require(Permission.MANAGE_TAXONOMY)
    checked = _check_label({**label.as_dict(), "default": label.default_setting})
    existing = session.get(Label, checked.code)
    if existing is None:
        position = (session.scalar(select(func.max(Label.position))) or 0) + 1
        session.add(_row(checked, position))
    else:
        fresh = _row(checked, existing.position)
        for column in ("name", "description", "default_setting", "blurs", "severity", "age_gate", "equivalents"):
            setattr(existing, column, getattr(fresh, column))
        existing.accompanies_only = fresh.accompanies_only
    audit.append(session, kind="taxonomy.label", actor=actor.name, at=now, payload=checked.as_dict())
    return checked


def set_label_active(session: Session, actor: Actor, code: str, active: bool, now: datetime) -> None:
    actor.require(Permission.MANAGE_TAXONOMY)
    row = session.get(Label, code)
    if row is None:
        raise NotFound(f"unknown label code {code!r}")
    row.active = active
    audit.append(
        session,
        kind="taxonomy.label.enable" if active else "taxonomy.label.disable",
        actor=actor.name,
        at=now,
        payload={"code": code},
    )
