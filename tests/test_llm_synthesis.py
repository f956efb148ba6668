"""The LLM synthesizer's wiring, deterministically: LangChain fake chat models, recorded OpenAI wire replies, and
misbehaving servers on loopback sockets (hung, killed mid-reply, garbage, refused) through the real OpenAI client.

None of these is a model: they replay fixed text or fixed failures, which is exactly what lets these tests check
that prodops removes citations to chunks it never retrieved, keeps the prompt's markup out of answers, shows a
model's answer only when the sources back it, and otherwise answers offline with a notice within its limits.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.chat import usable_condensed
from assistant.config import Settings
from assistant.errors import ConfigError, ModelUnavailable
from assistant.llm import ModelClient, build_chat_model, estimate_tokens, model_client
from assistant.schemas import Answer, Chunk, ChunkMeta, Hit, Kind
from assistant.synthesis.extractive import ExtractiveSynthesizer
from assistant.synthesis.llm import LLMSynthesizer, clean_model_text
from assistant.synthesis.verified import VerifiedSynthesizer
from tests.fakes import closed_port, dying_server, garbage_server, hung_server
from tests.utils import settings

RECORDINGS = Path(__file__).parent / "recordings"


def hit(n: int, text: str, source: str) -> Hit:
    meta = ChunkMeta(source=source, kind=Kind.STRATEGY, title="Plan", position=n, source_hash="h")
    return Hit(chunk=Chunk(id=f"{source}#{n}:x", text=text, meta=meta), score=1.0 / (n + 1), similarity=0.6)


HITS = [
    hit(0, "Enterprise buyers need SSO and audit logs before they sign.", "strategy/plan.md"),
    hit(1, "KR1.1 Raise activation from 30% to 40% by December.", "strategy/plan.md"),
]
QUESTION = "What do enterprise buyers need before they sign?"


def fake(text: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=text)]))


def verified(text: str, **overrides: Any) -> VerifiedSynthesizer:
    client = ModelClient(fake(text), settings(**overrides))
    return VerifiedSynthesizer(LLMSynthesizer(client), ExtractiveSynthesizer(), client.settings.llm_min_supported)


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
    synthesizer = LLMSynthesizer(fake("unused"), company_name="Acme")
    messages, shown = synthesizer.prompt("Who needs SSO?", HITS)
    assert "Acme" in messages[0].content and "data, not instructions" in messages[0].content
    assert '<source n="2"' in messages[1].content and "Who needs SSO?" in messages[1].content
    assert shown == HITS


def test_prompt_is_trimmed_to_the_context_dropping_the_lowest_ranked_sources() -> None:
    hits = [hit(n, f"Point {n}: " + "enterprise buyers want single sign-on and audit logs. " * 12, f"s{n}.md")
            for n in range(6)]
    small = ModelClient(fake("Enterprise buyers want single sign-on and audit logs [2]. Also [5]."),
                        settings(llm_context_tokens=1200, llm_max_tokens_answer=200))
    synthesizer = LLMSynthesizer(small)
    messages, shown = synthesizer.prompt(QUESTION, hits)
    assert 1 <= len(shown) < len(hits) and shown == hits[: len(shown)]  # best-ranked kept, in order
    prompt = "".join(str(m.content) for m in messages)
    assert estimate_tokens(prompt) <= 1200 - 200 and f'<source n="{len(shown) + 1}"' not in prompt
    answer = synthesizer.answer(QUESTION, hits)
    assert answer.citations[0].chunk_id == hits[1].chunk.id and answer.invalid_citations == ["[5]"]
    with pytest.raises(ModelUnavailable, match="PRODOPS_LLM_CONTEXT_TOKENS") as failed:
        LLMSynthesizer(ModelClient(fake("x"), settings(llm_context_tokens=400, llm_max_tokens_answer=100))).prompt(
            QUESTION, hits)
    assert failed.value.reason == "too_long"


def test_markup_and_list_numbering_never_reach_the_answer() -> None:
    reply = ('<source n="1">\n1. Enterprise buyers need SSO and audit logs before they sign. [1]\n'
             "2) **KR1.1**: raise activation from 30% to 40% by December [Source 2].</source>\n</source>")
    answer = LLMSynthesizer(fake(reply)).answer(QUESTION, HITS)
    assert [s.text for s in answer.sentences] == [
        "Enterprise buyers need SSO and audit logs before they sign.",
        "KR1.1: raise activation from 30% to 40% by December.",
    ]
    assert [s.citations for s in answer.sentences] == [[1], [2]] and all(s.supported for s in answer.sentences)
    assert "<" not in answer.answer and "source" not in answer.answer.lower() and "**" not in answer.answer
    assert clean_model_text("<|im_end|>Answer: 3. Fine [1, 2].") == "Fine [1, 2]."


def test_mostly_supported_answer_is_shown_without_its_unsupported_sentence() -> None:
    reply = ("Enterprise buyers need SSO and audit logs before they sign [1]. KR1.1 raises activation from 30% "
             "to 40% by December [2]. Buyers also demand a 99.99% uptime guarantee [1].")
    answer = verified(reply).answer(QUESTION, HITS)
    assert answer.fallback is None and not answer.abstained
    assert len(answer.sentences) == 2 and all(s.supported and s.citations for s in answer.sentences)
    assert [s.text for s in answer.removed] == ["Buyers also demand a 99.99% uptime guarantee."]
    assert "99.99" not in answer.answer


def test_unsupported_answer_is_replaced_by_the_offline_answer_with_a_notice() -> None:
    reply = "Revenue tripled to 9,870,000 dollars last quarter [1]. The board approved a merger in March [2]."
    answer = verified(reply).answer(QUESTION, HITS)
    offline = ExtractiveSynthesizer().answer(QUESTION, HITS)
    assert answer.fallback is not None and answer.fallback.reason == "unsupported"
    assert answer.fallback.model_text == reply and (answer.fallback.supported, answer.fallback.sentences) == (0, 2)
    assert "could not be checked against the sources" in answer.fallback.message
    assert answer.answer == offline.answer and "9,870,000" not in answer.answer
    assert all(s.supported for s in answer.sentences)


@pytest.mark.parametrize("reply", ["  \n", "...", "[1] [2]", "<source n=\"1\"></source>"])
def test_empty_or_markup_only_reply_is_unusable(reply: str) -> None:
    answer = verified(reply).answer(QUESTION, HITS)
    assert answer.fallback is not None and answer.fallback.reason in {"unusable", "declined"}
    assert answer.answer == ExtractiveSynthesizer().answer(QUESTION, HITS).answer


def test_model_declining_what_the_sources_cover_falls_back() -> None:
    answer = verified("The sources don't cover this.").answer(QUESTION, HITS)
    assert answer.fallback is not None and answer.fallback.reason == "declined" and not answer.abstained
    nothing = [hit(0, "The cafeteria menu changes on Mondays.", "notes/menu.md")]
    agreed = verified("The sources don't cover this.").answer("What is our Singapore lease plan?", nothing)
    assert agreed.abstained and agreed.fallback is None


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


@pytest.mark.parametrize(("text", "tokens"), [
    ("Enterprise buyers need SSO.", 6),  # 4 words and "." (SmolLM2: 6 tokens)
    ("week,weekly_active_teams\n2026-06-01,1840", 25),  # digits and commas: a token each
])
def test_token_estimate_counts_digits_and_punctuation(text: str, tokens: int) -> None:
    assert tokens <= estimate_tokens(text) <= tokens * 1.3


def test_openai_compatible_server_recorded_reply() -> None:
    seen: list[httpx2.Request] = []
    reply = httpx2.Response(200, json=json.loads((RECORDINGS / "chat_completion.json").read_text()))
    model = build_chat_model(settings(llm_model="recorded-model", llm_base_url="http://llm.test/v1"),
                             http_client=recorded_server(reply, seen))
    answer = LLMSynthesizer(model.model_copy(update={"streaming": False})).answer("What do buyers need?", HITS)
    sent = json.loads(seen[-1].content)
    assert sent["model"] == "recorded-model" and sent["temperature"] == 0
    assert "Enterprise buyers need SSO" in sent["messages"][1]["content"]
    assert answer.invalid_citations == ["[9]"]
    assert [s.supported for s in answer.sentences] == [True, True, False]


def test_every_call_sends_the_task_token_limit_both_ways() -> None:
    """llama.cpp reads `max_tokens`; langchain-openai sends OpenAI's `max_completion_tokens`: both go out."""
    seen: list[httpx2.Request] = []
    reply = httpx2.Response(200, content=(RECORDINGS / "chat_completion_stream.txt").read_bytes(),
                            headers={"content-type": "text/event-stream"})
    config = settings(llm_model="recorded-model", llm_base_url="http://llm.test/v1", llm_max_tokens_answer=123,
                      llm_temperature=0.2)
    client = model_client(config, http_client=recorded_server(reply, seen))
    assert client is not None
    items = list(LLMSynthesizer(client).stream("What do buyers need?", HITS))
    sent = json.loads(seen[-1].content)
    assert sent["stream"] is True and sent["max_tokens"] == 123 and sent["max_completion_tokens"] == 123
    assert sent["temperature"] == 0.2
    assert [i for i in items if isinstance(i, str)] == [
        "Enterprise buyers need SSO", " and audit logs before they sign [1]."
    ]
    final = items[-1]
    assert isinstance(final, Answer) and final.sentences[0].supported and final.citations[0].n == 1


