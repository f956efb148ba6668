"""The customer-contact ledger and rest-period checks: planted contacts, the two rules, related research, scope,
the HTTP routes and the `contacts check --json` contract."""

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
from assistant.api.auth import digest
from assistant.api.routes import contacts as contacts_route
from assistant.cli import workflows as cli_workflows
from assistant.config import ApiKey, Settings
from assistant.contacts import ContactsReport, check, ledger, matches, render_contacts
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.periods import quarter_of
from assistant.runtime import Runtime
from tests.utils import markdown, write

TALLGRASS = [("2026-10-02", "growth", "Renata Solberg"), ("2026-10-15", "platform", "Curtis Ngata"),
             ("2026-10-28", "enterprise", "Renata Solberg")]


def test_ledger_has_one_entry_per_interview(sample_runtime: Runtime) -> None:
    everything = ledger(sample_runtime)
    assert len(everything.contacts) == 16 and everything.companies == 13
    assert len({c.source for c in everything.contacts}) == 16
    assert [c.date for c in everything.contacts] == sorted(c.date for c in everything.contacts)  # type: ignore[type-var]
    first = everything.contacts[0]
    assert (first.date, first.company, first.person, first.role, first.interviewer, first.team) == (
        dt.date(2026, 8, 6), "Pinecrest Pest Control", "Gloria Estevez", "Operations Director", "Priya Raman",
        "growth")
    (chunk,) = sample_runtime.store.get_chunks([first.chunk_id])
    assert chunk.meta.source == first.source


@pytest.mark.parametrize(
    ("company", "person", "sources"),
    [
        ("tallgrass", None, 3),
        ("TALLGRASS FREIGHT", "renata", 2),
        ("summit lift and elevator", None, 1),  # "&" written out
        (None, "priscilla", 1),
        ("calder", None, 2),
        ("Acme", None, 0),
    ],
)
def test_ledger_filters_are_partial_and_case_insensitive(
    sample_runtime: Runtime, company: str | None, person: str | None, sources: int
) -> None:
    assert len(ledger(sample_runtime, company=company, person=person).contacts) == sources


def test_company_over_the_quarterly_cap_warns_with_its_dates(sample_runtime: Runtime) -> None:
    result = check(sample_runtime, "Tallgrass Freight", on=dt.date(2026, 12, 15))  # 48 days after the last one
    assert result.warning and result.quarter == "2026-Q4" and result.quarter_contacts == 3
    assert [(str(c.date), c.team, c.person) for c in result.contacts] == TALLGRASS
    assert len(result.reasons) == 1 and "limit of 2 per quarter" in result.reason
    assert all(day in result.reason for day, _, _ in TALLGRASS)


def test_person_within_the_rest_period_warns(sample_runtime: Runtime) -> None:
    result = check(sample_runtime, "Tallgrass", person="Renata Solberg", on=dt.date(2026, 11, 25))
    assert result.warning and len(result.reasons) == 2
    assert result.reasons[0].startswith("this person was interviewed 28 days before 2026-11-25")
    assert "2026-10-28" in result.reasons[0]


def test_rest_period_applies_to_the_company_too(sample_runtime: Runtime) -> None:
    soon = check(sample_runtime, "Calder Facilities Group", person="Martin Oyelaran", on=dt.date(2026, 11, 25))
    assert soon.warning and len(soon.reasons) == 1
    assert soon.reasons[0].startswith("this company was interviewed 7 days before 2026-11-25: Priscilla Nakamura")
    later = check(sample_runtime, "Calder Facilities Group", on=dt.date(2026, 12, 20))  # 32 days; 1 in Q4
    assert not later.warning and later.quarter_contacts == 1 and "limit 2" in later.reason
    assert len(later.contacts) == 2


def test_a_never_interviewed_company_is_clear(sample_runtime: Runtime) -> None:
    result = check(sample_runtime, "Acme Corporation", person="Jo CTO", on=dt.date(2026, 12, 1))
    assert not result.warning and result.contacts == [] and result.related_research == []
    assert result.reason.startswith("No interview with Acme Corporation")


def test_rules_follow_settings(sample_runtime: Runtime) -> None:
    strict = Runtime(sample_runtime.settings.model_copy(update={"contact_rest_days": 60,
                                                                "contact_max_per_quarter": 5}),
                     embedder_factory=lambda: sample_runtime.embedder)
    result = check(strict, "Tallgrass Freight", on=dt.date(2026, 12, 15))
    assert result.warning and result.rest_days == 60 and len(result.reasons) == 1
    assert "48 days before" in result.reason and "per quarter" not in result.reason


@pytest.mark.parametrize(("day", "quarter"), [("2026-01-01", "2026-Q1"), ("2026-06-30", "2026-Q2"),
                                              ("2026-12-31", "2026-Q4")])
def test_quarter_of(day: str, quarter: str) -> None:
    assert quarter_of(dt.date.fromisoformat(day)) == quarter


def test_matches() -> None:
    assert matches("juniper lawn & landscape", "Juniper Lawn & Landscape") and matches(None, "x")
    assert not matches("juniper", None) and not matches("acme", "Pinecrest")


def test_related_research_points_to_existing_interviews(sample_runtime: Runtime) -> None:
    result = check(sample_runtime, "Tallgrass Freight", on=dt.date(2026, 12, 15), topics="DOT inspection forms")
    same_company = [r for r in result.related_research if r.why.startswith("earlier interview")]
    assert [r.source for r in same_company] == [c.source for c in result.contacts]
    topical = [r for r in result.related_research if r.text]
    assert 1 <= len(topical) <= 5 and len({r.source for r in topical}) == len(topical)
    for research in topical:
        (chunk,) = sample_runtime.store.get_chunks([research.chunk_id])
        assert chunk.meta.kind.value == "interview" and chunk.meta.speaker_is_participant
        assert research.text == chunk.text
    assert any("DOT" in r.text for r in topical)


