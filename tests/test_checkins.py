"""Check-in packs on the sample workspace: planted statuses with their numbers, diffs, lint, citations, scope.

Expected figures are recomputed here from the metric files and the documented status rule (not copied from
the code's output), and packs are stored in a temporary history folder so tests don't see each other's packs.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from typer.testing import CliRunner

from assistant.access import chunk_readable
from assistant.api.app import create_app
from assistant.api.routes.checkins import router as checkins_router
from assistant.checkins.cadences import Cadence, find_cadence, load_cadence_file, load_cadences
from assistant.checkins.history import HistoryStore, objective_history
from assistant.checkins.lint import lint_roadmaps
from assistant.checkins.models import CheckinPack, Statement
from assistant.checkins.pack import build_pack
from assistant.checkins.render import render_pack
from assistant.cli.checkins import checkin_app
from assistant.config import get_settings
from assistant.errors import ProdopsError
from assistant.periods import parse_period
from assistant.runtime import Runtime
from ingest.sources import discover
from tests.conftest import REPO, WORKSPACE

MONTHLY, QUARTERLY = "monthly-roadmap-checkin", "quarterly-strategy-review"
ARTIFACTS = REPO / "test-artifacts"


# Step 1: expected figures from the metric files and the status rule, independently of the code under test.
def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _end(period: str) -> dt.date:
    if "-Q" in period:
        year, q = period.split("-Q")
        return _month_end(int(year), 3 * int(q))
    parts = [int(p) for p in period.split("-")]
    return dt.date(*parts) if len(parts) == 3 else _month_end(parts[0], parts[1])


def _latest(file: str, column: str, until: dt.date) -> tuple[str, float]:
    path = WORKSPACE / "metrics" / file
    if path.suffix == ".json":
        rows = [(r["period"], float(r["value"])) for r in json.loads(path.read_text())["series"]]
    else:
        with path.open() as handle:
            rows = [(next(iter(r.values())), float(r[column])) for r in csv.DictReader(handle)]
    return [(p, v) for p, v in rows if _end(p) <= until][-1]


def _status(baseline: float, base_end: dt.date, target: float, due: dt.date, current: float, as_of: dt.date) -> str:
    progress = (current - baseline) / (target - baseline)
    expected = min(1.0, max(0.0, (as_of - base_end).days / (due - base_end).days))
    if progress >= 1 or progress >= expected:
        return "on track"
    return "off track" if progress < expected / 2 else "at risk"


KRS = {  # KR: (file, column, baseline, baseline period, target) — as written in the strategy doc
    "KR1.1": ("weekly_active_teams.csv", "weekly_active_teams", 1840, "2026-06-01", 2600),
    "KR1.2": ("activation_funnel_monthly.csv", "activation_rate", 0.312, "2026-06", 0.400),
    "KR2.1": ("enterprise_accounts_monthly.csv", "sso_enabled_accounts", 12, "2026-06", 45),
    "KR2.2": ("net_revenue_retention.json", "value", 104.2, "2026-Q2", 110.0),
    "KR3.1": ("p95_latency_ms.csv", "p95_latency_ms", 820, "2026-06-01", 400),
    "KR4.1": ("unit_economics_quarterly.csv", "gross_margin_pct", 71.5, "2026-Q2", 75.0),
    "KR4.2": ("unit_economics_quarterly.csv", "cac_payback_months", 19.0, "2026-Q2", 15.0),
}


def expected_kr(kr: str, period_end: dt.date) -> tuple[str, float, str]:
    file, column, baseline, base_period, target = KRS[kr]
    period, current = _latest(file, column, period_end)
    status = _status(baseline, _end(base_period), target, dt.date(2026, 12, 31), current, _end(period))
    return period, current, status


# Step 2: helpers over packs.
def _kr(pack: CheckinPack, kr_id: str) -> Any:
    return next(k for o in pack.objectives for k in o.key_results if k.progress.kr_id == kr_id)


def _statements(pack: CheckinPack) -> list[Statement]:
    out = [*pack.risks, *pack.questions, *pack.changes]
    for o in pack.objectives:
        out += [*o.risks, *o.questions, *o.changes]
    return out


def _pack(runtime: Runtime, cadence: str, period: str, history: Path, **kwargs: Any) -> CheckinPack:
    kwargs.setdefault("evidence", False)  # customer-evidence retrieval is covered once, in the quarterly test
    return build_pack(runtime, find_cadence(WORKSPACE, cadence), period, history_dir=history, **kwargs)


@pytest.fixture(scope="module")
def quarterly(sample_runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> CheckinPack:
    return _pack(sample_runtime, QUARTERLY, "2026-Q4", tmp_path_factory.mktemp("q4"), evidence=True)


def test_discover_skips_the_top_level_cadences_folder_only(tmp_path: Path) -> None:
    for rel in ("cadences/monthly.yaml", "notes/cadences/kept.md", "notes/a.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)] == ["notes/a.md", "notes/cadences/kept.md"]


def test_sample_cadences_load_and_the_default_ships(tmp_path: Path) -> None:
    slugs = [c.slug for c in load_cadences(WORKSPACE)]
    assert slugs == [MONTHLY, QUARTERLY]
    monthly = find_cadence(WORKSPACE, "Monthly roadmap check-in")
    assert monthly.period == "month" and monthly.inputs.objectives == ["O1", "O2", "O3"]
    assert [c.slug for c in load_cadences(tmp_path)] == [QUARTERLY]  # no cadences/ folder: the shipped default


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("name: X\nperiod: week\n", "period"),
        ("name: X\nperiod: month\ninputs:\n  objectivs: all\n", "inputs.objectivs"),
        ("name: X\nperiod: month\ninputs:\n  research: 0\n", "inputs.research"),
        ("name: X\nperiod: month\ntemplate: nowhere/board\n", "template"),
        ("period: month\n", "name"),
    ],
)
def test_a_bad_cadence_file_names_the_file_and_the_field(tmp_path: Path, body: str, field: str) -> None:
    path = tmp_path / "cadences" / "bad.yaml"
    path.parent.mkdir()
    path.write_text(body)
    with pytest.raises(ProdopsError, match=rf"bad\.yaml: field '{re.escape(field)}'"):
        load_cadence_file(path, tmp_path)


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [("2026-11", "month", "2026-11-01", "2026-11-30"), ("2026-q4", "quarter", "2026-10-01", "2026-12-31"),
     ("2026-H2", "half", "2026-07-01", "2026-12-31")],
)
def test_periods(text: str, kind: str, start: str, end: str) -> None:
    period = parse_period(text)
    assert (period.kind, period.start.isoformat(), period.end.isoformat()) == (kind, start, end)


def test_a_period_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(ProdopsError, match="use YYYY-MM"):
        parse_period("2026-Q4", "month")


def test_quarterly_pack_shows_the_planted_statuses_with_their_numbers(quarterly: CheckinPack) -> None:
    assert quarterly.as_of == dt.date(2026, 11, 23)  # the newest document, not the wall clock or the period end
    for kr_id in KRS:
        period, current, status = expected_kr(kr_id, dt.date(2026, 12, 31))
        got = _kr(quarterly, kr_id).progress
        assert (got.current_period, got.current, got.status) == (period, pytest.approx(current), status), kr_id
    assert {k: _kr(quarterly, k).progress.status for k in ("KR1.2", "KR2.2", "KR4.1", "KR4.2")} == dict.fromkeys(
        ("KR1.2", "KR2.2", "KR4.1", "KR4.2"), "off track")
    sections = {o.id: o for o in quarterly.objectives}
    assert [k.progress.kr_id for k in sections["O4"].key_results] == ["KR4.1", "KR4.2"]
    assert {r.kind for r in sections["O4"].risks} >= {"no_moving_metric", "uncovered"}  # planted: no initiative
    assert "no_moving_metric" not in {r.kind for r in sections["O1"].risks}  # KR1.1 and KR1.3 are moving
    assert "KR1.2 is off track (0.318 vs 0.4 target by 2026-12-31): what changes this quarter?" in [
        q.text for q in sections["O1"].questions]
    plt3 = next(i for i in sections["O3"].initiatives if i.id == "PLT-3")
    assert plt3.status is None and plt3.stale
    assert any(q.subject == "PLT-3" and "no status" in q.text and "passed" in q.text for q in sections["O3"].questions)
    ent1 = next(i for i in sections["O2"].initiatives if i.id == "ENT-1")
    assert ent1.status == "done" and not ent1.stale
    assert [r.subject for r in quarterly.risks if r.kind == "orphan"] == ["GRO-4"]  # planted orphan
    assert quarterly.research and quarterly.themes and all(t.customers >= 2 for t in quarterly.themes)
    assert any(i.evidence_customers for o in quarterly.objectives for i in o.initiatives)


def test_every_statement_cites_and_every_citation_resolves(sample_runtime: Runtime, quarterly: CheckinPack) -> None:
    assert all(s.citations for s in _statements(quarterly))
    cited = {c.chunk_id for c in quarterly.sources}
    assert {c.n for c in quarterly.sources} == set(range(1, len(cited) + 1))
    found = {c.id for c in sample_runtime.store.get_chunks(sorted(cited))}
    assert found == cited


def test_diff_against_the_previous_month_lists_the_changes(sample_runtime: Runtime, tmp_path: Path) -> None:
    september = _pack(sample_runtime, MONTHLY, "2026-09", tmp_path)
    october = _pack(sample_runtime, MONTHLY, "2026-10", tmp_path)
    assert september.previous_period is None and october.previous_period == "2026-09"
    sep_kr21, oct_kr21 = expected_kr("KR2.1", _end("2026-09")), expected_kr("KR2.1", _end("2026-10"))
    assert (sep_kr21[2], oct_kr21[2]) == ("at risk", "on track")  # the planted turn, from the files
    texts = [s.text for s in _statements(october)]
    assert "KR2.1 went from at risk to on track." in texts
    assert "KR1.2 (activation_rate) fell from 0.321 (2026-09) to 0.318 (2026-10): -0.003, -0.93%." in texts
    assert any(t.startswith("KR2.2 (net_revenue_retention) has no newer data") for t in texts)
    # Tamper with the stored October pack: an initiative that is gone by November must be reported dropped.
    store = HistoryStore(tmp_path)
    stored = store.path_for(MONTHLY, "2026-10")
    data = json.loads(stored.read_text())
    gone = {**data["objectives"][0]["initiatives"][0], "id": "GRO-9", "title": "Retired experiment"}
    data["objectives"][0]["initiatives"].append(gone)
    stored.write_text(json.dumps(data))
    november = _pack(sample_runtime, MONTHLY, "2026-11", tmp_path)
    assert november.previous_period == "2026-10"  # the latest earlier pack, not September
    weeks = expected_kr("KR1.1", _end("2026-10")), expected_kr("KR1.1", _end("2026-11"))
    moved = next(s for s in _statements(november) if s.kind == "metric_moved" and s.subject == "KR1.1")
    assert f"from {weeks[0][1]:,.0f} ({weeks[0][0]}) to {weeks[1][1]:,.0f} ({weeks[1][0]})" in moved.text
    dropped = [s for s in _statements(november) if s.kind == "dropped_initiative"]
    assert [s.subject for s in dropped] == ["GRO-9"] and all(c.previous for c in dropped[0].citations)
    history = objective_history(store, "o2")
    assert [(r.period, r.key_results["KR2.1"]) for r in history.rows] == [
        ("2026-09", "at risk"), ("2026-10", "on track"), ("2026-11", "on track")]


def test_lint_finds_plt3_and_not_ent1(sample_runtime: Runtime) -> None:
    report = lint_roadmaps(sample_runtime)
    problems = {(i.initiative, i.problem) for r in report.roadmaps for i in r.issues}
    assert problems == {("PLT-3", "no status"), ("PLT-3", "stale date"), ("GRO-4", "no objective")}
    platform = next(r for r in report.roadmaps if r.source == "roadmaps/platform-roadmap.md")
    assert platform.initiatives == 5 and report.as_of == dt.date(2026, 11, 23)


def test_team_and_scope_are_honoured(sample_runtime: Runtime, tmp_path: Path) -> None:
    pack = _pack(sample_runtime, MONTHLY, "2026-11", tmp_path, team="growth", scope=["growth"])
    assert [o.id for o in pack.objectives] == ["O1"]
    assert {i.id for o in pack.objectives for i in o.initiatives} == {"GRO-1", "GRO-2", "GRO-3"}
    text = render_pack(pack, "md") + pack.model_dump_json()
    assert "ENT-" not in text and "Bellhaven" not in text and "318,000" not in text
    chunks = sample_runtime.store.get_chunks([c.chunk_id for c in pack.sources])
    assert len(chunks) == len(pack.sources) and all(chunk_readable(c, ["growth"]) for c in chunks)
    platform = _pack(sample_runtime, MONTHLY, "2026-11", tmp_path, team="platform")
    assert [o.id for o in platform.objectives] == ["O2", "O3"]  # owns O3; PLT-4 serves O2
    assert [i.id for i in platform.objectives[0].initiatives] == ["PLT-4"]
    with pytest.raises(ProdopsError, match="not a participant"):
        _pack(sample_runtime, MONTHLY, "2026-11", tmp_path, team="leadership")


class _NarratingFake(BaseChatModel):
    """Copies ``copied`` facts from the prompt (cited) and adds one sentence with an invented number."""

    copied: int = 1

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, **kwargs: Any) -> ChatResult:
        prompt = str(messages[-1].content)
        facts = re.findall(r"^- ((?:KR\d\.\d \([a-z_]+\)|[A-Z]{2,5}-\d+ )[^\n]*?)((?: \[\d+\])+)\.$", prompt, re.M)
        assert facts
        copied = " ".join(f"{text}{marks}." for text, marks in facts[: self.copied])
        text = f"{copied} Revenue tripled to 9,870,000 dollars [1]."
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    @property
    def _llm_type(self) -> str:
        return "checkin-test-fake"


def test_narrative_keeps_only_grounded_sentences(sample_runtime: Runtime, tmp_path: Path) -> None:
    pack = _pack(sample_runtime, MONTHLY, "2026-11", tmp_path, model=_NarratingFake(copied=2), save=False)
    o1 = pack.objectives[0]
    assert len(o1.narrative) == 2 and o1.narrative_dropped == 1 and o1.narrative_fallback is None
    assert o1.narrative[0].text.startswith("KR1.1 (weekly_active_teams): 2,455")
    assert all(c.n for s in o1.narrative for c in s.citations)


def test_mostly_invented_narrative_is_dropped_and_the_pack_says_so(sample_runtime: Runtime, tmp_path: Path) -> None:
    pack = _pack(sample_runtime, MONTHLY, "2026-11", tmp_path, model=_NarratingFake(copied=1), save=False)
    o1 = pack.objectives[0]
    assert o1.narrative == [] and o1.narrative_fallback is not None
    assert o1.narrative_fallback.reason == "unsupported" and "9,870,000" in o1.narrative_fallback.model_text
    assert "Narrative dropped: The model's narrative could not be checked" in render_pack(pack, "md")


def test_pack_with_the_model_down_is_built_and_says_the_narrative_is_missing(
    sample_runtime: Runtime, tmp_path: Path
) -> None:
    from assistant.llm import model_client
    from tests.fakes import closed_port
    from tests.utils import settings

    client = model_client(settings(llm_model="m", llm_base_url=f"http://127.0.0.1:{closed_port()}/v1", llm_retries=0))
    pack = _pack(sample_runtime, MONTHLY, "2026-11", tmp_path, model=client, save=False)
    offline = _pack(sample_runtime, MONTHLY, "2026-11", tmp_path, save=False)
    assert [o.key_results for o in pack.objectives] == [o.key_results for o in offline.objectives]
    assert all(o.narrative == [] and o.narrative_fallback is not None for o in pack.objectives)
    assert {o.narrative_fallback.reason for o in pack.objectives if o.narrative_fallback} == {"unreachable"}


def _cli_app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(checkin_app, name="checkin")
    return app


def test_cli_json_pack_lint_and_history(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    monkeypatch.setenv("PRODOPS_DATA_DIR", str(sample_runtime.settings.data_dir))
    monkeypatch.setenv("PRODOPS_WORKSPACE", str(WORKSPACE))
    get_settings.cache_clear()
    runner, app = CliRunner(), _cli_app()
    try:
        result = runner.invoke(app, ["checkin", MONTHLY, "--period", "2026-11", "--format", "json", "--no-save"])
        assert result.exit_code == 0, result.output
        pack = CheckinPack.model_validate_json(result.stdout)
        assert pack.period == "2026-11" and [o.id for o in pack.objectives] == ["O1", "O2", "O3"]
        result = runner.invoke(app, ["checkin", "lint", "--json"])
        assert result.exit_code == 0 and json.loads(result.stdout)["issue_count"] == 3
        result = runner.invoke(app, ["checkin", MONTHLY, "--period", "2026-Q4"])
        assert result.exit_code == 2 and "use YYYY-MM" in result.output
        result = runner.invoke(app, ["checkin", "history", "O9", "--json"])
        assert result.exit_code == 0 and json.loads(result.stdout)["rows"] == []
    finally:
        get_settings.cache_clear()


def test_api_pack_is_scoped_to_the_caller(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    for opened in (sample_runtime.store, sample_runtime.metric_rows, sample_runtime.lexical):
        assert opened is not None  # open them on the sample data before data_dir points elsewhere
    monkeypatch.setattr(sample_runtime.settings, "workspace", WORKSPACE)
    monkeypatch.setattr(sample_runtime.settings, "data_dir", tmp_path)  # keep stored packs out of the sample dir
    app = create_app(runtime=sample_runtime)
    app.include_router(checkins_router)
    with TestClient(app) as client:
        body = {"cadence": MONTHLY, "period": "2026-10", "format": "md"}
        response = client.post("/v1/checkins", json=body)
        assert response.status_code == 200 and "# Monthly roadmap check-in — 2026-10" in response.text
        history = client.get("/v1/checkins/history/O1").json()
        assert [r["period"] for r in history["rows"]] == ["2026-10"]
        bad = client.post("/v1/checkins", json={**body, "period": "2026-Q4"})
        assert bad.status_code == 400 and "use YYYY-MM" in bad.json()["detail"]


def test_html_pack_renders_and_opens_in_chromium(quarterly: CheckinPack) -> None:
    html = render_pack(quarterly, "html", Cadence(name="Quarterly strategy review", period="quarter"))
    assert 'class="status off-track"' in html and 'id="src-1"' in html and "<script" not in html
    ARTIFACTS.mkdir(exist_ok=True)
    page_file = ARTIFACTS / "checkin.html"
    page_file.write_text(html, encoding="utf-8")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium; the HTML was checked as text only")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the `playwright` package is missing")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(page_file.as_uri())
        assert page.locator("h1").inner_text().startswith("Quarterly strategy review — 2026-Q4")
        colour = page.locator(".status.off-track").first.evaluate("e => getComputedStyle(e).color")
        assert colour == "rgb(179, 38, 30)"
        page.screenshot(path=str(ARTIFACTS / "checkin.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "checkin.png").stat().st_size > 10_000
