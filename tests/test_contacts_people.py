"""Contacts keyed on people: identity by name (or email), not company; blank companies match nothing; undated
interviews are reported; a two-guest interview lists both people. Fictional interviews written for the test."""

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
from assistant.api.routes import contacts as contacts_route
from assistant.cli import workflows as cli_workflows
from assistant.config import Settings
from assistant.contacts import check, ledger
from assistant.errors import ProdopsError
from assistant.runtime import Runtime
from tests.utils import markdown, write

BODY = "Ivy Host: How are approvals going?\n\n{person}: Slowly, every approval needs a meeting.\n"
INTERVIEWS = [  # (file, date, company, person(s), email)
    ("2026-10-01-wren.md", "2026-10-01", "Wren Logistics", "Hana Sato", "hana@wren.example"),
    ("2026-10-05-blank.md", "2026-10-05", None, "Omar Diaz", None),
    ("undated-fern.md", None, "Fernway Foods", "Paula Grant", None),
    ("2026-10-09-duo.md", "2026-10-09", "Tidal Books", "Rui Costa and Mei Lin", None),
]


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Iterator[Runtime]:
    from ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("people-ws")
    for name, day, company, who, email in INTERVIEWS:
        names = who.split(" and ")
        body = "".join(BODY.format(person=n) for n in names)
        meta = {"kind": "interview", "guest": who, "interviewer": "Ivy Host", "team": "growth"}
        meta |= {k: v for k, v in (("date", day), ("company", company), ("email", email)) if v}
        write(root, f"interviews/{name}", markdown(body, **meta))
    runtime = Runtime(Settings(data_dir=tmp_path_factory.mktemp("people-data")),
                      embedder_factory=lambda: embedder)  # type: ignore[arg-type,return-value]
    assert not ingest_paths(runtime, [root], show_progress=False).failed
    yield runtime
    runtime.close()


def test_a_two_guest_interview_lists_each_person(people: Runtime) -> None:
    duo = [c for c in ledger(people).contacts if c.company == "Tidal Books"]
    assert [c.person for c in duo] == ["Mei Lin", "Rui Costa"] and len({c.source for c in duo}) == 1
    assert check(people, person="Mei Lin", on=dt.date(2026, 10, 20)).warning


def test_the_same_person_under_another_company_still_warns(people: Runtime) -> None:
    result = check(people, "Gannet Freight", person="Hana Sato", on=dt.date(2026, 10, 15))
    assert result.warning
    assert result.reasons[0].startswith("this person (then at Wren Logistics) was interviewed 14 days before")


def test_email_identifies_a_person_whatever_the_name(people: Runtime) -> None:
    assert check(people, person="H. Sato", email="HANA@wren.example", on=dt.date(2026, 10, 15)).warning
    assert not check(people, person="Hana Sato", email="other@wren.example", on=dt.date(2026, 10, 15)).warning


def test_a_blank_company_matches_nothing(people: Runtime) -> None:
    result = check(people, "  ", person="Nobody Known", on=dt.date(2026, 10, 6))
    assert not result.warning and result.contacts == []
    omar = check(people, person="Omar Diaz", on=dt.date(2026, 10, 6))  # his interview had no company
    assert omar.warning and [c.person for c in omar.contacts] == ["Omar Diaz"]
    with pytest.raises(ProdopsError, match="company, a person or an email"):
        check(people, "", on=dt.date(2026, 10, 6))


def test_an_undated_interview_is_reported_not_passed(people: Runtime) -> None:
    result = check(people, "Fernway Foods", on=dt.date(2026, 10, 20))
    assert result.warning and [c.source for c in result.undated] == ["interviews/undated-fern.md"]
    assert "no date: cannot check the rest period" in result.reason.lower()


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(cli_workflows.metrics)
    app.add_typer(cli_workflows.contacts_app, name="contacts")
    return app


def test_cli_and_http_check_a_person_without_a_company(people: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_workflows, "_runtime", lambda: people)
    result = CliRunner().invoke(cli(), ["contacts", "check", "--person", "Rui Costa", "--date", "2026-10-20",
                                        "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["warning"] and [c["person"] for c in body["contacts"]] == ["Rui Costa"]
    app = create_app(runtime=people)
    app.include_router(contacts_route.router)
    with TestClient(app) as client:
        checked = client.post("/v1/contacts/check", json={"email": "hana@wren.example", "date": "2026-10-15"})
        assert checked.status_code == 200 and checked.json()["warning"]
        assert client.post("/v1/contacts/check", json={"company": "", "person": " "}).status_code == 422


def test_markdown_report_names_the_person(people: Runtime, tmp_path: Path) -> None:
    from assistant.contacts import ContactsReport, render_contacts

    result = check(people, person="Paula Grant", on=dt.date(2026, 10, 20))
    text = render_contacts(ContactsReport(ledger=ledger(people, person="Paula"), check=result), "md")
    assert "# Contact check: Paula Grant on 2026-10-20" in text and "no date" in text.lower()
