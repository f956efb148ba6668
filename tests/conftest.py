"""Shared fixtures: one embedding model per test session, isolated data dirs, and a real Chroma server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.config import Settings, get_settings
from assistant.embeddings.minilm import SentenceTransformerEmbedder, get_embedder
from assistant.runtime import Runtime

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PRODOPS_SHARED_DIR") or REPO.parent / "shared")  # as tests/utils.py reads it
WORKSPACE = REPO / "examples" / "workspace"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real model, loaded once: the same cached instance the CLI and API get in this process."""
    return get_embedder(64, "cpu")


@pytest.fixture
def make_runtime(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> Iterator[Callable[..., Runtime]]:
    made: list[Runtime] = []

    def factory(**overrides: object) -> Runtime:
        values: dict[str, object] = {"data_dir": tmp_path / "data", **overrides}
        runtime = Runtime(Settings(**values), embedder_factory=lambda: embedder)  # type: ignore[arg-type]
        made.append(runtime)
        return runtime

    yield factory
    for runtime in made:
        runtime.close()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: SentenceTransformerEmbedder) -> Path:
    """Point the CLI at a fresh data dir (settings are re-read)."""
    data_dir = tmp_path / "cli-data"
    monkeypatch.setenv("PRODOPS_DATA_DIR", str(data_dir))
    monkeypatch.delenv("PRODOPS_CHROMA_URL", raising=False)
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` on loopback for the whole session; stopped by its PID at the end."""
    exe = str(Path(sys.executable).parent / "chroma")
    if not Path(exe).exists():
        pytest.fail("the `chroma` command is missing: install the project (`make install`) to get chromadb's CLI")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited early; see {path / 'server.log'}")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 30 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def sample_runtime(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[Runtime]:
    """The sample workspace, ingested once per test session into its own data dir."""
    from ingest.pipeline import ingest_paths

    runtime = Runtime(Settings(data_dir=tmp_path_factory.mktemp("sample-data")), embedder_factory=lambda: embedder)
    report = ingest_paths(runtime, [WORKSPACE], show_progress=False)
    assert not report.failed, report.failed
    yield runtime
    runtime.close()
