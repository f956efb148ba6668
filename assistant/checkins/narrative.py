"""An optional narrative per objective, written by a language model and checked like a chat answer.

The pack's facts and numbers come from code; the model only puts them into a few readable sentences for the
meeting. It sees the objective's computed facts and the chunks they cite (numbered; as many as fit its
context), and each sentence it writes must cite those numbers. Citation marks are parsed with the chat parser
and every sentence goes through the same grounding check (:func:`assistant.grounding.support`) against its
cited chunks plus the computed facts drawn from them. A sentence that fails (an invented number, no citation)
is dropped and counted; when too few pass (``PRODOPS_LLM_MIN_SUPPORTED``), or the model is down, the whole
narrative is dropped and the section says so (``narrative_fallback``) — the pack itself never depends on it.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from assistant.checkins.models import CheckinPack, NarrativeSentence, ObjectiveSection, Statement, cite, merge
from assistant.errors import ModelUnavailable
from assistant.grounding.checker import support
from assistant.llm import ModelClient, as_client
from assistant.prompting import declined, render
from assistant.runtime import Runtime
from assistant.schemas import Chunk, Hit
from assistant.synthesis.base import evidence_text
from assistant.synthesis.llm import parse_cited_sentences
from assistant.synthesis.verified import judge, unavailable, unverified
from assistant.text import format_number

MAX_SENTENCES = 3
MAX_SOURCES = 12


class _Fact(BaseModel):
    text: str
    chunk_ids: list[str]
    refs: list[int]


def _facts(section: ObjectiveSection) -> list[Statement]:
    """The section's computed facts as sentences (questions are not facts, so they are left out)."""
    facts = []
    for line in section.key_results:
        p = line.progress
        figures = (f"{format_number(p.current)} for {p.current_period}, baseline {format_number(p.baseline)}, "
                   f"target {format_number(p.target)}" if p.current is not None and p.baseline is not None
                   and p.target is not None else "no current value")
        facts.append(Statement(kind="key_result", subject=p.kr_id, citations=line.citations,
                               text=f"{p.kr_id} ({p.metric}): {figures}; status {p.status}."))
    for item in section.initiatives:
        facts.append(Statement(kind="initiative", subject=item.id, citations=item.citations,
                               text=f"{item.id} {item.title} ({item.team}): status {item.status or 'not stated'}."))
    return facts + section.risks + section.changes


def narrate(runtime: Runtime, pack: CheckinPack, section: ObjectiveSection, model: ModelClient) -> None:
    """Add ``section.narrative``: the model's supported, cited sentences; count the ones dropped, or drop the
    narrative (saying why in ``narrative_fallback``) when it doesn't pass."""
    statements = _facts(section)
    ids = [c.chunk_id for c in merge(*(s.citations for s in statements), section.citations) if not c.previous]
    chunks: list[Chunk] = runtime.store.get_chunks(ids[:MAX_SOURCES])
    if not chunks:
        return

    def prompt_for(chosen: list[Chunk]) -> str:
        number = {c.id: n for n, c in enumerate(chosen, start=1)}
        facts = [_Fact(text=s.text, chunk_ids=[c.chunk_id for c in s.citations],
                       refs=[number[c.chunk_id] for c in s.citations if c.chunk_id in number]) for s in statements]
        return render("checkin_summary", company_name=runtime.settings.company_name, cadence=pack.cadence,
                      period=pack.period, objective=section, facts=facts,
                      hits=[Hit(chunk=c, score=1.0) for c in chosen], max_sentences=MAX_SENTENCES)

    try:
        prompt, chunks = model.fit("narrative", prompt_for, chunks)
        reply = model.complete("narrative", [HumanMessage(content=prompt)])
    except ModelUnavailable as exc:
        section.narrative_fallback = unavailable(exc, "narrative")
        return
    if declined(reply):
        return
    hits = [Hit(chunk=c, score=1.0) for c in chunks]
    drafted, _invalid = parse_cited_sentences(reply, hits)  # marks beyond the sources are removed here
    by_id = {c.id: c for c in chunks}
    checked: list[tuple[str, list[str], float, bool]] = []
    for text, cited in drafted:
        evidence = [evidence_text(by_id[i]) for i in cited]
        evidence += [s.text for s in statements if {c.chunk_id for c in s.citations} & set(cited)]
        check = support(text, evidence)
        checked.append((text, cited, check.score, bool(cited) and check.supported))
    verdict = judge([(ok, bool(cited)) for _, cited, _, ok in checked], model.settings.llm_min_supported)
    if not verdict.ok:
        section.narrative_fallback = unverified(verdict, reply, "narrative")
        section.narrative_dropped += len(checked)
        return
    for text, cited, score, ok in checked:
        if not ok:
            section.narrative_dropped += 1
            continue
        section.narrative.append(NarrativeSentence(
            text=text, score=score, citations=merge(*(cite(by_id[i].meta.source, i) for i in dict.fromkeys(cited)))))


def add_narratives(runtime: Runtime, pack: CheckinPack, model: ModelClient | BaseChatModel) -> None:
    """A narrative for every objective of the pack (after a model failure the rest fail fast, offline)."""
    client = as_client(model, runtime.settings)
    assert client is not None
    pack.narrative_model = client.name
    for section in pack.objectives:
        narrate(runtime, pack, section, client)
