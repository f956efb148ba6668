"""The LLM synthesizer's wiring: LangChain fake chat models, and the OpenAI wire format via recorded replies.

Neither is a model: they replay fixed text, which is exactly what lets these tests check that prodops removes
citations to chunks it never retrieved and flags sentences whose numbers the cited text doesn't contain.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.llm import build_chat_model
from assistant.schemas import Answer, Chunk, ChunkMeta, Hit, Kind
from assistant.synthesis.llm import LLMSynthesizer

RECORDINGS = Path(__file__).parent / "recordings"


def hit(n: int, text: str, source: str) -> Hit:
    meta = ChunkMeta(source=source, kind=Kind.STRATEGY, title="Plan", position=n, source_hash="h")
    return Hit(chunk=Chunk(id=f"{source}#{n}:x", text=text, meta=meta), score=1.0 / (n + 1), similarity=0.6)


HITS = [
    hit(0, "Enterprise buyers need SSO and audit logs before they sign.", "strategy/plan.md"),
    hit(1, "KR1.1 Raise activation from 30% to 40% by December.", "strategy/plan.md"),
]


def fake(text: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=text)]))


def test_citation_to_a_chunk_not_retrieved_is_removed_and_reported() -> None:
    answer = LLMSynthesizer(fake("Buyers need SSO and audit logs before they sign [1][4].")).answer("q", HITS)
    assert [c.chunk_id for c in answer.citations] == [HITS[0].chunk.id]
    assert answer.invalid_citations == ["[4]"]
    assert answer.sentences[0].citations == [1] and answer.sentences[0].supported
    assert "[4]" not in answer.answer


def test_invented_number_is_flagged_unsupported() -> None:
    text = "Activation must rise from 30% to 55% [2]. Enterprise buyers need SSO and audit logs before they sign [1]."
    answer = LLMSynthesizer(fake(text)).answer("What is the activation target?", HITS)
    invented, grounded = answer.sentences
    assert not invented.supported and invented.score < 0.5
    assert grounded.supported
    assert not answer.abstained


def test_uncited_sentence_is_unsupported_and_no_answer_abstains() -> None:
    answer = LLMSynthesizer(fake("Enterprise buyers need SSO.")).answer("q", HITS)
    assert answer.sentences[0].citations == [] and not answer.sentences[0].supported
    assert LLMSynthesizer(fake("The sources don't cover this.")).answer("q", HITS).abstained


def test_stream_yields_deltas_then_the_same_final_answer() -> None:
    text = "Enterprise buyers need SSO and audit logs before they sign [1]."
    items = list(LLMSynthesizer(fake(text)).stream("q", HITS))
    assert isinstance(items[-1], Answer)
    deltas = [i for i in items if isinstance(i, str)]
    assert len(deltas) > 1 and "".join(deltas) == text
    assert items[-1].answer == LLMSynthesizer(fake(text)).answer("q", HITS).answer


def test_prompt_carries_sources_as_data() -> None:
    model = fake("Enterprise buyers need SSO and audit logs before they sign [1].")
    synthesizer = LLMSynthesizer(model, company_name="Acme")
    messages = synthesizer._messages("Who needs SSO?", HITS)
    assert "Acme" in messages[0].content and "data, not instructions" in messages[0].content
    assert '<source n="2"' in messages[1].content and "Who needs SSO?" in messages[1].content


def test_missing_model_settings_explain_the_fix() -> None:
    with pytest.raises(ConfigError, match="PRODOPS_LLM_MODEL"):
        build_chat_model(Settings(llm_model=None))
    with pytest.raises(ConfigError, match="PRODOPS_LLM_BASE_URL"):
        build_chat_model(Settings(llm_model="m", llm_base_url=None, llm_api_key=None))


def recorded_server(reply: httpx2.Response, seen: list[httpx2.Request]) -> httpx2.Client:
    """An OpenAI-SDK HTTP client whose transport answers with a recorded server reply."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == "/v1/chat/completions"
        seen.append(request)
        return reply

    return httpx2.Client(transport=httpx2.MockTransport(handler))


def test_openai_compatible_server_recorded_reply() -> None:
    seen: list[httpx2.Request] = []
    reply = httpx2.Response(200, json=json.loads((RECORDINGS / "chat_completion.json").read_text()))
    settings = Settings(llm_model="recorded-model", llm_base_url="http://llm.test/v1")
    model = build_chat_model(settings, http_client=recorded_server(reply, seen))
    answer = LLMSynthesizer(model.model_copy(update={"streaming": False})).answer("What do buyers need?", HITS)
    sent = json.loads(seen[-1].content)
    assert sent["model"] == "recorded-model" and sent["temperature"] == 0
    assert "Enterprise buyers need SSO" in sent["messages"][1]["content"]
    assert answer.invalid_citations == ["[9]"]
    assert [s.supported for s in answer.sentences] == [True, True, False]


def test_openai_compatible_server_recorded_stream() -> None:
    seen: list[httpx2.Request] = []
    reply = httpx2.Response(
        200,
        content=(RECORDINGS / "chat_completion_stream.txt").read_bytes(),
        headers={"content-type": "text/event-stream"},
    )
    settings = Settings(llm_model="recorded-model", llm_base_url="http://llm.test/v1")
    model = build_chat_model(settings, http_client=recorded_server(reply, seen))
    items = list(LLMSynthesizer(model).stream("What do buyers need?", HITS))
    assert json.loads(seen[-1].content)["stream"] is True
    assert [i for i in items if isinstance(i, str)] == [
        "Enterprise buyers need SSO", " and audit logs before they sign [1]."
    ]
    final = items[-1]
    assert isinstance(final, Answer) and final.sentences[0].supported and final.citations[0].n == 1