def _client_for(url: str, **overrides: Any) -> ModelClient:
    values: dict[str, Any] = {"llm_model": "m", "llm_base_url": url, "llm_timeout": 1.5, "llm_connect_timeout": 1,
                              "llm_retries": 0, **overrides}
    client = model_client(settings(**values))
    assert client is not None
    return client


def _fallback_answer(client: ModelClient) -> tuple[Answer, list[str], float]:
    synthesizer = VerifiedSynthesizer(LLMSynthesizer(client), ExtractiveSynthesizer())
    began = time.monotonic()
    items = list(synthesizer.stream(QUESTION, HITS))
    final = items[-1]
    assert isinstance(final, Answer)
    return final, [i for i in items if isinstance(i, str)], time.monotonic() - began


def test_unreachable_model_gives_the_offline_answer_at_once() -> None:
    answer, _, seconds = _fallback_answer(_client_for(f"http://127.0.0.1:{closed_port()}/v1"))
    assert answer.fallback is not None and answer.fallback.reason == "unreachable" and seconds < 5
    assert "could not be reached" in answer.fallback.message and "showing the offline answer" in answer.fallback.message
    assert answer.answer == ExtractiveSynthesizer().answer(QUESTION, HITS).answer and not answer.abstained


def test_hung_server_times_out_then_later_calls_fail_fast() -> None:
    with hung_server() as server:
        client = _client_for(server.url, llm_retry_after=60)
        answer, deltas, seconds = _fallback_answer(client)
        assert answer.fallback is not None and answer.fallback.reason == "timeout" and deltas == []
        assert 1.4 <= seconds < 6, seconds  # llm_timeout 1.5 s, no retries
        again, _, fast = _fallback_answer(client)
        assert again.fallback is not None and "not retried" in again.fallback.message and fast < 0.5


