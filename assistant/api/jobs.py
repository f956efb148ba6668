"""Background ingestion jobs for uploads, with progress a page can poll.

Jobs live in this process (a restart forgets finished jobs, not documents: what a job ingested is in Chroma).
They run one at a time per data dir (the pipeline's lock), in a worker thread, so an upload returns at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from assistant.errors import ProdopsError
from assistant.runtime import Runtime
from assistant.schemas import FailedFile

State = Literal["queued", "running", "done", "failed"]


class Job(BaseModel):
    id: str
    owner: str
    state: State = "queued"
    total_files: int = 0
    processed_files: int = 0
    total_chunks: int = 0
    embedded_chunks: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[FailedFile] = Field(default_factory=list)
    error: str | None = None
    created: str = Field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    finished: str | None = None


class JobRegistry:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str, owner: str | None) -> Job | None:
        """The job, for its owner (or anyone when ``owner`` is None: admins)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.model_copy() if job and (owner is None or job.owner == owner) else None

    def for_owner(self, owner: str | None) -> list[Job]:
        with self._lock:
            return [j.model_copy() for j in self._jobs.values() if owner is None or j.owner == owner]

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs[job_id]
            self._jobs[job_id] = job.model_copy(update=changes)

    def start(
        self,
        runtime: Runtime,
        owner: str,
        files: list[Path],
        root: Path,
        force: Mapping[str, object],
        rejected: list[FailedFile],
    ) -> Job:
        job = Job(id=uuid.uuid4().hex, owner=owner, total_files=len(files) + len(rejected), failed=list(rejected))
        with self._lock:
            self._jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(runtime, job.id, files, root, force), daemon=True)
        thread.start()
        return job

    def _run(self, runtime: Runtime, job_id: str, files: list[Path], root: Path, force: Mapping[str, object]) -> None:
        from ingest.pipeline import ingest_paths  # the API edge launches jobs; the core never imports ingest

        self._update(job_id, state="running")
        try:
            report = ingest_paths(
                runtime,
                files,
                show_progress=False,
                root=root,
                force=force,
                on_progress=lambda done, total: self._update(job_id, embedded_chunks=done, total_chunks=total),
            )
        except (ProdopsError, OSError, RuntimeError, ValueError) as exc:
            self._update(job_id, state="failed", error=str(exc), finished=_now())
            return
        with self._lock:
            job = self._jobs[job_id]
            self._jobs[job_id] = job.model_copy(
                update={
                    "state": "done",
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "processed_files": job.total_files,
                    "failed": [*job.failed, *report.failed],
                    "finished": _now(),
                }
            )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
