"""Run the real-data development set: assemble a workspace from the corpus, ingest it, answer every question
through the product's own chat path, and gate on the thresholds sidecar.

The summary holds every metric overall and per question kind (``metric.key_fact_coverage``...), the
abstention curve (how many answerable and unanswerable questions would be answered at each confidence
threshold), and the structure checks other parts of prodops provide (OKR extraction per file, themes).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.chat import ChatService
from assistant.runtime import Runtime
from evals.metrics import average
from evals.realdata.dataset import RealDataset
from evals.realdata.scoring import QuestionScore, score_question

METRICS = ("recall_at_5", "context_key_facts", "key_fact_coverage", "citation_validity")
CURVE_POINTS = tuple(round(0.20 + 0.02 * i, 2) for i in range(16))


class CurvePoint(BaseModel):
    """At this abstention threshold: answerable questions still answered, unanswerable ones still answered."""

    threshold: float
    answerable_answered: int
    unanswerable_answered: int


class RealDataReport(BaseModel):
    dataset: str
    passed: bool
    summary: dict[str, float]
    thresholds: dict[str, float]
    failures: list[str]
    questions: list[QuestionScore]
    curve: list[CurvePoint] = Field(default_factory=list)
    checks: dict[str, Any] = Field(default_factory=dict, description="Structure checks (alignment, themes).")


def _abstention(scores: Sequence[QuestionScore]) -> dict[str, float]:
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    correct = sum(1 for s in scores if s.abstained != s.answerable)
    return {
        "abstention_accuracy": correct / len(scores) if scores else math.nan,
        "false_abstention": (sum(1 for s in answerable if s.abstained) / len(answerable)) if answerable else math.nan,
        "unanswerable_abstained": (
            sum(1 for s in unanswerable if s.abstained) / len(unanswerable) if unanswerable else math.nan
        ),
    }


def summarize(scores: Sequence[QuestionScore]) -> dict[str, float]:
    """Every metric overall and per kind (``<kind>.<metric>``); NaN where nothing could be scored."""
    summary: dict[str, float] = {name: average(getattr(s, name) for s in scores) for name in METRICS}
    summary |= _abstention(scores)
    for kind in sorted({s.kind for s in scores}):
        subset = [s for s in scores if s.kind == kind]
        for name in METRICS:
            summary[f"{kind}.{name}"] = average(getattr(s, name) for s in subset)
        for name, value in _abstention(subset).items():
            summary[f"{kind}.{name}"] = value
    summary["questions"] = float(len(scores))
    return summary


def abstention_curve(scores: Sequence[QuestionScore]) -> list[CurvePoint]:
    """Answered counts if the offline answer step abstained below each threshold (text answers only: metric and
    plan answers are computed, and name-based abstentions don't depend on the threshold)."""
    scored = [s for s in scores if s.route in {"text", "abstain"} and s.confidence is not None]
    return [
        CurvePoint(
            threshold=t,
            answerable_answered=sum(1 for s in scored if s.answerable and (s.confidence or 0) >= t),
            unanswerable_answered=sum(1 for s in scored if not s.answerable and (s.confidence or 0) >= t),
        )
        for t in CURVE_POINTS
    ]


def gate(summary: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    """Threshold misses; a name ending in ``_max`` is an upper bound on the metric without the suffix."""
    failures = []
    for name, bound in thresholds.items():
        metric = name.removesuffix("_max")
        if metric not in summary:
            failures.append(f"unknown threshold {name!r}")
            continue
        value = summary[metric]
        if math.isnan(value):
            continue
        if name.endswith("_max") and value > bound:
            failures.append(f"{metric} {value:.3f} > {bound:.3f}")
        elif not name.endswith("_max") and value < bound:
            failures.append(f"{metric} {value:.3f} < {bound:.3f}")
    return failures


Check = Callable[[Runtime, RealDataset], dict[str, Any]]


def run_realdata(
    runtime: Runtime,
    dataset: RealDataset,
    chat: ChatService | None = None,
    checks: Sequence[tuple[str, Check]] = (),
    on_question: Callable[[QuestionScore], None] | None = None,
) -> RealDataReport:
    """Score every question (and the structure checks) against an ingested workspace."""
    chat = chat or ChatService(runtime)
    scores = []
    for case in dataset.questions:
        score = score_question(chat, case)
        scores.append(score)
        if on_question is not None:
            on_question(score)
    summary = summarize(scores)
    results: dict[str, Any] = {}
    for name, check in checks:
        outcome = check(runtime, dataset)
        results[name] = outcome
        summary |= {k: float(v) for k, v in outcome.get("summary", {}).items()}
    failures = gate(summary, dataset.thresholds)
    return RealDataReport(
        dataset=dataset.name,
        passed=not failures,
        summary=summary,
        thresholds=dataset.thresholds,
        failures=failures,
        questions=scores,
        curve=abstention_curve(scores),
        checks=results,
    )


def default_corpus(dataset_file: Path) -> Path:
    """``../corpus`` beside the dataset's folder (the shared layout), else ``../shared/corpus`` beside the repo."""
    beside = dataset_file.resolve().parent.parent / "corpus"
    if beside.is_dir():
        return beside
    return Path(__file__).resolve().parents[3] / "shared" / "corpus"
