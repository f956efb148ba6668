"""Scoring research themes against the real-data dev set's ``themes:`` section (12 podcast episodes).

The spec names, per non-conversation segment, phrases that identify it; this module finds those segments in
the stored transcripts by the phrases alone (independently of the segments ingestion assigned), then checks the
themes computed over the 12 episodes:

* share of quotes from non-conversation segments (goal <= 5%),
* labels that are word fragments (goal: none),
* expected topics found among the top 10 themes (goal >= 4 of 6): a theme matches a topic when at least two
  of its quotes come from the topic's ``appears_in`` episodes and mention the topic,
* distinct speakers per episode against the spec (a two-guest episode is two people).
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, Field

from assistant.runtime import Runtime
from assistant.schemas import Chunk, Kind
from assistant.text import STOPWORDS, stem
from assistant.themes.labels import is_fragment
from assistant.themes.report import ThemeReport, synthesize_themes

SOURCE = "lennys-podcast/episodes/{}/transcript.md"
TOP_THEMES = 10
_PRE, _POST = 0.3, 0.5  # opening segments are looked for in the first 30% of turns, closing ones in the last half
_SPECIFIC_DF = 0.15  # a topic word said in more of the turns than this is too common to show a mention


class Check(BaseModel):
    name: str
    value: float
    goal: str
    passed: bool


class EpisodeSpeakers(BaseModel):
    episode: str
    expected: int
    found: int
    names: list[str]


class FlaggedQuote(BaseModel):
    theme: str
    text: str
    source: str
    segment: str


class ThemesCheckReport(BaseModel):
    themes: list[str] = Field(description="Labels of the top themes, in rank order.")
    quotes: int
    non_conversation_quotes: list[FlaggedQuote]
    non_conversation_share: float
    fragment_labels: list[str]
    topics_found: dict[str, str] = Field(description="Expected topic -> label of the first theme matching it.")
    topics_expected: int
    speakers: list[EpisodeSpeakers]
    checks: list[Check]
    passed: bool


def _chunks_by_episode(runtime: Runtime, episodes: list[str]) -> dict[str, list[Chunk]]:
    found: dict[str, list[Chunk]] = {}
    for episode in episodes:
        chunks = runtime.store.iter_chunks(where={"source": SOURCE.format(episode)})
        found[episode] = sorted(chunks, key=lambda c: c.meta.position)
    return found


def _has(text: str, phrases: list[str]) -> bool:
    lowered = text.lower()
    return any(p.lower() in lowered for p in phrases)


def _regions(chunks: list[Chunk], spec: dict[str, Any], episode: str) -> dict[str, str]:
    """chunk id -> the spec segment it lies in, found from the spec's phrases and speaker-label notes."""
    n = len(chunks)
    marked: dict[str, str] = {}
    groups = {g["segment"]: g for g in spec.get("must_not_dominate", []) if episode in g.get("episodes", [])}

    def phrases(word: str) -> list[str]:
        return [p for name, g in groups.items() if word in name for p in g.get("phrases", [])]

    opening = [i for i, c in enumerate(chunks) if i < n * _PRE and _has(c.text, phrases("sponsor") + phrases("intro"))]
    for i in range(max(opening, default=-1) + 1):
        marked.setdefault(chunks[i].id, "cold open, intro or sponsor read")
    for chunk in chunks:
        if _has(chunk.text, phrases("sponsor")):
            marked.setdefault(chunk.id, "sponsor read")
    staff = {note["label"] for note in spec.get("speaker_label_notes", [])
             if "sponsor" in note.get("what", "") and episode in note.get("episodes", [])}
    for chunk in chunks:
        if chunk.meta.speaker in staff:
            marked.setdefault(chunk.id, "sponsor read")
    outro = next((i for i, c in enumerate(chunks) if i >= n * _POST and _has(c.text, phrases("outro"))), n)
    # The round starts at the last of its phrases before the outro ("... before we get to our lightning round"
    # announces it earlier, while the conversation goes on).
    lightning = max((i for i, c in enumerate(chunks) if n * _POST <= i < outro and _has(c.text, phrases("lightning"))),
                    default=n)
    for i in range(min(lightning, outro), n):
        marked.setdefault(chunks[i].id, "lightning round" if i < outro else "closing plugs and outro")
    for phrase in phrases("cold-open"):
        hits = [c for c in chunks if phrase.lower() in c.text.lower()]
        if len(hits) >= 2:
            marked.setdefault(hits[0].id, "cold-open preview clip")
    return marked


def _specific_terms(topic: str, turns: list[Chunk]) -> set[str]:
    """Stems of a topic name's words that are said in few turns (so saying one is a mention of the topic)."""
    words = {stem(w) for w in re.findall(r"[a-z][a-z0-9]*", topic.lower()) if w not in STOPWORDS and len(w) > 1}
    said = [{stem(w) for w in re.findall(r"[a-z][a-z0-9]*", t.text.lower())} for t in turns]
    total = max(len(said), 1)
    return {w for w in words if sum(w in s for s in said) / total < _SPECIFIC_DF}


