"""prodops as an OpenAI "model", driven by the official ``openai`` client over real HTTP (uvicorn on loopback)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import openai
import pytest

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.api.serving import serve_in_thread
from assistant.config import ApiKey
from assistant.runtime import Runtime
from tests.bad_inputs import RESTRICTED, leaks

KEY = "openai-compat-growth-key"
QUESTION = "Which objective does the SSO and SCIM work serve?"


@pytest.fixture(scope="module")
def base_url(sample_runtime: Runtime) -> Iterator[str]:
    keys = [ApiKey(name="growth-pm", team="growth", key_sha256=digest(KEY))]
    runtime = Runtime(sample_runtime.settings.model_copy(update={"api_keys": keys}),
                      embedder_factory=lambda: sample_runtime.embedder)
    with serve_in_thread(create_app(runtime=runtime)) as url:
        yield f"{url}/v1"


def client(base_url: str, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=120)


def test_models_lists_prodops(base_url: str) -> None:
    models = client(base_url).models.list()
    assert [m.id for m in models.data] == ["prodops"]
    assert client(base_url).models.retrieve("prodops").owned_by == "prodops"


def test_plain_completion_has_numbered_citations_and_the_cited_chunks(base_url: str) -> None:
    completion = client(base_url).chat.completions.create(
        model="prodops", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}])
    assert completion.object == "chat.completion" and completion.model == "prodops"
    content = completion.choices[0].message.content or ""
    assert completion.choices[0].finish_reason == "stop" and completion.choices[0].message.role == "assistant"
    assert "O2" in content
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", content)}
    extra = completion.model_extra["prodops"]  # type: ignore[index]
    cited = {c["n"]: c for c in extra["citations"]}
    assert markers and markers <= set(cited), (markers, cited.keys())
    assert all(c["chunk_id"].startswith(c["source"]) and c["text"] for c in cited.values())
    assert "Sources:" in content and all(c["source"] in content for c in cited.values())
    assert not extra["abstained"] and completion.usage is not None and completion.usage.total_tokens > 0


def test_streamed_completion_matches_the_plain_one(base_url: str) -> None:
    stream = client(base_url).chat.completions.create(
        model="prodops", messages=[{"role": "user", "content": QUESTION}], stream=True)
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    plain = client(base_url).chat.completions.create(model="prodops", messages=[{"role": "user", "content": QUESTION}])
    assert text == plain.choices[0].message.content
    extra = chunks[-1].model_extra["prodops"]  # type: ignore[index]
    assert {c["n"] for c in extra["citations"]} >= {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def test_follow_up_uses_the_messages_as_history(base_url: str) -> None:
    first = client(base_url).chat.completions.create(
        model="prodops", messages=[{"role": "user", "content": "What is the status of SCIM provisioning?"}])
    follow = client(base_url).chat.completions.create(model="prodops", messages=[
        {"role": "user", "content": "What is the status of SCIM provisioning?"},
        {"role": "assistant", "content": first.choices[0].message.content or ""},
        {"role": "user", "content": [{"type": "text", "text": "And when is it due?"}]},  # content parts, as UIs send
    ])
    query = follow.model_extra["prodops"]["query"]  # type: ignore[index]
    assert "SCIM" in query, query


def test_a_wrong_or_missing_key_is_an_authentication_error(base_url: str) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        client(base_url, "not-a-key").chat.completions.create(
            model="prodops", messages=[{"role": "user", "content": QUESTION}])
    assert caught.value.status_code == 401 and "API key" in caught.value.message
    bare = httpx.post(f"{base_url}/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
    assert bare.status_code == 401 and bare.json()["error"]["type"] == "authentication_error"
    with pytest.raises(openai.AuthenticationError):
        client(base_url, "not-a-key").models.list()


def test_a_request_without_a_user_question_is_refused_in_openai_shape(base_url: str) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client(base_url).chat.completions.create(model="prodops", messages=[{"role": "system", "content": "hi"}])
    assert "user" in caught.value.message


def test_the_key_scope_applies(base_url: str, sample_runtime: Runtime) -> None:
    """The growth key cannot get the enterprise-only deal note through the OpenAI endpoint either."""
    question = "What discount did Bellhaven Health System ask for?"
    completion = client(base_url).chat.completions.create(
        model="prodops", messages=[{"role": "user", "content": question}])
    chunk_ids = {p: [c.id for c in sample_runtime.store.iter_chunks(where={"source": p})] for p in RESTRICTED}
    assert leaks(completion.model_dump_json(), "growth", chunk_ids, asked=question) == []
