"""Research themes on the sample workspace's plants, and their invariants: verbatim quotes, resolvable
citations, distinct-customer counts, determinism, filters and scope."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.runtime import Runtime
from assistant.themes.report import Theme, ThemeReport, customer_of, synthesize_themes
from tests.conftest import WORKSPACE


@pytest.fixture(scope="module")
def report(sample_runtime: Runtime) -> ThemeReport:
    return synthesize_themes(sample_runtime)


def theme_with(report: ThemeReport, *words: str) -> Theme:
    for theme in report.themes:
        if all(w in theme.label for w in words):
            return theme
    raise AssertionError(f"no theme with keywords {words}: {[t.keywords for t in report.themes]}")


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()


def test_recurring_plants_are_found_across_teams(report: ThemeReport) -> None:
    sso = theme_with(report, "sso")
    assert sso.customers >= 5 and set(sso.teams) == {"growth", "platform", "enterprise"}
    export = theme_with(report, "export")
    assert export.customers >= 4 and len(export.teams) >= 2
    seats = theme_with(report, "seat")
    assert seats.customers >= 4 and len(seats.teams) >= 2
    # The one customer happy with per-seat pricing is quoted against a theme about seat prices.
    against = [t for t in report.themes if "Harbor Point Medical Transport" in {q.company for q in t.contradicting}]
    assert any("seat" in " ".join([*t.keywords, *(q.text.lower() for q in t.quotes)]) for t in against)


def test_counts_are_distinct_customers_and_ranked(report: ThemeReport, sample_runtime: Runtime) -> None:
    # Ranked by the people behind a theme times how specific it is (ties by people times focus).
    keys = [(round(t.breadth * t.specificity if t.breadth >= 2 else 0.0, 6), round(t.breadth * t.focus, 6))
            for t in report.themes]
    assert keys == sorted(keys, reverse=True)
    for theme in report.themes:
        assert theme.people >= theme.breadth and theme.summary == theme.quotes[0].text and theme.share <= 0.12
        assert theme.customers == len(theme.companies) <= theme.mentions
        assert theme.interviews <= theme.mentions and theme.customers >= 2
        assert theme.first_seen <= theme.last_seen  # type: ignore[operator]


def test_quotes_are_verbatim_customer_words_with_resolvable_citations(
    report: ThemeReport, sample_runtime: Runtime
) -> None:
    for theme in report.themes:
        assert 2 <= len(theme.quotes) <= 5
        for quote in [*theme.quotes, *theme.contradicting]:
            chunk = sample_runtime.store.get_chunks([quote.chunk_id])[0]
            assert quote.source == chunk.meta.source and chunk.meta.speaker_is_participant
            assert quote.text in chunk.text
            raw = (WORKSPACE / quote.source).read_text(encoding="utf-8")
            assert normalise(quote.text) in normalise(raw)
            assert customer_of(chunk) == quote.company


def test_deterministic(sample_runtime: Runtime, report: ThemeReport) -> None:
    assert synthesize_themes(sample_runtime).model_dump() == report.model_dump()


def test_team_and_date_filters(sample_runtime: Runtime) -> None:
    growth = synthesize_themes(sample_runtime, team="growth")
    assert growth.themes and all(t.teams == ["growth"] for t in growth.themes)
    late = synthesize_themes(sample_runtime, since=dt.date(2026, 10, 1))
    assert all(q.date and q.date >= "2026-10-01" for t in late.themes for q in t.quotes)
    assert late.interviews < synthesize_themes(sample_runtime).interviews


def test_scope_hides_restricted_interviews(tmp_path: Path, make_runtime) -> None:  # type: ignore[no-untyped-def]
    from ingest.pipeline import ingest_paths

    ws = tmp_path / "ws" / "interviews"
    ws.mkdir(parents=True)
    lines = {
        "Ana Ortiz": ("Acme", "everyone", "Exporting the quarterly report to CSV times out every single month."),
        "Ben Lowe": (
            "Bolt",
            "everyone",
            "Our CSV export of the quarterly report times out whenever the range is long.",
        ),
        "Cal Reyes": ("Cobalt", "[enterprise]", "The quarterly CSV report export keeps timing out, it is painful."),
    }
    for day, (person, (company, visibility, answer)) in enumerate(lines.items(), start=1):
        (ws / f"{company.lower()}.md").write_text(
            f"---\nkind: interview\ncompany: {company}\nparticipant: {person}\ninterviewer: Ivy Host\n"
            f"team: growth\nvisibility: {visibility}\ndate: 2026-09-0{day}\n---\n"
            f"Ivy Host: What about reporting?\n{person}: {answer}\nIvy Host: Anything else?\n"
            f"{person}: Exports of the report to CSV are slow and the quarterly export fails for our managers.\n"
        )
    runtime = make_runtime()
    ingest_paths(runtime, [tmp_path / "ws"], show_progress=False)
    everyone = synthesize_themes(runtime)
    growth_only = synthesize_themes(runtime, scope=["growth"])
    assert max(t.customers for t in everyone.themes) == 3
    assert max(t.customers for t in growth_only.themes) == 2
    assert all(q.company != "Cobalt" for t in growth_only.themes for q in t.quotes + t.contradicting)


def test_cli_json_contract(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import get_settings

    monkeypatch.setenv("PRODOPS_DATA_DIR", str(sample_runtime.settings.data_dir))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["themes", "--format", "json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    first = data["themes"][0]
    assert isinstance(first["label"], str) and isinstance(first["customers"], int)
    assert isinstance(first["interviews"], int) and isinstance(first["teams"], list)
    assert {"text", "source", "chunk_id"} <= set(first["quotes"][0])
