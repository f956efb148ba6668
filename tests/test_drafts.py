"""Strategy drafts from the sample workspace's notes: citations, flags for the author, scope, LLM wiring."""

from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.errors import ProdopsError
from assistant.runtime import Runtime
from assistant.strategy.draft import NOT_COVERED, StrategyDraft, draft_strategy, load_sections
from assistant.text import strip_markup


@pytest.fixture(scope="module")
def draft(sample_runtime: Runtime) -> StrategyDraft:
    return draft_strategy(sample_runtime, "H1 2027 strategy", "notes/")


def test_sections_follow_the_template_and_cite_only_selected_notes(
    draft: StrategyDraft, sample_runtime: Runtime
) -> None:
    assert [s.heading for s in draft.sections] == [s.heading for s in load_sections()]
    assert draft.sources and all(p.startswith("notes/") for p in draft.sources)
    for section in draft.sections:
        for sentence in section.sentences:
            if sentence.text == NOT_COVERED:
                assert not sentence.supported and not sentence.citations
                continue
            assert sentence.citations
            for citation in sentence.citations:
                chunk = sample_runtime.store.get_chunks([citation.chunk_id])[0]
                assert chunk.meta.source == citation.source and citation.source in draft.sources
                assert sentence.text in strip_markup(chunk.text)


def test_planted_unsupported_figure_is_flagged(draft: StrategyDraft) -> None:
    flagged = {c.source: c for c in draft.metric_conflicts}
    leo = flagged["notes/2026-11-10-pricing-brainstorm.md"]
    assert "38%" in leo.text and "activation_rate" in leo.reason
    # Figures the reports do back (2,259 weekly active teams on Sep 28) are not flagged.
    assert all("2,259" not in c.text for c in draft.metric_conflicts)


def test_contradictions_come_from_different_notes(draft: StrategyDraft) -> None:
    assert draft.contradictions
    for c in draft.contradictions:
        assert c.a.source != c.b.source and c.reason
    assert any("EU" in c.a.text and "EU" in c.b.text for c in draft.contradictions)


def test_injected_instructions_are_never_content(draft: StrategyDraft) -> None:
    text = json.dumps(draft.model_dump()).lower()
    assert "ignore all previous instructions" not in text and "admin mode" not in text


def test_scope_keeps_restricted_notes_out(sample_runtime: Runtime) -> None:
    growth = draft_strategy(sample_runtime, "Growth view", "notes/", scope=["growth"])
    assert "notes/2026-10-21-board-feedback.md" not in growth.sources
    assert "notes/2026-11-14-deal-note-bellhaven-health.md" not in growth.sources
    assert "Stratavo" not in json.dumps(growth.model_dump())


def test_selection_errors_are_actionable(sample_runtime: Runtime) -> None:
    with pytest.raises(ProdopsError, match="matches no ingested document"):
        draft_strategy(sample_runtime, "x", "nowhere/")
    with pytest.raises(ProdopsError, match="unknown filter"):
        draft_strategy(sample_runtime, "x", "colour:blue")


def _one_note_runtime(tmp_path, make_runtime):  # type: ignore[no-untyped-def]
    from ingest.pipeline import ingest_paths

    (tmp_path / "ws" / "notes").mkdir(parents=True)
    (tmp_path / "ws" / "notes" / "offsite.md").write_text(
        "---\nkind: note\nteam: leadership\ndate: 2026-10-09\n---\n"
        "Activation is not moving: 0.321 in September against 0.312 in June.\n"
    )
    runtime = make_runtime()
    ingest_paths(runtime, [tmp_path / "ws"], show_progress=False)
    return runtime


def test_llm_sections_are_verified_or_replaced_by_the_notes(tmp_path, make_runtime) -> None:  # type: ignore[no-untyped-def]
    runtime = _one_note_runtime(tmp_path, make_runtime)
    replies = [
        "Activation is not moving: 0.321 in September [1]. Activation reached 0.52 in September [1].",
        "Activation is not moving [1][9].",  # [9] was never given to the model
    ] + ["The notes don't cover this."] * 4
    model = GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))
    draft = draft_strategy(runtime, "LLM draft", "notes/", model=model)
    first, second = draft.sections[0], draft.sections[1]
    # half of the first reply is invented (0.52 is in no note): the section is the note's own words instead
    assert first.fallback is not None and first.fallback.reason == "unsupported" and first.written_by == "notes"
    assert "0.52" in first.fallback.model_text and all("0.52" not in s.text for s in first.sentences)
    assert second.written_by == "model" and second.fallback is None
    assert [c.source for c in second.sentences[0].citations] == ["notes/offsite.md"] and second.sentences[0].supported
    for section in draft.sections[2:]:  # declined: the notes' sentences if any fit, else the gap note
        texts = [s.text for s in section.sentences]
        assert texts == [NOT_COVERED] or (section.fallback is not None and section.fallback.reason == "declined")
    shown = [s for section in draft.sections if section.written_by == "model" for s in section.sentences]
    assert all(s.supported and s.citations for s in shown)


def test_draft_with_the_model_down_finishes_offline_at_once(tmp_path, make_runtime) -> None:  # type: ignore[no-untyped-def]
    import time

    from assistant.llm import model_client
    from tests.fakes import closed_port
    from tests.utils import settings

    runtime = _one_note_runtime(tmp_path, make_runtime)
    client = model_client(settings(llm_model="m", llm_base_url=f"http://127.0.0.1:{closed_port()}/v1",
                                   llm_retries=0))
    began = time.monotonic()
    draft = draft_strategy(runtime, "Offline", "notes/", model=client)
    assert time.monotonic() - began < 30
    offline = draft_strategy(runtime, "Offline", "notes/")
    assert [s.model_dump(exclude={"fallback"}) for s in draft.sections] == \
        [s.model_dump(exclude={"fallback"}) for s in offline.sections]
    reasons = {s.fallback.reason for s in draft.sections if s.fallback}
    assert reasons == {"unreachable"}


def test_cli_json_contract(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import get_settings

    monkeypatch.setenv("PRODOPS_DATA_DIR", str(sample_runtime.settings.data_dir))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["draft", "strategy", "--title", "T", "--from", "kind:note", "--format", "json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "T" and isinstance(data["contradictions"], list)
    sentence = data["sections"][0]["sentences"][0]
    assert isinstance(sentence["supported"], bool) and {"source", "chunk_id"} <= set(sentence["citations"][0])
    bad = CliRunner().invoke(app, ["draft", "strategy", "--title", "T", "--from", "nowhere/"])
    assert bad.exit_code == 2 and "matches no ingested document" in bad.stderr
