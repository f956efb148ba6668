"""Strategy drafts from scattered notes: section by section, every claim cited, gaps and conflicts surfaced.

Offline, each section collects the notes' own sentences that fit its brief best (sentences are embedded once,
assigned to the section they fit best, diversified), so every claim is a cited quote. With a language model,
each section is written from a prompt over the best-matching notes and its citations are validated like chat
answers. Either way every sentence is checked against what it cites, figures are checked against the metric
reports, sections the notes don't cover say so for the author, and contradictions between notes are listed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import yaml
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from assistant.grounding.checker import support
from assistant.prompting import PROMPTS_DIR, declined, render
from assistant.retrieval.hybrid import mmr
from assistant.runtime import Runtime
from assistant.safety import looks_like_injection, neutralize_markers
from assistant.schemas import Chunk, Citation, Hit
from assistant.strategy.checks import Contradiction, check_metric_claim, find_contradictions
from assistant.strategy.sources import select_notes
from assistant.synthesis.base import evidence_text
from assistant.synthesis.llm import parse_cited_sentences
from assistant.text import content_terms, split_sentences, strip_markup

_LABEL = re.compile(r"^[A-Z][A-Z ]{3,}\s*[—:-]")  # "CONFIDENTIAL — leadership team only."
# Sentences that lean on the one before ("That's why…", "Honest answer: …") mean nothing out of place.
_DANGLING = re.compile(r"^(this|that|these|those|it|its|they|there|then|so|but|and|also|honest answer)\b", re.I)
NOT_COVERED = "The notes don't cover this section yet; add material or write it yourself."


class SectionSpec(BaseModel):
    heading: str
    brief: str


class DraftSentence(BaseModel):
    text: str
    supported: bool
    citations: list[Citation] = Field(default_factory=list)
    score: float = 0.0
    note: str | None = None  # why the author should look at it


class DraftSection(BaseModel):
    heading: str
    sentences: list[DraftSentence]


class MetricConflict(BaseModel):
    """A note's figure that the metric reports don't back."""

    text: str
    source: str
    chunk_id: str
    reason: str


class StrategyDraft(BaseModel):
    title: str
    sections: list[DraftSection]
    contradictions: list[Contradiction] = Field(default_factory=list)
    metric_conflicts: list[MetricConflict] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    unsupported: int = 0


def load_sections(path: Path | None = None) -> list[SectionSpec]:
    """Section template: ``prompts/strategy_sections.yaml`` unless another YAML file is given."""
    data = yaml.safe_load((path or PROMPTS_DIR / "strategy_sections.yaml").read_text(encoding="utf-8"))
    return [SectionSpec.model_validate(s) for s in data["sections"]]


def _statements(notes: list[Chunk]) -> list[tuple[str, Chunk]]:
    """Sentence-sized statements of the notes (markup removed; headings and fragments skipped)."""
    found: list[tuple[str, Chunk]] = []
    for chunk in notes:
        for sentence in split_sentences(chunk.text):
            text = neutralize_markers(strip_markup(sentence))
            if sentence.startswith("#") or looks_like_injection(text) or _LABEL.match(text):
                continue
            if 7 <= len(text.split()) <= 70 and not _DANGLING.match(text):
                found.append((text, chunk))
    return found


def _check(text: str, cited: list[Chunk], runtime: Runtime) -> DraftSentence:
    result = support(text, [evidence_text(c) for c in cited])
    note = None if result.supported else "not supported by the cited note" if cited else "no note cited"
    metric_problem = check_metric_claim(text, runtime.metric_rows)
    if metric_problem:
        note = metric_problem
    return DraftSentence(
        text=text,
        supported=result.supported and not metric_problem,
        citations=[Citation(source=c.meta.source, chunk_id=c.id) for c in cited],
        score=result.score,
        note=note,
    )


def _extractive_section(
    index: int,
    assign: np.ndarray,
    sims: np.ndarray,
    vectors: np.ndarray,
    statements: list[tuple[str, Chunk]],
    limit: int,
) -> list[int]:
    mine = [i for i in range(len(statements)) if assign[i] == index and sims[i, index] >= 0.2]
    mine.sort(key=lambda i: -sims[i, index])
    mine = mine[: limit * 3]
    if not mine:
        return []
    order = mmr(vectors[mine].mean(axis=0), vectors[mine], [float(sims[i, index]) for i in mine], limit, 0.7)
    return [mine[i] for i in order]


def _llm_section(
    model: BaseChatModel, title: str, spec: SectionSpec, hits: list[Hit], company: str, limit: int
) -> list[tuple[str, list[str]]]:
    prompt = render(
        "strategy_section",
        title=title,
        heading=spec.heading,
        brief=spec.brief,
        hits=hits,
        company_name=company,
        max_sentences=limit,
    )
    reply = str(model.invoke([HumanMessage(content=prompt)]).content)
    if declined(reply):
        return []
    drafted, _invalid = parse_cited_sentences(reply, hits)
    return drafted


def draft_strategy(
    runtime: Runtime,
    title: str,
    spec: str,
    scope: list[str] | None = None,
    model: BaseChatModel | None = None,
    sections: list[SectionSpec] | None = None,
    per_section: int = 5,
) -> StrategyDraft:
    """Draft ``title`` from the notes selected by ``spec`` (see :func:`select_notes`), in the caller's scope."""
    sections = sections or load_sections()
    notes = select_notes(runtime, spec, scope)
    statements = _statements(notes)
    draft = StrategyDraft(title=title, sections=[], sources=sorted({c.meta.source for c in notes}))
    vectors = np.asarray(runtime.embedder.embed_documents([t for t, _ in statements]) or np.zeros((0, 1)))
    briefs = np.asarray(runtime.embedder.embed_documents([f"{s.heading}: {s.brief}" for s in sections]))
    sims = _fit(vectors, briefs, statements, sections)
    assign = sims.argmax(axis=1) if len(statements) else np.zeros(0, dtype=int)
    by_id = {c.id: c for c in notes}
    for index, section in enumerate(sections):
        if model is not None:
            order: list[int] = [int(i) for i in np.argsort(-sims[:, index])[:24]] if len(statements) else []
            chunk_ids = list(dict.fromkeys(statements[i][1].id for i in order))[:8]
            hits = [Hit(chunk=by_id[i], score=1.0) for i in chunk_ids]
            drafted = _llm_section(model, title, section, hits, runtime.settings.company_name, per_section)
        else:
            chosen = _extractive_section(index, assign, sims, vectors, statements, per_section)
            drafted = [(statements[i][0], [statements[i][1].id]) for i in chosen]
        sentences = [_check(text, [by_id[c] for c in ids if c in by_id], runtime) for text, ids in drafted]
        if not sentences:
            sentences = [DraftSentence(text=NOT_COVERED, supported=False, note="gap for the author")]
        draft.sections.append(DraftSection(heading=section.heading, sentences=sentences))
    draft.contradictions = find_contradictions(_windows(statements), _window_vectors(vectors, statements))
    for text, chunk in statements:
        problem = check_metric_claim(text, runtime.metric_rows)
        if problem:
            draft.metric_conflicts.append(
                MetricConflict(text=text, source=chunk.meta.source, chunk_id=chunk.id, reason=problem)
            )
    draft.unsupported = sum(1 for s in draft.sections for x in s.sentences if not x.supported)
    return draft


