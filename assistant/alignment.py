"""The alignment map: objective -> initiatives -> metric movement -> customer evidence, in one chain.

Leaders can't see how teams' work moves the goals when the links live in people's heads. Links a document
states (``Objective: O2`` on a roadmap item) are used first; an initiative that states none is matched to the
objective it reads most like and the link is marked *inferred*, never passed off as stated. Customer evidence
for an initiative is what customers said (participant turns only) that retrieval finds for it, counted by
distinct customers. The gaps are the point: initiatives tied to no objective, objectives no initiative serves,
and bets no customer asked for. A gap is only claimed about what was read: documents that look like plans but
could not be read are listed, and with no initiative read the map says so rather than "none".
"""

from __future__ import annotations

import threading
from typing import Literal

import numpy as np
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from assistant.llm import ModelClient
from assistant.metrics.progress import Progress
from assistant.metrics.series import plan_progress
from assistant.planning.plan import Initiative, Objective, Plan, load_plan
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.safety import shown_text
from assistant.segments import customer_evidence_filters
from assistant.themes.report import customer_of

INFER_THRESHOLD = 0.35  # cosine between an initiative and an objective below which no link is suggested
EVIDENCE_THRESHOLD = 0.42  # cosine between an initiative and a customer's own words (no question in their vector)


class Evidence(BaseModel):
    customers: int = 0
    companies: list[str] = Field(default_factory=list)
    quotes: list[dict[str, str]] = Field(default_factory=list)  # {"text", "source", "chunk_id", "company"}


class LinkedInitiative(BaseModel):
    id: str
    title: str
    team: str | None
    status: str | None
    link: Literal["stated", "inferred"]
    similarity: float | None = None
    source: str
    chunk_id: str
    evidence: Evidence = Field(default_factory=Evidence)


class ObjectiveChain(BaseModel):
    id: str
    title: str
    source: str
    chunk_id: str
    key_results: list[Progress]
    initiatives: list[LinkedInitiative]
    customers: int = 0


class Orphan(BaseModel):
    id: str
    title: str
    team: str | None
    source: str
    chunk_id: str
    suggested_objective: str | None = None
    similarity: float | None = None


class AlignmentMap(BaseModel):
    objectives: list[ObjectiveChain]
    orphan_initiatives: list[Orphan]
    uncovered_objectives: list[str]
    bets_without_evidence: list[str]
    as_of: str | None = None
    initiatives_read: int = Field(default=0, description="Roadmap initiatives read; 0 means the gaps can't be judged.")
    unread_plans: list[str] = Field(default_factory=list, description="Plan-like documents that yielded nothing.")
    unread_note: str | None = Field(default=None, description='"Could not read a plan from N documents: ..."')


def _objective_text(o: Objective) -> str:
    return " ".join([o.title, *(kr.text for kr in o.key_results)])


def _initiative_text(i: Initiative) -> str:
    return f"{i.title}. {i.description}"[:1500]


def _evidence(retriever: HybridRetriever, initiative: Initiative, scope: list[str] | None,
              vector: np.ndarray) -> Evidence:
    filters = customer_evidence_filters()  # the same filter as themes and check-in packs: conversation only
    hits = retriever.search(_initiative_text(initiative), k=12, filters=filters, scope=scope, diversify=False,
                            vector=vector.tolist())  # embedded with every initiative in one batch
    strong = [h for h in hits if (h.similarity or 0.0) >= EVIDENCE_THRESHOLD]
    companies = sorted({customer_of(h.chunk) for h in strong})
    quotes: list[dict[str, str]] = []
    seen: set[str] = set()
    for h in strong:
        company = customer_of(h.chunk)
        text = shown_text(h.chunk.text)
        if company not in seen and len(quotes) < 3 and text:
            seen.add(company)
            quotes.append({"text": text, "source": h.chunk.meta.source, "chunk_id": h.chunk.id, "company": company})
    return Evidence(customers=len(companies), companies=companies, quotes=quotes)


def _objective_scores(
    objectives: list[Objective],
    obj_vectors: np.ndarray,
    initiatives: list[Initiative],
    ini_vectors: np.ndarray,
    vector: np.ndarray,
) -> np.ndarray:
    """How much an initiative reads like each objective: its best cosine to the objective's own text or to any
    initiative a roadmap *states* serves it (an unlinked SCIM item resembles the stated SSO item)."""
    scores = obj_vectors @ vector
    for i, initiative in enumerate(initiatives):
        for objective_id in initiative.objective_ids:
            index = next((k for k, o in enumerate(objectives) if o.id == objective_id), None)
            if index is not None:
                scores[index] = max(scores[index], float(ini_vectors[i] @ vector))
    return scores


