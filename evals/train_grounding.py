"""Fit the grounding checker's two tiers on WiCE dev and write ``assistant/data/grounding_model.json``.

WiCE (Kamoi et al., EMNLP 2023) pairs Wikipedia claims with the web pages they cite; the task used here is
supported vs {partially, not} supported on its oracle chunks (each claim has about three chunks: one gold
evidence set plus distractor sentences; a claim's score is the max over its chunks, the published protocol).
Every claim's chunks stay in one fold (grouped cross-validation by claim id), so no claim is scored by a model
that saw it. Only learned numbers are written; no WiCE text enters the repository.

    python evals/train_grounding.py [--wice ../shared/benchmarks/wice] [--out assistant/data/grounding_model.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from assistant.grounding.checker import MODEL_PATH, CachedEncoder, Encoder, features
from assistant.grounding.features import DEEP_FEATURES, LEXICAL_FEATURES, clauses, evidence_sentences

REPO = Path(__file__).resolve().parents[1]
WICE = REPO.parent / "shared" / "benchmarks" / "wice"
C = 0.1  # L1 strength, chosen on dev CV among 0.03 / 0.1 / 0.3 / 1
TIERS = {"lexical": LEXICAL_FEATURES, "deep": LEXICAL_FEATURES + DEEP_FEATURES}


@dataclass(frozen=True)
class Row:
    claim: str
    evidence: list[str]
    supported: bool
    claim_id: str


@dataclass(frozen=True)
class CVResult:
    """Claim-level out-of-fold results, averaged over repeats of 5-fold grouped CV."""

    roc_auc: float
    roc_auc_sd: float
    f1: float
    accuracy: float
    policy_f1: float
    policy_accuracy: float
    threshold: float
    repeats: int


def load_rows(wice: Path = WICE) -> list[Row]:
    path = wice / "oracle_chunks_claim" / "dev.jsonl"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        evidence = [s for s in item["evidence"] if s.strip()]
        rows.append(Row(item["claim"], evidence, item["label"] == "supported", item["meta"]["id"]))
    return rows


def warm_encoder(rows: list[Row], embedder: object) -> Encoder:
    """Encode every distinct text once, shortest first (less padding), so feature extraction hits the cache."""
    encoder = CachedEncoder(embedder, size=10**7)  # type: ignore[arg-type]
    texts = {t for r in rows for t in (r.claim, *clauses(r.claim), *evidence_sentences(r.evidence))}
    ordered = sorted(texts, key=len)
    for start in range(0, len(ordered), 512):
        encoder(ordered[start : start + 512])
    return encoder


def feature_matrix(rows: list[Row], deep: bool, encode: Encoder | None = None) -> np.ndarray:
    names = TIERS["deep" if deep else "lexical"]
    table = [features(r.claim, r.evidence, deep=deep, encode=encode) for r in rows]
    return np.array([[values[n] for n in names] for values in table], dtype=float)


def make_model() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, l1_ratio=1.0, solver="liblinear"))


def claim_max(scores: np.ndarray, claim_ids: list[str]) -> dict[str, float]:
    """A claim's score is its best chunk's score."""
    best: dict[str, float] = {}
    for cid, s in zip(claim_ids, scores, strict=True):
        best[cid] = max(best.get(cid, -np.inf), float(s))
    return best


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The cut that maximises F1 (the positive class, supported, is a third of WiCE claims)."""
    candidates = np.unique(scores)
    f1s = [f1_score(labels, scores >= t) for t in candidates]
    return float(candidates[int(np.argmax(f1s))])


