"""Durable background ingestion jobs for uploads, with progress a page can poll.

A job is written to ``<data dir>/jobs.sqlite3`` (with the files it must ingest) before the upload is answered
202, and every job still queued or running when the server starts is run again at start-up (ingestion is
idempotent, so a job cut short by a crash simply finishes). Jobs belong to the key that started them (its owner
id, never its name). At most :data:`RUNNERS` jobs run at once per process; the others are visible as ``queued``
with their place in line. A running job reports progress from its first second (files read, then chunks
embedded), holds the ingest lock only around its writes, and always ends ``done`` or ``failed``, with per-file
errors.

Several server processes may share one data dir (``prodops serve --workers N``, or two servers). A job is run
by the process that holds its claim, an exclusive ``flock`` on ``jobs.claims/<id>`` taken when the job is
submitted (or picked up at start-up) and kept until it ends; the system drops it when that process dies, so a
starting process resumes exactly the jobs no live process holds. Any process answers for any job: its own jobs
from memory, the others from the file (progress there is at most :data:`_PERSIST_EVERY` seconds old).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.runtime import Runtime
from assistant.schemas import FailedFile
from assistant.store.sqlite_file import SqliteFile

log = logging.getLogger("prodops.jobs")
State = Literal["queued", "running", "done", "failed"]
Phase = Literal["queued", "reading", "embedding", "finishing", "done", "failed"]
RUNNERS = 2
_PERSIST_EVERY = 0.5  # seconds between progress writes to disk (state changes are written at once)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, state TEXT NOT NULL, created TEXT NOT NULL,
    job TEXT NOT NULL, spec TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs(owner, created);
"""


class JobFile(BaseModel):
    name: str = Field(description="The file name as uploaded.")
    path: str = Field(description="Where it is stored, relative to the uploads folder.")


class Job(BaseModel):
    id: str
    owner: str
    state: State = "queued"
    phase: Phase = "queued"
    position: int | None = Field(default=None, description="Place in line while queued (1: next).")
    total_files: int = 0
    processed_files: int = 0
    total_chunks: int = 0
    embedded_chunks: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    files: list[JobFile] = Field(default_factory=list)
    failed: list[FailedFile] = Field(default_factory=list)
    error: str | None = None
    created: str = Field(default_factory=lambda: _now())
    started: str | None = None
    finished: str | None = None
    resumed: int = Field(default=0, description="How many times a server start picked this job up again.")


class _Spec(BaseModel):
    """What the job needs to run (kept on disk for a restart, never shown)."""

    root: str
    force: dict[str, Any]
    max_chunks: int | None = None


