"""The plan parser: the sample workspace's planted objectives, key results and initiatives, plus the shapes
real documents use (tables, "Key result 2.1:", bold fields, split sections) and documents it cannot read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.periods import deadline, period_end, stated_period
from assistant.planning.plan import Plan, load_plan, parse_plan
from assistant.planning.text import number
from assistant.runtime import Runtime
from assistant.schemas import Chunk, ChunkMeta, Kind
from tests.utils import markdown, write

# (KR, objective, metric, baseline, baseline period, target, target date) as PLANTS.md states them
PLANTED_KRS = [
    ("KR1.1", "O1", "weekly_active_teams", 1840, "2026-06-01", 2600, "2026-12-31"),
    ("KR1.2", "O1", "activation_rate", 0.312, "2026-06", 0.400, "2026-12-31"),
    ("KR1.3", "O1", "signups", 2150, "2026-06", 2800, "2026-12-31"),
    ("KR2.1", "O2", "sso_enabled_accounts", 12, "2026-06", 45, "2026-12-31"),
    ("KR2.2", "O2", "net_revenue_retention", 104.2, "2026-Q2", 110.0, "2026-12-31"),
    ("KR3.1", "O3", "p95_latency_ms", 820, "2026-06-01", 400, "2026-12-31"),
    ("KR3.2", "O3", "uptime_pct", 99.81, "2026-06", 99.95, "2026-12-31"),
    ("KR4.1", "O4", "gross_margin_pct", 71.5, "2026-Q2", 75.0, "2026-12-31"),
    ("KR4.2", "O4", "cac_payback_months", 19.0, "2026-Q2", 15.0, "2026-12-31"),
]
# (initiative, objectives, status, target date) from PLANTS.md
PLANTED_INITIATIVES = [
    ("GRO-1", ["O1"], "at risk", "2026-12-05"),
    ("GRO-2", ["O1"], "not started", "2027-01-31"),
    ("GRO-3", ["O1"], "on track", "2026-11-30"),
    ("GRO-4", [], "on track", "2026-12-01"),
    ("PLT-1", ["O3"], "on track", "2026-12-15"),
    ("PLT-2", ["O3"], "on track", "2026-12-31"),
    ("PLT-3", ["O3"], None, "2026-06-30"),
    ("PLT-4", ["O2"], "on track", "2026-12-04"),
    ("PLT-5", ["O3"], "off track", "2026-12-31"),
    ("ENT-1", ["O2"], "done", "2026-08-20"),
    ("ENT-2", ["O2"], "at risk", "2026-12-15"),
    ("ENT-3", ["O2"], "on track", "2026-12-22"),
    ("ENT-4", ["O2"], "not started", "2027-02-26"),
]


@pytest.fixture(scope="module")
def plan(sample_runtime: Runtime) -> Plan:
    return load_plan(sample_runtime)


def test_objectives_are_the_four_planted(plan: Plan) -> None:
    assert [(o.id, o.title) for o in plan.objectives] == [
        ("O1", "Make self-serve growth compound"),
        ("O2", "Become enterprise-ready and expand our largest accounts"),
        ("O3", "Make Fernhill Ops fast and dependable"),
        ("O4", "Grow efficiently"),
    ]
    assert plan.objective("O1") is not None and plan.objective("O1").owner == "growth team (Priya Raman)"  # type: ignore[union-attr]


@pytest.mark.parametrize(("kr_id", "objective", "metric", "baseline", "period", "target", "due"), PLANTED_KRS)
def test_every_key_result_has_metric_baseline_and_target(
    plan: Plan, kr_id: str, objective: str, metric: str, baseline: float, period: str, target: float, due: str
) -> None:
    kr = plan.key_result(kr_id)
    assert kr is not None
    assert (kr.objective_id, kr.metric, kr.baseline_period) == (objective, metric, period)
    assert kr.baseline == pytest.approx(baseline) and kr.target == pytest.approx(target)
    assert kr.target_date == dt.date.fromisoformat(due)
    assert kr.lower_is_better is (metric in {"p95_latency_ms", "cac_payback_months"})
    assert kr.source == "strategy/company-strategy-h2-2026.md"
    assert kr in plan.objective(objective).key_results  # type: ignore[union-attr]


def test_items_cite_chunks_that_contain_them(plan: Plan, sample_runtime: Runtime) -> None:
    for item_id, chunk_id in [(kr.id, kr.chunk_id) for kr in plan.key_results] + [
        (i.id, i.chunk_id) for i in plan.initiatives
    ] + [(o.id, o.chunk_id) for o in plan.objectives]:
        (chunk,) = sample_runtime.store.get_chunks([chunk_id])
        assert item_id in chunk.text


@pytest.mark.parametrize(("item_id", "objectives", "status", "due"), PLANTED_INITIATIVES)
def test_initiatives_as_planted(plan: Plan, item_id: str, objectives: list[str], status: str | None, due: str) -> None:
    (item,) = [i for i in plan.initiatives if i.id == item_id]
    assert (item.objective_ids, item.status, item.target_date) == (objectives, status, dt.date.fromisoformat(due))
    assert item.team == {"GRO": "growth", "PLT": "platform", "ENT": "enterprise"}[item_id[:3]]
    assert item.owner and item.description


def test_orphan_initiative_and_uncovered_objective(plan: Plan) -> None:
    assert [i.id for i in plan.orphan_initiatives()] == ["GRO-4"]
    assert [o.id for o in plan.uncovered_objectives()] == ["O4"]
    assert {i.id for i in plan.initiatives_for("O2")} == {"ENT-1", "ENT-2", "ENT-3", "ENT-4", "PLT-4"}
    assert len(plan.initiatives) == 13


# -- tolerant parsing on hand-made chunks ---------------------------------------------------------------------


def chunks(*texts: str, source: str = "strategy/doc.md", section: str | None = None, doc_type: str | None = None,
           date: str = "2026-07-01") -> list[Chunk]:
    """Strategy chunks of one source, positions in order; all in one section when ``section`` is given."""
    return [
        Chunk(id=f"{source}#{i}", text=text,
              meta=ChunkMeta(source=source, kind=Kind.STRATEGY, title="t", position=i, source_hash="h",
                             team="growth", date=date, doc_type=doc_type, section=section or f"s{i}"))
        for i, text in enumerate(texts)
    ]


def test_key_result_spellings_bold_fields_and_inline_numbers() -> None:
    text = """## Objective 2: Win enterprise

