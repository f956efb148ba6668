"""The package keeps its promises as a package: rates are never summed, the wheel carries every file read at run
time, LangChain users get in with one line, and importing prodops leaves the caller's environment alone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.cli.app import app
from assistant.runtime import Runtime
from ingest.pipeline import ingest_paths

REPO = Path(__file__).resolve().parents[1]

# A rate by region in long format: per-region values are 10/11 % (EU) and 20/21 % (US); their sum (30/32) is
# not a conversion rate of anything.
RATES = "month,region,conversion_rate_pct\n2026-09,EU,10\n2026-09,US,20\n2026-10,EU,11\n2026-10,US,21\n"
QUESTION = "How did the conversion rate change?"


def _rate_workspace(root: Path) -> Path:
    (root / "metrics").mkdir(parents=True)
    (root / "metrics" / "conversion.csv").write_text(RATES)
    return root


def _assert_not_summed(answer: dict[str, object]) -> None:
    text = str(answer["answer"])
    assert not answer["abstained"], text
    assert "EU" in text and "US" in text, text
    assert re.search(r"\b11\b", text) and re.search(r"\b21\b", text), text
    assert not re.search(r"\b(32|30)\b", text), f"a rate was summed across regions: {text}"
    assert answer["citations"], text


def test_rate_by_region_is_never_summed_in_cli_answers(tmp_path: Path, cli_env: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(_rate_workspace(tmp_path / "ws")), "--json"])
    assert result.exit_code == 0, result.stdout
    result = runner.invoke(app, ["ask", QUESTION, "--json"])
    assert result.exit_code == 0, result.stdout
    _assert_not_summed(json.loads(result.stdout))


def test_rate_by_region_is_never_summed_in_http_answers(tmp_path: Path, make_runtime) -> None:  # type: ignore[no-untyped-def]
    runtime: Runtime = make_runtime()
    ingest_paths(runtime, [_rate_workspace(tmp_path / "ws")], show_progress=False)
    with TestClient(create_app(runtime=runtime)) as client:
        reply = client.post("/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}]})
    assert reply.status_code == 200
    _assert_not_summed(reply.json())


def test_counts_by_category_still_add_up(tmp_path: Path, make_runtime) -> None:  # type: ignore[no-untyped-def]
    runtime: Runtime = make_runtime()
    ws = tmp_path / "ws"
    (ws / "metrics").mkdir(parents=True)
    (ws / "metrics" / "signups.csv").write_text(
        "month,source,signups\n2026-09,ads,100\n2026-09,organic,50\n2026-10,ads,120\n2026-10,organic,60\n"
    )
    ingest_paths(runtime, [ws], show_progress=False)
    with TestClient(create_app(runtime=runtime)) as client:
        answer = client.post("/v1/chat", json={"messages": [{"role": "user", "content": "How did signups change?"}]})
    text = answer.json()["answer"]
    assert "180" in text and "150" in text, text  # counts are additive: the total across sources is a fact


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True, capture_output=True, timeout=600,
    )
    return zipfile.ZipFile(next(out.glob("prodops-*.whl")))


def test_wheel_contains_every_file_read_at_run_time(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    expected = {
        "cadence defaults": list((REPO / "prompts" / "cadences").glob("*.yaml")),
        "prompts": [*(REPO / "prompts").glob("*.j2"), *(REPO / "prompts").glob("*.yaml")],
        "report templates": list((REPO / "assistant" / "templates").glob("*.j2")),
        "web page": [*(REPO / "assistant/api/web/static").iterdir(), *(REPO / "assistant/api/web/templates").iterdir()],
        "grounding model": [REPO / "assistant" / "data" / "grounding_model.json"],
        "eval datasets": list((REPO / "evals" / "datasets").glob("*.yaml")),
    }
    for what, files in expected.items():
        assert files, what
        missing = [f.relative_to(REPO).as_posix() for f in files if f.relative_to(REPO).as_posix() not in names]
        assert not missing, f"{what} missing from the wheel: {missing}"


def test_langchain_retriever_and_vectorstore_in_one_line(sample_runtime: Runtime) -> None:
    from assistant.retrieval.langchain import ProdopsRetriever, vectorstore

    retriever = ProdopsRetriever.from_settings(sample_runtime.settings, k=3, kinds=["strategy"])
    docs = retriever.invoke("Which objective does the SSO work serve?")
    assert docs and all(d.metadata["kind"] == "strategy" for d in docs)
    store = vectorstore(sample_runtime)
    found = store.similarity_search("single sign-on for enterprise customers", k=2)
    assert len(found) == 2 and all(d.page_content for d in found)


def test_importing_prodops_leaves_the_environment_alone() -> None:
    code = (
        "import os, json; before = dict(os.environ); import assistant.cli, assistant.api.app, "
        "assistant.embeddings.minilm, ingest.pipeline; print(json.dumps(sorted(set(os.environ) ^ set(before))))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "TOKENIZERS_"))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == []
