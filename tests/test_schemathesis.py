"""Property-based API testing: schemathesis generates requests from the app's own OpenAPI spec, valid and
invalid, and no response may be a server error.

The app runs in process (ASGI) over a private data dir with a small workspace, not the shared sample runtime:
generated uploads are real ingestion jobs and must not change data other tests read. Every operation is
exercised, the upload endpoint included. Bounded: a few examples per operation and phase, no per-example
deadline (embedding on a busy 2-core machine varies).

The schema is loaded at import, not through ``schemathesis.pytest.from_fixture``: with pytest 9 that path fails
on ``request.node._nodeid`` (schemathesis 4.32.5). Building the app at import only opens a small SQLite file
in a temp folder, removed at exit; the store is filled by a module fixture before any request is generated.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.config import ApiKey, Settings
from assistant.embeddings.minilm import SentenceTransformerEmbedder, get_embedder
from assistant.runtime import Runtime
from ingest.pipeline import ingest_paths
from tests.workspaces import make_workspace

KEY = "schemathesis-growth-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
RESTRICTED_NOTE = (
    "---\nkind: note\ntitle: Board notes\nteam: leadership\ndate: 2026-10-21\nvisibility: [leadership]\n---\n"
    "The board discussed acquisition interest from a competitor and a Series C in late 2027.\n"
)
ROOT = Path(tempfile.mkdtemp(prefix="prodops-schemathesis-"))
atexit.register(shutil.rmtree, ROOT, ignore_errors=True)
RUNTIME = Runtime(
    Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=ROOT / "data",
        api_keys=[ApiKey(name="growth-pm", team="growth", key_sha256=digest(KEY))],
        max_file_bytes=200_000,
    ),
    embedder_factory=lambda: get_embedder(64, "cpu"),  # the session's cached model
)
APP = create_app(runtime=RUNTIME)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
SEEN: defaultdict[str, Counter[int]] = defaultdict(Counter)  # "METHOD /path" -> status -> responses


@pytest.fixture(scope="module", autouse=True)
def ingested(embedder: SentenceTransformerEmbedder) -> Iterator[None]:
    workspace = make_workspace(ROOT / "ws")
    (workspace / "notes").mkdir()
    (workspace / "notes" / "board.md").write_text(RESTRICTED_NOTE, encoding="utf-8")
    assert ingest_paths(RUNTIME, [workspace], show_progress=False).failed == []
    yield
    deadline = time.monotonic() + 60  # let generated uploads finish before the runtime closes
    while any(job.state in ("queued", "running") for job in APP.state.jobs.for_owner(None)):
        assert time.monotonic() < deadline, "upload jobs still running after 60 s"
        time.sleep(0.1)
    RUNTIME.close()


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call(headers=AUTH)
    SEEN[f"{case.method} {case.path}"][response.status_code] += 1
    case.validate_response(response, checks=[not_a_server_error])


def test_every_operation_was_exercised_with_valid_and_invalid_input() -> None:
    """Runs after the generated tests (pytest keeps file order): proof they sent real, varied requests."""
    if not SEEN:
        pytest.skip("only meaningful after test_no_server_errors ran in the same session")
    paths = APP.openapi()["paths"]
    operations = {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}
    print("\n".join(f"{op}: {dict(SEEN[op])}" for op in sorted(operations)))
    assert {op for op in operations if sum(SEEN[op].values()) >= 3} == operations
    statuses = Counter(code for codes in SEEN.values() for code in codes.elements())
    assert statuses[200] + statuses[202] > 0 and statuses[422] > 0 and statuses[401] == 0
