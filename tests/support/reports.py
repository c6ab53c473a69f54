"""A report as :func:`desktop.core.supervision.reports.report` returns it, for the tests of what shows one."""

from __future__ import annotations

from datetime import UTC, datetime

from desktop.domain.reports import Agreement, AgreementFigure, DayExposure, Quantiles, Report

HEAD = "3f" * 32


def sample_report(*, agreement: bool = True) -> Report:
    """Two days of a small team's work, as :func:`desktop.core.supervision.reports.report` would return it."""
    figure = AgreementFigure
    return Report(
        since=datetime(2026, 11, 20, tzinfo=UTC),
        until=None,
        generated_at=datetime(2026, 11, 21, 17, 30, tzinfo=UTC),
        start=datetime(2026, 11, 20, tzinfo=UTC),
        end=datetime(2026, 11, 21, 17, 30, tzinfo=UTC),
        decisions=37,
        by_action={"approve": 12, "warn": 19, "remove": 4, "escalate": 2},
        by_label={"graphic-violence": 15, "medical": 6, "newsworthy": 3},
        label_names={"graphic-violence": "Graphic violence", "medical": "Medical", "newsworthy": "Newsworthy"},
        by_moderator={"amira": 21, "bogdan": 14, "sofia": 2},
        decisions_per_day={"2026-11-20": 23, "2026-11-21": 14},
        decisions_per_hour={f"{h:02d}": (3 if 9 <= h <= 17 else 0) + (10 if h == 11 else 0) for h in range(24)},
        queue_depth={"2026-11-20": 11, "2026-11-21": 7},
        time_to_decision_s=Quantiles(35, 2520.0, 15840.0),
        exposure_s_by_moderator={"amira": 754.5, "bogdan": 301.0},
        graphic_s_by_moderator={"amira": 3120.0, "bogdan": 1980.0},
        exposure_by_moderator_day={
            "amira": {
                "2026-11-20": DayExposure(500.5, 2000.0, 14),
                "2026-11-21": DayExposure(254.0, 1120.0, 9),
            },
            "bogdan": {"2026-11-21": DayExposure(301.0, 1980.0, 12)},
        },
        graphic_items_by_moderator_day={"amira": {"2026-11-20": 14, "2026-11-21": 9}, "bogdan": {"2026-11-21": 12}},
        overrides=3,
        escalations_open=1,
        escalations_resolved=1,
        agreement=Agreement(
            overall=figure(8, 75.0, 0.6),
            by_moderator={"amira": figure(5, 80.0, 0.71), "bogdan": figure(3, 66.66666666666667, 0.4)},
            by_label={"graphic-violence": figure(8, 87.5, 0.75)},
        )
        if agreement
        else Agreement(),
        audit_events=412,
        audit_head_hash=HEAD,
    )
