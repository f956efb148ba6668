"""Readers and writers of one data dir, across processes and threads: who may touch the store when.

Embedded Chroma keeps each collection's vector index in memory and its metadata in SQLite. A process that
opened the index before another process wrote sees new metadata with old vectors, and every filtered query
fails ("Error finding id") until it reopens; reopening while the other process writes the index files can
crash. So every ingesting process writes inside :meth:`StoreGate.writing` (an exclusive file lock, then a new
*generation* number), and every read runs inside :meth:`StoreGate.reading` (a shared lock). A reader that sees
a generation it has not opened reopens first, while no writer can be active: each query reads one consistent
snapshot. Writers take a "turn" lock first, so a stream of readers cannot starve them, and hold the locks only
around their writes (a group of files), never while parsing or embedding.

Locks are ``flock`` on files in the data dir, one open file per acquisition, so threads of one process
contend like processes do; a thread that holds the write lock reads without taking the shared one.
"""

from __future__ import annotations

import fcntl
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StoreGate:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock_path = data_dir / "ingest.lock"
        self._turn_path = data_dir / "ingest.turn"
        self._generation_path = data_dir / "store.generation"
        self._local = threading.local()

    def _open(self, path: Path) -> int:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    @property
    def _depth(self) -> int:
        return int(getattr(self._local, "depth", 0))

    @contextmanager
    def reading(self) -> Iterator[bool]:
        """Shared: no writer of this data dir is active inside the block. Re-entrant within a thread; yields
        True for the outermost read of a thread that does not hold the write lock (where a reopen may happen)."""
        reads = int(getattr(self._local, "reads", 0))
        if self._depth or reads:
            self._local.reads = reads + 1
            try:
                yield False
            finally:
                self._local.reads = reads
            return
        turn = self._open(self._turn_path)
        try:
            fcntl.flock(turn, fcntl.LOCK_SH)  # waits while a writer holds its turn
            main = self._open(self._lock_path)
        finally:
            os.close(turn)  # closing releases the turn lock
        try:
            fcntl.flock(main, fcntl.LOCK_SH)
            self._local.reads = 1
            yield True
        finally:
            self._local.reads = 0
            os.close(main)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive (re-entrant within a thread): no other reader or writer of this data dir is inside."""
        if getattr(self._local, "reads", 0) and not self._depth:
            raise RuntimeError("cannot start writing inside a read of the same store (it would wait for itself)")
        if self._depth:
            self._local.depth += 1
            try:
                yield
            finally:
                self._local.depth -= 1
            return
        turn = self._open(self._turn_path)
        main = -1
        try:
            fcntl.flock(turn, fcntl.LOCK_EX)  # new readers wait from here on
            main = self._open(self._lock_path)
            fcntl.flock(main, fcntl.LOCK_EX)  # readers already inside finish first
            self._local.depth = 1
            yield
        finally:
            self._local.depth = 0
            if main >= 0:
                os.close(main)
            os.close(turn)

    @property
    def inside(self) -> bool:
        """Whether this thread is inside a read or write section (what it asks next must not wait on another
        thread's read)."""
        return bool(self._depth or getattr(self._local, "reads", 0))

    @property
    def writing_here(self) -> bool:
        """Whether this thread holds the write lock."""
        return self._depth > 0

    def generation(self) -> str:
        """The current generation: changes after every write section of any process ("" before the first)."""
        try:  # raw calls, no file object: every store read asks (about a third of the cost of read_text)
            fd = os.open(self._generation_path, os.O_RDONLY)
        except FileNotFoundError:
            return ""
        try:
            return os.read(fd, 256).decode("ascii").strip()
        finally:
            os.close(fd)

    def bump(self) -> str:
        """Record that the store changed (call inside :meth:`writing`); returns the new generation."""
        value = uuid.uuid4().hex
        tmp = self._generation_path.with_name(f"{self._generation_path.name}.{os.getpid()}.tmp")
        tmp.write_text(value, encoding="ascii")
        os.replace(tmp, self._generation_path)
        return value


class ReadWriteLock:
    """Many readers or one writer, among the threads of this process (no fairness needed: swaps are rare)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()
