"""The ingestion job: turn a workspace folder into chunks in Chroma, incrementally and crash-safely.

Order of writes per changed file, chosen so a crash anywhere is repaired by simply running the job again:
1. the manifest entry is marked incomplete (so a crash leaves a visible "redo me"),
2. new chunks are embedded (only ids not already stored: a rerun never embeds twice) and upserted,
3. stale chunks of the file are deleted (new before old: a reader never sees the file vanish),
4. the derived indexes are updated and the manifest entry is written complete, last.
Deterministic chunk ids make every step idempotent, so no step can create duplicates.

After the files, when any interview was added, changed or removed (or stored ones predate segments), the
corpus-level pass of :mod:`ingest.interviews` recomputes speaker roles and segments of every interview and
updates only metadata: it needs all interviews at once, and it never re-embeds anything.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant.errors import ProdopsError, SourceError
from assistant.runtime import Runtime
from assistant.schemas import Chunk, FailedFile, IngestReport, Kind, ParsedSource, SourceRecord
from assistant.segments import SEGMENTS
from assistant.store.sync import drop_source, finish_source, repair_derived
from ingest.chunking import chunk_source, embedding_text
from ingest.interviews import refresh_interviews
from ingest.sources import discover, load_source, parsed_fingerprint, source_fingerprint

FLUSH_CHUNKS = 256  # embed across files in groups this size: big enough to keep the model busy


@dataclass
class _Pending:
    parsed: ParsedSource
    chunks: list[Chunk]
    record: SourceRecord
    is_new: bool


@contextmanager
def _job_lock(runtime: Runtime) -> Iterator[None]:
    """One ingestion job per data dir at a time; a second one waits rather than interleaving writes."""
    runtime.settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(runtime.settings.data_dir / "ingest.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _roots(paths: Sequence[Path], root: Path | None = None) -> list[tuple[Path, list[Path], bool]]:
    """(root, files, prune) per argument: folders are scanned and pruned, single files only added (relative to
    ``root`` when given, e.g. the uploads folder, else to their own folder)."""
    result: list[tuple[Path, list[Path], bool]] = []
    for raw in paths:
        path = raw.resolve()
        if root is not None and path.is_file():
            result.append((root.resolve(), [path], False))
        elif path.is_dir():
            result.append((path, discover(path), True))
        elif path.is_file():
            result.append((path.parent, [path], False))
        else:
            raise ProdopsError(f"{raw}: no such file or folder; give a workspace folder or files to ingest")
    return result


def ingest_paths(
    runtime: Runtime,
    paths: Sequence[Path],
    show_progress: bool = True,
    *,
    root: Path | None = None,
    force: Mapping[str, object] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Run one ingestion job over folders and/or files; see the module docstring for the guarantees.

    ``force`` overrides document metadata whatever the file says (uploads: team and visibility come from the
    uploader's key, never from the document); ``on_progress(done, total)`` reports chunks written.
    """
    report = IngestReport()
    with _job_lock(runtime):
        states = runtime.store.source_states()
        todo: list[_Pending] = []
        seen: set[str] = set()
        for base, files, prune in _roots(paths, root):
            for path in files:
                rel = path.relative_to(base).as_posix()
                seen.add(rel)
                pending = _prepare(runtime, base, path, rel, states, report, force)
                if pending is not None:
                    todo.append(pending)
            if prune:
                _delete_removed(runtime, str(base), states, seen, report)
        _write(runtime, todo, report, show_progress, on_progress)
        if _interviews_changed(runtime, todo, report, states):
            refresh_interviews(runtime)
        repair_derived(runtime)
        report.chunks = runtime.store.count()
    return report