def _fit(
    vectors: np.ndarray, briefs: np.ndarray, statements: list[tuple[str, Chunk]], sections: list[SectionSpec]
) -> np.ndarray:
    """How well each statement fits each section: meaning (cosine to the brief) plus the brief's own words
    ("risk", "target", "customers said") found in the statement, which embeddings of short notes blur."""
    if not statements:
        return np.zeros((0, len(sections)))
    brief_terms = [set(content_terms(f"{s.heading} {s.brief}")) for s in sections]
    cues = np.array([[min(len(set(content_terms(t)) & terms), 3) for terms in brief_terms] for t, _ in statements])
    return vectors @ briefs.T + 0.08 * cues


def _windows(statements: list[tuple[str, Chunk]]) -> list[tuple[str, Chunk]]:
    """Each statement with the next one from the same chunk: "No new regions. That includes the EU." is one
    position, and contradictions are found between positions, not half-sentences."""
    out = []
    for i, (text, chunk) in enumerate(statements):
        follow = statements[i + 1] if i + 1 < len(statements) and statements[i + 1][1].id == chunk.id else None
        out.append((f"{text} {follow[0]}" if follow else text, chunk))
    return out


def _window_vectors(vectors: np.ndarray, statements: list[tuple[str, Chunk]]) -> np.ndarray:
    if not len(statements):
        return vectors
    out = vectors.copy()
    for i in range(len(statements) - 1):
        if statements[i + 1][1].id == statements[i][1].id:
            out[i] = vectors[i] + vectors[i + 1]
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