def vetoed(x: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Rows that ``support`` never calls supported: a number the evidence lacks, or a negation flip."""
    return np.asarray((x[:, names.index("numbers_missing")] > 0) | (x[:, names.index("negation_flip")] > 0))


def cross_validate(x: np.ndarray, rows: list[Row], veto: np.ndarray, repeats: int = 5) -> CVResult:
    """Repeated 5-fold CV grouped by claim; thresholds for F1/accuracy are chosen on the training folds only.

    F1 and accuracy are given twice: for the score alone, and for ``supported`` as ``support`` decides it
    (score over the threshold and no veto) with a claim supported when any of its chunks is.
    """
    y = np.array([r.supported for r in rows])
    groups = [r.claim_id for r in rows]
    truth = {r.claim_id: r.supported for r in rows}
    aucs, f1s, accs, pf1s, paccs = [], [], [], [], []
    pooled_scores: list[float] = []
    pooled_labels: list[bool] = []
    for rep in range(repeats):
        # Step 1: out-of-fold row scores, a fold threshold from its training claims, and test predictions.
        oof = np.zeros(len(rows))
        predicted: dict[str, bool] = {}
        policy: dict[str, bool] = {}
        for train, test in StratifiedGroupKFold(5, shuffle=True, random_state=rep).split(x, y, groups):
            model = make_model().fit(x[train], y[train])
            fitted = claim_max(model.predict_proba(x[train])[:, 1], [groups[i] for i in train])
            cut = best_threshold(np.array(list(fitted.values())), np.array([truth[c] for c in fitted]))
            oof[test] = model.predict_proba(x[test])[:, 1]
            for cid, s in claim_max(oof[test], [groups[i] for i in test]).items():
                predicted[cid] = s >= cut
            for i in test:
                policy[groups[i]] = policy.get(groups[i], False) or bool(oof[i] >= cut and not veto[i])
        # Step 2: claim-level metrics of this repeat.
        scored = claim_max(oof, groups)
        labels = np.array([truth[c] for c in scored])
        aucs.append(roc_auc_score(labels, list(scored.values())))
        guesses = np.array([predicted[c] for c in scored])
        f1s.append(f1_score(labels, guesses))
        accs.append(float((guesses == labels).mean()))
        decided = np.array([policy[c] for c in scored])
        pf1s.append(f1_score(labels, decided))
        paccs.append(float((decided == labels).mean()))
        pooled_scores.extend(scored.values())
        pooled_labels.extend(labels)
    # Step 3: the threshold to ship: max F1 over all out-of-fold claim scores.
    threshold = best_threshold(np.array(pooled_scores), np.array(pooled_labels))
    return CVResult(float(np.mean(aucs)), float(np.std(aucs)), float(np.mean(f1s)), float(np.mean(accs)),
                    float(np.mean(pf1s)), float(np.mean(paccs)), threshold, repeats)


def fit_tier(x: np.ndarray, rows: list[Row], names: tuple[str, ...], cv: CVResult) -> dict[str, object]:
    model = make_model().fit(x, np.array([r.supported for r in rows]))
    scaler, logistic = model[0], model[-1]
    return {
        "features": list(names),
        "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) for v in scaler.scale_],
        "coef": [round(float(v), 6) for v in logistic.coef_[0]],
        "intercept": round(float(logistic.intercept_[0]), 6),
        "threshold": round(cv.threshold, 4),
        "cv": {"roc_auc": round(cv.roc_auc, 4), "roc_auc_sd": round(cv.roc_auc_sd, 4), "f1": round(cv.f1, 4),
               "accuracy": round(cv.accuracy, 4), "policy_f1": round(cv.policy_f1, 4),
               "policy_accuracy": round(cv.policy_accuracy, 4), "repeats": cv.repeats, "threshold_rule": "max F1"},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wice", type=Path, default=WICE)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if not (args.wice / "oracle_chunks_claim" / "dev.jsonl").exists():
        print(f"WiCE dev not found under {args.wice}", file=sys.stderr)
        return 2
    from assistant.embeddings.minilm import get_embedder

    rows = load_rows(args.wice)
    started = time.perf_counter()
    encode = warm_encoder(rows, get_embedder(64, "cpu"))
    print(f"encoded WiCE dev texts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    tiers = {}
    for name, names in TIERS.items():
        x = feature_matrix(rows, deep=name == "deep", encode=encode)
        cv = cross_validate(x, rows, vetoed(x, names), args.repeats)
        tiers[name] = fit_tier(x, rows, names, cv)
        print(f"{name}: ROC-AUC {cv.roc_auc:.3f} ± {cv.roc_auc_sd:.3f}  F1 {cv.f1:.3f}  acc {cv.accuracy:.3f}  "
              f"threshold {cv.threshold:.3f}  (with vetoes: F1 {cv.policy_f1:.3f} acc {cv.policy_accuracy:.3f})")
    model = {
        "trained_on": "WiCE dev, oracle_chunks_claim (supported vs partially/not supported), claim = max over chunks",
        "model": f"StandardScaler + L1 LogisticRegression(C={C}); grouped 5-fold CV by claim id",
        "tiers": tiers,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
