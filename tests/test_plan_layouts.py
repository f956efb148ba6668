"""Plan structure from the layouts real OKR pages and roadmaps use, on small documents of a fictional company
(Larkspur Labs). Each document is ingested the way the product does it (loader, then the chunker) at the default
chunk size and at a small one, so the tree is also rebuilt from chunks that split lists mid-way."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.planning.plan import Objective, Plan, parse_plan
from evals.alignment_files import AlignmentPair, link_pair
from ingest.chunking import chunk_source
from ingest.sources import load_source
from tests.utils import settings, write

# (chunk size, whether chunks keep the whitespace the splitter stripped; stores from before it was kept don't)
VARIANTS = [(1200, True), (200, True), (200, False)]


@pytest.fixture(params=VARIANTS, ids=lambda v: f"chunks{v[0]}{'' if v[1] else '-nolead'}")
def read(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    size, keep_lead = request.param

    def reader(body: str, path: str = "strategy/plan.md") -> Plan:
        write(tmp_path, path, body)
        config = settings(chunk_size=size, chunk_overlap=min(150, size // 5))
        chunks = chunk_source(load_source(tmp_path, tmp_path / path, config), config)
        if not keep_lead:
            chunks = [c.model_copy(update={"meta": c.meta.model_copy(update={"lead": None})}) for c in chunks]
        plan = parse_plan(chunks)
        texts = {c.id: c.text for c in chunks}
        for item in [*plan.objectives, *plan.key_results, *plan.initiatives]:
            assert item.span and item.span in body, item.span  # verbatim
            assert item.span.split("\n")[0][:25] in texts[item.chunk_id]  # cited where it starts
        return plan

    return reader


def titles(plan: Plan) -> list[str]:
    return [o.title for o in plan.objectives]


def linked(plan: Plan, objective: str, key_result: str, section: str | None = None) -> Objective | None:
    result = link_pair(plan.objectives, AlignmentPair(objective=objective, key_result=key_result, section=section))
    return next((o for o in plan.objectives if o.id == result.objective_id), None)


HEADINGS = """# Platform team plan

Team page for the platform group.

## Q3 2025 objectives and key results

### Focus area: Make self-hosted upgrades boring.

Admins put off upgrades because they are slow and risky, so every release we skip costs us support time and
makes the next upgrade harder. This quarter we make the upgrade path short, tested and documented.

- Key result 1: Cut the median upgrade time from 90 to 20 minutes for customers on the last two releases.
- Key result 2: Publish a tested upgrade path for each of the last six releases.
- Key result 2: Interview 8 admins who upgraded in the last quarter about what went wrong.

Out of scope this quarter:

- Rewriting the installer
- Windows support

### Focus area: Earn trust with faster incident response

- Key result 1: Page the on-call engineer within 2 minutes for 95% of Sev-1 alerts.
"""


def test_heading_objectives_with_key_result_bullets(read) -> None:  # type: ignore[no-untyped-def]
    plan = read(HEADINGS)
    assert titles(plan) == ["Make self-hosted upgrades boring.", "Earn trust with faster incident response"]
    first, second = plan.objectives
    assert [len(o.key_results) for o in plan.objectives] == [3, 1]  # the repeated "2" is still two results
    assert len({kr.id for kr in plan.key_results}) == 4
    assert "Rewriting the installer" not in {kr.text for kr in plan.key_results}
    assert first.section == "Q3 2025 objectives and key results" and first.period == "2025-Q3"
    assert (first.key_results[0].baseline, first.key_results[0].target) == (90, 20)
    assert linked(plan, "Earn trust with faster incident response", "Page the on-call engineer within 2 minutes")


BOLD_LABELS = """# Design goals

## Design team goals for Q2, FY26

#### Theme: Win large accounts

1. **Objective**: Remove adoption blockers for enterprise admins.
   - Key Result: Ship fixes for the ten most-cited admin usability issues
     reported by enterprise pilots.
   - Key Result: Run 12 usability sessions with admins.
