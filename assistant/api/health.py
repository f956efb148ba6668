"""What ``/health`` checks: each dependency answers, or says why not (without loading the embedding model)."""

from __future__ import annotations

import sqlite3

from assistant.errors import ProdopsError
from assistant.runtime import Runtime

Check = dict[str, object]


def dependency_checks(runtime: Runtime) -> tuple[dict[str, Check], int | None]:
    """({dependency: {"ok", "error"?}}, chunk count or None): the Chroma store, the lexical index, metric rows."""
    checks: dict[str, Check] = {}
    chunks: int | None = None
    try:
        chunks = runtime.store.count()
        checks["chroma"] = {"ok": True, "where": runtime.settings.chroma_url or str(runtime.settings.chroma_path)}
    except ProdopsError as exc:
        checks["chroma"] = {"ok": False, "error": str(exc)}
    for name in ("lexical", "metric_rows"):
        try:
            getattr(runtime, name).count()
            checks[name] = {"ok": True}
        except (sqlite3.Error, OSError) as exc:
            checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}; run `prodops reindex`"}
    return checks, chunks
