"""POST /v1/checkins and GET /v1/checkins/history/{objective}: check-in packs, team-scoped.

A caller only ever sees a pack built from what their key may read, and packs built for a narrower scope are
stored and diffed apart from full-access ones (see :mod:`assistant.checkins.history`), so the "what changed"
section can't echo text from documents outside the caller's scope.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from assistant.api.deps import CallerDep, ChatDep, RuntimeDep
from assistant.checkins.cadences import find_cadence
from assistant.checkins.history import ObjectiveHistory, objective_history, variant
from assistant.checkins.models import CheckinPack
from assistant.checkins.pack import build_pack, history_store
from assistant.checkins.render import render_pack
from assistant.reports import Format

router = APIRouter(prefix="/v1", tags=["checkins"])


class CheckinRequest(BaseModel):
    cadence: str = Field(min_length=1, max_length=120, description="Cadence slug or name.")
    period: str = Field(min_length=4, max_length=10, description="2026-11, 2026-Q4 or 2026-H2.")
    team: str | None = Field(default=None, max_length=80)
    format: Format = "json"


@router.post("/checkins", response_model=CheckinPack)
def checkin(body: CheckinRequest, caller: CallerDep, runtime: RuntimeDep, chat: ChatDep) -> Response:
    """The cadence's pack for the period, from what you can read; stored for the next pack's diff."""
    cadence = find_cadence(runtime.settings.workspace, body.cadence)
    pack = build_pack(runtime, cadence, body.period, body.team, caller.scope, model=chat.model)
    if body.format == "json":
        return Response(pack.model_dump_json(), media_type="application/json")
    text = render_pack(pack, body.format, cadence)
    return HTMLResponse(text) if body.format == "html" else PlainTextResponse(text, media_type="text/markdown")


@router.get("/checkins/history/{objective}", response_model=ObjectiveHistory)
def checkin_history(objective: str, caller: CallerDep, runtime: RuntimeDep, cadence: str | None = None,
                    team: str | None = None) -> ObjectiveHistory:
    """The objective's status in each stored pack built for your scope (and team, if given)."""
    return objective_history(history_store(runtime), objective, cadence, variant(team, caller.scope))
