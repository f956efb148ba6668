"""Research themes across interviews: what participants said in conversation, clustered, counted by people.

Only customer evidence counts (participants' turns in conversation segments, :mod:`assistant.segments`): no
interviewer question, intro, ad read, scripted round, outro or cold-open clip. Each turn is clustered on the
vector already stored for it, which is made of the participant's own words (no re-embedding, so a run over
hundreds of interviews takes seconds). A theme's weight is the number of distinct people, interviews and teams
behind it, never the number of mentions; no theme may hold more than a set share of the turns. Labels are
phrases people said (:mod:`assistant.themes.labels`), quotes are verbatim sentences, and the one-line summary is
the most central quote. Same input, same themes: inputs are sorted and clustering is seeded.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, Field

from assistant.access import chunk_readable
from assistant.runtime import Runtime
from assistant.safety import neutralize_markers
from assistant.schemas import Chunk, SearchFilters
from assistant.segments import customer_evidence_filters
from assistant.store.filters import chroma_where
from assistant.text import content_terms, stem
from assistant.themes.clustering import MIN_COHESION, breadth, cluster_turns, cohesion, normalise
from assistant.themes.labels import candidates, pick_label, top_words
from assistant.themes.quotes import against, fingerprint, near_duplicate, pick_quotes
from assistant.themes.ranking import Background, rank_key, specificity

_log = logging.getLogger(__name__)


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
    customers: int = Field(description="Distinct customers: the company when known, else the person.")
    interviews: int
    companies: list[str]
    teams: list[str]
    first_seen: str | None
    last_seen: str | None
    quotes: list[Quote]
    contradicting: list[Quote] = Field(default_factory=list, description="Quotes opposed to the central claim.")
    mentions: int = 0
    people: int = Field(default=0, description="Distinct people (speakers) behind the theme.")
    participants: list[str] = Field(default_factory=list)
    summary: str = Field(default="", description="The theme's most central quote.")
    share: float = Field(default=0.0, description="Share of all clustered turns in this theme.")
    breadth: float = Field(default=0.0, description="Effective number of people: turns spread evenly count most.")
    cohesion: float = Field(default=0.0, description="Mean similarity of the theme's turns to its centre.")
    focus: float = Field(default=0.0, description="Share of the theme's turns that say its most said keyword.")
    specificity: float = Field(default=0.0, description="How much the theme owns its keyword and its turns agree "
                                                        "beyond chance (see assistant.themes.ranking).")
    label_source: str = "phrases"
    chunk_ids: list[str] = Field(default_factory=list, exclude=True)  # the theme's turns (not serialised)
    model_label: str | None = Field(default=None, description="What the model proposed (kept for inspection).")
    label_note: str | None = Field(default=None, description="Why the model's label was not used.")


class ThemeReport(BaseModel):
    themes: list[Theme]
    interviews: int
    customers: int
    turns: int
    team: str | None = None
    since: str | None = None
    until: str | None = None
    by_team: dict[str, list[tuple[str, int]]] = Field(default_factory=dict)
    people: int = 0
    other_turns: int = Field(default=0, description="Turns in no theme shown (incoherent or unshared groups).")
    other_share: float = 0.0
    label_notice: str | None = Field(default=None, description="Why some or all labels are the keyword labels.")


def person_of(chunk: Chunk) -> str:
    """A person: the speaker's name (with the company, since two customers may share a name)."""
    m = chunk.meta
    who = (m.speaker if m.speaker_is_participant else None) or m.participant or m.source
    return f"{who} ({m.company})" if m.company else who


def customer_of(chunk: Chunk) -> str:
    """A customer is a company when known, else the person who spoke (podcasts, anonymous calls)."""
    m = chunk.meta
    return (m.company or (m.speaker if m.speaker_is_participant else None) or m.participant or m.source).strip()


def customer_turns(runtime: Runtime, scope: list[str] | None = None, team: str | None = None,
                   since: dt.date | None = None, until: dt.date | None = None, min_terms: int = 6,
                   sources: Sequence[str] = ()) -> list[Chunk]:
    """Customer evidence in scope and in the window, minus small talk (too few content words) and repeats of
    the same words within one interview or by one person (a clip played twice, a copied transcript), sorted by
    id for determinism. Two people saying the same words are two voices and both count."""
    filters = customer_evidence_filters(SearchFilters(teams=[team] if team else [], date_from=since, date_to=until,
                                                      sources=list(sources)))
    turns: list[Chunk] = []
    prints: dict[str, list[set[int]]] = defaultdict(list)  # by interview and by person
    chunks = sorted(runtime.store.iter_chunks(where=chroma_where(filters, scope)), key=lambda c: c.id)
    for chunk in chunks:
        if not chunk_readable(chunk, scope) or len(content_terms(chunk.text)) < min_terms:
            continue
        mark = fingerprint(chunk.text)
        keys = (f"source:{chunk.meta.source}", f"person:{person_of(chunk)}")
        if any(near_duplicate(mark, p) for key in keys for p in prints[key]):
            continue
        for key in keys:
            prints[key].append(mark)
        turns.append(chunk)
    return turns


def _quote(chunk: Chunk, text: str) -> Quote:
    m = chunk.meta
    return Quote(text=neutralize_markers(text), source=m.source, chunk_id=chunk.id, company=m.company,
                 participant=(m.speaker if m.speaker_is_participant else None) or m.participant, team=m.team,
                 date=m.date)


