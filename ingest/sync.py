"""Keep the derived SQLite indexes (lexical, metric rows) in step with Chroma, the source of truth.

Run after every ingestion job (cheap: it compares recorded hashes) and by `prodops reindex` (full rebuild),
so a crash between writing Chroma and writing SQLite, or a fresh API replica against a shared Chroma server,
always ends with consistent indexes.
"""

from __future__ import annotations

from assistant.runtime import Runtime


def repair_derived(runtime: Runtime) -> int:
    """Re-sync every source whose derived rows don't match the manifest; returns how many were touched."""
    records = {r.path: r for r in runtime.store.sources() if r.complete}
    touched = 0
    lexical_hashes = runtime.lexical.source_hashes()
    for path in set(lexical_hashes) - set(records):
        runtime.lexical.delete_source(path)
        touched += 1
    for path, record in records.items():
        if lexical_hashes.get(path) != record.content_hash:
            chunks = list(runtime.store.iter_chunks(where={"source": path}))
            runtime.lexical.replace_source(path, record.content_hash, chunks)
            touched += 1
    metric_hashes = runtime.metric_rows.source_hashes()
    for path in set(metric_hashes) - set(records):
        runtime.metric_rows.delete_source(path)
        touched += 1
    for path, record in records.items():
        if record.metric_points and metric_hashes.get(path) != record.content_hash:
            runtime.metric_rows.replace_source(path, record.content_hash, record.metric_points)
            touched += 1
    return touched


def rebuild_derived(runtime: Runtime) -> tuple[int, int]:
    """Drop and rebuild both derived indexes from Chroma; returns (chunks indexed, metric rows)."""
    records = [r for r in runtime.store.sources() if r.complete]
    runtime.lexical.clear()
    for record in records:
        runtime.lexical.replace_source(
            record.path, record.content_hash, runtime.store.iter_chunks(where={"source": record.path})
        )
    runtime.metric_rows.rebuild(records)
    return runtime.lexical.count(), runtime.metric_rows.count()
