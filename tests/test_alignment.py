"""The alignment map on the sample workspace's plants: chains, gaps, inferred links, scope and reports."""

from __future__ import annotations

import pytest

from assistant.alignment import AlignmentMap, build_alignment
from assistant.planning.plan import parse_plan
from assistant.reports import render
from assistant.runtime import Runtime
from assistant.text import format_number


@pytest.fixture(scope="module")
def alignment(sample_runtime: Runtime) -> AlignmentMap:
    return build_alignment(sample_runtime)


def test_planted_gaps(alignment: AlignmentMap) -> None:
    assert alignment.uncovered_objectives == ["O4"]
    assert [o.id for o in alignment.orphan_initiatives] == ["GRO-4"]
    assert "GRO-4" in alignment.bets_without_evidence


def test_chain_links_initiatives_progress_and_evidence(alignment: AlignmentMap, sample_runtime: Runtime) -> None:
    chains = {o.id: o for o in alignment.objectives}
    o2 = chains["O2"]
    assert {i.id for i in o2.initiatives if i.link == "stated"} >= {"ENT-1", "ENT-2", "ENT-3"}
    scim = next(i for i in o2.initiatives if i.id == "ENT-2")
    assert scim.evidence.customers >= 3  # provisioning pain was raised by many customers
    for quote in scim.evidence.quotes:
        chunk = sample_runtime.store.get_chunks([quote["chunk_id"]])[0]
        assert chunk.meta.speaker_is_participant and chunk.text == quote["text"]
    assert {p.kr_id for p in chains["O1"].key_results} == {"KR1.1", "KR1.2", "KR1.3"}
    statuses = {p.kr_id: p.status for c in alignment.objectives for p in c.key_results}
    assert statuses["KR1.2"] == "off track" and statuses["KR1.1"] == "on track"


def test_unstated_links_are_inferred_and_marked(sample_runtime: Runtime) -> None:
    plan = parse_plan(sample_runtime.store.iter_chunks(where={"kind": "strategy"}))
    scim = next(i for i in plan.initiatives if i.id == "ENT-2")
    scim.objective_ids = []  # as if the roadmap had not said which objective SCIM serves
    alignment = build_alignment(sample_runtime, plan=plan)
    orphan = next(o for o in alignment.orphan_initiatives if o.id == "ENT-2")
    assert orphan.suggested_objective == "O2"
    o2 = next(o for o in alignment.objectives if o.id == "O2")
    assert next(i for i in o2.initiatives if i.id == "ENT-2").link == "inferred"


def test_renders(alignment: AlignmentMap) -> None:
    num = lambda v: "—" if v is None else format_number(v)  # noqa: E731
    markdown = render("alignment", alignment, "md", num=num)
    assert "## O4" in markdown and "No initiative serves this objective" in markdown and "GRO-4" in markdown
    html = render("alignment", alignment, "html", num=num)
    assert html.startswith("<!doctype html>") and "GRO-4" in html and "O4" in html