2. **Objective**: Make onboarding self-explanatory.
   - Key Result: 60% of new workspaces finish setup without help.

#### Theme: Grow the team

1. **Objective**: Hire two senior designers.
   - Key Result: Two offers accepted by June 30.
"""


def test_bold_objective_labels_under_theme_headings(read) -> None:  # type: ignore[no-untyped-def]
    plan = read(BOLD_LABELS)
    assert titles(plan) == ["Remove adoption blockers for enterprise admins.", "Make onboarding self-explanatory.",
                            "Hire two senior designers."]  # themes group objectives; they are not objectives
    wrapped = plan.objectives[0].key_results[0]
    assert wrapped.text == ("Ship fixes for the ten most-cited admin usability issues reported by enterprise "
                            "pilots.")  # a key result that wraps onto a second line is one key result
    assert [o.section for o in plan.objectives] == ["Theme: Win large accounts"] * 2 + ["Theme: Grow the team"]
    assert {o.period for o in plan.objectives} == {"FY2026-Q2"}
    assert len(plan.key_results) == 4


DEPARTMENTS = """# FY25-Q1 OKRs

> These OKRs are for the first quarter of fiscal year 2025.

## Company

1. **OBJECTIVE: Become the default tool for field teams**
   - KR: Reach 4,000 weekly active teams
   - KR: [_N<sub>1</sub>_][n1] ARR
1. **OBJECTIVE: Keep customers for life**
   - KR: Gross retention of 92%

## Sales

1. **OBJECTIVE: Become the default tool for field teams**
   - KR: Close 30 new logos
   - KR: 95% of demo requests answered within 5 minutes

[n1]: https://example.com/private-target
"""


def test_objective_labels_in_department_sections(read) -> None:  # type: ignore[no-untyped-def]
    plan = read(DEPARTMENTS)
    assert len(plan.objectives) == 3 and len(plan.key_results) == 5  # the repeated objective counts again
    assert [o.section for o in plan.objectives] == ["Company", "Company", "Sales"]
    assert plan.objectives[0].key_results[1].text  # a redacted placeholder is still a key result
    sales = linked(plan, "Become the default tool for field teams", "Close 30 new logos", section="Sales")
    assert sales is plan.objectives[2]
    assert linked(plan, "Become the default tool for field teams", "Close 30 new logos", section="Company") is None
    assert all(o.period == "FY2025-Q1" and not o.id_stated for o in plan.objectives)


ANNUAL = """# FY2026 Annual OKRs

## Sales

1. Build a company that thrives as it grows
   - > 75% of reps reach quota
   - 100% of new reps certified within 30 days
1. Expand in our largest accounts
   - Net revenue retention of 115%

## How we wrote these

1. We asked each team for its goals
   - Teams drafted them in a shared doc
   - The executive team discussed them together
"""


def test_plain_numbered_goals_with_unlabelled_measures(read) -> None:  # type: ignore[no-untyped-def]
    plan = read(ANNUAL)
    assert titles(plan) == ["Build a company that thrives as it grows", "Expand in our largest accounts"]
    assert [kr.text for kr in plan.objectives[0].key_results] == [
        "> 75% of reps reach quota", "100% of new reps certified within 30 days"]  # a block quote is still a KR
    assert plan.objectives[0].period == "FY2026" and plan.objectives[0].section == "Sales"
    assert linked(plan, "Build a company that thrives as it grows", "> 75% of reps reach quota", section="Sales")


NESTED = """# FY24-Q3 OKRs

1. **CEO: Grow revenue predictably.** \\
   KR: Pipeline coverage of 3x for next quarter. => Reached 3.4x. \\
   KR: Win 5 enterprise logos.
   1. **Sales: Build a repeatable outbound motion** \\
      KR: Hire 2 SDRs. => Hired 1 so far.
   1. **Marketing: Double qualified leads** \\
      KR: 400 MQLs per month
