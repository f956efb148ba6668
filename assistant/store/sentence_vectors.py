"""Sentence vectors kept in the data dir, shared by every server process and kept across restarts.

The extractive answer embeds the candidate sentences of each passage it reads, once per process
(:mod:`assistant.embeddings.cache`). With several server processes each one paid that again for every
passage, and so did a restarted server: the first callers of a process waited for it (a question on passages no
process had read took about 150 ms more, up to 600 ms). A sentence's vector depends on the model and the text
only, never on the store, so it is written here once, by whichever process embedded it first, and read by the
others.

Vectors are stored as float64 bytes, so what is read back is exactly what the model gave. The file is bounded:
past ``max_rows`` the oldest half is dropped (a dropped sentence is embedded again when next read).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.store.sqlite_file import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    text_sha TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS vectors_key ON vectors (model, text_sha);
"""
log = logging.getLogger("prodops")
_PRUNE_EVERY = 256  # writes between checks of the row count


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SharedVectors(SqliteFile):
    """A (model, text) → vector table in one SQLite file that any number of processes read and write."""

    def __init__(self, path: Path, max_rows: int) -> None:
        super().__init__(path, SCHEMA)
        self.path = path
        self._db.execute("PRAGMA busy_timeout = 5000")  # another process writing: wait, do not fail
        self.max_rows = max_rows
        self._since_prune = 0

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, list[float]]:
        """The vectors stored for ``texts`` under ``model`` (texts with none are left out)."""
        by_sha = {_sha(t): t for t in texts}
        found: dict[str, list[float]] = {}
        shas = list(by_sha)
        with self._lock:
            try:
                for start in range(0, len(shas), 500):
                    part = shas[start : start + 500]
                    marks = ",".join("?" * len(part))
                    rows = self._db.execute(
                        f"SELECT text_sha, vector FROM vectors WHERE model = ? AND text_sha IN ({marks})",
                        [model, *part],
                    )
                    found.update((by_sha[sha], np.frombuffer(blob, dtype=np.float64).tolist()) for sha, blob in rows)
            except sqlite3.Error as exc:  # a damaged file: embed instead (this is a cache), and say so
                log.warning("sentence vectors not read from %s (%s); embedding them instead", self.path, exc)
        return found

    def put_many(self, model: str, vectors: dict[str, list[float]]) -> None:
        """Store ``vectors`` under ``model``; a text another process stored meanwhile is left as it is. A write
        that cannot get the file (locked past the timeout, disk full) is skipped: this is a cache."""
        rows = [(model, _sha(t), np.asarray(v, dtype=np.float64).tobytes()) for t, v in vectors.items()]
        if not rows:
            return
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except sqlite3.Error:  # locked past the timeout, disk full, a damaged file
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                return
            self._writes += 1
            self._since_prune += len(rows)
            if self._since_prune >= _PRUNE_EVERY:
                self._since_prune = 0
                self._prune()

    def _prune(self) -> None:
        count = int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])
        if count > self.max_rows:
            drop = count - self.max_rows // 2
            self._db.execute("DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors ORDER BY rowid LIMIT ?)",
                             (drop,))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])


def shared_encoder(
    encode: Callable[[list[str]], list[list[float]]], shared: SharedVectors, model: Callable[[], str]
) -> Callable[[list[str]], list[list[float]]]:
    """``encode`` behind ``shared``: texts stored under ``model()`` (the embedder's identity, asked when first
    needed so that making a service does not load a model) are read, the rest encoded in one batch and stored
    for the other processes."""

    def through_file(texts: list[str]) -> list[list[float]]:
        key = model()
        known = shared.get_many(key, texts)
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            fresh = dict(zip(todo, encode(todo), strict=True))
            shared.put_many(key, fresh)
            known |= fresh
        return [known[t] for t in texts]

    return through_file
