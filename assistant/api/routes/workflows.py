"""POST /v1/drafts/strategy and POST /v1/themes: the leader's and researcher's workflows, team-scoped."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from assistant.alignment import AlignmentMap, cached_alignment
from assistant.api.deps import CallerDep, ChatDep, RuntimeDep
from assistant.reports import Format, render
from assistant.strategy.draft import StrategyDraft, draft_strategy
from assistant.text import format_number
from assistant.themes.model_labels import relabel_with_model
from assistant.themes.report import ThemeReport, synthesize_themes

router = APIRouter(prefix="/v1", tags=["workflows"])


class DraftRequest(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    source: str = Field(alias="from", min_length=1, max_length=500, description="Path/folder or kind:/team:/since:")
    format: Format = "json"


class ThemesRequest(BaseModel):
    team: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    min_customers: int = Field(default=2, ge=1, le=100)
    format: Format = "json"


def _as(fmt: Format, report: str, model: StrategyDraft | ThemeReport | AlignmentMap) -> Response:
    if fmt == "json":
        return Response(model.model_dump_json(), media_type="application/json")
    text = render(report, model, fmt, num=lambda v: "—" if v is None else format_number(v))
    return HTMLResponse(text) if fmt == "html" else PlainTextResponse(text, media_type="text/markdown")


@router.post("/drafts/strategy", response_model=StrategyDraft)
def strategy_draft(body: DraftRequest, caller: CallerDep, runtime: RuntimeDep, chat: ChatDep) -> Response:
    """A strategy draft from the notes you can read; unsupported claims and contradictions flagged."""
    draft = draft_strategy(runtime, body.title, body.source, scope=caller.scope, model=chat.model)
    return _as(body.format, "draft", draft)


@router.post("/themes", response_model=ThemeReport)
def themes(body: ThemesRequest, caller: CallerDep, runtime: RuntimeDep, chat: ChatDep) -> Response:
    """Research themes across the interviews you can read, ranked by people behind them times specificity."""
    report = synthesize_themes(
        runtime,
        scope=caller.scope,
        team=body.team,
        since=body.since,
        until=body.until,
        min_customers=body.min_customers,
    )
    if chat.model is not None:
        report = relabel_with_model(report, chat.model)
    return _as(body.format, "themes", report)


@router.get("/alignment", response_model=AlignmentMap)
def alignment(caller: CallerDep, runtime: RuntimeDep, format: Format = "json") -> Response:
    """Objective -> initiatives -> key-result progress -> customer evidence, for what you can read; gaps."""
    return _as(format, "alignment", cached_alignment(runtime, scope=caller.scope))
