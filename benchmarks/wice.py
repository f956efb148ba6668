"""The grounding checker on WiCE dev: ROC-AUC, F1 and accuracy by grouped cross-validation, and latency.

Task: supported vs {partially, not} supported, oracle chunks, a claim's score = max over its chunks (the
published protocol). Each tier is re-fitted inside every fold (5-fold, grouped by claim id, repeated), so no
claim is scored by a model that saw it; F1/accuracy thresholds come from the training folds. Baselines computed
in the same run need no fitting: whole-sentence MiniLM cosine (best evidence sentence), stemmed content-word
coverage, token-level MiniLM recall. Published numbers are on the 100-claim test subset (not in this folder), so
they are context, not a paired comparison.

    python benchmarks/wice.py [--wice ../shared/benchmarks/wice] [--repeats 5] [--timing 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from assistant.embeddings.minilm import get_embedder
from assistant.grounding.checker import CachedEncoder, support
from assistant.grounding.features import evidence_sentences, terms
from evals.train_grounding import (
    TIERS,
    WICE,
    Row,
    claim_max,
    cross_validate,
    feature_matrix,
    load_rows,
    vetoed,
    warm_encoder,
)

PUBLISHED = (  # WiCE paper, oracle chunks, claim level, 100-claim test subset: (ROC-AUC, F1, accuracy)
    ("T5-3B NLI (ANLI), published", 0.913, 0.618, 0.740),
    ("GPT-4, published", 0.802, 0.610, 0.770),
    ("T5-3B (ANLI+WiCE train), published", 0.947, 0.778, 0.880),
)
BASELINES = (
    ("whole-sentence cosine", "deep", "sentence_max"),
    ("stemmed content-word coverage", "lexical", "coverage"),
    ("token-level MiniLM recall", "deep", "token_mean"),
)


def baseline_auc(x: np.ndarray, rows: list[Row], column: int) -> float:
    scored = claim_max(x[:, column], [r.claim_id for r in rows])
    truth = {r.claim_id: r.supported for r in rows}
    return float(roc_auc_score([truth[c] for c in scored], list(scored.values())))


def ms_per_sentence(rows: list[Row], deep: bool, n: int, evidence_cached: bool = False) -> float:
    """Median wall time of one ``support`` call; caches cold (the evidence is tokenised and encoded anew) unless
    ``evidence_cached``, the eval case where each cited chunk is encoded once for all the sentences citing it."""
    embedder = get_embedder(64, "cpu")
    times = []
    for row in rows[:n]:
        terms.cache_clear()
        encode = CachedEncoder(embedder) if deep else None
        if encode is not None and evidence_cached:
            encode(evidence_sentences(row.evidence))
        started = time.perf_counter()
        support(row.claim, row.evidence, deep=deep, encode=encode)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grounding checker on WiCE dev (grouped CV)")
    parser.add_argument("--wice", type=Path, default=WICE)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--timing", type=int, default=100, help="claims timed per tier")
    parser.add_argument("--timing-only", action="store_true", help="skip the cross-validation")
    args = parser.parse_args(argv)
    if not (args.wice / "oracle_chunks_claim" / "dev.jsonl").exists():
        print(f"WiCE dev not found under {args.wice}", file=sys.stderr)
        return 2
    rows = load_rows(args.wice)
    if not args.timing_only:
        report_quality(rows, args.repeats)
    # Latency of one call per tier, after the quality table.
    print(f"\nms per sentence (median of {args.timing}, evidence = one oracle chunk, "
          f"median {statistics.median(len(r.evidence) for r in rows):.0f} sentences; torch threads: "
          f"{torch.get_num_threads()}):")
    print(f"  lexical                          {ms_per_sentence(rows, False, args.timing):7.1f} ms")
    print(f"  deep, evidence encoded per call  {ms_per_sentence(rows, True, args.timing):7.1f} ms")
    print(f"  deep, evidence already encoded   {ms_per_sentence(rows, True, args.timing, True):7.1f} ms")
    return 0


def report_quality(rows: list[Row], repeats: int) -> None:
    claims = len({r.claim_id for r in rows})
    started = time.perf_counter()
    encode = warm_encoder(rows, get_embedder(64, "cpu"))
    elapsed = time.perf_counter() - started
    print(f"WiCE dev: {claims} claims, {len(rows)} oracle chunks; MiniLM encoding {elapsed:.0f} s")
    # Step 1: each tier by repeated grouped CV.
    matrices = {}
    print(f"\n{'checker':48s} {'ROC-AUC':>14s} {'F1':>6s} {'acc':>6s} {'thr':>6s}  supported= (with vetoes) F1 / acc")
    for name, names in TIERS.items():
        x = feature_matrix(rows, deep=name == "deep", encode=encode)
        matrices[name] = x
        cv = cross_validate(x, rows, vetoed(x, names), repeats)
        print(f"{'prodops ' + name + ' tier (LR, ' + str(cv.repeats) + 'x5-fold grouped CV)':48s} "
              f"{cv.roc_auc:>7.3f} ± {cv.roc_auc_sd:.3f} {cv.f1:>6.3f} {cv.accuracy:>6.3f} {cv.threshold:>6.3f}"
              f"  {cv.policy_f1:.3f} / {cv.policy_accuracy:.3f}")
    # Step 2: baselines from the same features, no fitting.
    for label, tier, feature in BASELINES:
        auc = baseline_auc(matrices[tier], rows, TIERS[tier].index(feature))
        print(f"{'baseline: ' + label:48s} {auc:>7.3f}")
    for label, auc, f1, acc in PUBLISHED:
        print(f"{label:48s} {auc:>7.3f}         {f1:>6.3f} {acc:>6.3f}   (test subset)")


if __name__ == "__main__":
    raise SystemExit(main())