def test_reports_render_with_the_warning_highlighted(sample_runtime: Runtime) -> None:
    result = check(sample_runtime, "Tallgrass Freight", on=dt.date(2026, 11, 25))
    report = ContactsReport(ledger=ledger(sample_runtime, company="Tallgrass Freight"), check=result)
    md = render_contacts(report, "md")
    assert "> **WARNING:**" in md and "| 2026-10-15 | Tallgrass Freight | Curtis Ngata |" in md
    html = render_contacts(report, "html")
    assert '<span class="flag">Warning.</span>' in html and html.count('<tr class="unsupported">') == 1
    listing = render_contacts(ContactsReport(ledger=ledger(sample_runtime)), "md")
    assert "16 interviews with 13 companies" in listing


# -- scope, HTTP and CLI ---------------------------------------------------------------------------------------

KEYS = {"growth": "key-growth", "enterprise": "key-enterprise"}


@pytest.fixture(scope="module")
def scoped(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[Runtime]:
    """Two interviews with one company, the second readable by the enterprise team only."""
    from ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("contacts-ws")
    for day, team, visibility in (("2026-10-01", "growth", "everyone"), ("2026-10-20", "enterprise", ["enterprise"])):
        body = "Ana Interviewer: How is onboarding going?\n\nBo Customer: Slowly, SSO is missing.\n"
        write(root, f"interviews/{day}-bellwood.md", markdown(
            body, kind="interview", title=f"Bellwood {day}", team=team, date=day, visibility=visibility,
            company="Bellwood Hospital", participant="Bo Customer", interviewer="Ana Interviewer"))
    keys = [ApiKey(name=team, team=team, key_sha256=digest(key)) for team, key in KEYS.items()]
    runtime = Runtime(Settings(data_dir=tmp_path_factory.mktemp("contacts-data"), api_keys=keys),
                      embedder_factory=lambda: embedder)
    assert not ingest_paths(runtime, [Path(root)], show_progress=False).failed
    yield runtime
    runtime.close()


def test_a_team_scoped_caller_sees_only_readable_interviews(scoped: Runtime) -> None:
    assert len(ledger(scoped).contacts) == 2 and len(ledger(scoped, scope=["enterprise"]).contacts) == 2
    (visible,) = ledger(scoped, scope=["growth"]).contacts
    assert visible.date == dt.date(2026, 10, 1)
    growth = check(scoped, "bellwood", on=dt.date(2026, 11, 1), topics="SSO", scope=["growth"])
    assert not growth.warning and len(growth.contacts) == 1  # the 10-20 interview is not theirs to see
    assert all(r.source == visible.source for r in growth.related_research)
    assert check(scoped, "bellwood", on=dt.date(2026, 11, 1), scope=["enterprise"]).warning


def test_http_contacts_are_scoped_by_api_key(scoped: Runtime) -> None:
    app = create_app(runtime=scoped)
    app.include_router(contacts_route.router)
    with TestClient(app) as client:
        growth = {"Authorization": f"Bearer {KEYS['growth']}"}
        enterprise = {"Authorization": f"Bearer {KEYS['enterprise']}"}
        assert len(client.get("/v1/contacts", params={"company": "BELL"}, headers=growth).json()["contacts"]) == 1
        assert client.get("/v1/contacts", headers=enterprise).json()["companies"] == 1
        body = {"company": "Bellwood", "person": "bo", "date": "2026-11-01"}
        checked = client.post("/v1/contacts/check", json=body, headers=enterprise).json()
        assert checked["warning"] and "12 days before" in checked["reason"]
        assert not client.post("/v1/contacts/check", json=body, headers=growth).json()["warning"]
        assert client.post("/v1/contacts/check", json={"company": " "}, headers=growth).status_code == 422
        assert client.get("/v1/contacts").status_code == 401


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(cli_workflows.metrics)
    app.add_typer(cli_workflows.contacts_app, name="contacts")
    return app


def test_cli_check_json_contract(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_workflows, "_runtime", lambda: sample_runtime)
    runner = CliRunner()
    args = ["contacts", "check", "--company", "Tallgrass Freight", "--person", "Renata Solberg", "--team", "growth",
            "--date", "2026-12-15", "--json"]
    result = runner.invoke(cli(), args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["warning"] is True and isinstance(body["reason"], str) and body["reason"]
    assert [(c["date"], c["team"], c["person"]) for c in body["contacts"]] == TALLGRASS
    assert all(c["source"].startswith("interviews/") for c in body["contacts"])
    clear = json.loads(runner.invoke(cli(), ["contacts", "check", "--company", "Acme", "--date", "2026-12-15",
                                             "--json"]).stdout)
    assert clear == {**clear, "warning": False, "contacts": []}


def test_cli_listing_and_errors(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_workflows, "_runtime", lambda: sample_runtime)
    runner = CliRunner()
    listing = runner.invoke(cli(), ["contacts", "--company", "calder"])
    assert listing.exit_code == 0 and "2 interviews with 1 companies" in listing.stdout
    as_json = json.loads(runner.invoke(cli(), ["contacts", "--person", "renata", "--format", "json"]).stdout)
    assert len(as_json["ledger"]["contacts"]) == 2 and as_json["check"] is None
    html = runner.invoke(cli(), ["contacts", "check", "--company", "Tallgrass", "--date", "2026-11-25",
                                 "--format", "html"])
    assert html.exit_code == 0 and "<h1>Contact check: Tallgrass" in html.stdout
    bad = runner.invoke(cli(), ["contacts", "check", "--company", "Acme", "--date", "25/11/2026", "--json"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
