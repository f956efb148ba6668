"""The access matrix: every route of the app x {own team, other team, no key, wrong key}.

"Own" is the enterprise key, whose team may read the restricted Bellhaven deal note; "other" is the growth key,
which may read neither restricted note. Every response, whoever asked, is checked for text, paths and chunk ids
of documents hidden from the caller. Public by design: ``/health`` (status and counts only), the API docs and
schema, and the web page ``/`` with ``/static/*`` (the page holds no document text; every view fetches through
the keyed API). Everything under ``/v1`` answers 401 without a valid key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.config import ApiKey
from assistant.runtime import Runtime
from assistant.schemas import EVERYONE
from tests.bad_inputs import RESTRICTED, hidden_from, leaks

KEYS = {team: f"matrix-{team}-key" for team in ("growth", "enterprise", "leadership", "platform")}
OWN, OTHER = "enterprise", "growth"
DEAL = "notes/2026-11-14-deal-note-bellhaven-health.md"  # visible to enterprise only
BOARD = "notes/2026-10-21-board-feedback.md"  # visible to leadership only
WHO = ("own", "other", "no key", "wrong key")
TEAM_OF = {"own": OWN, "other": OTHER, "no key": None, "wrong key": None}


def headers(who: str) -> dict[str, str]:
    if who == "no key":
        return {}
    if who == "wrong key":
        return {"Authorization": "Bearer matrix-not-a-key"}
    return {"Authorization": f"Bearer {KEYS[TEAM_OF[who]]}"}  # type: ignore[index]


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    chunk_ids: dict[str, list[str]]  # restricted path -> its chunk ids
    conversation: str  # started by the own key
    job: str  # started by the own key


Response = Any  # httpx2's or httpx's Response, whichever starlette's TestClient uses
Call = Callable[[World, dict[str, str]], Response]


@dataclass(frozen=True)
class Case:
    """How to call a route and what each caller must get. ``marker`` is text the own key's response must contain
    and the other key's must not (the restricted note's path, or the own key's conversation or job id)."""

    call: Call
    own: int = 200
    other: int = 200
    marker: Callable[[World], str] | None = None
    public: bool = False


def _get(path: str | Callable[[World], str]) -> Call:
    return lambda w, h: w.client.get(path(w) if callable(path) else path, headers=h)


def _post(path: str, body: dict[str, Any]) -> Call:
    return lambda w, h: w.client.post(path, json=body, headers=h)


