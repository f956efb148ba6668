"""An optional narrative per objective, written by a language model and checked like a chat answer.

The pack's facts and numbers come from code; the model only puts them into a few readable sentences for the
meeting. It sees the objective's computed facts and the chunks they cite (numbered), and each sentence it
writes must cite those numbers. Citation marks are parsed with the chat parser and every sentence goes through
the same grounding check (:func:`assistant.grounding.support`) against its cited chunks plus the computed
facts drawn from them; a sentence that fails (an invented number, no citation) is dropped and counted.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from assistant.checkins.models import CheckinPack, NarrativeSentence, ObjectiveSection, Statement, cite, merge
from assistant.grounding.checker import support
from assistant.prompting import declined, render
from assistant.runtime import Runtime
from assistant.schemas import Chunk, Hit
from assistant.synthesis.base import evidence_text
from assistant.synthesis.llm import parse_cited_sentences
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


def narrate(runtime: Runtime, pack: CheckinPack, section: ObjectiveSection, model: BaseChatModel) -> None:
    """Add ``section.narrative``: the model's supported, cited sentences; count the ones dropped."""
    statements = _facts(section)
    ids = [c.chunk_id for c in merge(*(s.citations for s in statements), section.citations) if not c.previous]
    chunks: list[Chunk] = runtime.store.get_chunks(ids[:MAX_SOURCES])
    if not chunks:
        return
    hits = [Hit(chunk=c, score=1.0) for c in chunks]
    number = {c.id: n for n, c in enumerate(chunks, start=1)}
    facts = [_Fact(text=s.text, chunk_ids=[c.chunk_id for c in s.citations],
                   refs=[number[c.chunk_id] for c in s.citations if c.chunk_id in number]) for s in statements]
    prompt = render("checkin_summary", company_name=runtime.settings.company_name, cadence=pack.cadence,
                    period=pack.period, objective=section, facts=facts, hits=hits, max_sentences=MAX_SENTENCES)
    reply = str(model.invoke([HumanMessage(content=prompt)]).content)
    if declined(reply):
        return
    drafted, _invalid = parse_cited_sentences(reply, hits)  # marks beyond the sources are removed here
    by_id = {c.id: c for c in chunks}
    for text, cited in drafted:
        if not cited:
            section.narrative_dropped += 1
            continue
        evidence = [evidence_text(by_id[i]) for i in cited]
        evidence += [f.text for f in facts if set(f.chunk_ids) & set(cited)]
        check = support(text, evidence)
        if not check.supported:
            section.narrative_dropped += 1
            continue
        section.narrative.append(NarrativeSentence(
            text=text, score=check.score,
            citations=merge(*(cite(by_id[i].meta.source, i) for i in dict.fromkeys(cited)))))


def add_narratives(runtime: Runtime, pack: CheckinPack, model: BaseChatModel) -> None:
    """A narrative for every objective of the pack."""
    pack.narrative_model = str(getattr(model, "model_name", None) or getattr(model, "_llm_type", "model"))
    for section in pack.objectives:
        narrate(runtime, pack, section, model)
