"""Precision and recall of the strategy drafts' contradiction check on labelled sentence pairs.

Each pair in ``evals/datasets/contradiction_pairs.yaml`` is labelled contradiction or not (with hard negatives:
agreeing statements, different subjects with opposite words, figures for different periods). The detector is
run as the product runs it: both sentences embedded in one batch, pairs below the similarity gate never
compared, then :func:`assistant.strategy.contradictions.contradiction_between`.

    python -m evals.contradictions [FILE] [--heldout] [--json]

``--heldout`` scores only the pairs written after the detector was built (the honest figure).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, Field

from assistant.embeddings.base import Embedder
from assistant.strategy.contradictions import MIN_SIMILARITY, contradiction_between

DEFAULT_PAIRS = Path(__file__).resolve().parent / "datasets" / "contradiction_pairs.yaml"


class LabelledPair(BaseModel):
    id: str
    kind: str
    contradiction: bool
    a: str
    b: str
    split: str = "dev"  # "heldout": written after the detector was built, never tuned on


class PairResult(BaseModel):
    id: str
    kind: str
    expected: bool
    predicted: bool
    similarity: float
    reason: str | None = None


class PairScores(BaseModel):
    pairs: int
    contradictions: int
    precision: float
    recall: float
    f1: float
    by_kind: dict[str, float] = Field(description="Share of pairs of each kind the detector gets right.")
    errors: list[PairResult]


def load_pairs(path: Path = DEFAULT_PAIRS) -> list[LabelledPair]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [LabelledPair.model_validate(p) for p in data["pairs"]]


def score_pairs(pairs: list[LabelledPair], embedder: Embedder) -> PairScores:
    # Step 1: embed every sentence once, as the draft does for its candidates.
    texts = [t for p in pairs for t in (p.a, p.b)]
    vectors = np.asarray(embedder.embed_documents(texts))
    # Step 2: the similarity gate, then the detector.
    results = []
    for n, pair in enumerate(pairs):
        similarity = float(vectors[2 * n] @ vectors[2 * n + 1])
        found = contradiction_between(pair.a, pair.b) if similarity >= MIN_SIMILARITY else None
        results.append(
            PairResult(
                id=pair.id,
                kind=pair.kind,
                expected=pair.contradiction,
                predicted=found is not None,
                similarity=round(similarity, 3),
                reason=found[1] if found else None,
            )
        )
    # Step 3: precision and recall on the contradiction class (NaN when there is nothing to divide).
    tp = sum(r.expected and r.predicted for r in results)
    fp = sum(not r.expected and r.predicted for r in results)
    fn = sum(r.expected and not r.predicted for r in results)
    precision = tp / (tp + fp) if tp + fp else math.nan
    recall = tp / (tp + fn) if tp + fn else math.nan
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else math.nan
    kinds = sorted({r.kind for r in results})
    by_kind = {
        k: sum(r.expected == r.predicted for r in results if r.kind == k) / sum(r.kind == k for r in results)
        for k in kinds
    }
    return PairScores(
        pairs=len(results),
        contradictions=sum(r.expected for r in results),
        precision=precision,
        recall=recall,
        f1=f1,
        by_kind=by_kind,
        errors=[r for r in results if r.expected != r.predicted],
    )


def main(argv: list[str] | None = None) -> int:
    from assistant.runtime import default_runtime

    args = sys.argv[1:] if argv is None else argv
    path = Path(next((a for a in args if not a.startswith("--")), DEFAULT_PAIRS))
    pairs = load_pairs(path)
    if "--heldout" in args:
        pairs = [p for p in pairs if p.split == "heldout"]
    scores = score_pairs(pairs, default_runtime().embedder)
    if "--json" in args:
        print(scores.model_dump_json(indent=2))
        return 0
    print(f"{scores.pairs} pairs ({scores.contradictions} contradictions) from {path}")
    print(f"precision {scores.precision:.2f}  recall {scores.recall:.2f}  F1 {scores.f1:.2f}")
    for kind, accuracy in scores.by_kind.items():
        print(f"  {kind:<24} {accuracy:.2f} right")
    for r in scores.errors:
        label = "missed" if r.expected else "false alarm"
        print(f"  {label:<11} {r.id} (similarity {r.similarity}){': ' + r.reason if r.reason else ''}")
    print(json.dumps({"precision": scores.precision, "recall": scores.recall}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