def build_alignment(runtime: Runtime, scope: list[str] | None = None, plan: Plan | None = None,
                    model: ModelClient | BaseChatModel | None = None) -> AlignmentMap:
    """The map for everything the caller may read; ``model`` reads plan-like documents the layout reader can't."""
    plan = plan if plan is not None else load_plan(runtime, scope, model=model)
    progress = plan_progress(runtime, scope, plan=plan)
    objectives = plan.objectives
    obj_vectors = np.asarray(runtime.embedder.embed_documents([_objective_text(o) for o in objectives]) or [[0.0]])
    ini_vectors = np.asarray(
        runtime.embedder.embed_documents([_initiative_text(i) for i in plan.initiatives]) or [[0.0]]
    )
    retriever = HybridRetriever(runtime)
    linked: dict[str, list[LinkedInitiative]] = {o.id: [] for o in objectives}
    orphans: list[Orphan] = []
    evidence_gaps: list[str] = []
    for index, initiative in enumerate(plan.initiatives):
        evidence = _evidence(retriever, initiative, scope, ini_vectors[index])
        if evidence.customers == 0:
            evidence_gaps.append(initiative.id)
        entry = LinkedInitiative(
            id=initiative.id,
            title=initiative.title,
            team=initiative.team,
            status=initiative.status,
            link="stated",
            source=initiative.source,
            chunk_id=initiative.chunk_id,
            evidence=evidence,
        )
        stated = [o for o in initiative.objective_ids if o in linked]
        for objective_id in stated:
            linked[objective_id].append(entry)
        if stated:
            continue
        orphan = Orphan(
            id=initiative.id,
            title=initiative.title,
            team=initiative.team,
            source=initiative.source,
            chunk_id=initiative.chunk_id,
        )
        if objectives:
            sims = _objective_scores(objectives, obj_vectors, plan.initiatives, ini_vectors, ini_vectors[index])
            best = int(np.argmax(sims))
            orphan.similarity = round(float(sims[best]), 3)
            if sims[best] >= INFER_THRESHOLD:
                orphan.suggested_objective = objectives[best].id
                linked[objectives[best].id].append(
                    entry.model_copy(update={"link": "inferred", "similarity": orphan.similarity})
                )
        orphans.append(orphan)
    chains = []
    for o in objectives:
        krs = [p for p in progress if p.objective_id == o.id]
        initiatives = linked[o.id]
        customers = {c for i in initiatives for c in i.evidence.companies}
        chains.append(
            ObjectiveChain(
                id=o.id,
                title=o.title,
                source=o.source,
                chunk_id=o.chunk_id,
                key_results=krs,
                initiatives=initiatives,
                customers=len(customers),
            )
        )
    as_of = next((p.as_of.isoformat() for p in progress if p.as_of), None)
    return AlignmentMap(
        objectives=chains,
        orphan_initiatives=orphans,
        uncovered_objectives=[o.id for o in plan.uncovered_objectives()],
        bets_without_evidence=evidence_gaps,
        as_of=as_of,
        initiatives_read=len(plan.initiatives),
        unread_plans=[u.source for u in plan.unread],
        unread_note=plan.unread_note(),
    )


_CACHE: dict[tuple[str, tuple[str, ...] | None], tuple[str, AlignmentMap]] = {}
_CACHE_LOCK = threading.Lock()


def cached_alignment(runtime: Runtime, scope: list[str] | None = None) -> AlignmentMap:
    """:func:`build_alignment`, kept per scope until the store changes (any write in any process moves its
    generation): the map is read far more often than documents change, and building it costs seconds."""
    settings = runtime.settings
    store_id = f"{settings.chroma_url or settings.data_dir}|{settings.collection}|{settings.data_dir}"
    key = (store_id, tuple(sorted(scope)) if scope is not None else None)
    generation = runtime.store.generation()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] == generation:
        return hit[1]
    built = build_alignment(runtime, scope=scope)
    with _CACHE_LOCK:
        _CACHE[key] = (generation, built)
    return built
