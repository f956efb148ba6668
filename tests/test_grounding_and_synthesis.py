"""Sentence grounding, the extractive synthesizer, and follow-up condensing, on hand-made inputs."""

from __future__ import annotations

import pytest

from assistant.grounding.checker import support
from assistant.retrieval.followups import condense_rule
from assistant.schemas import Chunk, ChunkMeta, Hit, Kind
from assistant.store.conversations import Message
from assistant.synthesis.extractive import ExtractiveSynthesizer
from assistant.text import format_number, humanize_metric, numbers, split_sentences

EVIDENCE = "Weekly active teams grew from 1,840 in June to 2,310 in November, while activation stayed near 31%."


@pytest.mark.parametrize(
    ("sentence", "supported"),
    [
        ("Weekly active teams grew from 1,840 to 2,310.", True),
        ("Weekly active teams grew from 1840 in June to 2310 in November.", True),
        ("Weekly active teams grew from 1,840 to 2,900.", False),  # invented number
        ("Activation stayed near 45%.", False),
        ("Churn doubled among enterprise accounts in Europe.", False),  # unrelated claim
        ("", False),
    ],
)
def test_support_table(sentence: str, supported: bool) -> None:
    assert support(sentence, [EVIDENCE]).supported is supported


def test_missing_numbers_are_reported_and_score_in_range() -> None:
    result = support("Teams grew to 2,900.", [EVIDENCE])
    assert result.missing_numbers == ["2900"] and 0.0 <= result.score < 0.5
    assert support("anything", []).score == 0.0


def test_text_helpers() -> None:
    assert numbers("up 1,234 (+5.0%) to $3.50") == {"1234", "5", "3.5"}
    assert split_sentences("First one. Second one!\n- a bullet") == ["First one.", "Second one!", "a bullet"]
    assert humanize_metric("weekly_active_users") == "weekly active users"
    assert humanize_metric("fts") == "first-time sessions"
    assert [format_number(v) for v in (1840, 0.3124, 31.25, 1234.5)] == ["1,840", "0.3124", "31.25", "1,234.5"]


def make_hit(n: int, text: str, similarity: float, source: str = "interviews/a.md") -> Hit:
    meta = ChunkMeta(source=source, kind=Kind.INTERVIEW, title="Call", position=n, source_hash="h")
    return Hit(chunk=Chunk(id=f"{source}#{n}:x", text=text, meta=meta), score=1 / (n + 1), similarity=similarity)


def test_extractive_answers_with_cited_verbatim_sentences() -> None:
    hits = [
        make_hit(0, "We export the weekly report to CSV. The export times out for ranges over a month.", 0.62),
        make_hit(1, "Our dispatchers love the schedule board.", 0.2),
    ]
    answer = ExtractiveSynthesizer().answer("Why does the CSV export time out?", hits)
    assert not answer.abstained
    assert "The export times out for ranges over a month." in [s.text for s in answer.sentences]
    assert answer.citations[0].chunk_id == hits[0].chunk.id
    assert all(s.supported for s in answer.sentences)
    assert all(s.text in hits[0].chunk.text + hits[1].chunk.text for s in answer.sentences)


def test_extractive_abstains_without_support() -> None:
    hits = [make_hit(0, "Our dispatchers love the schedule board and the mobile app.", 0.12)]
    answer = ExtractiveSynthesizer().answer("What is the office lease renewal plan in Singapore?", hits)
    assert answer.abstained and not answer.citations
    assert ExtractiveSynthesizer().answer("anything", []).abstained


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and for the Growth team?", "What are the key results for the Growth team?"),
        ("in Q3?", "What are the key results in Q3?"),
        ("What about uptime?", "What are the key results — uptime?"),
        ("Who owns the SSO initiative?", "Who owns the SSO initiative?"),
    ],
)
def test_condense_rule(question: str, expected: str) -> None:
    history = [Message(role="user", content="What are the key results?"), Message(role="assistant", content="...")]
    assert condense_rule(history, question) == expected
    assert condense_rule([], question) == question
