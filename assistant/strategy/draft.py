"""Strategy drafts from scattered notes: section by section, every claim cited, gaps and conflicts surfaced.

Offline, each section quotes the notes' own prose sentences that fit it (:mod:`assistant.strategy.prose` picks
the prose, :mod:`assistant.strategy.fit` places it; one embedding batch for all sentences). Quotes are labelled
``quoted``: they are the notes' words, checked to be verbatim in the chunk they cite, not claims that a
grounding check vouched for. With a language model, each section is written from a prompt over the notes that
fit it best (:mod:`assistant.strategy.model_sections`); a written sentence is ``supported`` only when the
grounding check finds it in what it cites. A section whose written sentences mostly fail is replaced by the
notes' own quotes, with a ``fallback`` saying why; failing sentences of a kept section are listed as
``removed``. Either way figures are checked against the metric reports, sections the notes don't cover say
so, and contradictions between notes are listed for the author.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from assistant.grounding.checker import support
from assistant.llm import ModelClient, as_client
from assistant.runtime import Runtime
from assistant.safety import looks_like_injection
from assistant.schemas import Chunk, Citation, Hit, ModelFallback
from assistant.strategy.candidates import Candidate, note_candidates
from assistant.strategy.checks import MetricClaims
from assistant.strategy.contradictions import Contradiction, find_contradictions
from assistant.strategy.fit import assign, fit_scores
from assistant.strategy.model_sections import write_section
from assistant.strategy.prose import plain_text
from assistant.strategy.sections import SectionSpec
from assistant.strategy.sections import load_sections as _load_sections
from assistant.strategy.sources import select_notes
from assistant.synthesis.base import evidence_text

NOT_COVERED = "The notes don't cover this section yet; add material or write it yourself."
Label = Literal["quoted", "supported", "unsupported", "gap"]


class DraftSentence(BaseModel):
    text: str
    label: Label = Field(
        description="quoted: the note's own words, verbatim in the cited chunk; supported / unsupported: a "
        "written sentence that passed / failed the grounding check; gap: the section has nothing to say yet."
    )
    supported: bool = Field(
        description="True only for a written sentence the grounding check found in what it cites; a quote is "
        "not a checked claim, so it is False for quotes (see label)."
    )
    citations: list[Citation] = Field(default_factory=list)
    score: float | None = Field(default=None, description="Grounding score of a written sentence.")
    context: str | None = Field(default=None, description="Where the quote sits in its note (heading path).")
    note: str | None = None  # why the author should look at it

    @property
    def passes(self) -> bool:
        """A sentence a section may show: the notes' own words, or a written sentence the check vouched for."""
        return self.label in ("quoted", "supported")


class DraftSection(BaseModel):
    heading: str
    sentences: list[DraftSentence]
    written_by: Literal["model", "notes"] = Field(
        default="notes", description="model: the model's verified sentences; notes: the notes' own quotes.")
    fallback: ModelFallback | None = Field(default=None, description="Why the model's text was not used.")
    removed: list[DraftSentence] = Field(default_factory=list, description="Model sentences left out: unsupported.")


class MetricConflict(BaseModel):
    """A note's figure that the metric reports don't back."""

    text: str
    source: str
    chunk_id: str
    reason: str


class StrategyDraft(BaseModel):
    title: str
    mode: Literal["quoted", "written"] = "quoted"
    sections: list[DraftSection]
    contradictions: list[Contradiction] = Field(default_factory=list)
    metric_conflicts: list[MetricConflict] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict, description="Sentences per label.")
    unsupported: int = 0


def load_sections(path: Path | None = None) -> list[SectionSpec]:
    """Section template: ``prompts/strategy_sections.yaml`` unless another YAML file is given."""
    return _load_sections(path)


