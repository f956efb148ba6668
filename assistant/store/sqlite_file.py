"""The one way prodops opens its local SQLite files (lexical index, metric rows, conversations)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class SqliteFile:
    """A WAL-mode connection shared by threads (writes serialised by ``_lock``), schema created on open.

    Autocommit mode with explicit BEGIN/COMMIT where a change spans statements, so each derived index
    replaces a source's rows atomically.
    """

    def __init__(self, path: Path, schema: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the process loses nothing,
        # a power cut can lose the last commits (a chat turn, or index rows the next ingest rewrites), and the
        # file is never corrupted. A full sync per chat turn was measured as a share of a request's CPU.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(schema)
        self._lock = threading.Lock()
        self._writes = 0

    def version(self) -> int:
        """Changes whenever this file changes, by this process (a write counter) or another one (SQLite's
        ``data_version``): what caches derived from the file key on."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0]) * 1_000_000 + self._writes

    def close(self) -> None:
        self._db.close()
