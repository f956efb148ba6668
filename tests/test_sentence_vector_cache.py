"""The extractive answer embeds each candidate sentence once per process, not once per question."""

from __future__ import annotations

from assistant.chat import ChatService
from assistant.embeddings.cache import VectorCache
from assistant.runtime import Runtime


def test_asking_again_embeds_no_sentence_twice_and_answers_the_same(sample_runtime: Runtime) -> None:
    chat = ChatService(sample_runtime)
    question = "Why do seasonal businesses dislike per-seat pricing?"
    first = chat.ask(question)
    cache = sample_runtime.sentence_vectors
    misses, hits = cache.misses, cache.hits
    assert misses > 0
    second = chat.ask(question)
    assert cache.misses == misses and cache.hits > hits
    assert second.answer == first.answer


def test_the_cache_is_bounded_and_keeps_the_most_recent() -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> list[list[float]]:
        calls.append(list(texts))
        return [[float(len(t))] for t in texts]

    cache = VectorCache(encode, size=2)
    assert cache(["a", "bb", "a"]) == [[1.0], [2.0], [1.0]]
    assert calls == [["a", "bb"]]  # a repeat within one call is embedded once
    cache(["ccc"])  # "a" is the least recently used: out
    cache(["bb", "a"])
    assert calls[-1] == ["a"]
