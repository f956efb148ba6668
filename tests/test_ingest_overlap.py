"""Ingestion streams flush groups and embeds them in length-sorted, token-capped batches: the stored result must
be exactly what a file-by-file run stores, failures stay per file, and unchanged files are never embedded."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.schemas import Kind
from ingest.batching import CHARS_PER_TOKEN, MAX_TOKENS, TOKEN_BUDGET, length_batches
from ingest.chunking import embedding_text
from ingest.isolation import prepare_source
from ingest.pipeline import ingest_paths
from ingest.walk import scan
from tests.fakes import HashEmbedder

WORKSPACE = Path(__file__).resolve().parents[1] / "examples" / "workspace"


class RecordingEmbedder(HashEmbedder):
    """The hash embedder, remembering every call's texts (and optionally pausing in its first call)."""

    def __init__(self, first_call: threading.Event | None = None) -> None:
        self.calls: list[list[str]] = []
        self.first_call = first_call
        self.saw_next_files: bool | None = None

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if self.first_call is not None and not self.calls:
            self.saw_next_files = self.first_call.wait(timeout=30)
        self.calls.append(list(texts))
        return super().embed_documents(texts)


def runtime_for(tmp_path: Path, embedder: HashEmbedder, name: str = "data", **settings: object) -> Runtime:
    values: dict[str, object] = {"_env_file": None, "data_dir": tmp_path / name, **settings}
    return Runtime(Settings(**values), embedder_factory=lambda: embedder)  # type: ignore[arg-type]


def stored(runtime: Runtime) -> dict[str, tuple[str, dict[str, object]]]:
    return {c.id: (c.text, c.meta.model_dump()) for c in runtime.store.iter_chunks()}


def test_overlapped_ingest_stores_exactly_the_file_by_file_chunks(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "unused")  # type: ignore[call-arg]
    expected = {}
    for path in scan(WORKSPACE).files:
        parsed, chunks = prepare_source(WORKSPACE, path, settings)
        expected.update({c.id: c for c in chunks})
    assert len(expected) > 40

    monkeypatch.setattr("ingest.pipeline.FLUSH_CHUNKS", 5)  # many groups: reading runs ahead of embedding
    embedder = RecordingEmbedder()
    runtime = runtime_for(tmp_path, embedder)
    report = ingest_paths(runtime, [WORKSPACE], show_progress=False)
    assert report.failed == [] and report.embedded == len(expected)
    got = stored(runtime)
    assert set(got) == set(expected)
    for chunk_id, (text, meta) in got.items():
        assert text == expected[chunk_id].text
        if expected[chunk_id].meta.kind is not Kind.INTERVIEW:  # interviews get roles/segments corpus-wide
            assert meta == expected[chunk_id].meta.model_dump(), chunk_id
    # Every chunk got its own text's vector back, whatever order the batches ran in.
    ids = sorted(got)
    for chunk, vector in zip(runtime.store.get_chunks(ids), runtime.store.vectors(ids), strict=True):
        assert vector == pytest.approx(embedder.embed_query(embedding_text(chunk)), abs=1e-6), chunk.id

    monkeypatch.setattr("ingest.pipeline.FLUSH_CHUNKS", 10**6)  # one group: nothing overlaps
    single = runtime_for(tmp_path, HashEmbedder(), "single")
    ingest_paths(single, [WORKSPACE], show_progress=False)
    assert stored(single) == got  # interviews' corpus-wide metadata included
    runtime.close()
    single.close()


def test_a_file_failing_in_the_middle_is_reported_and_the_rest_stored(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ingest.pipeline.FLUSH_CHUNKS", 3)
    ws = tmp_path / "ws"
    shutil.copytree(WORKSPACE, ws)
    files = [p.relative_to(ws).as_posix() for p in scan(ws).files]
    middle = files[len(files) // 2]
    (ws / middle).write_bytes(b"")  # an empty file is that file's failure
    report = ingest_paths(runtime := runtime_for(tmp_path, HashEmbedder()), [ws], show_progress=False)
    assert [f.path for f in report.failed] == [middle] and report.failed[0].error
    assert report.added == len(files) - 1
    assert {r.path for r in runtime.store.sources()} == set(files) - {middle}
    assert all(r.complete for r in runtime.store.sources())
    runtime.close()


def test_an_error_while_reading_reaches_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ingest.pipeline.FLUSH_CHUNKS", 1)

    def on_files(done: int, total: int) -> None:
        if done == 3:
            raise RuntimeError("reader broke")

    with pytest.raises(RuntimeError, match="reader broke"):
        ingest_paths(runtime_for(tmp_path, HashEmbedder()), [WORKSPACE], show_progress=False, on_files=on_files)


def test_unchanged_reingest_embeds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ingest.pipeline.FLUSH_CHUNKS", 4)
    embedder = RecordingEmbedder()
    runtime = runtime_for(tmp_path, embedder)
    first = ingest_paths(runtime, [WORKSPACE], show_progress=False)
    assert first.embedded > 0 and embedder.calls
    embedder.calls.clear()
    again = ingest_paths(runtime, [WORKSPACE], show_progress=False)
    assert embedder.calls == []
    assert again.embedded == 0 and again.added == again.updated == 0
    assert again.unchanged == first.added
    runtime.close()


def test_model_batches_are_length_sorted_and_long_ones_smaller(tmp_path: Path) -> None:
    embedder = RecordingEmbedder()
    runtime = runtime_for(tmp_path, embedder, embedding_batch_size=64)
    ingest_paths(runtime, [WORKSPACE], show_progress=False)
    full = TOKEN_BUDGET // MAX_TOKENS
    for texts in embedder.calls:
        assert [len(t) for t in texts] == sorted((len(t) for t in texts), reverse=True)  # little padding
        assert len(texts) <= 64
        if len(texts[0]) >= CHARS_PER_TOKEN * MAX_TOKENS:  # full-length chunks: the memory budget applies
            assert len(texts) <= full
    runtime.close()


def test_length_batches_cover_every_text_once_within_the_budget() -> None:
    texts = ["x" * n for n in (5000, 10, 1200, 3000, 40, 1200, 800, 2)] * 40
    batches = length_batches(texts, max_batch=64)
    assert sorted(i for b in batches for i in b) == list(range(len(texts)))
    assert max(len(b) for b in batches) == 64  # short texts still fill a batch
    for batch in batches:
        longest = min(MAX_TOKENS, max(len(texts[i]) for i in batch) // CHARS_PER_TOKEN + 2)
        assert len(batch) * longest <= TOKEN_BUDGET or len(batch) == 1
    assert batches == length_batches(texts, max_batch=64)  # deterministic