def _prepare(
    runtime: Runtime,
    root: Path,
    path: Path,
    rel: str,
    states: dict[str, tuple[str, str]],
    report: IngestReport,
    force: Mapping[str, object] | None = None,
) -> _Pending | None:
    stored_hash, stored_workspace = states.get(rel, ("", ""))
    if stored_workspace and stored_workspace != str(root):
        report.failed.append(
            FailedFile(
                path=rel,
                error=f"a source with this path was already ingested from {stored_workspace}; "
                "use a separate PRODOPS_DATA_DIR (or PRODOPS_COLLECTION) per workspace",
            )
        )
        return None
    try:
        if stored_hash and source_fingerprint(root, path) == stored_hash:
            report.unchanged += 1
            return None
        parsed = load_source(root, path, runtime.settings)
        if force:
            parsed = parsed.model_copy(update={"info": parsed.info.model_copy(update=dict(force))})
        chunks = chunk_source(parsed, runtime.settings)
    except SourceError as exc:
        report.failed.append(FailedFile(path=rel, error=exc.reason))
        return None
    except OSError as exc:
        report.failed.append(FailedFile(path=rel, error=f"cannot read the file ({exc.strerror}); check permissions"))
        return None
    info = parsed.info
    record = SourceRecord(
        path=rel,
        kind=info.kind,
        content_hash=info.content_hash,
        chunks=len(chunks),
        title=info.title,
        team=info.team,
        date=info.date.isoformat() if info.date else None,
        visibility=info.visibility,
        format=info.format,
        workspace=str(root),
        metric_points=parsed.metric_points,
        fingerprint=parsed_fingerprint(info.content_hash),
    )
    return _Pending(parsed=parsed, chunks=chunks, record=record, is_new=rel not in states)


def _interviews_changed(runtime: Runtime, todo: list[_Pending], report: IngestReport,
                        states: dict[str, tuple[str, str]]) -> bool:
    """Whether the corpus pass must run: an interview was written or deleted, or a stored turn has no segment
    yet (a store from before segments existed)."""
    if any(p.record.kind is Kind.INTERVIEW for p in todo) or report.deleted:
        return True
    unsegmented = {"$and": [{"kind": Kind.INTERVIEW.value}, {"turn": {"$gte": 0}},
                            {"segment": {"$nin": list(SEGMENTS)}}]}
    return bool(states) and runtime.store.has_chunks(unsegmented)


def _delete_removed(
    runtime: Runtime, workspace: str, states: dict[str, tuple[str, str]], seen: set[str], report: IngestReport
) -> None:
    for rel, (_, stored_workspace) in states.items():
        if stored_workspace == workspace and rel not in seen:
            drop_source(runtime, rel)
            report.deleted += 1


def _groups(todo: list[_Pending]) -> Iterator[list[_Pending]]:
    group: list[_Pending] = []
    size = 0
    for pending in todo:
        group.append(pending)
        size += len(pending.chunks)
        if size >= FLUSH_CHUNKS:
            yield group
            group, size = [], 0
    if group:
        yield group


def _write(
    runtime: Runtime,
    todo: list[_Pending],
    report: IngestReport,
    show_progress: bool,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    total = sum(len(p.chunks) for p in todo)
    progress = Progress(
        TextColumn("[bold]ingest[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show_progress or total == 0,
        transient=False,
    )
    with progress:
        task = progress.add_task("chunks", total=total)
        done = 0
        for group in _groups(todo):
            for pending in group:
                runtime.store.put_source(pending.record.model_copy(update={"complete": False}))
            chunks = [c for p in group for c in p.chunks]
            present = runtime.store.existing_ids([c.id for c in chunks])
            missing = [c for c in chunks if c.id not in present]
            vectors = runtime.embedder.embed_documents([embedding_text(c) for c in missing]) if missing else []
            runtime.store.upsert(missing, vectors)
            runtime.store.update_metadata([c for c in chunks if c.id in present])
            report.embedded += len(missing)
            for pending in group:
                finish_source(runtime, pending.record, pending.chunks)
                if pending.is_new:
                    report.added += 1
                else:
                    report.updated += 1
            progress.advance(task, len(chunks))
            done += len(chunks)
            if on_progress is not None:
                on_progress(done, total)
