"""Does a sentence say only what its cited text says?

Used inline (every answer, draft and theme sentence gets a support score) and by ``evals/``. Two tiers share one
design: features that measure what the sentence adds to its evidence (``grounding_features``), combined by a
logistic model calibrated on WiCE dev (claims from Wikipedia against the pages they cite) with grouped
cross-validation; the fitted numbers live in ``data/grounding_model.json`` and ``evals/train_grounding.py``
regenerates them.

- ``support(...)`` (lexical tier): stemmed, rarity-weighted coverage, numbers, names, negation. About a
  millisecond per sentence, so it runs inline on every chat answer.
- ``support(..., deep=True)``: adds MiniLM alignment at sentence, clause and token level. It needs the
  evidence run through the model (tens of ms per sentence on 2 cores), so it is for evals and batch jobs.

``score`` is the calibrated probability alone (what the WiCE benchmark measures). ``supported`` adds policy: a
number in the sentence that the evidence lacks, or a negation flip against the evidence sentence that says nearly
the same thing, makes it unsupported whatever the score (numbers about metrics come from parsed tables, never from
a language model).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel

from assistant.embeddings.cache import EncodingCache
from assistant.errors import ConfigError
from assistant.grounding.features import (
    Encoded,
    clauses,
    deep_features,
    evidence_sentences,
    lexical_features,
    terms,
)
from assistant.text import STOPWORDS, numbers

MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "grounding_model.json"
Encoder = Callable[[Sequence[str]], list[Encoded]]


class Support(BaseModel):
    score: float
    supported: bool
    missing_numbers: list[str] = []


@dataclass(frozen=True)
class Tier:
    """One calibrated logistic model: standardised features, weights, and the decision threshold."""

    name: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> Tier:
        return cls(
            name=name,
            features=tuple(data["features"]),
            mean=np.asarray(data["mean"], dtype=float),
            scale=np.asarray(data["scale"], dtype=float),
            coef=np.asarray(data["coef"], dtype=float),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
        )

    def score(self, values: dict[str, float]) -> float:
        """Probability in [0, 1] that the evidence supports the sentence."""
        x = np.array([values[f] for f in self.features], dtype=float)
        z = float(((x - self.mean) / self.scale) @ self.coef) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> dict[str, Tier]:
    """The two tiers' fitted numbers (no WiCE text: only weights, scalings and thresholds)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"grounding model {path} is missing or unreadable: run `python evals/train_grounding.py`"
        ) from exc
    return {name: Tier.from_json(name, tier) for name, tier in data["tiers"].items()}


SUPPORT_THRESHOLD = load_model()["lexical"].threshold if MODEL_PATH.exists() else 0.5


def _unit(m: np.ndarray) -> np.ndarray:
    return np.asarray(m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-9))


def encode_tokens(tokens: Sequence[str], vectors: np.ndarray, sentence: np.ndarray) -> Encoded:
    """Group WordPiece tokens into words (``##`` pieces join the previous one) and keep the content words."""
    words: list[str] = []
    groups: list[list[int]] = []
    for i, tok in enumerate(tokens):
        if tok in {"[CLS]", "[SEP]", "[PAD]"}:
            continue
        if tok.startswith("##") and groups:
            words[-1] += tok[2:]
            groups[-1].append(i)
        else:
            words.append(tok)
            groups.append([i])
    keep = [k for k, w in enumerate(words) if w.isalnum() and w not in STOPWORDS]
    dim = vectors.shape[1]
    body = [i for g in groups for i in g]
    return Encoded(
        words=[words[k] for k in keep],
        word_vectors=_unit(np.array([vectors[groups[k]].mean(axis=0) for k in keep]).reshape(-1, dim)),
        token_vectors=_unit(vectors[body].reshape(-1, dim)),
        sentence=_unit(sentence),
    )


class TokenEmbedder(Protocol):
    def token_embeddings(self, texts: Sequence[str]) -> list[tuple[list[str], np.ndarray, np.ndarray]]: ...


class CachedEncoder(EncodingCache[Encoded]):
    """Texts through MiniLM once: a chunk cited by five sentences is encoded once (bounded LRU, thread-safe)."""

    def __init__(self, embedder: TokenEmbedder, size: int = 4096) -> None:
        super().__init__(lambda todo: [encode_tokens(*out) for out in embedder.token_embeddings(todo)], size)
        self.embedder = embedder


def features(sentence: str, evidence: Sequence[str], *, deep: bool = False, encode: Encoder | None = None,
             ) -> dict[str, float]:
    """The feature values the model scores; training calls this too, so train and use can't drift apart."""
    sentences = evidence_sentences(evidence)
    values = lexical_features(sentence, sentences)
    if deep:
        parts = clauses(sentence)
        if encode is None:
            raise ValueError("the deep tier needs an encoder: pass encode=runtime.grounding_encoder")
        encoded = encode([sentence, *parts, *sentences])
        values |= deep_features(encoded[0], encoded[1 : 1 + len(parts)], encoded[1 + len(parts) :])
    return values


def support(
    sentence: str,
    evidence: Sequence[str],
    threshold: float | None = None,
    *,
    deep: bool = False,
    encode: Encoder | None = None,
) -> Support:
    """Score in [0, 1] of how well ``evidence`` (the cited texts) supports ``sentence``.

    ``threshold`` defaults to the tier's threshold chosen on WiCE dev cross-validation (maximum F1). ``deep``
    adds MiniLM alignment features computed by ``encode`` (the runtime's ``grounding_encoder``, so
    the checker uses the same embedder and backend as everything else). The lexical tier's verdicts are
    remembered: it depends only on the texts, and the same passages' sentences are checked for question after
    question (every chat answer runs it on each sentence).
    """
    if not deep:
        return _lexical_support(sentence, tuple(evidence), threshold).model_copy(deep=True)
    return _scored(sentence, evidence, threshold, deep, encode)


@lru_cache(maxsize=2048)
def _lexical_support(sentence: str, evidence: tuple[str, ...], threshold: float | None) -> Support:
    return _scored(sentence, evidence, threshold, False, None)


def _scored(sentence: str, evidence: Sequence[str], threshold: float | None, deep: bool, encode: Encoder | None,
            ) -> Support:
    """:func:`support`, computed."""
    # Step 1: nothing to check is unsupported, not an error.
    joined = " ".join(evidence)
    missing = sorted(numbers(sentence) - numbers(joined))
    if not terms(sentence).stems or not joined.strip():
        return Support(score=0.0, supported=False, missing_numbers=missing)
    # Step 2: the calibrated score of the tier asked for.
    tier = load_model()["deep" if deep else "lexical"]
    values = features(sentence, evidence, deep=deep, encode=encode)
    score = round(tier.score(values), 4)
    # Step 3: policy on top of the score: an invented number or a negation flip is never supported.
    cut = tier.threshold if threshold is None else threshold
    flipped = values["negation_flip"] > 0
    return Support(score=score, supported=score >= cut and not missing and not flipped, missing_numbers=missing)
