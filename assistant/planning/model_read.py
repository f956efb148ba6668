"""Reading a plan-like document with a language model, only when the offline reader found nothing in it.

Offline extraction is the default and meets the quality gate alone; this is a fallback for layouts it cannot
read (plans written as prose, unusual templates). The model fills the same shapes through structured output,
and nothing it writes is trusted: every objective title, key result, owner and status must be a verbatim span
of the document (whitespace aside) or it is dropped, so the model can only point at structure that is there.
A model failure leaves the document unread, as it would be offline.
"""

from __future__ import annotations

import logging
import re

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from assistant.planning.cues import period_of, status_word
from assistant.planning.items import Records, Where
from assistant.planning.parse import ParsedSource
from assistant.planning.text import SourceText
from assistant.planning.tree import Line
from assistant.prompting import render

log = logging.getLogger(__name__)
_VERBATIM = "Copied exactly from the document."


class ModelKeyResult(BaseModel):
    text: str = Field(description=_VERBATIM)


class ModelObjective(BaseModel):
    title: str = Field(description=_VERBATIM)
    owner: str | None = Field(default=None, description=_VERBATIM)
    key_results: list[ModelKeyResult] = Field(default_factory=list)


class ModelInitiative(BaseModel):
    title: str = Field(description=_VERBATIM)
    owner: str | None = Field(default=None, description=_VERBATIM)
    status: str | None = Field(default=None, description=_VERBATIM)


class ModelPlan(BaseModel):
    """What the model is asked to return: objectives with key results, and initiatives."""

    objectives: list[ModelObjective] = Field(default_factory=list)
    initiatives: list[ModelInitiative] = Field(default_factory=list)


def locate(source: str, text: str | None) -> tuple[int, int] | None:
    """Where ``text`` occurs verbatim in ``source`` (runs of whitespace may differ), else None."""
    words = (text or "").split()
    if not words:
        return None
    found = re.search(r"\s+".join(map(re.escape, words)), source)
    return (found.start(), found.end()) if found else None


def read_with_model(model: BaseChatModel, text: SourceText, prefix: str, max_chars: int) -> ParsedSource:
    """The document's plan as the model reads it, keeping only what is verbatim in the document."""
    prompt = render("plan_extract", title=text.title or text.source, document=text.text[:max_chars])
    try:
        reply = model.with_structured_output(ModelPlan).invoke(prompt)
        plan = reply if isinstance(reply, ModelPlan) else ModelPlan.model_validate(reply)
    except Exception as exc:  # a model failure must never fail the workflow: the document stays unread
        log.warning("the language model could not read %s as a plan: %s", text.source, exc)
        return ParsedSource(looks_like_plan=True)
    source = text.text
    records = Records(text, prefix)
    where = Where(period=period_of(text.title or ""))
    for objective in plan.objectives:
        span = locate(source, objective.title)
        if span is None:
            continue
        record = records.objective(Line(" ".join(objective.title.split()), *span), None,
                                   " ".join(objective.title.split()), where)
        record["by_model"] = True
        if locate(source, objective.owner):
            record["owner"] = " ".join((objective.owner or "").split())
        for kr in objective.key_results:
            kr_span = locate(source, kr.text)
            if kr_span is not None:
                kr_record = records.key_result(Line(" ".join(kr.text.split()), *kr_span), None,
                                               " ".join(kr.text.split()), record, where)
                kr_record["by_model"] = True
    for initiative in plan.initiatives:
        span = locate(source, initiative.title)
        if span is None:
            continue
        item = records.initiative(Line(" ".join(initiative.title.split()), *span), where,
                                  title=" ".join(initiative.title.split()))
        item["owner"] = " ".join((initiative.owner or "").split()) if locate(source, initiative.owner) else None
        item["status"] = status_word(initiative.status or "") if locate(source, initiative.status) else None
        item["description"] = ""
        item["by_model"] = True
        item.pop("description_lines", None)
    return ParsedSource(records.objectives, records.initiatives, looks_like_plan=True)