**Key result 2.1:** Raise SSO accounts from 12 (June 2026) to 45 by 2026-12-31.
- **Metric:** `sso_enabled_accounts`

KR 2.2 Improve NRR
- Baseline: Q2 2026: 104.2%
- Target: 110% in Q4 2026

### KR3: Lower churn
"""
    plan = parse_plan(chunks(text))
    (objective,) = plan.objectives
    assert (objective.id, objective.title) == ("O2", "Win enterprise")
    first, second, third = objective.key_results
    assert (first.id, first.metric, first.baseline, first.baseline_period, first.target, first.target_date) == (
        "KR2.1", "sso_enabled_accounts", 12, "2026-06", 45, dt.date(2026, 12, 31))
    assert (second.id, second.baseline, second.baseline_period, second.target) == ("KR2.2", 104.2, "2026-Q2", 110)
    assert second.target_date == dt.date(2026, 12, 31) and second.metric is None  # no metric stated: none guessed
    assert (third.id, third.metric, third.baseline, third.target) == ("KR2.3", None, None, None)


def test_unnumbered_objectives_and_key_results_get_positional_ids() -> None:
    text = """## Company

1. **OBJECTIVE: Make search valuable**
   - KR: Reach 10k MAU
   - KR: Approval from [N2][n2] to proceed with the POC
1. **OBJECTIVE: Earn trust**
   - Key result: Improve NPS from 25 to 35