class JobStore(SqliteFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    def save(self, job: Job, spec: _Spec | None = None) -> None:
        with self._lock:
            if spec is None:
                self._db.execute("UPDATE jobs SET state = ?, job = ? WHERE id = ?",
                                 (job.state, job.model_dump_json(), job.id))
            else:
                self._db.execute("INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?, ?, ?)",
                                 (job.id, job.owner, job.state, job.created, job.model_dump_json(),
                                  spec.model_dump_json()))

    def get(self, job_id: str) -> tuple[Job, _Spec] | None:
        with self._lock:
            row = self._db.execute("SELECT job, spec FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return (Job.model_validate_json(row[0]), _Spec.model_validate_json(row[1])) if row else None

    def load(self, states: tuple[str, ...] | None = None) -> list[tuple[Job, _Spec]]:
        sql = "SELECT job, spec FROM jobs"
        params: list[str] = []
        if states:
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
            params = list(states)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY created, id", params).fetchall()
        return [(Job.model_validate_json(j), _Spec.model_validate_json(s)) for j, s in rows]


class _Claims:
    """Which process runs a job: an exclusive, non-blocking ``flock`` on one file per job, held while it runs."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, job_id: str) -> bool:
        """Claim the job for this process; False when a live process (this one included) holds it."""
        with self._lock:
            if job_id in self._held:
                return False
            self._folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._folder / job_id, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self._held[job_id] = fd
            return True

    def release(self, job_id: str) -> None:
        """Drop the claim and its file. Called once the job is written done or failed: a process that opened
        the file just before it went (or makes a new one) gets a claim on a finished job, which it reads as
        finished and lets go."""
        with self._lock:
            fd = self._held.pop(job_id, None)
            if fd is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._folder / job_id)
                os.close(fd)  # closing the last descriptor drops the lock


class JobRegistry:
    """The jobs of one data dir: the durable store plus this process's runners (the jobs it has claimed)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._store = JobStore(runtime.settings.data_dir / "jobs.sqlite3")
        self._claims = _Claims(runtime.settings.data_dir / "jobs.claims")
        self._jobs: dict[str, Job] = {}  # the jobs this process runs, freshest first-hand
        self._specs: dict[str, _Spec] = {}
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(RUNNERS)
        self._persisted: dict[str, float] = {}

    # -- reading ----------------------------------------------------------------------------------------------

    def _mine(self) -> dict[str, Job]:
        with self._lock:
            return dict(self._jobs)

    def _shown(self, job: Job) -> Job:
        if job.state != "queued":
            return job.model_copy()
        mine = self._mine()
        queued = sorted((j for j in (mine.get(q.id, q) for q, _ in self._store.load(("queued",)))
                         if j.state == "queued"), key=lambda j: (j.created, j.id))
        return job.model_copy(update={"position": next((i for i, j in enumerate(queued, 1) if j.id == job.id), 1)})

    def get(self, job_id: str, owner: str | None) -> Job | None:
        """The job, for its owner (or anyone when ``owner`` is None: admins): this process's own from memory,
        another's as last written."""
        job = self._mine().get(job_id)
        if job is None:
            found = self._store.get(job_id)
            job = found[0] if found else None
        return self._shown(job) if job and (owner is None or job.owner == owner) else None

    def for_owner(self, owner: str | None) -> list[Job]:
        mine = self._mine()
        every = [mine.get(job.id, job) for job, _ in self._store.load()]
        return [self._shown(j) for j in sorted(every, key=lambda j: (j.created, j.id))
                if owner is None or j.owner == owner]

    # -- running ----------------------------------------------------------------------------------------------

    def _update(self, job_id: str, force_write: bool = False, **changes: object) -> None:
        with self._lock:
            job = self._jobs[job_id] = self._jobs[job_id].model_copy(update=changes)
            now = time.monotonic()
            if force_write or "state" in changes or now - self._persisted.get(job_id, 0.0) >= _PERSIST_EVERY:
                self._persisted[job_id] = now
                self._store.save(job)

    def submit(self, owner: str, files: list[JobFile], root: Path, force: Mapping[str, object],
               rejected: list[FailedFile], max_chunks: int | None = None) -> Job:
        """Record the job on disk (queued), then start it; returns once it is durable."""
        job = Job(id=uuid.uuid4().hex, owner=owner, files=files, total_files=len(files) + len(rejected),
                  processed_files=len(rejected), failed=list(rejected))
        spec = _Spec(root=str(root), force=dict(force), max_chunks=max_chunks)
        self._claims.take(job.id)  # a new id: no one else can hold it
        with self._lock:
            self._store.save(job, spec)
            self._jobs[job.id], self._specs[job.id] = job, spec
        self._launch(job.id)
        return job

    def resume(self) -> list[str]:
        """Start again every job left queued or running by a process of this data dir that is gone (a job
        another live process holds is left to it)."""
        pending: list[str] = []
        for job, _ in self._store.load(("queued", "running")):
            if not self._claims.take(job.id):
                continue
            found = self._store.get(job.id)  # read again under the claim: its holder may have just finished it
            if found is None or found[0].state not in ("queued", "running"):
                self._claims.release(job.id)
                continue
            job, spec = found
            with self._lock:
                self._jobs[job.id] = job.model_copy(update={"state": "queued", "phase": "queued",
                                                            "resumed": job.resumed + 1})
                self._specs[job.id] = spec
                self._store.save(self._jobs[job.id])
            pending.append(job.id)
        for job_id in pending:
            log.warning("resuming upload job %s left unfinished by an earlier server", job_id)
            self._launch(job_id)
        return pending

    def _launch(self, job_id: str) -> None:
        threading.Thread(target=self._run, args=(job_id,), name=f"job-{job_id[:8]}", daemon=True).start()

    def _run(self, job_id: str) -> None:
        with self._slots:
            try:
                self._ingest(job_id)
            except Exception as exc:  # the job's boundary: whatever happens, it ends failed and says why
                log.exception("upload job %s failed", job_id)
                self._update(job_id, state="failed", phase="failed", error=f"{type(exc).__name__}: {exc}",
                             finished=_now())
            finally:
                self._claims.release(job_id)  # written done or failed first: a later claimant skips it

    def _ingest(self, job_id: str) -> None:
        from ingest.pipeline import ingest_paths  # the API edge launches jobs; the core never imports ingest

        with self._lock:
            job, spec = self._jobs[job_id], self._specs[job_id]
        root = Path(spec.root)
        present = [f for f in job.files if (root / f.path).is_file()]
        names = {f.path: f.name for f in job.files}
        lost = [FailedFile(path=f.path, name=f.name, error="the uploaded file is no longer in the uploads folder; "
                           "upload it again") for f in job.files if f not in present]
        base = len(job.failed) - len([f for f in job.failed if f.path in names])  # rejected at the door
        self._update(job_id, state="running", phase="reading", started=_now(), processed_files=base,
                     failed=[*job.failed[:base], *lost])
        report = ingest_paths(
            self.runtime,
            [root / f.path for f in present],
            show_progress=False,
            root=root,
            force=spec.force,
            max_chunks=spec.max_chunks,
            on_files=lambda done, total: self._update(job_id, phase="reading", processed_files=base + done),
            on_progress=lambda done, total: self._update(job_id, phase="embedding", embedded_chunks=done,
                                                         total_chunks=total),
        )
        failures = [f.model_copy(update={"name": names.get(f.path, f.name)}) for f in report.failed]
        with self._lock:
            current = self._jobs[job_id]
        self._update(job_id, force_write=True, state="done", phase="done", added=report.added,
                     updated=report.updated, unchanged=report.unchanged, processed_files=current.total_files,
                     failed=[*current.failed, *failures], finished=_now())


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