def _ask(question: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": question}]}


def _upload(w: World, h: dict[str, str]) -> Response:
    # Whitespace only: accepted at the door, refused by the job, so the shared sample store is never changed.
    return w.client.post("/v1/documents", files=[("files", ("blank.md", b" \n", "text/markdown"))], headers=h)


def _deal(w: World) -> str:
    return DEAL


def _list_conversations(w: World, h: dict[str, str]) -> Response:
    """The caller's list after clearing conversations other cases started (their titles are the caller's own
    questions, which name restricted documents on purpose): what remains must be only the caller's own."""
    listed = w.client.get("/v1/conversations", headers=h)
    if listed.status_code == 200:
        for item in listed.json():
            if item["id"] != w.conversation:
                w.client.delete(f"/v1/conversations/{item['id']}", headers=h)
    return w.client.get("/v1/conversations", headers=h)


def _delete_fresh(w: World, h: dict[str, str]) -> Response:
    """Start a conversation with the own key, then delete it as ``h`` (the shared one stays for other cases)."""
    started = w.client.post("/v1/chat", json=_ask("Which objective does GRO-3 serve?"), headers=headers("own"))
    return w.client.delete(f"/v1/conversations/{started.json()['conversation_id']}", headers=h)


PUBLIC = Case(call=lambda w, h: w.client.get("/health", headers=h), public=True)
CASES: dict[tuple[str, str], Case] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/openapi.json"): Case(call=_get("/openapi.json"), public=True),
    ("GET", "/docs"): Case(call=_get("/docs"), public=True),
    ("GET", "/docs/oauth2-redirect"): Case(call=_get("/docs/oauth2-redirect"), public=True),
    ("GET", "/redoc"): Case(call=_get("/redoc"), public=True),
    ("GET", "/"): Case(call=_get("/"), public=True),
    ("MOUNT", "/static"): Case(call=_get("/static/api.js"), public=True),
    ("POST", "/v1/chat"): Case(call=_post("/v1/chat", _ask("What discount did Bellhaven Health System ask for?")),
                               marker=_deal),
    ("POST", "/v1/search"): Case(call=_post("/v1/search", {"query": "Bellhaven Health System deal discount",
                                                           "k": 20}), marker=_deal),
    ("GET", "/v1/sources"): Case(call=_get("/v1/sources"), marker=_deal),
    ("GET", "/v1/sources/{path:path}"): Case(call=_get(f"/v1/sources/{quote(DEAL)}"), other=404, marker=_deal),
    ("GET", "/v1/chunks/{chunk_id:path}"): Case(
        call=_get(lambda w: f"/v1/chunks/{quote(w.chunk_ids[DEAL][0])}"), other=404, marker=_deal
    ),
    ("GET", "/v1/conversations/{conversation_id}"): Case(
        call=_get(lambda w: f"/v1/conversations/{w.conversation}"), other=404, marker=lambda w: w.conversation
    ),
    ("GET", "/v1/conversations"): Case(call=_list_conversations, marker=lambda w: w.conversation),
    ("DELETE", "/v1/conversations/{conversation_id}"): Case(call=_delete_fresh, own=204, other=404),
    ("POST", "/v1/conversations/{conversation_id}/feedback"): Case(
        call=lambda w, h: w.client.post(f"/v1/conversations/{w.conversation}/feedback",
                                        json={"position": 1, "rating": "up"}, headers=h), other=404),
    ("POST", "/v1/chat/completions"): Case(call=_post("/v1/chat/completions", {
        "model": "prodops", "messages": [{"role": "user", "content": "What discount did Bellhaven Health System "
                                          "ask for?"}]}), marker=_deal),
    ("GET", "/v1/models"): Case(call=_get("/v1/models")),
    ("GET", "/v1/models/{model_id}"): Case(call=_get("/v1/models/prodops")),
    ("MOUNT", "/docs-assets"): Case(call=_get("/docs-assets/swagger-ui-bundle.js"), public=True),
    ("POST", "/v1/drafts/strategy"): Case(
        call=_post("/v1/drafts/strategy", {"title": "H1 plan", "from": f"{DEAL} notes/2026-11-17-competitive-note.md"}),
        marker=_deal,
    ),
    ("POST", "/v1/themes"): Case(call=_post("/v1/themes", {})),
    ("GET", "/v1/alignment"): Case(call=_get("/v1/alignment")),
    ("GET", "/v1/metrics"): Case(call=_get("/v1/metrics")),
    ("GET", "/v1/contacts"): Case(call=_get("/v1/contacts")),
    ("POST", "/v1/contacts/check"): Case(call=_post("/v1/contacts/check", {
        "company": "Bellhaven Health System", "topics": "SCIM deadline and the discount for the hospital deal"})),
    ("POST", "/v1/documents"): Case(call=_upload, own=202, other=202),
    ("GET", "/v1/jobs/{job_id}"): Case(call=_get(lambda w: f"/v1/jobs/{w.job}"), other=404, marker=lambda w: w.job),
    ("GET", "/v1/jobs"): Case(call=_get("/v1/jobs"), marker=lambda w: w.job),
    ("POST", "/v1/checkins"): Case(call=_post("/v1/checkins", {"cadence": "monthly-roadmap-checkin",
                                                               "period": "2026-11"})),
    ("GET", "/v1/checkins/history/{objective}"): Case(call=_get("/v1/checkins/history/O2")),
}
WEB = {("GET", "/"), ("MOUNT", "/static")}  # added by the web page's router; skipped while it is not installed


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, nested routers included ("MOUNT" for mounted apps such as /static)."""
    try:  # FastAPI >= 0.130 nests included routers; this walks them
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI keeps a flat list
        routes: list[Any] = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    found = set()
    for route in routes:
        methods = getattr(route, "methods", None)
        if not methods:
            found.add(("MOUNT", route.path))
        found |= {(m, route.path) for m in methods or () if m not in ("HEAD", "OPTIONS")}
    return found


@pytest.fixture(scope="module")
def world(sample_runtime: Runtime) -> Iterator[World]:
    keys = [ApiKey(name=f"{team}-pm", team=team, key_sha256=digest(key)) for team, key in KEYS.items()]
    runtime = Runtime(sample_runtime.settings.model_copy(update={"api_keys": keys}),
                      embedder_factory=lambda: sample_runtime.embedder)
    with TestClient(create_app(runtime=runtime)) as client:
        chunk_ids = {p: [c.id for c in runtime.store.iter_chunks(where={"source": p})] for p in RESTRICTED}
        own = headers("own")
        chat = client.post("/v1/chat", json=_ask("What did Bellhaven Health System ask for?"), headers=own)
        job = _upload(World(client, runtime, chunk_ids, "", ""), own)
        assert chat.status_code == 200 and job.status_code == 202, (chat.text, job.text)
        world = World(client, runtime, chunk_ids, chat.json()["conversation_id"], job.json()["job_id"])
        deadline = time.monotonic() + 30
        while client.get(f"/v1/jobs/{world.job}", headers=own).json()["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "the setup upload job did not finish"
            time.sleep(0.05)
        yield world
    runtime.close()


def test_every_route_has_a_case(world: World) -> None:
    routes = app_routes(world.client.app)  # type: ignore[arg-type]
    assert routes - set(CASES) == set(), "add these routes to CASES in tests/test_access_matrix.py"
    stale = {key for key in CASES if key not in routes and key not in WEB}
    assert stale == set(), "these CASES match no route of the app any more"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", list(CASES), ids=[f"{m} {p}" for m, p in CASES])
def test_access(world: World, route: tuple[str, str], who: str) -> None:
    case = CASES[route]
    if route in WEB and route not in app_routes(world.client.app):  # type: ignore[arg-type]
        pytest.skip("the web page is not installed in create_app() yet")
    response = case.call(world, headers(who))
    team = TEAM_OF[who]
    # read(): an upload refused before its body was streamed (401) has not materialised its content yet
    asked = unquote(str(response.request.url)) + response.request.read().decode(errors="replace")
    assert leaks(response.text, team, world.chunk_ids, asked) == [], f"{who} sees documents hidden from {team}"
    if case.public:
        assert response.status_code == 200, response.text[:300]
        return
    if team is None:
        assert response.status_code == 401, response.text[:300]
        assert response.headers["www-authenticate"] == "Bearer" and "API key" in response.json()["detail"]
        return
    expected = case.own if who == "own" else case.other
    assert response.status_code == expected, response.text[:300]
    marker = case.marker(world) if case.marker is not None else None
    if marker is not None and who == "own":
        assert marker in response.text, f"the own key does not see {marker!r}"
    elif marker is not None and marker not in asked:  # a 404 that echoes the id asked for reveals nothing
        assert marker not in response.text, f"the other key sees {marker!r}"


@pytest.mark.parametrize("team", list(KEYS))
def test_each_team_lists_exactly_the_restricted_documents_it_may_read(world: World, team: str) -> None:
    h = {"X-API-Key": KEYS[team]}
    listed = {s["path"] for s in world.client.get("/v1/sources", headers=h).json()}
    allowed = {p for p, (teams, _) in RESTRICTED.items() if team in teams}
    assert listed & set(RESTRICTED) == allowed
    for path in RESTRICTED:
        status = world.client.get(f"/v1/sources/{quote(path)}", headers=h).status_code
        assert status == (200 if path in allowed else 404)
        secrets = " ".join(RESTRICTED[path][1])
        hits = world.client.post("/v1/search", json={"query": secrets, "k": 20}, headers=h).json()
        assert (path in {hit["source"] for hit in hits}) == (path in allowed)
    others = [r.path for r in world.runtime.store.sources() if EVERYONE not in r.visibility]
    assert sorted(others) == sorted(RESTRICTED), "the sample workspace's restricted set changed: update RESTRICTED"
    assert set(hidden_from(team)) == set(RESTRICTED) - allowed


@pytest.mark.parametrize(
    ("hidden", "missing"),
    [
        (lambda w: f"/v1/sources/{quote(DEAL)}", "/v1/sources/notes/nope.md"),
        (lambda w: f"/v1/chunks/{quote(w.chunk_ids[DEAL][0])}", f"/v1/chunks/{quote(DEAL)}%23999:0"),
    ],
    ids=["source", "chunk"],
)
def test_a_hidden_document_looks_exactly_like_a_missing_one(
    world: World, hidden: Callable[[World], str], missing: str
) -> None:
    h = headers("other")
    a, b = world.client.get(hidden(world), headers=h), world.client.get(missing, headers=h)
    assert a.status_code == b.status_code == 404
    assert a.json().keys() == b.json().keys() and a.json()["detail"].split("'")[0] == b.json()["detail"].split("'")[0]
    draft = world.client.post("/v1/drafts/strategy", json={"title": "t", "from": DEAL}, headers=h)
    nothing = world.client.post("/v1/drafts/strategy", json={"title": "t", "from": "notes/nope.md"}, headers=h)
    assert draft.status_code == nothing.status_code == 400
    assert draft.json()["detail"].replace(DEAL, "X") == nothing.json()["detail"].replace("notes/nope.md", "X")
