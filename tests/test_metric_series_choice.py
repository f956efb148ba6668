"""One metric name in several reports (weekly, monthly): key results are measured on the series whose
granularity they name, or the choice is named; a last period still being counted is never "current"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.config import Settings
from assistant.metrics.series import metrics_report
from assistant.runtime import Runtime
from ingest.pipeline import ingest_paths

WEEKLY = "week,signups\n" + "".join(
    f"{dt.date(2026, 3, 2) + dt.timedelta(weeks=i)},{v}\n" for i, v in enumerate([900, 950, 1000, 1100, 1150])
) + "2026-04-02,120\n"  # three days after the last full week: a partial week
MONTHLY = "month,signups\n2026-01-01,3800\n2026-02-01,4000\n2026-03-01,4300\n"
PLAN = """---
kind: strategy
title: Growth OKRs
---
# Growth OKRs

## O1 Grow sign-ups

- KR1.1 Reach 1,400 weekly signups by 2026-06-30
  - Metric: signups
  - Baseline: 900 (2026-03-02)
  - Target: 1,400
- KR1.2 Reach 5,000 signups by 2026-06-30
  - Metric: signups
  - Baseline: 3,800 (2026-01)
  - Target: 5,000
"""


def test_key_results_use_the_series_they_name_and_skip_a_partial_week(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    (ws / "metrics").mkdir(parents=True)
    (ws / "strategy").mkdir()
    (ws / "metrics" / "weekly_signups.csv").write_text(WEEKLY)
    (ws / "metrics" / "monthly_signups.csv").write_text(MONTHLY)
    (ws / "strategy" / "okrs.md").write_text(PLAN)
    runtime = Runtime(Settings(data_dir=tmp_path / "data"), embedder_factory=lambda: embedder)
    assert not ingest_paths(runtime, [ws], show_progress=False).failed
    report = metrics_report(runtime)
    by_id = {p.kr_id: p for p in report.progress}
    weekly = by_id["KR1.1"]
    assert weekly.series_source == "metrics/weekly_signups.csv"
    assert weekly.current == 1150 and weekly.current_period == "2026-03-30"  # not the partial 120
    assert "partial" in (weekly.note or "")
    plain = by_id["KR1.2"]
    assert plain.note and "also reported" in plain.note  # the choice between two reports is named
    weekly_info = next(s for s in report.series if s.source == "metrics/weekly_signups.csv")
    assert weekly_info.granularity == "weekly" and weekly_info.partial
