"""Incremental, crash-safe ingestion through the public pipeline and store interfaces."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.runtime import Runtime
from assistant.store.chroma import ChunkStore
from ingest.pipeline import ingest_paths
from tests.workspaces import STRATEGY, make_workspace


def stored_ids(runtime: Runtime) -> list[str]:
    return [c.id for c in runtime.store.iter_chunks()]


def assert_consistent(runtime: Runtime) -> None:
    """No duplicates, no orphans, and the derived lexical index matches Chroma."""
    ids = stored_ids(runtime)
    assert len(ids) == len(set(ids))
    records = {r.path: r for r in runtime.store.sources()}
    assert all(r.complete for r in records.values())
    by_source: dict[str, int] = {}
    for chunk in runtime.store.iter_chunks():
        assert chunk.meta.source in records, f"orphan chunk {chunk.id}"
        by_source[chunk.meta.source] = by_source.get(chunk.meta.source, 0) + 1
    assert by_source == {p: r.chunks for p, r in records.items() if r.chunks}
    assert runtime.lexical.count() == len(ids)
    assert runtime.lexical.source_hashes() == {p: r.content_hash for p, r in records.items()}


def test_first_run_then_unchanged_run_embeds_nothing(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    ws = make_workspace(tmp_path / "ws")
    runtime = make_runtime()
    first = ingest_paths(runtime, [ws], show_progress=False)
    assert (first.added, first.updated, first.deleted, first.failed) == (3, 0, 0, [])
    assert first.chunks == runtime.store.count() > 0
    assert first.embedded == first.chunks
    second = ingest_paths(runtime, [ws], show_progress=False)
    assert (second.added, second.updated, second.unchanged, second.embedded) == (0, 0, 3, 0)
    assert second.chunks == first.chunks
    assert_consistent(runtime)


def test_edit_replaces_chunks_and_delete_removes_them(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    ws = make_workspace(tmp_path / "ws")
    runtime = make_runtime()
    ingest_paths(runtime, [ws], show_progress=False)
    plan = ws / "strategy" / "plan.md"
    plan.write_text(STRATEGY.replace("audit logs", "granular audit trails"))
    edited = ingest_paths(runtime, [ws], show_progress=False)
    assert (edited.updated, edited.unchanged) == (1, 2)
    assert 0 < edited.embedded < edited.chunks  # only the changed chunk is embedded again
    texts = " ".join(c.text for c in runtime.store.iter_chunks(where={"source": "strategy/plan.md"}))
    assert "granular audit trails" in texts and "audit logs" not in texts
    assert runtime.lexical.search("granular audit trails", 5)
    assert_consistent(runtime)

    (ws / "interviews" / "delta.md").unlink()
    removed = ingest_paths(runtime, [ws], show_progress=False)
    assert removed.deleted == 1
    assert not list(runtime.store.iter_chunks(where={"source": "interviews/delta.md"}))
    assert not runtime.lexical.search("SCIM dispatchers", 5)
    assert_consistent(runtime)


def test_rename_moves_the_source(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    ws = make_workspace(tmp_path / "ws")
    runtime = make_runtime()
    before = ingest_paths(runtime, [ws], show_progress=False)
    (ws / "metrics" / "wat.csv").rename(ws / "metrics" / "weekly_active_teams.csv")
    after = ingest_paths(runtime, [ws], show_progress=False)
    assert (after.added, after.deleted, after.unchanged) == (1, 1, 2)
    assert after.chunks == before.chunks
    paths = {r.path for r in runtime.store.sources()}
    assert "metrics/weekly_active_teams.csv" in paths and "metrics/wat.csv" not in paths
    assert runtime.metric_rows.series("weekly_active_teams")[0][0] == "metrics/weekly_active_teams.csv"
    assert_consistent(runtime)


def test_bad_file_is_reported_and_its_stored_chunks_kept(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    ws = make_workspace(tmp_path / "ws")
    runtime = make_runtime()
    ingest_paths(runtime, [ws], show_progress=False)
    before = [c.id for c in runtime.store.iter_chunks(where={"source": "metrics/wat.csv"})]
    (ws / "metrics" / "wat.csv").write_bytes(b"\x00\x01\x02binary junk\xff")
    (ws / "notes").mkdir()
    (ws / "notes" / "empty.md").write_text("")
    report = ingest_paths(runtime, [ws], show_progress=False)
    failed = {f.path: f.error for f in report.failed}
    assert set(failed) == {"metrics/wat.csv", "notes/empty.md"}
    assert all(error for error in failed.values())
    assert [c.id for c in runtime.store.iter_chunks(where={"source": "metrics/wat.csv"})] == before
    assert report.deleted == 0


def test_crash_between_upsert_and_delete_is_repaired_by_rerun(
    tmp_path: Path, make_runtime: Callable[..., Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = make_workspace(tmp_path / "ws")
    runtime = make_runtime()
    ingest_paths(runtime, [ws], show_progress=False)
    (ws / "strategy" / "plan.md").write_text(STRATEGY.replace("first week", "first three days"))

    def crash(self: ChunkStore, ids: list[str]) -> None:
        raise RuntimeError("simulated crash after upsert")

    monkeypatch.setattr(ChunkStore, "delete_chunks", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest_paths(runtime, [ws], show_progress=False)
    monkeypatch.undo()
    assert runtime.store.get_source("strategy/plan.md").complete is False  # type: ignore[union-attr]

    repaired = ingest_paths(runtime, [ws], show_progress=False)
    assert repaired.updated == 1
    assert repaired.embedded == 0  # the new chunks were stored before the crash: nothing embedded twice
    texts = " ".join(c.text for c in runtime.store.iter_chunks(where={"source": "strategy/plan.md"}))
    assert "first three days" in texts and "first week" not in texts
    assert_consistent(runtime)


def test_lost_lexical_index_is_rebuilt_from_chroma(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    ws = make_workspace(tmp_path / "ws")
    runtime = make_runtime()
    ingest_paths(runtime, [ws], show_progress=False)
    runtime.close()
    for name in ("lexical.sqlite3", "metrics.sqlite3"):
        (tmp_path / "data" / name).unlink()
    fresh = make_runtime()
    assert fresh.lexical.count() == 0
    report = ingest_paths(fresh, [ws], show_progress=False)
    assert report.unchanged == 3 and report.embedded == 0
    assert_consistent(fresh)
    assert [v for *_, v in fresh.metric_rows.series("weekly_active_teams")] == [1840.0, 1875.0, 1902.0]


@pytest.mark.server
def test_server_mode_against_real_chroma(
    tmp_path: Path, make_runtime: Callable[..., Runtime], chroma_server: str
) -> None:
    ws = make_workspace(tmp_path / "ws")
    runtime = make_runtime(chroma_url=chroma_server, collection="pipeline_server_test")
    report = ingest_paths(runtime, [ws], show_progress=False)
    assert report.added == 3 and report.chunks > 0
    again = make_runtime(chroma_url=chroma_server, collection="pipeline_server_test", data_dir=tmp_path / "replica")
    assert {r.path for r in again.store.sources()} == {"strategy/plan.md", "interviews/delta.md", "metrics/wat.csv"}
    second = ingest_paths(again, [ws], show_progress=False)  # a replica with empty local indexes
    assert second.unchanged == 3 and second.embedded == 0
    assert_consistent(again)
    hits = again.store.query(again.embedder.embed_query("SCIM account provisioning"), 3)
    assert hits[0][0].meta.source == "interviews/delta.md"