1. **CEO: Invest in long-term awareness.**
   1. **Marketing: Launch the community program** \\
      KR: 500 members by quarter end
   1. **Web: Increase test coverage and reliability.** \\
      KR: Raise TypeScript coverage from 40% to 60%.
   1. **Core services: Increase test coverage and reliability.** \\
      KR: Raise Go coverage from 50% to 65%.
"""


def test_nested_owner_objectives_with_backslash_continuations(read) -> None:  # type: ignore[no-untyped-def]
    plan = read(NESTED)
    by_title = {(o.owner, o.title): o for o in plan.objectives}
    assert len(plan.objectives) == 7 and len(plan.key_results) == 7
    ceo, awareness = by_title[("CEO", "Grow revenue predictably.")], by_title[("CEO", "Invest in long-term awareness.")]
    assert awareness.key_results == [] and ceo.parent_id is None
    assert {o.title for o in plan.objectives if o.parent_id == ceo.id} == {
        "Build a repeatable outbound motion", "Double qualified leads"}
    assert by_title[("Core services", "Increase test coverage and reliability.")].parent_id == awareness.id
    assert [(kr.text, kr.outcome) for kr in ceo.key_results] == [
        ("Pipeline coverage of 3x for next quarter.", "Reached 3.4x."), ("Win 5 enterprise logos.", None)]
    core = linked(plan, "Core services: Increase test coverage and reliability.", "Raise Go coverage from 50% to 65%.")
    assert core is not None and core.owner == "Core services"
    assert linked(plan, "Web: Increase test coverage and reliability.", "Raise Go coverage") is None
    assert (core.key_results[0].baseline, core.key_results[0].target) == (50, 65)


QUOTES_AND_OWNERS = """# Billing plan

## Objective: Make billing self-serve

> KR: 80% of plan changes happen without a support ticket.
> KR: Refund tickets fall by half.

## Goal: Cut support load (Priya Shah)

- Reduce tickets per account from 1.2 to 0.8 ✅
- Launch the help center @jon.bell

## Objective 3: Price for seasonal teams

- Owner: Dana Wu
- Status: 🟡
- Success criteria: Three pilot customers renew on the seasonal plan.
"""


def test_quoted_key_results_owners_statuses_and_success_criteria(read) -> None:  # type: ignore[no-untyped-def]
    plan = read(QUOTES_AND_OWNERS)
    billing, support, pricing = plan.objectives
    assert [kr.text for kr in billing.key_results] == [
        "80% of plan changes happen without a support ticket.", "Refund tickets fall by half."]
    assert (support.title, support.owner) == ("Cut support load", "Priya Shah")
    first, second = support.key_results  # unlabelled bullets that read like measures, under a stated goal
    assert (first.status, first.text) == ("done", "Reduce tickets per account from 1.2 to 0.8")
    assert (second.owner, second.text) == ("jon.bell", "Launch the help center")
    assert (pricing.id, pricing.owner, pricing.status) == ("O3", "Dana Wu", "at risk")
    assert [kr.text for kr in pricing.key_results] == ["Three pilot customers renew on the seasonal plan."]


PROJECTS = """# Cross-team projects

These replace quarterly OKRs for cross-team work.

