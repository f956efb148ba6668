"""What a user sees when the language model is down, cut off or wrong: the CLI, the HTTP API and the workflows
answer offline with a notice, never a traceback, a plain-text 500 or a stream that just stops.

Deterministic: the "model" is a refused port, a socket that dies mid-reply, or a fake that invents facts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.chat import ChatService
from assistant.cli.app import app
from assistant.config import get_settings
from assistant.llm import ModelClient, model_client
from assistant.runtime import Runtime
from tests.fakes import InventingFake, closed_port, dying_server
from tests.test_api import parse_sse
from tests.utils import settings

QUESTION = "Why do enterprise deals stall in security review?"


def down_client(**overrides: Any) -> ModelClient:
    client = model_client(settings(llm_model="m", llm_base_url=f"http://127.0.0.1:{closed_port()}/v1",
                                   llm_retries=0, **overrides))
    assert client is not None
    return client


@pytest.fixture
def down_app(sample_runtime: Runtime) -> Iterator[TestClient]:
    service = ChatService(sample_runtime, model=down_client())
    with TestClient(create_app(runtime=sample_runtime, chat_service=service)) as client:
        yield client


def test_api_answers_offline_when_the_model_is_unreachable(down_app: TestClient, sample_runtime: Runtime) -> None:
    response = down_app.post("/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}]})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    body = response.json()
    offline = ChatService(sample_runtime).ask(QUESTION)
    assert body["fallback"]["reason"] == "unreachable" and "showing the offline answer" in body["fallback"]["message"]
    assert body["answer"] == offline.answer and not body["abstained"]
    with down_app.stream("POST", "/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}],
                                                    "stream": True}) as streamed:
        events = parse_sse(streamed.read().decode())
    assert [kind for kind, _ in events][-2:] == ["final", "done"]
    assert events[-2][1]["answer"] == offline.answer and events[-2][1]["fallback"]["reason"] == "unreachable"


def test_stream_cut_mid_reply_ends_with_a_final_fallback_event(sample_runtime: Runtime) -> None:
    with dying_server(["Enterprise deals stall", " because"]) as server:
        client = model_client(settings(llm_model="m", llm_base_url=server.url, llm_retries=0, llm_timeout=5))
        service = ChatService(sample_runtime, model=client)
        with TestClient(create_app(runtime=sample_runtime, chat_service=service)) as http:
            with http.stream("POST", "/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}],
                                                       "stream": True}) as response:
                assert response.status_code == 200
                events = parse_sse(response.read().decode())
    kinds = [kind for kind, _ in events]
    assert kinds[:2] == ["delta", "delta"] and kinds[-2:] == ["final", "done"] and "error" not in kinds
    final = events[-2][1]
    assert final["fallback"]["reason"] == "disconnected"
    assert final["fallback"]["model_text"] == "Enterprise deals stall because"
    assert final["citations"] and all(s["supported"] for s in final["sentences"])


def test_inventing_model_is_never_shown(sample_runtime: Runtime) -> None:
    service = ChatService(sample_runtime, model=InventingFake())
    with TestClient(create_app(runtime=sample_runtime, chat_service=service)) as http:
        body = http.post("/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}]}).json()
    assert body["fallback"]["reason"] == "unsupported" and "Antarctic" in body["fallback"]["model_text"]
    assert "Antarctic" not in body["answer"] and all(s["supported"] for s in body["sentences"])


class _Broken(ChatService):
    def retrieve(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("index file is corrupt")


def test_failures_are_json_and_error_events_never_plain_text(sample_runtime: Runtime) -> None:
    with TestClient(create_app(runtime=sample_runtime, chat_service=_Broken(sample_runtime)),
                    raise_server_exceptions=False) as http:
        plain = http.post("/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}]})
        assert plain.status_code == 500 and plain.json()["detail"].startswith("internal error (RuntimeError)")
        with http.stream("POST", "/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}],
                                                   "stream": True}) as response:
            events = parse_sse(response.read().decode())
    assert [kind for kind, _ in events] == ["error", "done"] and "RuntimeError" in str(events[0][1]["detail"])


def test_themes_and_drafts_work_with_the_model_down(down_app: TestClient) -> None:
    themes = down_app.post("/v1/themes", json={"format": "json"})
    assert themes.status_code == 200
    report = themes.json()
    assert report["themes"] and all(t["label_source"] != "model" for t in report["themes"])
    assert "language model is unavailable" in report["label_notice"]
    draft = down_app.post("/v1/drafts/strategy", json={"title": "T", "from": "notes/", "format": "json"})
    assert draft.status_code == 200 and draft.json()["sections"]


@pytest.fixture
def cli_down(sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PRODOPS_DATA_DIR", str(sample_runtime.settings.data_dir))
    monkeypatch.setenv("PRODOPS_LLM_MODEL", "m")
    monkeypatch.setenv("PRODOPS_LLM_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    monkeypatch.setenv("PRODOPS_LLM_RETRIES", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_ask_with_the_model_down_prints_one_notice_and_exits_zero(cli_down: None) -> None:
    result = CliRunner().invoke(app, ["ask", QUESTION, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)  # nothing but the JSON object on stdout
    assert body["fallback"]["reason"] == "unreachable" and body["citations"]
    notice = result.stderr.strip().splitlines()
    assert len(notice) == 1 and notice[0].startswith("note: The language model is unavailable")
    assert "Traceback" not in result.output
    human = CliRunner().invoke(app, ["ask", QUESTION])
    assert human.exit_code == 0 and "[1]" in human.stdout and "note:" in human.stderr


def test_cli_workflows_with_the_model_down(cli_down: None) -> None:
    draft = CliRunner().invoke(app, ["draft", "strategy", "--title", "T", "--from", "notes/"])
    assert draft.exit_code == 0 and "_Note: The language model is unavailable" in draft.stdout
    themes = CliRunner().invoke(app, ["themes"])
    assert themes.exit_code == 0 and "language model is unavailable" in themes.stdout


def test_live_display_shows_tokens_then_only_the_checked_answer() -> None:
    import io

    from rich.console import Console

    from assistant.cli.streaming import show_stream
    from assistant.schemas import Answer

    def items() -> Iterator[str | Answer]:
        yield "Revenue tripled"
        yield " [1]."
        yield Answer(answer="The offline answer.", abstained=False)

    terminal = io.StringIO()
    final = show_stream(items(), Console(file=terminal, force_terminal=True, width=80))
    assert final.answer == "The offline answer." and "Revenue tripled [1]." in terminal.getvalue()
    assert terminal.getvalue().endswith("\x1b[2K")  # the provisional text is cleared before the answer prints
    piped = io.StringIO()
    show_stream(items(), Console(file=piped))
    assert piped.getvalue() == ""  # not a terminal: only the final answer is printed (by the caller)


def test_model_commands_explain_what_is_missing(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.localmodel import server

    monkeypatch.setenv("PRODOPS_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        status = CliRunner().invoke(app, ["model", "status", "--json"])
        assert status.exit_code == 0 and json.loads(status.stdout) == {"running": False}
        assert "no model server is running" in CliRunner().invoke(app, ["model", "stop"]).stdout
        monkeypatch.setattr(server, "local_extra_installed", lambda: True)  # so the file check is reached
        missing = CliRunner().invoke(app, ["model", "serve", "--gguf", str(tmp_path / "nope.gguf"), "--port", "0"])
        assert missing.exit_code == 2 and "nope.gguf" in missing.stderr
        monkeypatch.setattr(server, "local_extra_installed", lambda: False)
        no_extra = CliRunner().invoke(app, ["model", "serve", "--gguf", str(tmp_path / "x.gguf"), "--port", "0"])
        assert no_extra.exit_code == 2 and 'pip install -e ".[local]"' in no_extra.stderr
        assert "Traceback" not in no_extra.output
    finally:
        get_settings.cache_clear()
