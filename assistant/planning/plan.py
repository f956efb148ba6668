"""The plan as stated in strategy docs and roadmaps: objectives, their key results, and initiatives.

Alignment maps, metric progress and check-in packs all need the same structured view of "what did we say we
would do", so it is parsed once here, from the ingested strategy chunks the caller may read. Every item keeps
the chunk ids its lines came from and the verbatim span it was read from, so anything shown downstream can be
cited and checked. Documents are read from their Markdown tree (:mod:`assistant.planning.parse`), so headings,
bold labels, nested lists, "KR:" lines, tables and unlabelled OKR lists all work, but only what a document
states is recorded: a missing field stays None, never a guess. A document that reads like a plan but yields
nothing is listed in :attr:`Plan.unread` so reports can say so instead of showing an empty plan.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from assistant.access import chunk_readable
from assistant.memo import Memo
from assistant.planning.cues import PLAN_WORDS
from assistant.planning.parse import ParsedSource, parse_source
from assistant.planning.text import SourceText
from assistant.runtime import Runtime
from assistant.schemas import Chunk, Kind, SearchFilters
from assistant.store.filters import chroma_where

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.llm import ModelClient


class KeyResult(BaseModel):
    """A measurable result of an objective, e.g. ``KR1.2 — Raise activation from 0.312 to 0.400``.

    ``metric`` is the metric name the document gives (``Metric: activation_rate``), which is how
    :mod:`assistant.metrics.series` finds the series to measure it against. ``baseline``/``target`` are the numbers as
    written (units dropped); ``lower_is_better`` follows from them (latency, CAC payback).
    """

    id: str = Field(description='As written, normalised to "KR<objective>.<n>", e.g. "KR1.2".')
    objective_id: str | None = None
    text: str = Field(description="The key result's own sentence.")
    metric: str | None = None
    baseline: float | None = None
    baseline_period: str | None = Field(default=None, description="YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY-Hn.")
    baseline_text: str | None = None
    target: float | None = None
    target_date: dt.date | None = Field(default=None, description="The latest date the target line names.")
    target_text: str | None = None
    source: str
    chunk_id: str = Field(description="The chunk holding the key result's opening line.")
    chunk_ids: list[str] = Field(default_factory=list, description="Every chunk its lines came from.")
    id_stated: bool = Field(default=True, description="False when the doc gives no number and the id comes from "
                            "the key result's position in its objective.")
    owner: str | None = Field(default=None, description='From an "Owner:" line, a "(Name)" suffix or an @tag.')
    status: str | None = Field(default=None, description='"Status:" or a status emoji, as words ("at risk").')
    outcome: str | None = Field(default=None, description='What happened, from "=> ..." or "Outcome: ...".')
    span: str = Field(default="", description="The verbatim source text the key result was read from.")
    period: str | None = Field(default=None, description='From the enclosing headings or title: "FY2022-Q2".')
    by_model: bool = Field(default=False, description="Found by the language-model reader (text verified verbatim).")

    @property
    def lower_is_better(self) -> bool | None:
        if self.baseline is None or self.target is None or self.baseline == self.target:
            return None
        return self.target < self.baseline


class Objective(BaseModel):
    """A strategic objective (``O1 — Make self-serve growth compound``) with its key results.

    Objectives nest (a CEO objective with department objectives under it): ``parent_id`` names the enclosing
    one. ``section`` is the nearest grouping heading ("Sales", "Theme: ..."), which is not an objective.
    """

    id: str = Field(description='"O<n>" as written, e.g. "O1"; "<file stem>/O<position>" when unnumbered.')
    title: str
    owner: str | None = Field(default=None, description='The Owner: line, a "Team: ..." prefix or a "(Name)" '
                              "suffix, as written.")
    source: str
    chunk_id: str = Field(description="The chunk holding the objective's heading.")
    chunk_ids: list[str] = Field(default_factory=list)
    key_results: list[KeyResult] = Field(default_factory=list)
    id_stated: bool = Field(default=True, description="False when the id comes from the objective's position.")
    parent_id: str | None = Field(default=None, description="The objective this one is nested under.")
    status: str | None = None
    outcome: str | None = None
    span: str = Field(default="", description="The verbatim source text the objective was read from.")
    section: str | None = Field(default=None, description="The nearest grouping heading above it.")
    section_path: list[str] = Field(default_factory=list, description="Every grouping heading above it.")
    period: str | None = Field(default=None, description='From the enclosing headings or title: "FY2022-Q2".')
    by_model: bool = Field(default=False, description="Found by the language-model reader (text verified verbatim).")


class Initiative(BaseModel):
    """A roadmap item (``### GRO-1 Guided onboarding checklist`` and its field bullets).

    ``objective_ids`` holds only what the item's own ``Objective:`` line (or table cell) says: an empty list
    means the roadmap ties it to no objective, which is what alignment reports as an orphan.
    """

    id: str = Field(description='The explicit id ("GRO-1"), or the heading title when the roadmap gives none.')
    title: str
    team: str | None = None
    objective_ids: list[str] = Field(default_factory=list)
    status: str | None = Field(default=None, description="Lower-cased as written: on track, at risk, done, ...")
    owner: str | None = None
    target_date: dt.date | None = None
    target_date_text: str | None = None
    description: str = ""
    source: str
    chunk_id: str
    chunk_ids: list[str] = Field(default_factory=list)
    sponsor: str | None = Field(default=None, description="An executive sponsor column or field.")
    span: str = Field(default="", description="The verbatim source text (heading, item or table row).")
    section: str | None = None
    period: str | None = None
    by_model: bool = Field(default=False, description="Found by the language-model reader (text verified verbatim).")


class UnreadSource(BaseModel):
    """A document that reads like a plan (OKR words, objective or key-result labels) but yielded nothing."""

    source: str
    chunk_id: str = Field(description="Its first chunk, to cite.")


class Plan(BaseModel):
    """Everything parsed from the strategy docs in scope, with the lookups workflows need."""

    objectives: list[Objective] = Field(default_factory=list)
    initiatives: list[Initiative] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list, description="Strategy sources that were read.")
    unread: list[UnreadSource] = Field(default_factory=list, description="Plan-like sources that yielded nothing.")

    @property
    def read(self) -> bool:
        """Whether any objective, key result or initiative was read at all."""
        return bool(self.objectives or self.initiatives)

    def unread_note(self) -> str | None:
        """"Could not read a plan from N documents: a, b" when some plan-like document yielded nothing."""
        if not self.unread:
            return None
        count = len(self.unread)
        return (f"Could not read a plan from {count} document{'s' if count != 1 else ''}: "
                + ", ".join(u.source for u in self.unread))

    @property
    def key_results(self) -> list[KeyResult]:
        return [kr for objective in self.objectives for kr in objective.key_results]

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id.lower() == objective_id.lower()), None)

    def key_result(self, kr_id: str) -> KeyResult | None:
        return next((kr for kr in self.key_results if kr.id.lower() == kr_id.lower()), None)

    def key_results_for_metric(self, metric: str) -> list[KeyResult]:
        wanted = metric_key(metric)
        return [kr for kr in self.key_results if kr.metric and metric_key(kr.metric) == wanted]

    def initiatives_for(self, objective_id: str) -> list[Initiative]:
        return [i for i in self.initiatives if objective_id in i.objective_ids]

    def orphan_initiatives(self) -> list[Initiative]:
        """Initiatives whose roadmap entry names no objective."""
        return [i for i in self.initiatives if not i.objective_ids]

    def uncovered_objectives(self) -> list[Objective]:
        """Objectives that no initiative names."""
        served = {o for i in self.initiatives for o in i.objective_ids}
        return [o for o in self.objectives if o.id not in served]


def metric_key(name: str) -> str:
    """How metric names are compared: "Activation Rate", "activation-rate" and "activation_rate" are one."""
    return "_".join(name.strip().strip("`").lower().replace("-", " ").replace("_", " ").split())


def load_plan(runtime: Runtime, scope: list[str] | None = None, sources: list[str] | None = None,
              model: ModelClient | BaseChatModel | None = None) -> Plan:
    """The plan from every ingested document the caller may read (``scope``: their teams; None: all).

    Strategy documents are always read; other documents (notes, memos) only when their text carries plan words,
    because a plan does not always sit in a folder named after plans. ``sources`` limits it to those paths.
    With a ``model`` (and ``plan_model_fallback`` on), documents the offline reader finds nothing in are read
    by it (:mod:`assistant.planning.model_read`).
    """
    where = chroma_where(SearchFilters(kinds=[Kind.STRATEGY, Kind.NOTE], sources=sources or []), scope)
    by_source: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in runtime.store.iter_chunks(where=where):
        if chunk_readable(chunk, scope):
            by_source[chunk.meta.source].append(chunk)
    chosen = [c for found in by_source.values()
              if found[0].meta.kind is Kind.STRATEGY or any(PLAN_WORDS.search(c.text) for c in found) for c in found]
    fallback: Fallback | None = None
    if model is not None and runtime.settings.plan_model_fallback:
        from assistant.planning.model_read import read_with_model

        limit = runtime.settings.plan_model_max_chars
        fallback = lambda text, prefix: read_with_model(model, text, prefix, limit)  # noqa: E731
    return parse_plan(chosen, fallback)


Fallback = Callable[[SourceText, str], ParsedSource]


def parse_plan(chunks: Iterable[Chunk], fallback: Fallback | None = None) -> Plan:
    """The plan in ``chunks`` (any order; chunks of one or more sources), reassembled per source.

    When two sources define the same objective or initiative id, one wins: for objectives a strategy doc over
    a roadmap, then the most recently dated; for initiatives the most recently dated (a newer roadmap
    restates an older one). Ids a document does not state are prefixed with the shortest end of its path
    that no other source shares, so they never collide. ``fallback`` reads plan-like documents that the
    layout reader found nothing in (the language-model reader).
    """
    by_source: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        by_source[chunk.meta.source].append(chunk)
    texts = [SourceText.from_chunks(found) for found in by_source.values()]
    prefixes = unique_prefixes([t.source for t in texts])
    parsed: dict[str, ParsedSource] = {t.source: _parsed(t, prefixes[t.source]) for t in texts}
    for text in texts:  # a plan-like document the layout reader found nothing in: the fallback reader, if any
        found = parsed[text.source]
        if fallback is not None and found.looks_like_plan and not found.objectives and not found.initiatives:
            parsed[text.source] = fallback(text, prefixes[text.source])
    dated = {t.source: (by_source[t.source][0].meta.date or "") for t in texts}
    objectives: dict[str, Objective] = {}
    initiatives: dict[str, tuple[str, dict[str, Any]]] = {}
    for text in sorted(texts, key=lambda t: (t.doc_type != "roadmap", dated[t.source], t.source), reverse=True):
        for data in parsed[text.source].objectives:
            objectives.setdefault(data["id"], Objective.model_validate(_public(data)))
    for text in sorted(texts, key=lambda t: (dated[t.source], t.source), reverse=True):
        for data in parsed[text.source].initiatives:
            initiatives.setdefault(data["id"], (text.source, data))
    by_title = {o.title.lower(): o.id for o in objectives.values()}
    items = []
    for _, data in sorted(initiatives.values(), key=lambda pair: pair[0]):
        data = _public(data)
        named = (data.pop("objective_text", None) or "").lower()
        if named and not data["objective_ids"]:  # "Objective: Make self-serve growth compound" names it by title
            data["objective_ids"] = [oid for title, oid in by_title.items() if title in named]
        items.append(Initiative.model_validate(data))
    ordered = {(source, data["id"]): (source, i) for source, found in parsed.items()
               for i, data in enumerate(found.objectives)}
    unread = [UnreadSource(source=t.source, chunk_id=min(by_source[t.source], key=lambda c: c.meta.position).id)
              for t in sorted(texts, key=lambda t: t.source)
              if parsed[t.source].looks_like_plan and not parsed[t.source].objectives
              and not parsed[t.source].initiatives]
    return Plan(objectives=sorted(objectives.values(), key=lambda o: ordered[(o.source, o.id)]),
                initiatives=items, sources=sorted(by_source), unread=unread)


_PARSED: Memo[ParsedSource] = Memo(256)  # see _parsed


def _parsed(text: SourceText, prefix: str) -> ParsedSource:
    """:func:`parse_source`, remembered per exact text: chat reads the plan of the documents a question retrieved,
    and the same few strategy pages answer most plan questions, so each is parsed once per process (34 ms for
    a handbook page) rather than once per question. The key is everything the parse reads, so an edited page
    (new text, another date or title, a prefix changed by a new namesake) is parsed afresh. Results are shared:
    :func:`parse_plan` copies records before changing them."""
    key = (text.source, prefix, text.team, text.doc_type, text.kind, text.title, text.date, tuple(text.lines))
    return _PARSED.get(key, lambda: parse_source(text, prefix))


def unique_prefixes(sources: list[str]) -> dict[str, str]:
    """Per source, the shortest end of its path (without extension) that no other source ends with:
    "goals/2022_q1.md" -> "2022_q1", but two "index.md" files -> "design/goals/index" and "delivery/index"."""
    parts = {s: s.rsplit(".", 1)[0].split("/") for s in sources}
    out: dict[str, str] = {}
    for source, path in parts.items():
        for size in range(1, len(path) + 1):
            tail = path[-size:]
            if not any(other != source and parts[other][-size:] == tail for other in parts):
                break
        out[source] = "/".join(tail)
    return out


def _public(data: dict[str, Any]) -> dict[str, Any]:
    """A record without the walker's private keys (``_type``, ...), key results included."""
    out = {k: v for k, v in data.items() if not k.startswith("_")}
    if "key_results" in out:
        out["key_results"] = [_public(kr) for kr in out["key_results"]]
    return out
