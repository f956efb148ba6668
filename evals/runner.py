"""Run a golden set against a workspace and decide pass or fail against the dataset's thresholds.

The runner uses the product's own paths (ChatService, draft_strategy, synthesize_themes) and the product's own
grounding checker, so what it measures is what users get. A metric with nothing to score is NaN and does not
gate; every other metric below its threshold fails the run.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.chat import ChatService
from assistant.runtime import Runtime
from assistant.strategy.draft import draft_strategy
from assistant.themes.report import synthesize_themes
from evals.dataset import Dataset, DraftCase, QuestionCase, ThemeCase
from evals.metrics import (
    AbstentionCase,
    abstention_accuracy,
    average,
    citation_validity,
    faithfulness,
    key_fact_coverage,
)
from evals.retrieval import mrr, ndcg_at_k, recall_at_k


class QuestionResult(BaseModel):
    id: str
    question: str
    category: str
    answerable: bool
    abstained: bool
    answer: str
    retrieved_sources: list[str]
    cited_sources: list[str]
    recall_at_5: float
    mrr: float
    ndcg_at_10: float
    faithfulness: float
    citation_validity: float
    key_fact_coverage: float


class CaseResult(BaseModel):
    id: str
    passed: bool
    problems: list[str] = Field(default_factory=list)


class EvalReport(BaseModel):
    dataset: str
    summary: dict[str, float]
    thresholds: dict[str, float]
    failures: list[str]
    passed: bool
    questions: list[QuestionResult]
    drafts: list[CaseResult] = Field(default_factory=list)
    themes: list[CaseResult] = Field(default_factory=list)


def _sources(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def run_question(chat: ChatService, case: QuestionCase) -> QuestionResult:
    scope = [case.team] if case.team else None
    answer, hits = chat.answer_with_hits(case.question, scope=scope)
    ranked = _sources(
        [
            h.chunk.meta.source
            for h in chat.retriever.search(answer.query or case.question, k=10, scope=scope, diversify=False)
        ]
    )
    relevant = case.relevant_sources if case.answerable else []
    nan = math.nan
    return QuestionResult(
        id=case.id,
        question=case.question,
        category=case.category,
        answerable=case.answerable,
        abstained=answer.abstained,
        answer=answer.answer,
        retrieved_sources=ranked,
        cited_sources=_sources([c.source for c in answer.citations]),
        recall_at_5=recall_at_k(ranked, relevant, 5) if relevant else nan,
        mrr=mrr(ranked, relevant) if relevant else nan,
        ndcg_at_10=ndcg_at_k(ranked, relevant, 10) if relevant else nan,
        faithfulness=faithfulness([s.supported for s in answer.sentences]),
        citation_validity=citation_validity(
            [c.chunk_id for c in answer.citations] + answer.invalid_citations, {h.chunk.id for h in hits}
        ),
        key_fact_coverage=key_fact_coverage(answer.answer, case.key_facts) if case.answerable else nan,
    )


def run_draft(runtime: Runtime, case: DraftCase) -> CaseResult:
    draft = draft_strategy(runtime, case.title, case.source)
    problems = []
    flagged = {m.source for m in draft.metric_conflicts}
    problems += [f"planted figure in {s} not flagged" for s in case.must_flag_sources if s not in flagged]
    cited_sections = sum(1 for s in draft.sections if any(x.citations for x in s.sentences))
    if cited_sections < case.min_cited_sections:
        problems.append(f"only {cited_sections} sections cite notes (need {case.min_cited_sections})")
    cited = {c.chunk_id for s in draft.sections for x in s.sentences for c in x.citations}
    stored = {c.id: c for c in runtime.store.get_chunks(sorted(cited))}
    problems += [f"citation {i} resolves to no chunk" for i in cited if i not in stored]
    problems += [
        f"citation {i} is outside the selected notes" for i, c in stored.items() if c.meta.source not in draft.sources
    ]
    return CaseResult(id=case.id, passed=not problems, problems=problems)


def _theme_about(themes: list[Any], phrase: str) -> Any | None:
    """The theme about ``phrase``: of those whose label says it, the one whose keywords lead with it (a theme
    labelled "cheaper seat" whose top keywords are "cheaper, charge" is about switching, not about seats);
    rank order breaks ties."""
    wanted = phrase.lower()
    labelled = [(rank, t) for rank, t in enumerate(themes) if wanted in t.label.lower()]
    if not labelled:
        return None

    def lead(theme: Any) -> int:
        return next((i for i, k in enumerate(theme.keywords) if wanted in k.lower() or k.lower() in wanted),
                    len(theme.keywords))

    return min(labelled, key=lambda pair: (lead(pair[1]), pair[0]))[1]


def run_themes(runtime: Runtime, cases: list[ThemeCase]) -> list[CaseResult]:
    if not cases:
        return []
    report = synthesize_themes(runtime)
    results = []
    for case in cases:
        theme = _theme_about(report.themes, case.label_contains)
        problems: list[str] = []
        if theme is None:
            problems.append(f"no theme labelled with {case.label_contains!r}")
        else:
            if theme.customers < case.min_customers:
                problems.append(f"{theme.customers} customers < {case.min_customers}")
            if len(theme.teams) < case.min_teams:
                problems.append(f"{len(theme.teams)} teams < {case.min_teams}")
            against = {q.company for q in theme.contradicting}
            problems += [f"{c} not quoted against the theme" for c in case.contradicted_by if c not in against]
            chunks = {c.id: c for c in runtime.store.get_chunks([q.chunk_id for q in theme.quotes])}
            problems += [
                f"quote not verbatim: {q.text[:60]}"
                for q in theme.quotes
                if q.chunk_id not in chunks or q.text not in chunks[q.chunk_id].text
            ]
        results.append(CaseResult(id=case.id, passed=not problems, problems=problems))
    return results


def run_eval(runtime: Runtime, dataset: Dataset, chat: ChatService | None = None) -> EvalReport:
    """Score every case and compare the summary with the dataset's thresholds."""
    chat = chat or ChatService(runtime)
    questions = [run_question(chat, case) for case in dataset.questions]
    drafts = [run_draft(runtime, case) for case in dataset.drafts]
    themes = run_themes(runtime, dataset.themes)
    summary = {
        "recall_at_5": average(q.recall_at_5 for q in questions),
        "mrr": average(q.mrr for q in questions),
        "ndcg_at_10": average(q.ndcg_at_10 for q in questions),
        "faithfulness": average(q.faithfulness for q in questions if not q.abstained),
        "citation_validity": average(q.citation_validity for q in questions),
        "key_fact_coverage": average(q.key_fact_coverage for q in questions),
        "abstention_accuracy": abstention_accuracy(
            [AbstentionCase(should_abstain=not q.answerable, abstained=q.abstained) for q in questions]
        ),
        "draft_pass_rate": average(1.0 if d.passed else 0.0 for d in drafts),
        "theme_pass_rate": average(1.0 if t.passed else 0.0 for t in themes),
    }
    failures = [
        f"{name} {summary[name]:.3f} < {minimum:.3f}"
        for name, minimum in dataset.thresholds.items()
        if name in summary and not math.isnan(summary[name]) and summary[name] < minimum
    ]
    failures += [f"unknown threshold {name!r}" for name in dataset.thresholds if name not in summary]
    return EvalReport(
        dataset=dataset.name,
        summary=summary,
        thresholds=dataset.thresholds,
        failures=failures,
        passed=not failures,
        questions=questions,
        drafts=drafts,
        themes=themes,
    )


def default_dataset() -> Path:
    return Path(__file__).resolve().parent / "datasets" / "sample.yaml"
