"""Metric series, exact changes, trends and key-result progress: hand-computed cases, the sample workspace's
planted statuses, citations, scope, the HTTP route and the CLI command."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.api.routes import metrics as metrics_route
from assistant.cli import workflows as cli_workflows
from assistant.config import Settings
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.errors import NotFound
from assistant.metrics.change import compute_change
from assistant.metrics.progress import expected_fraction, kr_progress, progress_fraction, status_for, trend
from assistant.metrics.series import (
    MetricsReport,
    list_series,
    metric_detail,
    metrics_report,
    period_change,
    render_metrics,
)
from assistant.planning.plan import KeyResult
from assistant.runtime import Runtime
from tests.utils import csv_text, sidecar, write

# -- hand-computed arithmetic ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "absolute", "percent", "direction"),
    [
        (100, 120, 20, 20.0, "up"),
        (50, 40, -10, -20.0, "down"),
        (2259, 2455, 196, 196 / 2259 * 100, "up"),
        (-10, -5, 5, 50.0, "up"),  # relative to the size of the start
        (0, 5, 5, None, "up"),  # no percent change from zero
        (0, 0, 0, None, "flat"),
        (1000, 1004, 4, 0.4, "flat"),  # under 0.5%: flat
    ],
)
def test_change(old: float, new: float, absolute: float, percent: float | None, direction: str) -> None:
    change = compute_change("a", old, "b", new)
    assert change.absolute == pytest.approx(absolute) and change.direction == direction
    assert change.percent == (None if percent is None else pytest.approx(percent))


@pytest.mark.parametrize(
    ("baseline", "current", "target", "expected"),
    [
        (1840, 2455, 2600, 615 / 760),
        (820, 430, 400, 390 / 420),  # lower is better: both differences negative
        (19.0, 20.0, 15.0, -0.25),  # lower is better, moved the wrong way
        (0, 30, 45, 2 / 3),  # zero baseline
        (10, 0, 0, 1.0),  # zero target reached
        (5, 7, 5, None),  # target equals baseline: nothing to measure
        (99.81, 99.96, 99.95, 0.15 / 0.14),  # beyond the target
    ],
)
def test_progress_fraction(baseline: float, current: float, target: float, expected: float | None) -> None:
    result = progress_fraction(baseline, current, target)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("start", "due", "as_of", "expected"),
    [
        ("2026-06-30", "2026-12-31", "2026-10-31", 123 / 184),
        ("2026-06-01", "2026-12-31", "2026-11-16", 168 / 213),
        ("2026-06-30", "2026-12-31", "2026-06-01", 0.0),  # before the start
        ("2026-06-30", "2026-12-31", "2027-03-01", 1.0),  # after the due date
        ("2026-06-30", "2026-06-30", "2026-07-01", 1.0),  # due at the start
    ],
)
def test_expected_fraction(start: str, due: str, as_of: str, expected: float) -> None:
    d = dt.date.fromisoformat
    assert expected_fraction(d(start), d(due), d(as_of)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("progress", "expected", "status"),
    [(0.8, 0.7, "on track"), (0.7, 0.7, "on track"), (0.5, 0.7, "at risk"), (0.35, 0.7, "at risk"),
     (0.34, 0.7, "off track"), (-0.1, 0.0, "off track"), (1.2, None, "on track"), (0.5, None, "unknown"),
     (None, 0.5, "unknown")],
)
def test_status_rule(progress: float | None, expected: float | None, status: str) -> None:
    assert status_for(progress, expected) == status


@pytest.mark.parametrize(
    ("values", "lower", "direction", "steady", "assessment"),
    [
        ([1, 2, 3], None, "up", True, None),
        ([3, 2, 1], True, "down", True, "improving"),
        ([3, 2, 1], False, "down", True, "worsening"),
        ([1, 3, 2, 4], None, "up", False, None),
        ([100, 100.2, 100.1], False, "flat", True, "flat"),
    ],
)
def test_trend(values: list[float], lower: bool | None, direction: str, steady: bool, assessment: str | None) -> None:
    result = trend([(f"p{i}", v) for i, v in enumerate(values)], n=6, lower_is_better=lower)
    assert result is not None
    assert (result.direction, result.steady, result.assessment) == (direction, steady, assessment)
    assert result.words.startswith(direction)


def test_trend_uses_only_the_last_n_periods() -> None:
    result = trend([("a", 9), ("b", 1), ("c", 2), ("d", 3)], n=3)
    assert result is not None and result.periods == ["b", "c", "d"] and result.steady
    assert trend([("a", 1)], n=3) is None


def kr(baseline: float | None, target: float | None, period: str | None = "2026-06", due: str | None = "2026-12-31",
       baseline_text: str | None = None) -> KeyResult:
    return KeyResult(id="KR9.1", objective_id="O9", text="t", metric="m", baseline=baseline, baseline_period=period,
                     baseline_text=baseline_text, target=target,
                     target_date=dt.date.fromisoformat(due) if due else None, source="s.md", chunk_id="s.md#0")


def test_progress_edge_cases() -> None:
    points = [("2026-09", 30.0), ("2026-10", 36.0)]
    on_pace = kr_progress(kr(12, 45), points)
    assert on_pace.as_of == dt.date(2026, 10, 31) and on_pace.status == "on track"
    assert kr_progress(kr(12, 45), points, today=dt.date(2026, 12, 31)).status == "at risk"  # 24/33 < 1
    assert kr_progress(kr(None, 45), points).status == "unknown"
    assert kr_progress(kr(12, 45), []).note and kr_progress(kr(12, 45), []).current is None
    assert kr_progress(kr(36, 36), points).progress is None
    no_date = kr_progress(kr(12, 45, due=None), points)
    assert no_date.expected is None and no_date.status == "unknown"
    assert kr_progress(kr(12, 30, due=None), points).status == "on track"  # already met: no date needed
    scaled = kr_progress(kr(31.2, 40.0, baseline_text="31.2%"), [("2026-10", 0.318)])
    assert scaled.baseline == pytest.approx(0.312) and scaled.progress == pytest.approx(0.006 / 0.088)
    assert scaled.note and "divided by 100" in scaled.note


# -- the sample workspace --------------------------------------------------------------------------------------

# KR -> (baseline, its period's last day, target, current, current period's last day, planted status)
PLANTED = {
    "KR1.1": (1840, "2026-06-01", 2600, 2455, "2026-11-16", "on track"),
    "KR1.2": (0.312, "2026-06-30", 0.400, 0.318, "2026-10-31", "off track"),
    "KR1.3": (2150, "2026-06-30", 2800, 2610, "2026-10-31", "on track"),
    "KR2.1": (12, "2026-06-30", 45, 36, "2026-10-31", "on track"),
    "KR2.2": (104.2, "2026-06-30", 110.0, 105.0, "2026-09-30", "off track"),
    "KR3.1": (820, "2026-06-01", 400, 430, "2026-11-16", "on track"),
    "KR3.2": (99.81, "2026-06-30", 99.95, 99.96, "2026-10-31", "on track"),
    "KR4.1": (71.5, "2026-06-30", 75.0, 71.8, "2026-09-30", "off track"),
    "KR4.2": (19.0, "2026-06-30", 15.0, 18.4, "2026-09-30", "off track"),
}


@pytest.fixture(scope="module")
def report(sample_runtime: Runtime) -> MetricsReport:
    return metrics_report(sample_runtime)


@pytest.mark.parametrize("kr_id", sorted(PLANTED))
def test_key_result_progress_matches_the_planted_status(report: MetricsReport, kr_id: str) -> None:
    baseline, start, target, current, as_of, status = PLANTED[kr_id]
    (p,) = [p for p in report.progress if p.kr_id == kr_id]
    due = dt.date(2026, 12, 31)
    d = dt.date.fromisoformat
    progress = (current - baseline) / (target - baseline)
    expected = (d(as_of) - d(start)).days / (due - d(start)).days
    rule = "on track" if progress >= 1 or progress >= expected else "off track" if progress < expected / 2 else \
        "at risk"
    assert rule == status  # the rule as PLANTS.md states it gives the planted status
    assert (p.baseline, p.current, p.target, p.as_of) == (pytest.approx(baseline), pytest.approx(current),
                                                          pytest.approx(target), d(as_of))
    assert p.progress == pytest.approx(progress) and p.expected == pytest.approx(expected)
    assert p.status == status


def test_progress_cites_the_key_result_and_the_metric_report(report: MetricsReport, sample_runtime: Runtime) -> None:
    for p in report.progress:
        strategy, summary = sample_runtime.store.get_chunks([p.kr_chunk_id, p.series_chunk_id or ""])
        assert p.kr_id in strategy.text
        assert summary.meta.metric == p.metric and summary.meta.source == p.series_source


def test_series_list_cites_summary_chunks(report: MetricsReport, sample_runtime: Runtime) -> None:
    assert len(report.series) == 15
    for s in report.series:
        (chunk,) = sample_runtime.store.get_chunks([s.chunk_id or ""])
        assert (chunk.meta.metric, chunk.meta.source) == (s.metric, s.source)
        assert chunk.text.startswith(s.label[:1].upper() + s.label[1:])


def test_long_table_totals_and_category_rows(sample_runtime: Runtime) -> None:
    by_channel = metric_detail(sample_runtime, "signups", source="metrics/signups_by_channel.csv")
    funnel = metric_detail(sample_runtime, "signups")
    assert funnel.info.source == "metrics/activation_funnel_monthly.csv"  # plain series preferred
    assert funnel.other_sources == ["metrics/signups_by_channel.csv"]
    totals = {v.period: v.value for v in by_channel.values}
    assert totals == {v.period: v.value for v in funnel.values if v.period in totals}  # sums equal the funnel
    referral = {v.period: c.value for v in by_channel.values for c in v.categories if c.category == "referral"}
    assert (referral["2026-08"], referral["2026-09"], referral["2026-10"]) == (240, 305, 395)
    assert by_channel.info.categories == ["organic", "paid_search", "partner", "referral", "events"]


def test_change_between_periods_and_trend(sample_runtime: Runtime) -> None:
    weekly = metric_detail(sample_runtime, "weekly_active_teams")
    change = period_change(weekly, "2026-09-28", "2026-11-16")
    assert (change.from_value, change.to_value, change.absolute) == (2259, 2455, 196)
    assert change.percent == pytest.approx(196 / 2259 * 100)
    latency = metric_detail(sample_runtime, "P95 Latency MS")  # names match ignoring case and separators
    assert latency.change and latency.change.absolute == 430 - 438
    assert latency.trend and latency.trend.direction == "down" and latency.trend.assessment == "improving"
    spike = period_change(latency, "2026-08-17", "2026-08-24")
    assert (spike.absolute, spike.direction) == (702 - 611, "up")
    with pytest.raises(NotFound, match="no value for period"):
        period_change(weekly, "2026-13", "2026-11-16")


def test_unknown_metric_suggests_close_names(sample_runtime: Runtime) -> None:
    with pytest.raises(NotFound, match="did you mean signups"):
        metric_detail(sample_runtime, "signup")


def test_reports_render(report: MetricsReport, sample_runtime: Runtime) -> None:
    md = render_metrics(report, "md")
    assert "| KR1.2 | activation_rate | 0.312 (2026-06) | 0.318 (2026-10) |" in md and "**off track**" in md
    html = render_metrics(metrics_report(sample_runtime, "activation_rate"), "html")
    assert html.startswith("<!doctype html>") and 'class="flag">off track' in html and "<table>" in html
    assert json.loads(render_metrics(report, "json"))["progress"][0]["kr_id"] == "KR1.1"


# -- scope, HTTP and CLI ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scoped(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[Runtime]:
    from ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("metrics-ws")
    write(root, "metrics/open.csv", csv_text("month,widgets", "2026-01,10", "2026-02,12"))
    sidecar(root, "metrics/open.csv", kind="metrics", team="growth", date="2026-03-01")
    write(root, "metrics/secret.csv", csv_text("month,burn_multiple", "2026-01,2.1", "2026-02,1.9"))
    sidecar(root, "metrics/secret.csv", kind="metrics", team="leadership", date="2026-03-01",
            visibility=["leadership"])
    runtime = Runtime(Settings(data_dir=tmp_path_factory.mktemp("metrics-data")), embedder_factory=lambda: embedder)
    assert not ingest_paths(runtime, [Path(root)], show_progress=False).failed
    yield runtime
    runtime.close()


def test_series_are_limited_to_the_callers_scope(scoped: Runtime) -> None:
    assert {s.metric for s in list_series(scoped)} == {"widgets", "burn_multiple"}
    assert {s.metric for s in list_series(scoped, scope=["leadership"])} == {"widgets", "burn_multiple"}
    assert {s.metric for s in list_series(scoped, scope=["growth"])} == {"widgets"}
    with pytest.raises(NotFound):
        metric_detail(scoped, "burn_multiple", scope=["growth"])


@pytest.fixture(scope="module")
def client(sample_runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime=sample_runtime)
    app.include_router(metrics_route.router)
    with TestClient(app) as test_client:
        yield test_client


def test_http_metrics(client: TestClient) -> None:
    body = client.get("/v1/metrics").json()
    assert {p["kr_id"]: p["status"] for p in body["progress"]}["KR2.2"] == "off track"
    one = client.get("/v1/metrics", params={"name": "activation_rate", "as_of": "2026-11-25", "periods": 3}).json()
    assert one["detail"]["info"]["metric"] == "activation_rate" and one["as_of"] == "2026-11-25"
    assert one["detail"]["trend"]["periods"] == ["2026-08", "2026-09", "2026-10"]
    # as of 2026-11-25: (0.318 - 0.312) / (0.4 - 0.312) against (Nov 25 - Jun 30) / (Dec 31 - Jun 30) elapsed
    assert one["progress"][0]["expected"] == pytest.approx(148 / 184) and one["progress"][0]["status"] == "off track"
    assert [p["kr_id"] for p in one["progress"]] == ["KR1.2"]
    missing = client.get("/v1/metrics", params={"name": "nope"})
    assert missing.status_code == 404 and "unknown metric" in missing.json()["detail"]


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(cli_workflows.metrics)
    app.add_typer(cli_workflows.contacts_app, name="contacts")
    return app


def test_cli_metrics(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_workflows, "_runtime", lambda: sample_runtime)
    runner = CliRunner()
    result = runner.invoke(cli(), ["metrics", "sso_enabled_accounts", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["detail"]["values"][-1] == {"period": "2026-10", "value": 36.0, "categories": []}
    assert "| KR3.1 |" in runner.invoke(cli(), ["metrics"]).stdout
    for args, message in ((["metrics", "nope"], "unknown metric"), (["metrics", "--as-of", "soon"], "YYYY-MM-DD")):
        failed = runner.invoke(cli(), args)
        assert failed.exit_code == 2 and message in failed.stderr and "Traceback" not in failed.output
        assert len(failed.stderr.strip().splitlines()) == 1