def draft_strategy(
    runtime: Runtime,
    title: str,
    spec: str,
    scope: list[str] | None = None,
    model: ModelClient | BaseChatModel | None = None,
    sections: list[SectionSpec] | None = None,
    per_section: int | None = None,
) -> StrategyDraft:
    """Draft ``title`` from the notes selected by ``spec`` (see :func:`select_notes`), in the caller's scope.

    ``per_section`` caps every section (default: each section's ``max_sentences``). With a model, each section
    costs one bounded call (``PRODOPS_LLM_MAX_TOKENS_SECTION``, ``PRODOPS_LLM_TIMEOUT``).
    """
    client = as_client(model, runtime.settings)
    sections = sections or load_sections()
    if per_section is not None:
        sections = [s.model_copy(update={"max_sentences": per_section}) for s in sections]
    notes = select_notes(runtime, spec, scope)
    candidates = [c for c in note_candidates(notes) if not c.dangling]
    # One batch for every candidate sentence and every section description.
    texts = [c.text for c in candidates] + [s.meaning for s in sections]
    embedded = np.asarray(runtime.embedder.embed_documents(texts), dtype=np.float32)
    vectors, meanings = embedded[: len(candidates)], embedded[len(candidates) :]
    scores, allowed = fit_scores(candidates, vectors, meanings, sections)
    metrics = MetricClaims(runtime.metric_rows)
    draft = StrategyDraft(
        title=title, mode="written" if client else "quoted", sections=[], sources=sorted({c.meta.source for c in notes})
    )
    chosen = assign(candidates, vectors, scores, allowed, sections)
    for index, (section, picked) in enumerate(zip(sections, chosen, strict=True)):
        quotes = [_quote(candidates[i], metrics) for i in picked]
        out = DraftSection(heading=section.heading, sentences=quotes)
        if client is not None and candidates:
            hits = _section_hits(candidates, scores[:, index], allowed[:, index])
            written = write_section(client, lambda text, cited: _check(text, cited, metrics), title, section.heading,
                                    section.brief, hits, runtime.settings.company_name, section.max_sentences)
            if written.fallback is None:
                out = DraftSection(heading=section.heading, sentences=written.sentences, written_by="model",
                                   removed=written.removed)
            elif not (written.declined and not quotes):  # a decline over a section no note fits is right
                out.fallback = written.fallback
        out.sentences = out.sentences or [_gap()]
        draft.sections.append(out)
    draft.contradictions = find_contradictions(candidates, vectors)
    for c in candidates:
        problem = metrics.check(c.text)
        if problem:
            draft.metric_conflicts.append(
                MetricConflict(text=c.text, source=c.source, chunk_id=c.chunks[0].id, reason=problem)
            )
    labels = [x.label for s in draft.sections for x in s.sentences]
    draft.counts = {label: labels.count(label) for label in ("quoted", "supported", "unsupported", "gap")}
    draft.unsupported = draft.counts["unsupported"]
    return draft


def _gap() -> DraftSentence:
    return DraftSentence(text=NOT_COVERED, label="gap", supported=False, note="gap for the author")


def _quote(candidate: Candidate, metrics: MetricClaims) -> DraftSentence:
    return DraftSentence(
        text=candidate.text,
        label="quoted",
        supported=False,
        citations=[Citation(source=c.meta.source, chunk_id=c.id) for c in candidate.chunks],
        context=" > ".join(candidate.context) or None,
        note=metrics.check(candidate.text),
    )


def _check(text: str, cited: list[Chunk], metrics: MetricClaims) -> DraftSentence:
    """A written sentence with its label: quoted when it is verbatim in a cited note, supported when the
    grounding check finds it there, unsupported otherwise (also text addressed to an assistant)."""
    if looks_like_injection(text):
        return DraftSentence(text=text, label="unsupported", supported=False, note="reads as an instruction")
    citations = [Citation(source=c.meta.source, chunk_id=c.id) for c in cited]
    metric_problem = metrics.check(text)
    if cited and any(" ".join(text.split()) in plain_text(c.text) for c in cited):
        return DraftSentence(text=text, label="quoted", supported=False, citations=citations, note=metric_problem)
    result = support(text, [evidence_text(c) for c in cited])
    ok = result.supported and not metric_problem
    note = metric_problem or (None if ok else "not supported by the cited note" if cited else "no note cited")
    return DraftSentence(
        text=text,
        label="supported" if ok else "unsupported",
        supported=ok,
        citations=citations,
        score=result.score,
        note=note,
    )


def _section_hits(candidates: list[Candidate], scores: np.ndarray, allowed: np.ndarray, limit: int = 8) -> list[Hit]:
    """The chunks holding the sentences that fit a section best (those the section may take first): what the
    model writes that section from. Never empty while there are notes: the model may still say they don't cover
    the section."""
    order = sorted(range(len(candidates)), key=lambda i: (not allowed[i], -scores[i]))[:24]
    chunks: dict[str, Chunk] = {}
    for i in order:
        chunk = candidates[i].chunks[0]
        chunks.setdefault(chunk.id, chunk)
    return [Hit(chunk=c, score=1.0) for c in list(chunks.values())[:limit]]