Objective: this prose line is not bold, so it opens nothing.
"""
    plan = parse_plan(chunks(text, source="goals/2022_q1.md"))
    assert [(o.id, o.title, o.id_stated) for o in plan.objectives] == [
        ("2022_q1/O1", "Make search valuable", False), ("2022_q1/O2", "Earn trust", False)]
    first, second, third = plan.key_results
    assert [(k.id, k.objective_id, k.id_stated) for k in plan.key_results] == [
        ("2022_q1/KR1.1", "2022_q1/O1", False), ("2022_q1/KR1.2", "2022_q1/O1", False),
        ("2022_q1/KR2.1", "2022_q1/O2", False)]
    assert (first.baseline, second.baseline, second.target) == (None, None, None)  # "from [N2] to proceed": no
    assert (third.baseline, third.target, third.target_date) == (25, 35, None)


@pytest.mark.corpus
def test_a_real_handbook_parses_without_errors_or_invented_numbers() -> None:
    from ingest.chunking import chunk_source
    from ingest.sources import load_source
    from tests.utils import CORPUS, settings

    root = CORPUS / "sourcegraph-handbook" / "content"
    if not root.is_dir():
        pytest.skip("../shared/corpus/sourcegraph-handbook is absent")
    all_chunks = []
    for path in sorted(root.rglob("*.md")):
        parsed = load_source(root, path, settings())
        parsed.info.kind = Kind.STRATEGY
        all_chunks += chunk_source(parsed, settings())
    plan = parse_plan(all_chunks)
    assert len(plan.objectives) > 20 and len(plan.key_results) > 100
    for kr in plan.key_results:
        for value in (kr.baseline, kr.target):
            assert value is None or f"{value:g}" in kr.text.replace(",", "") + (kr.baseline_text or "") + (
                kr.target_text or "")


def test_tables_of_key_results_and_initiatives() -> None:
    strategy = """## O1 — Grow

| KR | Key result | Metric | Baseline | Target |
|----|------------|--------|----------|--------|
| KR1.1 | Grow signups | signups | 2,150 (2026-06) | 2,800 by 2026-12-31 |
"""
    roadmap = """## Items

| ID | Initiative | Objective | Status | Owner | Due |
|---|---|---|---|---|---|
| ABC-1 | Better onboarding | O1 | On track | Ana | 2026-12-01 |
| ABC-2 | Holiday themes | none | At risk | Bo | Q1 2027 |
"""
    plan = parse_plan(chunks(strategy) + chunks(roadmap, source="roadmaps/r.md", doc_type="roadmap"))
    (kr,) = plan.key_results
    assert (kr.id, kr.text, kr.metric, kr.baseline, kr.target) == ("KR1.1", "Grow signups", "signups", 2150, 2800)
    first, second = plan.initiatives
    assert (first.id, first.title, first.objective_ids, first.status, first.owner, first.target_date) == (
        "ABC-1", "Better onboarding", ["O1"], "on track", "Ana", dt.date(2026, 12, 1))
    assert (second.objective_ids, second.target_date) == ([], dt.date(2027, 3, 31))
    assert [i.id for i in plan.orphan_initiatives()] == ["ABC-2"]


def test_roadmap_items_without_ids_missing_fields_and_titles_as_objectives() -> None:
    strategy = "## O1: Grow self-serve\n\nSome words.\n"
    roadmap = """# Roadmap

## Initiatives

### Guided setup
- Objective: Grow self-serve
- Status: On track

Work description here.

### PAY-7 Invoices
Paragraph only, no fields.

