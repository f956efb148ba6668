"""Research themes across interviews: what customers said, clustered, counted by distinct customers, quoted.

Only participant turns count (not interviewer questions), each turn is clustered on the vector already stored
for it (no re-embedding, so a theme run over hundreds of interviews takes seconds), and a theme's weight is the
number of distinct customers and interviews behind it, never the number of mentions. Quotes are verbatim
sentences of the turns they cite. Same input, same themes: inputs are sorted and clustering is deterministic.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from assistant.access import chunk_readable
from assistant.prompting import render
from assistant.runtime import Runtime
from assistant.schemas import Chunk
from assistant.text import content_terms
from assistant.themes.mining import cluster_turns, label_clusters, pick_quotes, polarity


class Quote(BaseModel):
    text: str
    source: str
    chunk_id: str
    company: str | None = None
    participant: str | None = None
    team: str | None = None
    date: str | None = None


class Theme(BaseModel):
    label: str
    keywords: list[str]
    customers: int
    interviews: int
    companies: list[str]
    teams: list[str]
    first_seen: str | None
    last_seen: str | None
    quotes: list[Quote]
    contradicting: list[Quote] = Field(default_factory=list)
    mentions: int = 0


class ThemeReport(BaseModel):
    themes: list[Theme]
    interviews: int
    customers: int
    turns: int
    team: str | None = None
    since: str | None = None
    until: str | None = None
    by_team: dict[str, list[tuple[str, int]]] = Field(default_factory=dict)


def customer_of(chunk: Chunk) -> str:
    """A customer is a company when known, else the participant (podcasts, anonymous calls)."""
    return (chunk.meta.company or chunk.meta.participant or chunk.meta.speaker or chunk.meta.source).strip()


def customer_turns(
    runtime: Runtime,
    scope: list[str] | None = None,
    team: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    min_terms: int = 6,
) -> list[Chunk]:
    """Participant turns in scope and in the window, minus small talk (too few content words) and each
    interview's opening and closing answers (introductions and goodbyes), sorted by id for determinism."""
    where = {"$and": [{"kind": "interview"}, {"speaker_is_participant": True}]}
    by_source: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in runtime.store.iter_chunks(where=where):
        m = chunk.meta
        if not chunk_readable(chunk, scope) or (team and m.team != team):
            continue
        too_early = since and (not m.date or m.date < since.isoformat())
        too_late = until and (not m.date or m.date > until.isoformat())
        if too_early or too_late:
            continue
        by_source[m.source].append(chunk)
    turns: list[Chunk] = []
    for chunks in by_source.values():
        chunks.sort(key=lambda c: c.meta.position)
        if len(chunks) >= 6:
            chunks = chunks[1:-1]
        turns.extend(c for c in chunks if len(content_terms(c.text)) >= min_terms)
    return sorted(turns, key=lambda c: c.id)


def _quote(chunk: Chunk, text: str) -> Quote:
    m = chunk.meta
    return Quote(
        text=text,
        source=m.source,
        chunk_id=chunk.id,
        company=m.company,
        participant=m.participant,
        team=m.team,
        date=m.date,
    )


def synthesize_themes(
    runtime: Runtime,
    scope: list[str] | None = None,
    team: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    min_customers: int = 2,
    max_themes: int = 12,
) -> ThemeReport:
    """Themes heard from at least ``min_customers`` distinct customers, ranked by customers then interviews."""
    turns = customer_turns(runtime, scope, team, since, until)
    report = ThemeReport(
        themes=[],
        interviews=len({t.meta.source for t in turns}),
        customers=len({customer_of(t) for t in turns}),
        turns=len(turns),
        team=team,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
    )
    if len(turns) < 2:
        return report
    stored = runtime.store.vectors_by_id([t.id for t in turns])
    turns = [t for t in turns if t.id in stored]  # replaced since by a concurrent ingest: skipped
    vectors = np.asarray([stored[t.id] for t in turns], dtype=np.float32)
    clusters = [c for c in cluster_turns(vectors) if len({customer_of(turns[i]) for i in c}) >= min_customers]
    names = {n for t in turns for n in (t.meta.company, t.meta.participant, t.meta.interviewer, t.meta.speaker) if n}
    labels = label_clusters([t.text for t in turns], clusters, names=sorted(names))
    ranked: list[tuple[Theme, list[Chunk]]] = []
    for members, (label, keywords) in zip(clusters, labels, strict=True):
        chunks = [turns[i] for i in members]
        ranked.append((_theme(chunks, vectors[members], label, keywords), chunks))
    ranked.sort(key=lambda pair: (-pair[0].customers, -pair[0].interviews, pair[0].label))
    for theme, chunks in ranked[:max_themes]:
        report.themes.append(theme)
        for team_name in theme.teams:
            heard = {customer_of(c) for c in chunks if c.meta.team == team_name}
            report.by_team.setdefault(team_name, []).append((theme.label, len(heard)))
    return report


def _theme(chunks: list[Chunk], vectors: np.ndarray, label: str, keywords: list[str]) -> Theme:
    """Counts, dates, representative quotes and contradicting quotes of one cluster of turns."""
    signs = [polarity(c.text) for c in chunks]
    majority = 1 if sum(signs) > 0 else -1 if sum(signs) < 0 else 0
    agreeing = [i for i, s in enumerate(signs) if majority == 0 or s != -majority]
    opposing = [i for i, s in enumerate(signs) if majority != 0 and s == -majority]
    centre = vectors.mean(axis=0)
    quotes = pick_quotes([chunks[i] for i in agreeing], vectors[agreeing], centre, keywords, customer_of)
    against = pick_quotes([chunks[i] for i in opposing], vectors[opposing], centre, keywords, customer_of, limit=3)
    dates = sorted(d for d in (c.meta.date for c in chunks) if d)
    return Theme(
        label=label,
        keywords=keywords,
        customers=len({customer_of(c) for c in chunks}),
        interviews=len({c.meta.source for c in chunks}),
        companies=sorted({customer_of(c) for c in chunks}),
        teams=sorted({c.meta.team for c in chunks if c.meta.team}),
        first_seen=dates[0] if dates else None,
        last_seen=dates[-1] if dates else None,
        quotes=[_quote(c, t) for c, t in quotes],
        contradicting=[_quote(c, t) for c, t in against],
        mentions=len(chunks),
    )


def relabel_with_model(report: ThemeReport, model: BaseChatModel) -> ThemeReport:
    """Readable theme names from a language model; keeps the keyword label when the reply is unusable.

    Counts, quotes and citations are never touched: only the label is the model's.
    """
    for theme in report.themes:
        prompt = render("theme_label", keywords=theme.keywords, quotes=theme.quotes)
        reply = str(model.invoke([HumanMessage(content=prompt)]).content).strip().strip('"').splitlines()
        name = reply[0].strip() if reply else ""
        if 0 < len(name.split()) <= 10 and len(name) <= 80:
            theme.label = name
    return report
