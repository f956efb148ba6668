"""A tiny three-file workspace (strategy, interview, metrics) for fast pipeline and CLI tests."""

from __future__ import annotations

from pathlib import Path

STRATEGY = """---
kind: strategy
title: Acme strategy
team: leadership
date: 2026-07-01
---
# Acme strategy

## O1 Grow self-serve

Self-serve teams should reach value in their first week. KR1.1 Raise activation from 30% to 40%.

## O2 Win enterprise

Enterprise buyers need SSO and audit logs before they sign.
"""

INTERVIEW = """---
kind: interview
title: Call with Delta Freight
team: growth
date: 2026-09-02
company: Delta Freight
participant: Rosa Vega
interviewer: Sam Ito
---
Sam Ito: How do you onboard new dispatchers today?
Rosa Vega: We create every account by hand, which takes a whole afternoon each month. We would pay for SCIM.
Sam Ito: What else slows you down?
Rosa Vega: Exporting the weekly report to a spreadsheet times out when the range is longer than a month.
"""

METRICS = "week,weekly_active_teams\n2026-06-01,1840\n2026-06-08,1875\n2026-06-15,1902\n"


def make_workspace(root: Path) -> Path:
    (root / "strategy").mkdir(parents=True)
    (root / "interviews").mkdir()
    (root / "metrics").mkdir()
    (root / "strategy" / "plan.md").write_text(STRATEGY)
    (root / "interviews" / "delta.md").write_text(INTERVIEW)
    (root / "metrics" / "wat.csv").write_text(METRICS)
    return root
