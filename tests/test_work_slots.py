"""Requests take turns at their CPU-bound work (``PRODOPS_SERVE_WORK_SLOTS``), not at embedding their question.

Under load every request's Python work shares one interpreter lock; admitting a few at a time to the search and
the offline answer keeps the tail short. The question is embedded before a slot is taken, so questions that
arrive together still share one embedding pass: a slot held by one request never holds back another's question
vector.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.api.app import create_app
from assistant.api.serving import serve_in_thread
from assistant.chat import ChatService
from assistant.config import Settings
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.runtime import Runtime
from assistant.schemas import Hit, SearchFilters
from ingest.pipeline import ingest_paths

HELD = 0.4  # seconds each search holds its slot in the probe
QUESTIONS = ("Who owns the invoice export work?", "When does the dispatch board pilot end?",
             "What did customers say about the audit log?", "Which sprint ships the route planning fix?")


class _Timed:
    """The real embedder, recording when each question was embedded."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self._inner = inner
        self.embedded: dict[str, float] = {}

    def embed_query(self, text: str) -> list[float]:
        vector = self._inner.embed_query(text)
        self.embedded[text] = time.monotonic()
        return vector

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Probe(ChatService):
    """Counts the searches running at once, each held for :data:`HELD` seconds."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.running = self.most = 0
        self.first_done: float | None = None
        self._lock = threading.Lock()

    def retrieve(self, question: str, filters: SearchFilters | None, scope: list[str] | None,
                 vector: Sequence[float] | None = None) -> list[Hit]:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(HELD)
        try:
            return super().retrieve(question, filters, scope, vector)
        finally:
            with self._lock:
                self.running -= 1
                self.first_done = self.first_done or time.monotonic()


@contextmanager
def _runtime(tmp_path: Path, embedder: SentenceTransformerEmbedder, slots: int) -> Iterator[tuple[Runtime, _Timed]]:
    workspace = tmp_path / f"ws-{slots}"
    workspace.mkdir()
    for n, topic in enumerate(("invoice export", "dispatch board", "audit log", "route planning")):
        (workspace / f"{n}.md").write_text(
            f"---\nkind: note\nteam: growth\ntitle: {topic.title()} memo\ndate: 2026-10-0{n + 1}\n---\n"
            f"# {topic.title()} memo\n\nCustomers asked about the {topic} again; Dana Reyes owns the work and the "
            f"pilot ends in sprint {n + 3}, when the team measures adoption.\n", encoding="utf-8")
    timed = _Timed(embedder)
    runtime = Runtime(Settings(data_dir=tmp_path / f"data-{slots}", serve_work_slots=slots),
                      embedder_factory=lambda: timed)  # type: ignore[arg-type, return-value]
    try:
        report = ingest_paths(runtime, [workspace], show_progress=False)
        assert not report.failed and report.chunks
        yield runtime, timed
    finally:
        runtime.close()


def _ask_together(service: ChatService) -> None:
    threads = [threading.Thread(target=service.ask, args=(q,)) for q in QUESTIONS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_one_slot_serves_searches_one_at_a_time_while_questions_embed_at_once(
        tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    with _runtime(tmp_path, embedder, slots=1) as (runtime, timed):
        service = _Probe(runtime)
        _ask_together(service)
    assert service.most == 1
    assert set(QUESTIONS) <= timed.embedded.keys()
    # Every question had its vector before the first search gave its slot back.
    assert service.first_done is not None
    assert max(timed.embedded[q] for q in QUESTIONS) < service.first_done


def test_more_slots_let_searches_overlap(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    with _runtime(tmp_path, embedder, slots=3) as (runtime, _):
        service = _Probe(runtime)
        _ask_together(service)
    assert 2 <= service.most <= 3


def test_search_requests_take_slots_too(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    """Over HTTP: /v1/search waits for a slot while a chat holds the only one, and answers once it is free."""
    import httpx

    with _runtime(tmp_path, embedder, slots=1) as (runtime, _):
        service = _Probe(runtime)
        with serve_in_thread(create_app(runtime=runtime, chat_service=service)) as url:
            chat = threading.Thread(target=httpx.post, args=(f"{url}/v1/chat",),
                                    kwargs={"json": {"messages": [{"role": "user", "content": QUESTIONS[0]}]},
                                            "timeout": 60})
            chat.start()
            while service.running == 0 and chat.is_alive():
                time.sleep(0.01)
            started = time.monotonic()
            found = httpx.post(f"{url}/v1/search", json={"query": "audit log"}, timeout=60)
            waited = time.monotonic() - started
            chat.join(timeout=60)
    assert found.status_code == 200 and found.json()
    assert found.json()[0]["title"] == "Audit Log memo"
    assert waited > HELD / 2  # it could not search until the chat gave the slot back