def synthesize_themes(runtime: Runtime, scope: list[str] | None = None, team: str | None = None,
                      since: dt.date | None = None, until: dt.date | None = None, min_customers: int = 2,
                      max_themes: int = 12, sources: Sequence[str] = ()) -> ThemeReport:
    """Themes heard from at least ``min_customers`` distinct customers, ranked by breadth (the effective number
    of people behind a theme) times cohesion: a theme many people raise, about one thing.

    ``sources`` limits the run to those interviews (paths), e.g. one study's transcripts.
    """
    turns = customer_turns(runtime, scope, team, since, until, sources=sources)
    report = ThemeReport(themes=[], interviews=len({t.meta.source for t in turns}),
                         customers=len({customer_of(t) for t in turns}), people=len({person_of(t) for t in turns}),
                         turns=len(turns), team=team, since=since.isoformat() if since else None,
                         until=until.isoformat() if until else None)
    if len(turns) < 2:
        return report
    stored = runtime.store.vectors_by_id([t.id for t in turns])
    turns = [t for t in turns if t.id in stored]  # replaced since by a concurrent ingest: skipped
    vectors = normalise(np.asarray([stored[t.id] for t in turns], dtype=np.float32))
    texts = [t.text for t in turns]
    clusters = [c for c in cluster_turns(vectors, texts=texts, groups=[t.meta.source for t in turns])
                if len({customer_of(turns[i]) for i in c}) >= min_customers and cohesion(vectors[c]) >= MIN_COHESION]
    names = sorted({n for t in turns for n in (t.meta.company, t.meta.participant, t.meta.interviewer,
                                                t.meta.speaker) if n})
    keywords = top_words(texts, clusters, names)
    background = Background.of(texts, vectors)
    ranked: list[tuple[Theme, list[Chunk]]] = []
    for members, words in zip(clusters, keywords, strict=True):
        inside = set(members)
        made = _theme([turns[i] for i in members], vectors[members], words, names, runtime, len(turns),
                      [t for i, t in enumerate(turns) if i not in inside])
        if made is not None and made[0].label:
            made[0].specificity = round(specificity([texts[i] for i in members], vectors[members], words,
                                                    background), 4)
            ranked.append(made)
    ranked.sort(key=lambda pair: rank_key(pair[0]))
    shown = ranked[:max_themes]
    report.other_turns = len(turns) - sum(t.mentions for t, _ in shown)
    report.other_share = round(report.other_turns / len(turns), 3)
    for theme, chunks in shown:
        report.themes.append(theme)
        for team_name in theme.teams:
            heard = {customer_of(c) for c in chunks if c.meta.team == team_name}
            report.by_team.setdefault(team_name, []).append((theme.label, len(heard)))
    return report


def _embedder(runtime: Runtime) -> Callable[[list[str]], np.ndarray]:
    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray(runtime.embedder.embed_documents(texts), dtype=np.float32)

    return embed


def _theme(chunks: list[Chunk], vectors: np.ndarray, keywords: list[str], names: Sequence[str], runtime: Runtime,
           total: int, others: Sequence[Chunk] = ()) -> tuple[Theme, list[Chunk]] | None:
    """Counts, label, summary, quotes and opposed quotes of one cluster of turns."""
    centre = vectors.mean(axis=0)
    picked = pick_quotes(chunks, vectors, centre, keywords, person_of)
    if not picked:
        return None
    quote_texts = [text for _, text in picked]
    label = pick_label(candidates([c.text for c in chunks], names), keywords, centre, _embedder(runtime),
                       quote_texts)
    taken = {c.id for c, _ in picked}
    opposed = against(quote_texts[0], chunks, keywords, taken, label=label, others=others)
    dates = sorted(d for d in (c.meta.date for c in chunks) if d)
    by_team: dict[str, int] = defaultdict(int)
    for chunk in chunks:
        if chunk.meta.team:
            by_team[chunk.meta.team] += 1
    theme = Theme(
        label=label, keywords=keywords, customers=len({customer_of(c) for c in chunks}),
        interviews=len({c.meta.source for c in chunks}), companies=sorted({customer_of(c) for c in chunks}),
        teams=sorted(by_team), first_seen=dates[0] if dates else None, last_seen=dates[-1] if dates else None,
        quotes=[_quote(c, t) for c, t in picked], contradicting=[_quote(c, t) for c, t in opposed],
        mentions=len(chunks), people=len({person_of(c) for c in chunks}),
        participants=sorted({person_of(c) for c in chunks}), summary=quote_texts[0],
        share=round(len(chunks) / total, 3), breadth=round(breadth([person_of(c) for c in chunks]), 2),
        cohesion=round(cohesion(vectors), 3), focus=round(focus(chunks, keywords), 3),
        chunk_ids=[c.id for c in chunks])
    return theme, chunks


def focus(chunks: Sequence[Chunk], keywords: Sequence[str], top: int = 3) -> float:
    """How much a theme is about one thing: the largest share of its turns saying one of its top keywords
    (a "roadmaps" theme where most turns say "roadmap", not a "how we work" group that shares no word)."""
    said = [set(content_terms(c.text)) for c in chunks]
    shares = [sum(stem(k) in s for s in said) / len(said) for k in keywords[:top] if said]
    return max(shares, default=0.0)

