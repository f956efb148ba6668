"""Sentence vectors shared through the data dir: a second server process (or a restarted one) answers from the
vectors the first one embedded, gets the same answer, and never reads another model's vectors."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.chat import ChatService
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.runtime import Runtime
from assistant.store.sentence_vectors import SharedVectors

QUESTION = "Who owns the enterprise readiness objective?"  # one part: the answer embeds only sentences


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed as documents or short texts (an answer's candidate
    sentences take the short-text path): a process's own model, in effect."""

    def __init__(self, inner: SentenceTransformerEmbedder, name: str | None = None) -> None:
        self._inner = inner
        self.name = name or inner.name
        self.dimension = inner.dimension
        self.documents = 0

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.documents += len(texts)
        return self._inner.embed_documents(texts)

    def embed_short(self, texts: Sequence[str]) -> list[list[float]]:
        self.documents += len(texts)
        return self._inner.embed_short(texts)

    def __getattr__(self, attribute: str) -> Any:  # embed_query, token_embeddings: the model's own
        return getattr(self._inner, attribute)


def _process(runtime: Runtime, embedder: CountingEmbedder) -> Runtime:
    """A runtime as another server process has it: same data dir, its own caches, its own model."""
    return Runtime(runtime.settings, embedder_factory=lambda: embedder)


def test_a_second_process_answers_from_the_vectors_the_first_embedded(
    sample_runtime: Runtime, embedder: SentenceTransformerEmbedder
) -> None:
    first_model, second_model = CountingEmbedder(embedder), CountingEmbedder(embedder)
    first, second = _process(sample_runtime, first_model), _process(sample_runtime, second_model)
    try:
        answer = ChatService(first).ask(QUESTION)
        again = ChatService(second).ask(QUESTION)
        assert answer.sentences and again.model_dump() == answer.model_dump()
        assert second_model.documents == 0  # every candidate sentence's vector was read, none embedded
    finally:
        first.close()
        second.close()


def test_another_model_never_reads_these_vectors(sample_runtime: Runtime, embedder: SentenceTransformerEmbedder
                                                 ) -> None:
    ChatService(sample_runtime).ask(QUESTION)
    other_model = CountingEmbedder(embedder, name="another-model")
    other = _process(sample_runtime, other_model)
    try:
        ChatService(other).ask(QUESTION)
        assert other_model.documents > 0  # same texts, different model: embedded, not read
    finally:
        other.close()


def test_vectors_read_back_are_the_models_exactly(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    texts = ["Renewals slipped in October.", "SSO is due by the end of the half.", "Ünïcode and emoji 🚀 too."]
    vectors = embedder.embed_documents(texts)
    shared = SharedVectors(tmp_path / "vectors.sqlite3", max_rows=100)
    shared.put_many("m", dict(zip(texts, vectors, strict=True)))
    reread = SharedVectors(tmp_path / "vectors.sqlite3", max_rows=100)  # another process opening the file
    got = reread.get_many("m", [*texts, "never stored"])
    assert [got[t] for t in texts] == vectors
    assert "never stored" not in got and reread.get_many("other", texts) == {}


def test_the_file_stays_bounded_and_keeps_the_newest(tmp_path: Path) -> None:
    shared = SharedVectors(tmp_path / "vectors.sqlite3", max_rows=600)
    rng = np.random.default_rng(0)
    for batch in range(12):
        shared.put_many("m", {f"sentence {batch}-{i}": rng.random(4).tolist() for i in range(128)})
    assert shared.count() <= 600
    newest = [f"sentence 11-{i}" for i in range(128)]
    assert len(shared.get_many("m", newest)) == 128
    assert shared.get_many("m", ["sentence 0-0"]) == {}


def test_a_damaged_vector_file_costs_embedding_not_answers(
    sample_runtime: Runtime, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    """The file is a cache: garbage in its place is reported in the log and answers come as before."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for item in sample_runtime.settings.data_dir.iterdir():  # the ingested store, minus its vector file
        if item.name.startswith("sentence-vectors"):
            continue
        target = data_dir / item.name
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, target)
    (data_dir / "sentence-vectors.sqlite3").write_bytes(b"not a database " * 400)
    model = CountingEmbedder(embedder)
    runtime = Runtime(sample_runtime.settings.model_copy(update={"data_dir": data_dir}),
                      embedder_factory=lambda: model)
    try:
        answer = ChatService(runtime).ask(QUESTION)
        expected = ChatService(sample_runtime).ask(QUESTION)
        assert answer.model_dump() == expected.model_dump()
        assert model.documents > 0  # embedded, since nothing could be read
    finally:
        runtime.close()
