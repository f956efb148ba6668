"""Concurrent question embeddings share forward passes, give the vectors a lone call gives, and fail loudly."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.embeddings.batching import QueryBatcher
from assistant.embeddings.minilm import SentenceTransformerEmbedder

QUESTIONS = [f"which objective does initiative {i} serve and who owns it?" for i in range(16)]


def test_questions_queued_during_a_pass_share_the_next_pass() -> None:
    batches: list[int] = []
    first_pass_started = threading.Event()

    def encode(texts: Sequence[str]) -> list[list[float]]:
        batches.append(len(texts))
        first_pass_started.set()
        time.sleep(0.3)  # a slow model: everything that arrives meanwhile queues up
        return [[float(len(t)), 1.0] for t in texts]

    batcher = QueryBatcher(encode)
    with ThreadPoolExecutor(max_workers=9) as pool:
        first = pool.submit(batcher.embed, "a")
        assert first_pass_started.wait(5)
        rest = [pool.submit(batcher.embed, "b" * (i + 2)) for i in range(8)]
        assert first.result() == [1.0, 1.0]
        assert [f.result() for f in rest] == [[float(i + 2), 1.0] for i in range(8)]  # each caller gets its own
    assert batches[0] == 1  # the first question did not wait for company
    assert sum(batches) == 9 and len(batches) <= 3  # the other eight shared passes


def test_several_texts_of_one_caller_share_one_pass() -> None:
    batches: list[list[str]] = []

    def encode(texts: Sequence[str]) -> list[list[float]]:
        batches.append(list(texts))
        return [[float(len(t))] for t in texts]

    batcher = QueryBatcher(encode)
    assert batcher.embed_many(["a", "bb", "ccc"]) == [[1.0], [2.0], [3.0]]
    assert batches == [["a", "bb", "ccc"]]
    assert batcher.embed_many([]) == [] and len(batches) == 1


def test_questions_go_into_the_next_pass_ahead_of_queued_sentences() -> None:
    """A search's question must not wait behind the dozens of sentences a cold answer queued."""
    batches: list[list[str]] = []
    busy = threading.Event()

    def encode(texts: Sequence[str]) -> list[list[float]]:
        batches.append(list(texts))
        busy.set()
        time.sleep(0.3)
        return [[1.0] for _ in texts]

    batcher = QueryBatcher(encode, max_batch=8)
    with ThreadPoolExecutor(max_workers=3) as pool:
        first = pool.submit(batcher.embed, "warm")
        assert busy.wait(5)
        sentences = pool.submit(batcher.embed_many, [f"sentence {i}" for i in range(20)], False)
        time.sleep(0.05)
        question = pool.submit(batcher.embed, "the question")
        assert first.result() and question.result() == [1.0] and len(sentences.result()) == 20
    assert batches[1][0] == "the question" and len(batches[1]) == 8  # first in, sentences fill the pass
    assert sorted(t for b in batches[1:] for t in b if t.startswith("sentence")) == sorted(
        f"sentence {i}" for i in range(20))


def test_a_model_error_reaches_every_caller_of_the_pass_and_the_next_call_works() -> None:
    calls = 0

    def encode(texts: Sequence[str]) -> list[list[float]]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("model crashed")
        return [[1.0] for _ in texts]

    batcher = QueryBatcher(encode)
    with pytest.raises(RuntimeError, match="model crashed"):
        batcher.embed("first")
    assert batcher.embed("second") == [1.0]


def test_an_idle_worker_ends_and_the_next_call_starts_another() -> None:
    """A batcher's thread must not outlive its use: it holds the model (or a store) it calls."""
    batcher: QueryBatcher[str, str] = QueryBatcher(lambda texts: [t.upper() for t in texts], idle_seconds=1.0)
    before = set(threading.enumerate())
    assert batcher.embed("a") == "A"
    [first] = [t for t in threading.enumerate() if t not in before and t.name == "prodops-query-embed"]
    first.join(timeout=5)
    assert not first.is_alive()
    assert batcher.embed_many(["b", "c"]) == ["B", "C"] and batcher.passes == 2


def test_concurrent_queries_get_the_vectors_of_lone_calls(embedder: SentenceTransformerEmbedder) -> None:
    alone = np.asarray(embedder.embed_documents(QUESTIONS))
    with ThreadPoolExecutor(max_workers=16) as pool:
        together = np.asarray(list(pool.map(embedder.embed_query, QUESTIONS)))
    assert together.shape == alone.shape
    assert np.allclose(together, alone, atol=1e-5)
