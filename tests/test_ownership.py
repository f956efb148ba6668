"""Ownership by key identity: conversations and jobs belong to the key (its digest), never to its name; config
refuses two keys with one name; stored answers replayed to a caller are re-filtered by the caller's scope today."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.config import ApiKey, Settings, get_settings
from assistant.errors import ConfigError
from assistant.runtime import Runtime
from tests.bad_inputs import GOOD_NOTE, RESTRICTED, leaks

DEAL = "notes/2026-11-14-deal-note-bellhaven-health.md"  # enterprise only
DEAL_QUESTION = "What annual contract value and discount were agreed in the hospital deal?"


def keyed(sample_runtime: Runtime, keys: list[ApiKey]) -> Runtime:
    return Runtime(sample_runtime.settings.model_copy(update={"api_keys": keys}),
                   embedder_factory=lambda: sample_runtime.embedder)


def key(name: str, team: str, secret: str) -> ApiKey:
    return ApiKey(name=name, team=team, key_sha256=digest(secret))


def h(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("second", [
    {"name": "ana", "team": "enterprise", "key_sha256": digest("k2")},
    {"name": "ana", "team": "growth", "key_sha256": digest("k2")},
])
def test_config_refuses_two_keys_with_one_name(second: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    first = {"name": "ana", "team": "growth", "key_sha256": digest("k1")}
    with pytest.raises(ValidationError, match="PRODOPS_API_KEYS names must be unique.*'ana'"):
        Settings(_env_file=None, api_keys=[ApiKey(**first), ApiKey(**second)])  # type: ignore[call-arg]
    import json

    monkeypatch.setenv("PRODOPS_API_KEYS", json.dumps([first, second]))
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="PRODOPS_API_KEYS names must be unique"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_config_refuses_the_same_key_twice() -> None:
    with pytest.raises(ValidationError, match="same key twice"):
        Settings(_env_file=None, api_keys=[key("ana", "growth", "k"),  # type: ignore[call-arg]
                                           ApiKey(name="bo", team="enterprise", key="k")])


@pytest.fixture(scope="module")
def restricted_ids(sample_runtime: Runtime) -> dict[str, list[str]]:
    return {p: [c.id for c in sample_runtime.store.iter_chunks(where={"source": p})] for p in RESTRICTED}


def _ask(client: TestClient, secret: str, question: str, conversation: str | None = None) -> Any:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": question}]}
    if conversation:
        body["conversation_id"] = conversation
    return client.post("/v1/chat", json=body, headers=h(secret))


def test_a_key_never_reads_another_keys_conversation(sample_runtime: Runtime) -> None:
    """Different keys (other team, or the same team) cannot read or continue a conversation; the same key under
    a new name still can (ownership is the key, not its name)."""
    keys = [key("ana-enterprise", "enterprise", "own-key"), key("ana-growth", "growth", "other-team-key"),
            key("bo-enterprise", "enterprise", "same-team-key")]
    runtime = keyed(sample_runtime, keys)
    with TestClient(create_app(runtime=runtime)) as client:
        started = _ask(client, "own-key", DEAL_QUESTION).json()
        conversation = started["conversation_id"]
        assert "Bellhaven" in str(started) or started["citations"], started
        for other in ("other-team-key", "same-team-key"):
            assert client.get(f"/v1/conversations/{conversation}", headers=h(other)).status_code == 404
            assert _ask(client, other, "And the renewal date?", conversation).status_code == 404
        assert client.get(f"/v1/conversations/{conversation}", headers=h("own-key")).status_code == 200
    renamed = keyed(sample_runtime, [key("ana-renamed", "enterprise", "own-key")])
    with TestClient(create_app(runtime=renamed)) as client:
        assert client.get(f"/v1/conversations/{conversation}", headers=h("own-key")).status_code == 200
    runtime.close()
    renamed.close()


def test_replayed_answers_are_refiltered_by_the_callers_scope_today(
    sample_runtime: Runtime, restricted_ids: dict[str, list[str]]
) -> None:
    """The same key, moved from enterprise to growth: its old answer citing the enterprise-only deal note is
    withheld on replay and never feeds a follow-up."""
    before = keyed(sample_runtime, [key("cy", "enterprise", "moving-key")])
    with TestClient(create_app(runtime=before)) as client:
        first = _ask(client, "moving-key", DEAL_QUESTION).json()
        conversation = first["conversation_id"]
        assert any(c["source"] == DEAL for c in first["citations"]), first["citations"]
        assert leaks(str(first), "growth", restricted_ids), "the enterprise answer should hold deal figures"
    after = keyed(sample_runtime, [key("cy", "growth", "moving-key")])
    with TestClient(create_app(runtime=after)) as client:
        replay = client.get(f"/v1/conversations/{conversation}", headers=h("moving-key"))
        assert replay.status_code == 200
        assert leaks(replay.text, "growth", restricted_ids, asked=DEAL_QUESTION) == []
        assistant = [m for m in replay.json()["messages"] if m["role"] == "assistant"]
        assert "withheld" in assistant[0]["content"]
        follow = _ask(client, "moving-key", "What was the discount again?", conversation)
        assert follow.status_code == 200
        assert leaks(follow.text, "growth", restricted_ids) == []
    before.close()
    after.close()


@pytest.fixture
def two_key_client(make_runtime: Callable[..., Runtime]) -> Iterator[TestClient]:
    keys = [key("dee-growth", "growth", "dee-key"), key("eli-growth", "growth", "eli-key")]
    with TestClient(create_app(runtime=make_runtime(api_keys=keys))) as client:
        yield client


def test_a_key_never_reads_another_keys_job(two_key_client: TestClient) -> None:
    upload = two_key_client.post("/v1/documents", files=[("files", ("plan.md", GOOD_NOTE.encode(), "text/markdown"))],
                                 headers=h("dee-key"))
    assert upload.status_code == 202, upload.text
    job_id = upload.json()["job_id"]
    deadline = time.monotonic() + 120
    while two_key_client.get(f"/v1/jobs/{job_id}", headers=h("dee-key")).json()["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert two_key_client.get(f"/v1/jobs/{job_id}", headers=h("eli-key")).status_code == 404
    assert two_key_client.get("/v1/jobs", headers=h("eli-key")).json() == []
    mine = two_key_client.get("/v1/jobs", headers=h("dee-key")).json()
    assert [j["id"] for j in mine] == [job_id] and mine[0]["state"] == "done"
