"""Metric questions answered from the parsed tables, in code.

A question goes this way only when it asks for a number (a value, change, extreme, ranking, share or
comparison: :mod:`.asking`) AND names a series well enough (:mod:`.resolve`): its name, categories or meaning
match, and retrieval ranked its report among the top sources, so a word like "customers" in a question about a
plan never hijacks it. The numbers are computed from the stored rows (:mod:`.compute`) and each sentence cites
the summary chunk that states the same figures. When nothing fits, the question falls through to text
retrieval; when the series exists but lacks the period or category asked for, the answer says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.metrics.asking import read_ask
from assistant.metrics.compute import Outcome, compute
from assistant.metrics.resolve import Resolved, resolve_all
from assistant.metrics.series import list_series
from assistant.runtime import Runtime
from assistant.schemas import Answer, Chunk, Hit, Kind
from assistant.synthesis.base import abstain, finalize
from assistant.text import numbers

_PLAN_CUES = re.compile(r"\b(okrs?|objectives?|key results?|krs?|initiatives?|roadmaps?|goals?|projects?)\b", re.I)
MIN_SCORE = 1.0
RETRY_MARGIN = 0.35


def _top_sources(hits: Sequence[Hit], n: int = 5) -> list[str]:
    return list(dict.fromkeys(h.chunk.meta.source for h in hits))[:n]


def _confident(resolved: Resolved, hits: Sequence[Hit], question: str) -> bool:
    """Whether the series is what the question is about, not a table that shares a word with it.

    When retrieval ranks a text document first, the series' report must be among the retrieved sources (a
    question about a plan that asks "how many" stays with the plan); when it ranks a table first, the question
    is about tables and the best-scoring series may come from a report retrieval ranked lower.
    """
    if resolved.score < MIN_SCORE:
        return False
    sources = _top_sources(hits)
    in_results = resolved.series.source in sources
    strongly_named = resolved.name_coverage >= 0.99 and (resolved.similarity >= 0.45 or bool(resolved.categories))
    if _PLAN_CUES.search(question) and sources and not any(h.chunk.meta.kind is Kind.METRICS for h in hits[:2]):
        return False  # a question about a plan that happens to ask "how many"
    if not sources:
        return strongly_named
    if hits[0].chunk.meta.kind is not Kind.METRICS:
        return in_results
    return in_results or strongly_named or resolved.score >= MIN_SCORE + 1.0


def _cite(runtime: Runtime, resolved: Resolved, outcome: Outcome) -> list[Chunk]:
    """The series' summary chunks that hold the periods used (the overview chunk first)."""
    chunks = runtime.store.get_chunks(resolved.series.chunk_ids)
    if not chunks:
        return []
    chosen = [chunks[0]]
    for period in dict.fromkeys(outcome.periods):
        if not any(period in c.text for c in chosen):
            holder = next((c for c in chunks if f"{period}:" in c.text or period in c.text), None)
            if holder is not None and holder not in chosen:
                chosen.append(holder)
    return chosen


def metric_answer(
    runtime: Runtime, question: str, hits: Sequence[Hit], scope: list[str] | None,
    vector: Sequence[float] | None = None,
) -> tuple[Answer, list[Hit]] | None:
    """A computed answer (and the hits it may cite) when the question asks for a number of a named series.
    ``vector`` is the question's embedding when the caller has it (chat embeds each question once)."""
    ask = read_ask(question, runtime.settings.fiscal_year_start_month)
    if not ask.wants_numbers:
        return None
    catalog = list_series(runtime, scope)
    if not catalog:
        return None
    vector = list(vector) if vector is not None else runtime.embedder.embed_query(question)
    ranked = [r for r in resolve_all(ask, catalog, vector, runtime.embedder, _top_sources(hits, 8))[:3]
              if _confident(r, hits, question)]
    if not ranked:
        return None
    refusal = ""
    for resolved in ranked:  # a near candidate that has the period or category asked for beats a refusal
        if resolved.score < ranked[0].score - RETRY_MARGIN:
            break
        rows = [(period, category, value) for _, period, category, value in
                runtime.metric_rows.series(resolved.series.metric, resolved.series.source)]
        outcome = compute(resolved, ask, rows)
        if not outcome.refusal:
            break
        refusal = refusal or outcome.refusal
    if outcome.refusal:
        answer = abstain(question, refusal)
        return answer.model_copy(update={"route": "metric"}), list(hits)
    sentences = [s for s in outcome.sentences if s]
    if not sentences:
        return None
    if resolved.alternatives:
        others = ", ".join(a.source for a in resolved.alternatives)
        sentences.append(f"These figures are from {resolved.series.source}; {others} also has "
                         f"{resolved.series.label}.")
    cited_chunks = _cite(runtime, resolved, outcome)
    if not cited_chunks:
        return None
    known = {h.chunk.id for h in hits}
    cited = list(hits) + [Hit(chunk=c, score=1.0) for c in cited_chunks if c.id not in known]
    ids = [c.id for c in cited_chunks]
    answer = finalize(question, [(s, ids) for s in sentences], cited)
    evidence = numbers(" ".join(c.text for c in cited_chunks)) | {n.replace(",", "") for n in outcome.computed}
    checked = [s.model_copy(update={"supported": s.supported or numbers(s.text) <= evidence})
               for s in answer.sentences]
    return answer.model_copy(update={"route": "metric", "sentences": checked}), cited
