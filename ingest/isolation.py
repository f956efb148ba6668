"""Parsing each file in a guarded step: a worker process with a time budget and a memory ceiling.

Parsers are third-party code fed with whatever people drop into a workspace or upload: a 341 KB DOCX can burn
minutes of CPU, a crafted PDF can allocate gigabytes, a C extension can crash. Threads cannot be stopped, so the
parse (read, parse, chunk) runs in one long-lived worker process per ingesting process: the job waits for each
file at most ``PRODOPS_PARSE_TIMEOUT_SECONDS``, the worker's address space is capped at
``PRODOPS_PARSE_MEMORY_MB``, and a worker that overruns, dies or crashes is replaced while the file is reported
with what to do. The worker starts on the first file that needs parsing (an unchanged re-ingest never starts it)
and is reused by every later job of the process, so its start-up (about a second of imports) is paid once; each
file then costs one pipe round trip, small next to embedding its chunks. ``PRODOPS_PARSE_ISOLATION=false``
parses in-process (no time or memory limit; for debugging).

Whichever way it runs, any exception while parsing one file becomes that file's :class:`SourceError`.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from assistant.config import Settings
from assistant.errors import SourceError
from assistant.schemas import Chunk, ParsedSource, SourceInfo
from ingest.chunking import chunk_source
from ingest.sources import load_source

Prepared = tuple[ParsedSource, list[Chunk]]
_HEADER = struct.Struct("!Q")
_READY = b"ready"
_START_SECONDS = 120.0  # a worker's imports on a busy machine; not part of any file's budget


def prepare_source(root: Path, path: Path, settings: Settings, force: Mapping[str, object] | None = None) -> Prepared:
    """Read, parse and chunk one file (``force`` overrides its metadata, e.g. an upload's team and visibility)."""
    parsed = load_source(root, path, settings)
    if force:  # validated, so a forced kind given as text becomes the enum it stands for
        info = SourceInfo.model_validate({**parsed.info.model_dump(), **force})
        parsed = parsed.model_copy(update={"info": info})
    return parsed, chunk_source(parsed, settings)


def _unexpected(rel: str, exc: BaseException) -> SourceError:
    if isinstance(exc, MemoryError):
        return SourceError(rel, "needs more memory to parse than allowed (PRODOPS_PARSE_MEMORY_MB); split the file "
                           "or export it again")
    kind = Path(rel).suffix.lstrip(".").upper() or "file"
    return SourceError(rel, f"this {kind} could not be parsed ({type(exc).__name__}: {str(exc)[:200]}); export it "
                       "again or convert it to Markdown")


def _os_error(rel: str, strerror: str | None) -> SourceError:
    return SourceError(rel, f"cannot read the file ({strerror or 'I/O error'}); check that it exists and its "
                       "permissions")


def _outcome(root: Path, path: Path, rel: str, settings: Settings,
             force: Mapping[str, object] | None) -> tuple[str, Any]:
    """Prepare one file and describe the result as a picklable (kind, payload) pair."""
    try:
        return "ok", prepare_source(root, path, settings, force)
    except SourceError as exc:
        return "source", (exc.path, exc.reason)
    except OSError as exc:
        return "source", (rel, _os_error(rel, exc.strerror).reason)
    except Exception as exc:  # the isolation boundary: any failure (RecursionError, MemoryError...) is this file's
        return "source", (rel, _unexpected(rel, exc).reason)


def _settle(kind: str, payload: Any) -> Prepared:
    if kind == "ok":
        return payload
    path, reason = payload
    raise SourceError(path, reason)


# -- the worker process -----------------------------------------------------------------------------------------


def _read_exact(stream: BinaryIO, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        block = stream.read(size - len(data))
        if not block:
            return None
        data += block
    return data


def serve() -> None:
    """The worker's loop: one pickled request in, one pickled outcome out, until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which reports and stops us
    memory_mb = int(os.environ.get("PRODOPS_PARSE_MEMORY_MB_WORKER", "0"))
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the reply pipe
    replies.write(_HEADER.pack(len(_READY)) + _READY)  # imports are done: time budgets start from here
    replies.flush()
    while True:
        header = _read_exact(requests, _HEADER.size)
        if header is None:
            return
        body = _read_exact(requests, _HEADER.unpack(header)[0])
        if body is None:
            return
        root, path, rel, settings, force = pickle.loads(body)
        outcome = _outcome(root, path, rel, settings, force)
        try:
            reply = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            reply = pickle.dumps(("source", (rel, _unexpected(rel, MemoryError()).reason)))
        replies.write(_HEADER.pack(len(reply)) + reply)
        replies.flush()


class _Stopped(Exception):
    pass


class ParseWorker:
    """One worker process, used by one caller at a time (a lock), replaced when it overruns or dies."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
               "PRODOPS_PARSE_MEMORY_MB_WORKER": str(self.memory_mb)}
        return subprocess.Popen(
            [sys.executable, "-c", "from ingest.isolation import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True,
        )

    def _receive(self, proc: subprocess.Popen[bytes], deadline: float) -> bytes:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        data = b""
        need = _HEADER.size
        body = False
        while len(data) < need:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
            block = os.read(fd, min(need - len(data), 1 << 20))
            if not block:
                raise _Stopped
            data += block
            if not body and len(data) == need:
                body, need, data = True, _HEADER.unpack(data)[0], b""
                if need == 0:
                    break
        return data

    def prepare(self, root: Path, path: Path, rel: str, settings: Settings,
                force: Mapping[str, object] | None) -> Prepared:
        request = pickle.dumps((root, path, rel, settings, dict(force) if force else None))
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
                try:
                    if self._receive(self._proc, time.monotonic() + _START_SECONDS) != _READY:
                        raise _Stopped
                except (TimeoutError, _Stopped):
                    code = self._stop()
                    raise SourceError(rel, f"the parser process could not start (exit status {code}); check the "
                                      "installation (`python -c 'import ingest.isolation'`)") from None
            proc = self._proc
            assert proc.stdin is not None
            try:
                proc.stdin.write(_HEADER.pack(len(request)) + request)
                proc.stdin.flush()
                reply = self._receive(proc, time.monotonic() + settings.parse_timeout_seconds)
            except TimeoutError:
                self._stop()
                raise SourceError(rel, f"parsing took longer than {settings.parse_timeout_seconds:g} s and was "
                                  "stopped (PRODOPS_PARSE_TIMEOUT_SECONDS); the file may be malformed or too "
                                  "complex: export it again or split it") from None
            except (_Stopped, BrokenPipeError):
                code = self._stop()
                raise SourceError(rel, f"the parser stopped on this file (exit status {code}); it may be "
                                  "malformed or need too much memory: export it again or split it") from None
        return _settle(*pickle.loads(reply))

    def _stop(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        code = proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        return code

    def close(self) -> None:
        with self._lock:
            self._stop()


_WORKERS: dict[int, ParseWorker] = {}
_WORKERS_LOCK = threading.Lock()


def _worker(memory_mb: int) -> ParseWorker:
    with _WORKERS_LOCK:
        if memory_mb not in _WORKERS:
            _WORKERS[memory_mb] = ParseWorker(memory_mb)
        return _WORKERS[memory_mb]


@atexit.register
def _close_workers() -> None:
    for worker in list(_WORKERS.values()):
        worker.close()


def parse_file(root: Path, path: Path, rel: str, settings: Settings,
               force: Mapping[str, object] | None = None) -> Prepared:
    """Read, parse and chunk one file under the isolation settings; any failure is a :class:`SourceError`."""
    if not settings.parse_isolation:
        return _settle(*_outcome(root, path, rel, settings, force))
    return _worker(settings.parse_memory_mb).prepare(root, path, rel, settings, force)
