"""prodops against a real language model: llama.cpp's server with the bundled SmolLM2-135M (the `local` extra).

The model is tiny, so these tests check plumbing, not prose: streams parse, every call stays within its token
limit and time bound, every sentence shown is supported by what it cites or the offline result is shown
instead (with the reason), no prompt markup reaches the output, and a server killed mid-reply ends in a clean
fallback. Skipped, with the reason, when the extra is not installed. ``.ci/run`` runs them as their own stage
(``pytest -m llm``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient
from langchain_core.callbacks import BaseCallbackHandler
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.api.serving import serve_in_thread
from assistant.chat import ChatService
from assistant.checkins.cadences import find_cadence
from assistant.checkins.pack import build_pack
from assistant.cli.app import app
from assistant.config import Settings, get_settings
from assistant.llm import ModelClient, model_client
from assistant.localmodel.server import ServerInfo, running_server
from assistant.runtime import Runtime
from assistant.strategy.draft import draft_strategy
from assistant.themes.model_labels import label_supported, relabel_with_model
from assistant.themes.report import synthesize_themes
from tests.conftest import LLM_TEST_CONTEXT, WORKSPACE
from tests.test_api import parse_sse
from tests.utils import settings

pytestmark = pytest.mark.llm

LIMITS = {"llm_max_tokens_answer": 160, "llm_max_tokens_condense": 48, "llm_max_tokens_section": 120,
          "llm_max_tokens_label": 16, "llm_max_tokens_narrative": 120}
TIMEOUT = 90.0  # seconds per call: generous for 2 shared cores; a call is cut there
MARKUP = re.compile(r"</?\s*(source|note)\b|<\|[a-z_]+\|>|^\s*\d{1,2}[.)]\s", re.I | re.M)
QUESTION = "Which objective does the SSO and SCIM work serve?"


class TokenCounter(BaseCallbackHandler):
    """Streamed tokens per model call (llama.cpp sends one token per chunk)."""

    def __init__(self) -> None:
        self.tokens: Counter[UUID] = Counter()

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        if token:  # the role chunk and the closing chunk carry no text
            self.tokens[run_id] += 1


def local_settings(info: ServerInfo, **overrides: Any) -> Settings:
    return settings(llm_model=info.alias, llm_base_url=info.base_url, llm_context_tokens=LLM_TEST_CONTEXT,
                    llm_timeout=TIMEOUT, llm_retries=0, llm_retry_after=0, **{**LIMITS, **overrides})


@pytest.fixture
def counted(llm_server: ServerInfo) -> tuple[ModelClient, TokenCounter]:
    client = model_client(local_settings(llm_server))
    assert client is not None
    counter = TokenCounter()
    client.model.callbacks = [counter]
    return client, counter


def within_limit(counter: TokenCounter, task: str) -> None:
    assert counter.tokens, "the model streamed no token"
    limit = LIMITS[f"llm_max_tokens_{task}"]
    assert max(counter.tokens.values()) <= limit + 1, (counter.tokens, limit)


def no_markup(*texts: str) -> None:
    for text in texts:
        assert not MARKUP.search(text), text


def check_answer(body: dict[str, Any]) -> None:
    """Shown sentences are supported and cited, or the whole answer is the offline one with its reason."""
    no_markup(body["answer"], *(s["text"] for s in body["sentences"]))
    if body["fallback"] is not None:
        assert body["fallback"]["reason"] and body["fallback"]["message"].startswith("The ")
    if not body["abstained"]:
        assert body["sentences"] and all(s["supported"] and s["citations"] for s in body["sentences"])


def test_ask_cli_json_returns_a_verified_answer_or_the_fallback(
    llm_server: ServerInfo, sample_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"PRODOPS_DATA_DIR": str(sample_runtime.settings.data_dir), "PRODOPS_LLM_MODEL": llm_server.alias,
           "PRODOPS_LLM_BASE_URL": llm_server.base_url, "PRODOPS_LLM_CONTEXT_TOKENS": str(LLM_TEST_CONTEXT),
           "PRODOPS_LLM_TIMEOUT": str(TIMEOUT), "PRODOPS_LLM_RETRIES": "0", "PRODOPS_LLM_MAX_TOKENS_ANSWER": "160"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    began = time.monotonic()
    result = CliRunner().invoke(app, ["ask", QUESTION, "--json"])
    elapsed = time.monotonic() - began
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    check_answer(body)
    assert elapsed < TIMEOUT + 30
    assert (body["fallback"] is None) == ("note:" not in result.stderr)


def test_streamed_chat_parses_and_stays_within_its_limits(
    counted: tuple[ModelClient, TokenCounter], sample_runtime: Runtime
) -> None:
    client, counter = counted
    service = ChatService(sample_runtime, model=client)
    with TestClient(create_app(runtime=sample_runtime, chat_service=service)) as http:
        with http.stream("POST", "/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}],
                                                   "stream": True}) as response:
            events = parse_sse(response.read().decode())
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "delta" and kinds[-2:] == ["final", "done"] and "error" not in kinds
    final = events[-2][1]
    check_answer(final)
    within_limit(counter, "answer")
    streamed = "".join(str(data["text"]) for kind, data in events if kind == "delta")
    if final["fallback"] and final["fallback"]["reason"] in {"unsupported", "unusable", "declined"}:
        assert final["fallback"]["model_text"] == streamed  # the model's text is kept for inspection


def test_two_turn_chat_condenses_the_follow_up_into_one_question(
    counted: tuple[ModelClient, TokenCounter], sample_runtime: Runtime
) -> None:
    client, counter = counted
    service = ChatService(sample_runtime, model=client)
    with TestClient(create_app(runtime=sample_runtime, chat_service=service)) as http:
        first = http.post("/v1/chat", json={"messages": [{"role": "user", "content": "What is the p95 latency "
                                                                                     "target?"}]}).json()
        follow = http.post("/v1/chat", json={"messages": [{"role": "user", "content": "and for uptime?"}],
                                             "conversation_id": first["conversation_id"]}).json()
    check_answer(first)
    check_answer(follow)
    query = follow["query"]
    assert "\n" not in query and query.endswith("?") and len(query.split()) <= 40, query
    assert "uptime" in query.lower()
    assert max(counter.tokens.values()) <= LIMITS["llm_max_tokens_answer"] + 1


def test_one_note_draft_is_verified_section_by_section(
    counted: tuple[ModelClient, TokenCounter], tmp_path: Path, make_runtime: Any
) -> None:
    from ingest.pipeline import ingest_paths

    note = tmp_path / "ws" / "notes" / "offsite.md"
    note.parent.mkdir(parents=True)
    note.write_text("---\nkind: note\nteam: leadership\ndate: 2026-10-09\n---\n# Offsite\n\n"
                    "Our diagnosis: activation is flat at 31% because new teams never import their data. "
                    "We will bet on a guided import in the first week. "
                    "The risk is that enterprise security reviews keep slowing large deals.\n")
    runtime = make_runtime()
    ingest_paths(runtime, [tmp_path / "ws"], show_progress=False)
    client, counter = counted
    began = time.monotonic()
    draft = draft_strategy(runtime, "H1 plan", "notes/", model=client)
    assert time.monotonic() - began < len(draft.sections) * TIMEOUT
    within_limit(counter, "section")
    for section in draft.sections:
        no_markup(*(s.text for s in section.sentences))
        if section.written_by == "model":
            assert section.fallback is None and all(s.passes and s.citations for s in section.sentences)
        else:
            assert all(s.citations == [] or s.citations[0].source == "notes/offsite.md" for s in section.sentences)


def test_theme_labels_are_backed_by_their_quotes(counted: tuple[ModelClient, TokenCounter],
                                                  sample_runtime: Runtime) -> None:
    client, counter = counted
    offline = synthesize_themes(sample_runtime)
    report = relabel_with_model(synthesize_themes(sample_runtime), client)
    within_limit(counter, "label")
    assert [t.customers for t in report.themes] == [t.customers for t in offline.themes]
    for theme, before in zip(report.themes, offline.themes, strict=True):
        no_markup(theme.label)
        if theme.label_source == "model":
            assert label_supported(theme.label, theme) and theme.label_note is None
        else:
            assert theme.label == before.label and theme.label_note and theme.model_label is not None


def test_checkin_narrative_is_checked_or_dropped_with_a_note(
    counted: tuple[ModelClient, TokenCounter], sample_runtime: Runtime, tmp_path: Path
) -> None:
    client, counter = counted
    cadence = find_cadence(WORKSPACE, "monthly-roadmap-checkin")
    pack = build_pack(sample_runtime, cadence, "2026-11", "growth", model=client, save=False, history_dir=tmp_path)
    assert pack.objectives  # one team's objectives: fewer, long prompts on 2 CPU cores
    within_limit(counter, "narrative")
    for section in pack.objectives:
        no_markup(*(s.text for s in section.narrative))
        assert all(s.citations and s.score >= 0 for s in section.narrative)
        if section.narrative_fallback is not None:
            assert section.narrative == [] and section.narrative_fallback.message


@pytest.fixture
def doomed_server(tmp_path: Path) -> Iterator[ServerInfo]:
    """A second server, just for killing."""
    with running_server(tmp_path, ctx=LLM_TEST_CONTEXT) as info:
        yield info


def test_killing_the_model_server_mid_stream_ends_in_a_clean_fallback(
    doomed_server: ServerInfo, sample_runtime: Runtime
) -> None:
    client = model_client(local_settings(doomed_server, llm_max_tokens_answer=400))
    service = ChatService(sample_runtime, model=client)
    question = "List every initiative, objective and customer the sources name, with all details for each."
    events: list[str] = []
    with serve_in_thread(create_app(runtime=sample_runtime, chat_service=service)) as url:
        with httpx.stream("POST", f"{url}/v1/chat", timeout=TIMEOUT + 30,
                          json={"messages": [{"role": "user", "content": question}], "stream": True}) as response:
            for line in response.iter_lines():
                events.append(line)
                if line == "event: delta" and doomed_server.pid and events.count("event: delta") == 3:
                    os.kill(doomed_server.pid, signal.SIGKILL)
    parsed = parse_sse("\n".join(events))
    kinds = [kind for kind, _ in parsed]
    assert kinds[-2:] == ["final", "done"] and "error" not in kinds
    final = parsed[-2][1]
    assert final["fallback"] is not None and final["fallback"]["reason"] == "disconnected", final["fallback"]
    check_answer(final)


def test_model_serve_detached_status_and_stop(llm_server: ServerInfo, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.localmodel.server import alive

    monkeypatch.setenv("PRODOPS_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        served = CliRunner().invoke(app, ["model", "serve", "--detach", "--port", "0", "--ctx", "512"])
        assert served.exit_code == 0, served.output
        assert "export PRODOPS_LLM_BASE_URL=http://127.0.0.1:" in served.stdout
        status = json.loads(CliRunner().invoke(app, ["model", "status", "--json"]).stdout)
        assert status["running"] and status["answering"] and status["env"]["PRODOPS_LLM_CONTEXT_TOKENS"] == "512"
        again = CliRunner().invoke(app, ["model", "serve", "--detach", "--port", "0"])
        assert again.exit_code == 2 and "already running" in again.stderr
        stopped = CliRunner().invoke(app, ["model", "stop"])
        assert stopped.exit_code == 0 and f"PID {status['pid']}" in stopped.stdout
        assert not alive(status["pid"]) and not (tmp_path / "data" / "model-server.json").exists()
    finally:
        get_settings.cache_clear()


def test_model_serve_stops_its_server_on_ctrl_c(llm_server: ServerInfo, tmp_path: Path) -> None:
    import subprocess
    import sys

    from assistant.localmodel.server import alive

    env = {**os.environ, "PRODOPS_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(Path(__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "model", "serve", "--port", "0", "--ctx", "512"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "Press Ctrl-C" in line:
            break
    state = json.loads((tmp_path / "data" / "model-server.json").read_text())
    assert alive(state["pid"]) and any("ready" in line for line in lines)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and f"stopped (PID {state['pid']})" in out
    assert not alive(state["pid"]) and not (tmp_path / "data" / "model-server.json").exists()
