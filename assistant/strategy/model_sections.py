"""A strategy section written by a language model, verified against the notes it cites, or not used at all.

The model writes from the notes that fit the section best (as many as fit its context) and must cite them;
its citations are validated like chat answers and each sentence goes through the draft's own check (grounding
plus metric figures). When enough sentences pass (``PRODOPS_LLM_MIN_SUPPORTED``), the passing ones are the
section and the rest are listed as removed; otherwise the caller uses the notes' own sentences and the
section carries a ``fallback`` saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from langchain_core.messages import HumanMessage

from assistant.errors import ModelUnavailable
from assistant.llm import ModelClient
from assistant.prompting import declined, render
from assistant.schemas import Chunk, Hit, ModelFallback
from assistant.synthesis.llm import clean_model_text, parse_cited_sentences
from assistant.synthesis.verified import judge, unavailable, unverified


class Checked(Protocol):
    """A checked sentence (the draft's DraftSentence): whether it may be shown and what it cites."""

    @property
    def passes(self) -> bool: ...

    @property
    def citations(self) -> Sized: ...


S = TypeVar("S", bound=Checked)


@dataclass
class ModelSection(Generic[S]):
    """What the model produced for one section: the sentences to show, or why none are."""

    sentences: list[S] = field(default_factory=list)
    removed: list[S] = field(default_factory=list)
    fallback: ModelFallback | None = None
    declined: bool = False


def write_section(
    client: ModelClient,
    check: Callable[[str, list[Chunk]], S],
    title: str,
    heading: str,
    brief: str,
    hits: list[Hit],
    company: str,
    limit: int,
) -> ModelSection[S]:
    """The model's section, checked; ``check(text, cited_chunks)`` returns the draft's checked sentence."""
    try:
        prompt, shown = client.fit("section", lambda chosen: render(
            "strategy_section", title=title, heading=heading, brief=brief, hits=chosen,
            company_name=company, max_sentences=limit), hits)
        reply = client.complete("section", [HumanMessage(content=prompt)])
    except ModelUnavailable as exc:
        return ModelSection(fallback=unavailable(exc, "section"))
    if declined(clean_model_text(reply)):
        return ModelSection(declined=True, fallback=ModelFallback(
            reason="declined", model_text=reply,
            message="The model said the notes don't cover this section, but some notes fit it; showing the notes' "
                    "own sentences."))
    drafted, _invalid = parse_cited_sentences(reply, shown)
    by_id = {h.chunk.id: h.chunk for h in shown}
    checked = [check(text, [by_id[c] for c in ids if c in by_id]) for text, ids in drafted]
    verdict = judge([(s.passes, bool(s.citations)) for s in checked], client.settings.llm_min_supported)
    if not verdict.ok:
        return ModelSection(fallback=unverified(verdict, reply, "section"))
    keep = [s for s in checked if s.passes and s.citations]
    return ModelSection(sentences=keep, removed=[s for s in checked if s not in keep])
