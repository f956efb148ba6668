"""The optional language-model reader for plan-like documents the layout reader finds nothing in: only
verbatim text survives, failures leave the document unread, and readable documents never reach the model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import Field

from assistant.planning.plan import load_plan
from assistant.runtime import Runtime
from ingest.pipeline import ingest_paths
from tests.utils import markdown, write

PROSE = markdown(
    "# Larkspur Q1 OKRs\n\nThis quarter our first objective is to delight enterprise admins, which we will "
    "measure by 40 admins rating setup 4 or higher. Maya Ortiz owns it. We will also ship usage-based\nbilling "
    "(Ravi Nair, at risk).\n", kind="strategy", team="leadership", date="2026-01-05")
LISTED = markdown("# Support OKRs\n\n1. **OBJECTIVE: Answer faster**\n   - KR: Median first reply under 2 hours\n",
                  kind="strategy", team="support", date="2026-01-05")
REPLY = {
    "objectives": [
        {"title": "delight enterprise admins", "owner": "Maya Ortiz",
         "key_results": [{"text": "40 admins rating setup 4 or higher"}, {"text": "Double revenue by March"}]},
        {"title": "Become the market leader", "key_results": [{"text": "40 admins rating setup 4 or higher"}]},
    ],
    "initiatives": [
        {"title": "ship usage-based billing", "owner": "Ravi Nair", "status": "at risk"},
        {"title": "Launch in Europe", "owner": "Bo", "status": "on track"},
    ],
}


class StructuredFake(BaseChatModel):
    """A chat model whose structured output is a fixed reply (or an error), recording the prompts it got."""

    reply: dict[str, Any] = Field(default_factory=dict)
    fail: bool = False
    prompts: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "structured-fake"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        raise NotImplementedError("only structured output is used")

    def with_structured_output(self, schema: Any, **kwargs: Any) -> Runnable[Any, Any]:
        def answer(prompt: Any) -> Any:
            self.prompts.append(str(prompt))
            if self.fail:
                raise TimeoutError("model timed out")
            return schema.model_validate(self.reply)

        return RunnableLambda(answer)


def _runtime(tmp_path: Path, make_runtime: Callable[..., Runtime], files: dict[str, str]) -> Runtime:
    for rel, body in files.items():
        write(tmp_path / "ws", rel, body)
    runtime = make_runtime()
    assert not ingest_paths(runtime, [tmp_path / "ws"], show_progress=False).failed
    return runtime


def test_only_verbatim_text_from_the_model_is_kept(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    runtime = _runtime(tmp_path, make_runtime, {"strategy/q1.md": PROSE, "strategy/support.md": LISTED})
    assert [u.source for u in load_plan(runtime).unread] == ["strategy/q1.md"]  # offline: unread, no model
    model = StructuredFake(reply=REPLY)
    plan = load_plan(runtime, model=model)
    assert len(model.prompts) == 1 and "delight enterprise admins" in model.prompts[0]  # only the unread one
    assert "Answer faster" not in model.prompts[0]
    by_model = [o for o in plan.objectives if o.by_model]
    assert [(o.title, o.owner, [k.text for k in o.key_results]) for o in by_model] == [
        ("delight enterprise admins", "Maya Ortiz", ["40 admins rating setup 4 or higher"])]  # invented ones dropped
    assert [(i.title, i.owner, i.status, i.by_model) for i in plan.initiatives] == [
        ("ship usage-based billing", "Ravi Nair", "at risk", True)]  # found across a line break
    assert "Answer faster" in [o.title for o in plan.objectives if not o.by_model]
    assert plan.unread == []
    for item in [*by_model, *by_model[0].key_results, *plan.initiatives]:
        assert item.span in PROSE  # the span is the document's own text, line break included


def test_a_model_failure_leaves_the_document_unread(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    runtime = _runtime(tmp_path, make_runtime, {"strategy/q1.md": PROSE})
    plan = load_plan(runtime, model=StructuredFake(reply=REPLY, fail=True))
    assert plan.objectives == [] and [u.source for u in plan.unread] == ["strategy/q1.md"]


def test_the_fallback_can_be_switched_off(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    for rel, body in {"strategy/q1.md": PROSE}.items():
        write(tmp_path / "ws", rel, body)
    runtime = make_runtime(plan_model_fallback=False)
    ingest_paths(runtime, [tmp_path / "ws"], show_progress=False)
    model = StructuredFake(reply=REPLY)
    assert load_plan(runtime, model=model).objectives == [] and model.prompts == []