## Not doing
- Spanish UI
"""
    plan = parse_plan(chunks(strategy) + chunks(roadmap, source="roadmaps/r.md", doc_type="roadmap"))
    guided, invoices = plan.initiatives
    assert (guided.id, guided.objective_ids, guided.status, guided.description) == (
        "Guided setup", ["O1"], "on track", "Work description here.")
    assert (invoices.id, invoices.objective_ids, invoices.status, invoices.owner, invoices.target_date) == (
        "PAY-7", [], None, None, None)
    assert invoices.description == "Paragraph only, no fields."


def test_a_section_split_across_chunks_is_reassembled_without_its_overlap() -> None:
    whole = ("## O3 — Be fast\n\nKR3.1 — Cut latency from 820 ms to 400 ms.\nMetric: p95_latency_ms\n"
             "Baseline: 820 ms (week of 2026-06-01)\nTarget: 400 ms by 2026-12-31\n")
    cut = whole.index("Baseline")
    first, second = whole[: cut + 12].rstrip(), whole[cut - 24:].strip()  # the splitter's overlap repeats text
    plan = parse_plan(chunks(first, second, section="Doc > O3 — Be fast"))
    (kr,) = plan.key_results
    assert (kr.metric, kr.baseline, kr.baseline_period, kr.target) == ("p95_latency_ms", 820, "2026-06-01", 400)
    assert kr.chunk_id == "strategy/doc.md#0" and kr.chunk_ids == ["strategy/doc.md#0", "strategy/doc.md#1"]


@pytest.mark.parametrize(
    "text",
    ["", "just prose\nwith lines", "| a | b |\n|---|---|\n| 1 | 2 |", "### \n- Status:\nKR\n|", "O1\nKR1.1\nGRO-1"],
)
def test_unparsable_documents_give_an_empty_plan_not_an_error(text: str) -> None:
    plan = parse_plan(chunks(text, doc_type="roadmap"))
    assert plan.objectives == [] and plan.key_results == []


def test_newer_plan_wins_for_the_same_ids() -> None:
    old = chunks("## O1 — Old title\n", source="strategy/h1.md", date="2026-01-01")
    new = chunks("## O1 — New title\n", source="strategy/h2.md", date="2026-07-01")
    assert parse_plan(old + new).objectives[0].title == "New title"


@pytest.mark.parametrize(
    ("text", "value", "period", "due"),
    [
        ("1,840 (week of 2026-06-01)", 1840, "2026-06-01", dt.date(2026, 6, 1)),
        ("0.312 (31.2%, June 2026 signups)", 0.312, "2026-06", dt.date(2026, 6, 30)),
        ("19.0 months (2026-Q2)", 19.0, "2026-Q2", dt.date(2026, 6, 30)),
        ("75% by end of H2 2026", 75, "2026-H2", dt.date(2026, 12, 31)),
        ("99.95% or higher in each of 2026-10, 2026-11 and 2026-12", 99.95, "2026-10", dt.date(2026, 12, 31)),
        ("no number here", None, None, None),
    ],
)
def test_values_periods_and_deadlines(text: str, value: float | None, period: str | None, due: dt.date | None) -> None:
    assert number(text) == value and stated_period(text) == period and deadline(text) == due


@pytest.mark.parametrize(
    ("period", "end"),
    [("2026-02", dt.date(2026, 2, 28)), ("2026-Q3", dt.date(2026, 9, 30)), ("2026-11-16", dt.date(2026, 11, 16)),
     ("2026", dt.date(2026, 12, 31)), ("snapshot", None)],
)
def test_period_end(period: str, end: dt.date | None) -> None:
    assert period_end(period) == end


@pytest.fixture(scope="module")
def scoped(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[Runtime]:
    from ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("plan-ws")
    write(root, "strategy/s.md", markdown("## O1 — Grow\n\nKR1.1 — Grow x.\nMetric: x\n", kind="strategy",
                                          team="leadership", date="2026-07-01"))
    write(root, "roadmaps/secret.md", markdown("### SEC-1 Secret bet\n- Objective: O1\n- Status: on track\n",
                                               kind="strategy", doc_type="roadmap", team="enterprise",
                                               date="2026-07-02", visibility=["enterprise"]))
    runtime = Runtime(Settings(data_dir=tmp_path_factory.mktemp("plan-data")), embedder_factory=lambda: embedder)
    assert not ingest_paths(runtime, [Path(root)], show_progress=False).failed
    yield runtime
    runtime.close()


def test_plan_holds_only_documents_in_the_callers_scope(scoped: Runtime) -> None:
    assert [i.id for i in load_plan(scoped).initiatives] == ["SEC-1"]
    assert [i.id for i in load_plan(scoped, scope=["enterprise"]).initiatives] == ["SEC-1"]
    growth = load_plan(scoped, scope=["growth"])
    assert growth.initiatives == [] and [o.id for o in growth.objectives] == ["O1"]
    assert growth.sources == ["strategy/s.md"]
