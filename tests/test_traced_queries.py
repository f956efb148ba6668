"""Questions go through a TorchScript trace of the model (it runs without the GIL): same vectors, or not used.

The trace is a second way to compute the same function, so what matters is that it *is* the same function: on
questions of every length (padded together in one pass, and past the model's window), beside documents being
embedded by the other path at the same time, and that a model it was not built for keeps the ordinary path.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sentence_transformers import SentenceTransformer, models

from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.embeddings.traced import TOLERANCE, TracedQueryEncoder

WORDS = ("which team owns the activation objective and when does the SSO work ship for enterprise customers "
         "after the October churn review said renewals slipped").split()


def _questions(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(1, 60))) + "?" for _ in range(count)]


def test_questions_through_the_trace_get_the_models_own_vectors(embedder: SentenceTransformerEmbedder) -> None:
    questions = [*_questions(24, seed=3), " ".join(WORDS * 30)]  # the last one is cut at the model's window
    with ThreadPoolExecutor(max_workers=8) as pool:  # concurrent: the batcher pads them together in passes
        traced = np.asarray(list(pool.map(embedder.embed_query, questions)))
    direct = np.asarray(embedder.embed_documents(questions))  # sentence-transformers' own encode
    assert embedder.questions_traced
    assert np.abs(traced - direct).max() < TOLERANCE
    assert np.allclose(np.linalg.norm(traced, axis=1), 1.0, atol=1e-5)


def test_questions_and_documents_embedded_at_once_match_alone(embedder: SentenceTransformerEmbedder) -> None:
    questions, documents = _questions(40, seed=5), _questions(40, seed=6)
    alone_q = np.asarray(embedder.embed_documents(questions))
    alone_d = np.asarray(embedder.embed_documents(documents))
    with ThreadPoolExecutor(max_workers=6) as pool:
        asked = [pool.submit(embedder.embed_query, q) for q in questions]
        stored = [pool.submit(embedder.embed_documents, [d]) for d in documents]
        got_q = np.asarray([f.result() for f in asked])
        got_d = np.asarray([f.result()[0] for f in stored])
    assert np.abs(got_q - alone_q).max() < TOLERANCE
    assert np.abs(got_d - alone_d).max() < TOLERANCE


def test_a_model_of_another_shape_is_not_traced(embedder: SentenceTransformerEmbedder) -> None:
    """First-token pooling is a different function from the mean the trace computes: no trace for it."""
    transformer = embedder.model[0]
    cls_pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="cls")
    other = SentenceTransformer(modules=[transformer, cls_pooling, models.Normalize()], device="cpu")
    assert TracedQueryEncoder.build(other) is None
    assert TracedQueryEncoder.build(embedder.model) is not None