| Project | Teams | DRI | Exec sponsor | Description | Status |
| :-- | :-: | :-: | :-: | --- | :-: |
| [Usage-based billing](https://example.com/a) | finance, eng | Maya Ortiz | Sam Lee | Charge by active seats. | 🟡 |
| Self-serve SSO | eng | Ravi Nair | Sam Lee | Let admins set up SSO alone. | ✅ |

## Glossary

| Term | Meaning |
| --- | --- |
| DRI | Directly responsible individual |
"""


def test_initiative_tables_with_dri_sponsor_and_emoji_status(read) -> None:  # type: ignore[no-untyped-def]
    plan = read(PROJECTS, path="roadmaps/projects.md")
    assert plan.objectives == []
    assert [(i.title, i.owner, i.sponsor, i.status) for i in plan.initiatives] == [
        ("Usage-based billing", "Maya Ortiz", "Sam Lee", "at risk"), ("Self-serve SSO", "Ravi Nair", "Sam Lee", "done")]
    assert plan.initiatives[0].description == "Charge by active seats."
    assert [i.id for i in plan.orphan_initiatives()] == ["Usage-based billing", "Self-serve SSO"]
    assert plan.unread == []


def test_initiatives_listed_under_an_objective_serve_it(read) -> None:  # type: ignore[no-untyped-def]
    plan = read("## O1 — Grow self-serve\n\nKR1.1 — Reach 500 signups a week.\n\n### LRK-4 Guided setup\n"
                "Paragraph about it.\n\n### LRK-5 Seat packs\n- Objective: none\n")
    first, second = plan.initiatives
    assert (first.id, first.objective_ids, first.description) == ("LRK-4", ["O1"], "Paragraph about it.")
    assert second.objective_ids == []  # a stated "none" wins over the nesting


@pytest.mark.parametrize("body", [
    "# How we work\n\n1. Write things down\n   - Docs beat meetings\n   - Decisions get a page\n",
    "# Team page\n\n- **Growth** owns onboarding. Expect the roadmap to focus on setup.\n",
    "# Definitions\n\n- Active team: a team with two dispatches in a week\n- Seat: a named user\n",
    "# Platform sync\n\n- **Goal:** finish the queue migration before the freeze\n- **Owner:** Bo\n",
])
def test_documents_that_are_not_plans_give_nothing(read, body: str) -> None:  # type: ignore[no-untyped-def]
    plan = read(body)
    assert plan.objectives == [] and plan.initiatives == [] and plan.unread == []


def test_a_plan_looking_document_that_yields_nothing_is_unread(read) -> None:  # type: ignore[no-untyped-def]
    plan = read("# Q4 OKRs (draft)\n\nWe agree objectives and key results at the offsite; teams are drafting.\n",
                path="strategy/q4-okrs.md")
    assert not plan.read and [u.source for u in plan.unread] == ["strategy/q4-okrs.md"]
    assert plan.unread_note() == "Could not read a plan from 1 document: strategy/q4-okrs.md"


def test_an_index_of_plans_is_not_an_unread_plan(read) -> None:  # type: ignore[no-untyped-def]
    plan = read("# Company OKRs\n\n- [FY25-Q2](q2.md)\n- [FY25-Q1](q1.md)\n- [Archive](archive.md) of old ones\n")
    assert plan.unread == []


def test_two_files_with_the_same_name_get_distinct_ids(tmp_path: Path) -> None:
    config = settings()
    chunks = []
    for folder in ("design", "delivery"):
        write(tmp_path, f"{folder}/goals/index.md", "1. **Objective**: Ship it.\n   - Key Result: Ship 3 things.\n")
        chunks += chunk_source(load_source(tmp_path, tmp_path / f"{folder}/goals/index.md", config), config)
    plan = parse_plan(chunks)
    assert sorted(o.id for o in plan.objectives) == ["delivery/goals/index/O1", "design/goals/index/O1"]
    assert len({kr.id for kr in plan.key_results}) == 2


def test_numbered_key_results_under_an_unnumbered_objective(read) -> None:  # type: ignore[no-untyped-def]
    plan = read("# Growth\n\n**Objective: Grow self-serve**\n\nKR 1.1: Reach 500 signups a week.\n"
                "KR 1.2: Activate 40% of new teams.\n\n**Objective: Keep them**\n\nKR 1.1: Churn under 2%.\n")
    assert [(o.title, [k.text for k in o.key_results]) for o in plan.objectives] == [
        ("Grow self-serve", ["Reach 500 signups a week.", "Activate 40% of new teams."]),
        ("Keep them", ["Churn under 2%."])]
    assert len({k.id for k in plan.key_results}) == 3