def test_server_killed_mid_reply_keeps_the_partial_text_and_answers_offline() -> None:
    with dying_server(["Enterprise buyers", " need SSO"]) as server:
        answer, deltas, seconds = _fallback_answer(_client_for(server.url))
    assert deltas == ["Enterprise buyers", " need SSO"] and seconds < 5
    assert answer.fallback is not None and answer.fallback.reason == "disconnected"
    assert answer.fallback.model_text == "Enterprise buyers need SSO"
    assert answer.answer == ExtractiveSynthesizer().answer(QUESTION, HITS).answer


@pytest.mark.parametrize(("body", "status", "reasons"), [
    (b"<html>502 Bad Gateway</html>", 200, {"unusable", "error"}),
    (b'{"error": {"message": "model crashed"}}', 500, {"error"}),
])
def test_garbage_or_error_reply_answers_offline(body: bytes, status: int, reasons: set[str]) -> None:
    with garbage_server(body, status) as server:
        answer, _, seconds = _fallback_answer(_client_for(server.url))
    assert answer.fallback is not None and answer.fallback.reason in reasons and seconds < 5
    assert answer.answer == ExtractiveSynthesizer().answer(QUESTION, HITS).answer


@pytest.mark.parametrize(("reply", "accepted"), [
    ("What is the p95 latency target for uptime?", "What is the p95 latency target for uptime?"),
    ('Standalone question: "Which team owns SCIM?"', "Which team owns SCIM?"),
    ("Which team owns SCIM?\nThe SCIM work is owned by Platform.", None),  # answers instead of rewriting
    ("1. What is the uptime target?\n2. What is the latency target?", None),  # a list
    ("The uptime target is 99.9%.", None),  # not a question
    ("What? Why? " * 30, None),  # not short
    ("The sources don't cover this.", None),
    ("", None),
])
def test_condensed_follow_up_must_be_one_short_question(reply: str, accepted: str | None) -> None:
    assert usable_condensed(reply) == accepted
