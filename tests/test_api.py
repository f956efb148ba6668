"""The HTTP API on the ingested sample workspace: chat (plain and streamed), search, sources, chunks, access."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.config import ApiKey
from assistant.runtime import Runtime
from assistant.schemas import EVERYONE

KEYS = {"growth": "key-growth-123", "enterprise": "key-enterprise-456", "leadership": "key-leadership-789"}


def headers(team: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[team]}"}


@pytest.fixture(scope="module")
def open_client(sample_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=sample_runtime)) as client:
        yield client


@pytest.fixture(scope="module")
def keyed_client(sample_runtime: Runtime) -> Iterator[TestClient]:
    keys = [ApiKey(name=f"{team}-pm", team=team, key_sha256=digest(key)) for team, key in KEYS.items()]
    runtime = Runtime(sample_runtime.settings.model_copy(update={"api_keys": keys}),
                      embedder_factory=lambda: sample_runtime.embedder)
    with TestClient(create_app(runtime=runtime)) as client:
        yield client


def parse_sse(text: str) -> list[tuple[str, dict[str, object]]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_health_reports_open_mode(open_client: TestClient) -> None:
    body = open_client.get("/health").json()
    assert body["status"] == "ok" and body["chunks"] > 100
    assert body["auth"].startswith("open") and body["synthesizer"] == "extractive"


def test_only_the_docs_pages_carry_the_offline_content_policy(open_client: TestClient) -> None:
    docs = open_client.get("/docs")
    assert docs.status_code == 200
    assert "connect-src 'self'" in docs.headers["content-security-policy"]
    assert "content-security-policy" not in open_client.get("/health").headers


def test_chat_answers_with_citations_to_retrieved_chunks(open_client: TestClient) -> None:
    question = "Why do enterprise deals stall in security review?"
    body = open_client.post("/v1/chat", json={"messages": [{"role": "user", "content": question}]}).json()
    assert not body["abstained"]
    assert body["citations"] and body["conversation_id"]
    for citation in body["citations"]:
        chunk = open_client.get(f"/v1/chunks/{quote(citation['chunk_id'])}").json()
        assert chunk["text"] == citation["text"] and chunk["source"] == citation["source"]
    assert all(s["citations"] and s["supported"] for s in body["sentences"])
    cited_text = " ".join(c["text"] for c in body["citations"]).lower()
    assert "security review" in cited_text or "sso" in cited_text


def test_unanswerable_question_abstains(open_client: TestClient) -> None:
    question = "What is the office lease renewal plan in Singapore?"
    body = open_client.post("/v1/chat", json={"messages": [{"role": "user", "content": question}]}).json()
    assert body["abstained"] and body["citations"] == []


def test_stream_parses_into_the_same_answer(open_client: TestClient) -> None:
    messages = [{"role": "user", "content": "What do customers say about SCIM user provisioning?"}]
    plain = open_client.post("/v1/chat", json={"messages": messages}).json()
    with open_client.stream("POST", "/v1/chat", json={"messages": messages, "stream": True}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.read().decode())
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "delta" and kinds[-2:] == ["final", "done"]
    final = events[-2][1]
    streamed_text = "".join(str(data["text"]) for kind, data in events if kind == "delta")
    assert streamed_text == final["answer"] == plain["answer"]
    assert [c["chunk_id"] for c in final["citations"]] == [c["chunk_id"] for c in plain["citations"]]


def test_follow_up_uses_conversation_history(open_client: TestClient) -> None:
    first = open_client.post(
        "/v1/chat", json={"messages": [{"role": "user", "content": "What is the p95 latency target?"}]}
    ).json()
    follow = open_client.post(
        "/v1/chat",
        json={
            "messages": [{"role": "user", "content": "and for uptime?"}],
            "conversation_id": first["conversation_id"],
        },
    ).json()
    assert "latency" in follow["query"].lower() and "uptime" in follow["query"].lower()
    history = open_client.get(f"/v1/conversations/{first['conversation_id']}").json()
    assert [m["role"] for m in history["messages"]] == ["user", "assistant", "user", "assistant"]


def test_search_filters_by_kind_and_team(open_client: TestClient) -> None:
    body = open_client.post(
        "/v1/search", json={"query": "single sign-on provisioning", "k": 5, "filters": {"kind": ["interview"]}}
    ).json()
    assert len(body) == 5 and all(h["kind"] == "interview" for h in body)
    scores = [h["score"] for h in body]
    assert scores == sorted(scores, reverse=True) or len(set(scores)) > 1
    growth = open_client.post(
        "/v1/search", json={"query": "onboarding", "k": 5, "filters": {"team": ["growth"]}}
    ).json()
    assert growth and all(h["team"] == "growth" for h in growth)


def test_validation_errors_are_clear_4xx(open_client: TestClient) -> None:
    assert open_client.post("/v1/chat", json={"messages": []}).status_code == 422
    bad_role = open_client.post("/v1/chat", json={"messages": [{"role": "assistant", "content": "hi"}]})
    assert bad_role.status_code == 422 and "user" in bad_role.text
    assert open_client.post("/v1/search", json={"query": "x", "k": 0}).status_code == 422
    assert open_client.get("/v1/chunks/" + quote("nope#0:zzz")).status_code == 404
    assert open_client.get("/v1/conversations/unknown").status_code == 404


def test_keys_required_when_configured(keyed_client: TestClient) -> None:
    assert keyed_client.get("/v1/sources").status_code == 401
    assert keyed_client.get("/v1/sources", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert keyed_client.get("/v1/sources", headers={"X-API-Key": KEYS["growth"]}).status_code == 200


def restricted_sources(runtime: Runtime) -> list[tuple[str, list[str]]]:
    return [(r.path, r.visibility) for r in runtime.store.sources() if EVERYONE not in r.visibility]


def test_team_never_sees_another_teams_documents(keyed_client: TestClient, sample_runtime: Runtime) -> None:
    restricted = restricted_sources(sample_runtime)
    assert restricted, "the sample workspace plants restricted documents"
    for path, visibility in restricted:
        outsider = next(team for team in KEYS if team not in visibility)
        insider = next((team for team in KEYS if team in visibility), None)
        chunks = list(sample_runtime.store.iter_chunks(where={"source": path}))
        secret = chunks[0].text
        probe = f"{chunks[0].meta.title} {secret[:200]}"
        h = headers(outsider)
        listed = [s["path"] for s in keyed_client.get("/v1/sources", headers=h).json()]
        assert path not in listed
        assert keyed_client.get(f"/v1/sources/{quote(path)}", headers=h).status_code == 404
        for chunk in chunks:
            assert keyed_client.get(f"/v1/chunks/{quote(chunk.id)}", headers=h).status_code == 404
        hits = keyed_client.post("/v1/search", json={"query": probe, "k": 20}, headers=h).json()
        assert all(hit["source"] != path for hit in hits)
        answer = keyed_client.post("/v1/chat", json={"messages": [{"role": "user", "content": probe}]},
                                   headers=h).json()
        assert all(c["source"] != path for c in answer["citations"])
        assert secret[:80] not in json.dumps(answer)
        if insider:
            hits = keyed_client.post("/v1/search", json={"query": probe, "k": 20}, headers=headers(insider)).json()
            assert any(hit["source"] == path for hit in hits)
            assert keyed_client.get(f"/v1/sources/{quote(path)}", headers=headers(insider)).status_code == 200
