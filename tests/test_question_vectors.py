"""The extractive answer reuses the question vector retrieval computed, instead of embedding the question again
as a document (through sentence-transformers, under the document lock) for every new question; its answers are
the ones the old path gave."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from assistant.chat import ChatService, offline_synthesizer
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.runtime import Runtime
from assistant.synthesis.extractive import ExtractiveSynthesizer

SAMPLE = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "sample.yaml"


def _questions() -> list[str]:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    return [q["question"] for q in data["questions"]]


def test_answers_are_the_ones_the_question_embedded_as_a_document_gave(sample_runtime: Runtime) -> None:
    """Same model, same normalisation: the query path's vector and the document path's agree to ~1e-7, so every
    sample question gets the same sentences, citations and abstentions either way."""
    service = ChatService(sample_runtime)
    reusing = offline_synthesizer(sample_runtime)
    as_documents = ExtractiveSynthesizer(
        encode=sample_runtime.sentence_vectors,
        speakers=lambda: sample_runtime.lexical.known_names().get("participant", set()),
    )
    compared = 0
    for question in _questions():
        query, hits, early = service.prepare(question)
        if early is not None:  # a metric, plan or name-check answer: no sentences were compared
            continue
        new, old = reusing.answer(query, hits), as_documents.answer(query, hits)
        assert (new.answer, new.abstained, [c.chunk_id for c in new.citations]) == (
            old.answer, old.abstained, [c.chunk_id for c in old.citations]), question
        assert new.confidence == pytest.approx(old.confidence, abs=1e-6)
        compared += 1
    assert compared >= 20  # most sample questions take the extractive path


class RecordingEmbedder:
    """The real model, recording every text it is asked to embed, by any path."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self._inner = inner
        self.name, self.dimension = inner.name, inner.dimension
        self.texts: list[str] = []

    def embed_query(self, text: str) -> list[float]:
        self.texts.append(text)
        return self._inner.embed_query(text)

    def embed_short(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts += texts
        return self._inner.embed_short(texts)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts += texts
        return self._inner.embed_documents(texts)


def test_a_new_question_is_embedded_once_per_chat(
    sample_runtime: Runtime, embedder: SentenceTransformerEmbedder
) -> None:
    recording = RecordingEmbedder(embedder)
    runtime = Runtime(sample_runtime.settings, embedder_factory=lambda: recording)
    try:
        service = ChatService(runtime)
        answered = 0
        for n, question in enumerate(_questions()[:16]):
            fresh = f"{question.rstrip('?')} (zq{n + 9000})?"  # a text no earlier test asked: no cache has it
            answer = service.ask(fresh)
            if answer.route == "text" and answer.sentences:  # the extractive answer compared sentences with it
                answered += 1
            assert recording.texts.count(fresh) <= 1, fresh  # retrieval's embedding, reused by the answer
        assert answered >= 6 and runtime.question_vectors.hits >= answered
    finally:
        runtime.close()


def test_other_question_texts_go_through_the_query_path(embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    """Texts nobody remembered (the parts of a compound question) are embedded as queries, in one pass."""
    from assistant.config import Settings

    runtime = Runtime(Settings(data_dir=tmp_path / "data"), embedder_factory=lambda: embedder)
    try:
        vectors = runtime.question_vectors
        vectors.remember("what ships in Q3?", [1.0, 0.0])
        passes = embedder.queries.passes
        got = vectors(["what ships in Q3?", "who owns onboarding?", "who owns onboarding?", "when is it due?"])
        assert embedder.queries.passes - passes == 1  # both new texts in one forward pass
        assert got[0] == [1.0, 0.0]
        assert got[1] == got[2] == pytest.approx(embedder.embed_query("who owns onboarding?"))
        assert got[3] == pytest.approx(embedder.embed_query("when is it due?"))
        assert (vectors.hits, vectors.misses) == (2, 2)  # the remembered text and the repeat; two embedded
        assert vectors(["when is it due?"]) == [got[3]] and (vectors.hits, vectors.misses) == (3, 2)
    finally:
        runtime.close()
