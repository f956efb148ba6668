"""POST /v1/documents (multipart upload -> ingestion job) and GET /v1/jobs/{id} (progress, failures)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile, status
from pydantic import BaseModel

from assistant.api.deps import CallerDep, RuntimeDep
from assistant.api.jobs import Job, JobRegistry
from assistant.api.uploads import StoredUpload, UploadRejected, store_upload
from assistant.schemas import EVERYONE, FailedFile, Kind

router = APIRouter(prefix="/v1", tags=["documents"])


class UploadResponse(BaseModel):
    job_id: str
    accepted: list[StoredUpload]
    rejected: list[FailedFile]


def _jobs(request: Request) -> JobRegistry:
    return request.app.state.jobs


@router.post("/documents", status_code=status.HTTP_202_ACCEPTED, response_model=UploadResponse)
async def upload(
    request: Request,
    caller: CallerDep,
    runtime: RuntimeDep,
    files: Annotated[list[UploadFile], File(description="One or more documents.")],
    kind: Annotated[Kind | None, Form(description="Force a kind; default: detected.")] = None,
    team: Annotated[str | None, Form(max_length=100, description="The documents' team: open mode and admin keys "
                                     "choose it; a team member's uploads always get the key's team.")] = None,
) -> UploadResponse:
    """Store the files (names sanitised, types sniffed, sizes limited) and start an ingestion job. Uploads are
    visible to the uploader's team only (an admin key's uploads to everyone)."""
    settings = runtime.settings
    if len(files) > settings.max_upload_files:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"at most {settings.max_upload_files} files per upload")
    chosen = (team or "").strip() or None
    owner_team = chosen if caller.scope is None and chosen else caller.team  # members can't file for others
    team = owner_team or "shared"
    visibility = [EVERYONE] if caller.role == "admin" and caller.scope is None else [team]
    uploads_dir = settings.data_dir / "uploads"
    accepted: list[StoredUpload] = []
    rejected: list[FailedFile] = []
    worst: UploadRejected | None = None
    for upload_file in files:
        data = await upload_file.read(settings.max_file_bytes + 1)
        try:
            accepted.append(
                store_upload(uploads_dir, team, upload_file.filename or "upload", data, settings.max_file_bytes)
            )
        except UploadRejected as exc:
            rejected.append(FailedFile(path=upload_file.filename or "upload", error=exc.reason))
            worst = exc if worst is None or exc.status == 413 else worst
    if not accepted and worst is not None:
        raise HTTPException(worst.status, [r.model_dump() for r in rejected])
    force: dict[str, object] = {"team": owner_team, "visibility": visibility}
    if kind is not None:
        force["kind"] = kind
    job = _jobs(request).start(
        runtime, caller.name, [uploads_dir / a.path for a in accepted], uploads_dir, force, rejected
    )
    return UploadResponse(job_id=job.id, accepted=accepted, rejected=rejected)


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(job_id: str, request: Request, caller: CallerDep) -> Job:
    job = _jobs(request).get(job_id, None if caller.scope is None else caller.name)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job_id!r} not found")
    return job


@router.get("/jobs", response_model=list[Job])
def list_jobs(request: Request, caller: CallerDep) -> list[Job]:
    return _jobs(request).for_owner(None if caller.scope is None else caller.name)
