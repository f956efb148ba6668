"""Plan questions answered from the plan's structure (parent objectives, owners, sponsors, status), with
follow-ups and placeholders, on a small fictional company's plan (Larchmont Tea)."""

from __future__ import annotations

import pytest

from assistant.chat import ChatService
from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.store.conversations import Message
from ingest.pipeline import ingest_paths

PLAN = """---
kind: strategy
title: Larchmont FY2026 goals
---
# Larchmont FY2026 goals

## Retail

1. **OBJECTIVE: Make every harbour shop profitable**
   - KR: Lift average basket from 9.40 to 11.00 across harbour shops
   - KR: Cut weekly waste below 4% of stock => Reached 3.6%.
2. **OBJECTIVE: Win back lapsed loyalty members**
   - KR: Re-activate 2,000 lapsed loyalty cards through the spring tasting club

## Wholesale

1. **OBJECTIVE: Open the second roastery**
   - KR: Sign 12 wholesale customers for the roastery pilot
"""

PROJECTS = """---
kind: strategy
title: Cross-team projects
---
# Cross-team projects

| Project | DRI | Exec sponsor | Status |
|---|---|---|---|
| Harbour shop refit | Nadia Okafor | Tom Reyes | 🟡 |
| Loyalty app relaunch | Priya Raman | Tom Reyes | ✅ |
| Admin portal revamp | Teammate X | VP of XXX | ⚪ |
"""

PROJECT_PAGE = """# Electric delivery vans

We replace the two diesel vans on the harbour round with electric ones before the summer season.

## Roles

| Role | Teammate | Title |
|---|---|---|
| DRI | Marta Lindqvist | Head of Logistics |
| Executive sponsor | Tom Reyes | COO |
| Functional lead | Ben Ade | Fleet lead |
"""

TEMPLATE_PAGE = """# _Supplier self-service portal_

_This section should say what the project is and why it matters._

## Roles and responsibilities

| WG Role | Teammate | Functional Title |
|:--|:--:|:--|
| DRI | Teammate X | Sr. Dir of XXX |
| Exec Sponsor | Teammate Y | VP of XXX |
"""


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory, embedder) -> ChatService:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("plan-q")
    (root / "ws" / "strategy").mkdir(parents=True)
    (root / "ws" / "strategy" / "goals.md").write_text(PLAN)
    (root / "ws" / "strategy" / "projects.md").write_text(PROJECTS)
    (root / "ws" / "strategy" / "electric-delivery-vans.md").write_text(PROJECT_PAGE)
    (root / "ws" / "strategy" / "supplier-self-service-portal.md").write_text(TEMPLATE_PAGE)
    runtime = Runtime(Settings(data_dir=root / "data"), embedder_factory=lambda: embedder)
    assert not ingest_paths(runtime, [root / "ws"], show_progress=False).failed
    return ChatService(runtime)


def test_which_objective_a_key_result_rolls_up_to(chat: ChatService) -> None:
    answer = chat.ask("Re-activating lapsed loyalty cards through the tasting club was a key result. Which objective "
                      "did it roll up to?")
    assert answer.route == "plan" and "Win back lapsed loyalty members" in answer.answer
    assert answer.citations and all(c.source == "strategy/goals.md" for c in answer.citations)


def test_who_drives_a_project_and_who_sponsors_it(chat: ChatService) -> None:
    answer = chat.ask("Who is the DRI for the harbour shop refit, and who is the exec sponsor?")
    assert "Nadia Okafor" in answer.answer and "Tom Reyes" in answer.answer
    assert "at risk" in answer.answer  # the status emoji, in words


def test_outcome_of_a_key_result(chat: ChatService) -> None:
    answer = chat.ask("What was the target for weekly waste in the harbour shops and where did it land?")
    assert "4%" in answer.answer and "3.6%" in answer.answer


def test_a_project_left_as_a_template_is_not_answered(chat: ChatService) -> None:
    answer = chat.ask("Who is the DRI and exec sponsor for the admin portal revamp?")
    assert "Teammate X" not in answer.answer and "XXX" not in answer.answer


def test_follow_up_resolves_it_to_the_previous_subject(chat: ChatService) -> None:
    first = chat.ask("Who is the DRI for the loyalty app relaunch?")
    assert "Priya Raman" in first.answer
    history = [Message(role="user", content="Who is the DRI for the loyalty app relaunch?"),
               Message(role="assistant", content=first.answer)]
    follow = chat.ask("and who sponsors it?", history=history)
    assert "Tom Reyes" in follow.answer


def test_a_project_page_with_its_own_roles_table_answers_who_owns_it(chat: ChatService) -> None:
    answer = chat.ask("Who is the DRI of the electric delivery vans project and who sponsors it?")
    assert answer.route == "plan" and "Marta Lindqvist" in answer.answer and "Tom Reyes" in answer.answer
    assert any(c.source == "strategy/electric-delivery-vans.md" for c in answer.citations)


def test_a_project_page_left_as_a_template_abstains_instead_of_quoting_generic_roles(chat: ChatService) -> None:
    answer = chat.ask('Who is the DRI and exec sponsor for the "supplier self-service portal" project?')
    assert answer.abstained and "Teammate" not in answer.answer and "XXX" not in answer.answer
    assert "template" in answer.answer


def test_an_edited_plan_page_is_answered_from_its_new_text(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    """Plans read for a question are remembered until the store changes: asked again after the page changed
    hands, the answer names the new DRI, not the remembered one."""
    page = tmp_path / "ws" / "strategy" / "electric-delivery-vans.md"
    page.parent.mkdir(parents=True)
    page.write_text(PROJECT_PAGE)
    chat = ChatService(Runtime(Settings(data_dir=tmp_path / "data"), embedder_factory=lambda: embedder))
    assert not ingest_paths(chat.runtime, [tmp_path / "ws"], show_progress=False).failed
    question = "Who is the DRI of the electric delivery vans project?"
    for _ in range(2):  # the second answer comes from what the first one read
        assert "Marta Lindqvist" in chat.ask(question).answer
    page.write_text(PROJECT_PAGE.replace("Marta Lindqvist", "Joan Achebe"))
    assert not ingest_paths(chat.runtime, [tmp_path / "ws"], show_progress=False).failed
    answer = chat.ask(question)
    assert answer.route == "plan" and "Joan Achebe" in answer.answer and "Marta Lindqvist" not in answer.answer
    chat.runtime.close()
