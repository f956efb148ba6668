"""POST /v1/documents (multipart upload -> durable ingestion job) and GET /v1/jobs[/{id}] (progress, failures).

The body is read as it streams (:mod:`assistant.api.multipart`): a file over the size limit stops the request at
once and nothing of it is kept. Accepted files are checked (names sanitised, types sniffed), placed under the
uploader's team folder, and recorded with their job on disk before the 202.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel

from assistant.api.deps import CallerDep, RuntimeDep
from assistant.api.jobs import Job, JobFile, JobRegistry
from assistant.api.multipart import UploadError, read_upload
from assistant.api.uploads import StoredUpload, UploadRejected, place_upload
from assistant.schemas import EVERYONE, FailedFile, Kind

router = APIRouter(prefix="/v1", tags=["documents"])

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                                  "description": "One or more documents."},
                        "kind": {"type": "string", "enum": [k.value for k in Kind],
                                 "description": "Force a kind; default: detected."},
                        "team": {"type": "string", "maxLength": 100,
                                 "description": "The documents' team: open mode and admin keys choose it; a team "
                                                "member's uploads always get the key's team."},
                    },
                }
            }
        },
    }
}


class UploadResponse(BaseModel):
    job_id: str
    accepted: list[StoredUpload]
    rejected: list[FailedFile]


def _jobs(request: Request) -> JobRegistry:
    return request.app.state.jobs


def _checked(uploads_dir: Path, team: str, received: list[tuple[str, Path]]) -> tuple[
        list[StoredUpload], list[FailedFile], UploadRejected | None]:
    accepted: list[StoredUpload] = []
    rejected: list[FailedFile] = []
    worst: UploadRejected | None = None
    for name, path in received:
        try:
            accepted.append(place_upload(uploads_dir, team, name, path))
        except UploadRejected as exc:
            rejected.append(FailedFile(path=name, error=exc.reason))
            worst = exc if worst is None or exc.status == 413 else worst
        finally:
            path.unlink(missing_ok=True)
    return accepted, rejected, worst


@router.post("/documents", status_code=status.HTTP_202_ACCEPTED, response_model=UploadResponse,
             openapi_extra=UPLOAD_BODY)
async def upload(request: Request, caller: CallerDep, runtime: RuntimeDep) -> UploadResponse:
    """Store the files (names sanitised, types sniffed, sizes limited while streaming) and start a durable
    ingestion job. Uploads are visible to the uploader's team only (an admin key's uploads to everyone)."""
    settings = runtime.settings
    uploads_dir = settings.data_dir / "uploads"
    try:
        form = await read_upload(request, uploads_dir / ".incoming", settings.max_file_bytes,
                                 settings.max_upload_files)
    except UploadError as exc:  # close the connection: the rest of a too-large body is not read
        headers = {"Connection": "close"} if exc.status == status.HTTP_413_CONTENT_TOO_LARGE else None
        raise HTTPException(exc.status, exc.detail, headers=headers) from exc
    kind = form.fields.get("kind") or None
    if kind is not None and kind not in {k.value for k in Kind}:
        form.discard()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"kind must be one of {', '.join(k.value for k in Kind)}")
    if not form.files:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "no `files` part in the upload")
    chosen = (form.fields.get("team") or "").strip()[:100] or None
    owner_team = chosen if caller.scope is None and chosen else caller.team  # members can't file for others
    team = owner_team or "shared"
    accepted, rejected, worst = _checked(uploads_dir, team, [(f.name or "upload", f.path) for f in form.files])
    if not accepted and worst is not None:
        raise HTTPException(worst.status, [r.model_dump(exclude_none=True) for r in rejected])
    visibility = [EVERYONE] if caller.role == "admin" and caller.scope is None else [team]
    force: dict[str, object] = {"team": owner_team, "visibility": visibility}
    if kind is not None:
        force["kind"] = kind
    job = _jobs(request).submit(caller.owner, [JobFile(name=a.name, path=a.path) for a in accepted], uploads_dir,
                                force, rejected, max_chunks=settings.max_job_chunks)
    return UploadResponse(job_id=job.id, accepted=accepted, rejected=rejected)


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(job_id: str, request: Request, caller: CallerDep) -> Job:
    job = _jobs(request).get(job_id, None if caller.scope is None else caller.owner)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job_id!r} not found")
    return job


@router.get("/jobs", response_model=list[Job])
def list_jobs(request: Request, caller: CallerDep) -> list[Job]:
    """Your upload jobs, oldest first: queued ones with their place in line, running ones with progress."""
    return _jobs(request).for_owner(None if caller.scope is None else caller.owner)