def _mentions(text: str, terms: set[str]) -> bool:
    return bool(terms & {stem(w) for w in re.findall(r"[a-z][a-z0-9]*", text.lower())})


def _speakers(chunks: dict[str, list[Chunk]], spec: dict[str, Any]) -> list[EpisodeSpeakers]:
    multi = {m["episode"]: len(m.get("guests", [])) for m in spec.get("multi_guest_episodes", [])}
    rows = []
    for episode, episode_chunks in chunks.items():
        names = sorted({c.meta.speaker for c in episode_chunks if c.meta.speaker_is_participant and c.meta.speaker})
        rows.append(EpisodeSpeakers(episode=episode, expected=multi.get(episode, 1), found=len(names), names=names))
    return rows


def score_themes(runtime: Runtime, spec: dict[str, Any]) -> ThemesCheckReport:
    """Themes over the spec's episodes, scored against the spec (see the module docstring)."""
    episodes: list[str] = list(spec["episodes"])
    # Step 1: themes over the listed episodes only (other transcripts in the store are distractors).
    report: ThemeReport = synthesize_themes(runtime, sources=[SOURCE.format(e) for e in episodes],
                                            max_themes=TOP_THEMES)
    # Step 2: the non-conversation regions each episode's phrases identify.
    chunks = _chunks_by_episode(runtime, episodes)
    regions: dict[str, str] = {}
    for episode, episode_chunks in chunks.items():
        regions |= _regions(episode_chunks, spec, episode)
    front = [p for g in spec.get("must_not_dominate", []) if "front matter" in g["segment"] for p in g["phrases"]]
    flagged: list[FlaggedQuote] = []
    total = 0
    for theme in report.themes:
        for quote in [*theme.quotes, *theme.contradicting]:
            total += 1
            segment = "front matter" if _has(quote.text, front) else regions.get(quote.chunk_id)
            if segment:
                flagged.append(FlaggedQuote(theme=theme.label, text=quote.text, source=quote.source, segment=segment))
    share = len(flagged) / total if total else math.nan
    # Step 3: labels and expected topics.
    fragments = [t.label for t in report.themes if is_fragment(t.label) or any(is_fragment(p) for p in
                                                                                t.label.split(" · "))]
    turns = [c for cs in chunks.values() for c in cs if c.meta.speaker_is_participant and c.meta.kind is Kind.INTERVIEW]
    found: dict[str, str] = {}
    used: set[int] = set()  # one theme matches one topic at most
    for topic in spec.get("expected_topics", []):
        terms = _specific_terms(topic["topic"], turns)
        sources = {SOURCE.format(e) for e in topic.get("appears_in", [])}
        for rank, theme in enumerate(report.themes):
            hits = [q for q in theme.quotes if q.source in sources and _mentions(q.text, terms)]
            if rank not in used and len(hits) >= 2:
                found[topic["topic"]] = theme.label
                used.add(rank)
                break
    # Step 4: people per episode.
    speakers = _speakers(chunks, spec)
    expected_topics = len(spec.get("expected_topics", []))
    per_topic_goal = min(4, expected_topics)
    checks = [
        Check(name="non_conversation_quotes", value=round(share, 3), goal="<= 0.05",
              passed=not math.isnan(share) and share <= 0.05),
        Check(name="fragment_labels", value=len(fragments), goal="== 0", passed=not fragments),
        Check(name="expected_topics_in_top_10", value=len(found), goal=f">= {per_topic_goal}",
              passed=len(found) >= per_topic_goal),
        Check(name="distinct_speakers", value=sum(s.found for s in speakers), goal=f"== {spec.get('distinct_guests')}",
              passed=all(s.found == s.expected for s in speakers)
              and sum(s.found for s in speakers) == spec.get("distinct_guests", sum(s.expected for s in speakers))),
    ]
    return ThemesCheckReport(
        themes=[t.label for t in report.themes], quotes=total, non_conversation_quotes=flagged,
        non_conversation_share=round(share, 3), fragment_labels=fragments, topics_found=found,
        topics_expected=expected_topics, speakers=speakers, checks=checks, passed=all(c.passed for c in checks))



def themes_gate(runtime: Runtime, dataset: Any) -> dict[str, Any]:
    """The real-data gate's structure check (``evals.realdata.checks``): summary numbers and report lines."""
    spec = getattr(dataset, "themes", None) or {}
    if not spec.get("episodes"):
        return {"summary": {}, "lines": ["no themes section in the dataset"]}
    result = score_themes(runtime, spec)
    summary: dict[str, float] = {f"themes_{c.name}": c.value for c in result.checks}
    summary["themes_passed"] = float(result.passed)
    lines = [f"{c.name}: {c.value} (goal {c.goal}) {'ok' if c.passed else 'MISSED'}" for c in result.checks]
    lines += [f"theme {i}: {label}" for i, label in enumerate(result.themes, start=1)]
    lines += [f"topic found: {topic} -> {label}" for topic, label in result.topics_found.items()]
    lines += [f"speakers {s.episode}: {s.found}/{s.expected} {', '.join(s.names)}" for s in result.speakers]
    return {"summary": summary, "lines": lines}
