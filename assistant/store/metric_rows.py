"""Parsed metric rows in SQLite, for exact numeric questions.

Numbers about metrics must come from the tables, computed in code, so rows are kept queryable here. Like the
lexical index this is a derived cache: the rows also live in Chroma's source manifest, and
:func:`assistant.store.sync.rebuild_derived` restores them from there.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from assistant.schemas import MetricPoint
from assistant.store.sqlite_file import SqliteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metric_rows (
    source TEXT NOT NULL, metric TEXT NOT NULL, period TEXT NOT NULL, category TEXT NOT NULL DEFAULT '',
    value REAL NOT NULL, position INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS metric_rows_metric ON metric_rows(metric, period);
CREATE INDEX IF NOT EXISTS metric_rows_source ON metric_rows(source);
CREATE TABLE IF NOT EXISTS metric_sources (path TEXT PRIMARY KEY, content_hash TEXT NOT NULL);
"""


class MetricRowStore(SqliteFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    def replace_source(self, path: str, content_hash: str, points: Iterable[MetricPoint]) -> None:
        rows = [(path, p.metric, p.period, p.category or "", p.value, i) for i, p in enumerate(points)]
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM metric_rows WHERE source = ?", (path,))
            self._db.executemany("INSERT INTO metric_rows VALUES (?, ?, ?, ?, ?, ?)", rows)
            self._db.execute("INSERT OR REPLACE INTO metric_sources VALUES (?, ?)", (path, content_hash))
            self._db.execute("COMMIT")
            self._writes += 1

    def delete_source(self, path: str) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM metric_rows WHERE source = ?", (path,))
            self._db.execute("DELETE FROM metric_sources WHERE path = ?", (path,))
            self._db.execute("COMMIT")
            self._writes += 1

    def source_hashes(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT path, content_hash FROM metric_sources").fetchall())

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM metric_rows")
            self._db.execute("DELETE FROM metric_sources")
            self._db.execute("COMMIT")
            self._writes += 1

    def metrics(self) -> list[tuple[str, str, int]]:
        """(metric, source, number of rows) for every stored series."""
        with self._lock:
            return self._db.execute(
                "SELECT metric, source, count(*) FROM metric_rows GROUP BY metric, source ORDER BY metric, source"
            ).fetchall()

    def series(self, metric: str, source: str | None = None) -> list[tuple[str, str, str, float]]:
        """(source, period, category, value) rows of one metric, in table order."""
        sql = "SELECT source, period, category, value FROM metric_rows WHERE metric = ?"
        params: list[object] = [metric]
        if source:
            sql += " AND source = ?"
            params.append(source)
        with self._lock:
            return self._db.execute(sql + " ORDER BY source, position", params).fetchall()

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM metric_rows").fetchone()[0])
