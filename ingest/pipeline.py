"""The ingestion job: turn a workspace folder into chunks in Chroma, incrementally and crash-safely.

Order of writes per changed file, chosen so a crash anywhere is repaired by simply running the job again:
1. the manifest entry is marked incomplete (so a crash leaves a visible "redo me"),
2. new chunks are embedded (only ids not already stored: a rerun never embeds twice) and upserted,
3. stale chunks of the file are deleted (new before old: a reader never sees the file vanish),
4. the derived indexes are updated and the manifest entry is written complete, last.
Deterministic chunk ids make every step idempotent, so no step can create duplicates.

Isolation: every file is read and parsed in a guarded step (:mod:`ingest.isolation`: regular files only, size,
depth and decompression limits, a time budget), so a bad file is that file's reported failure, never the job's.
Nothing is deleted unless it is really gone: a file or folder that exists but cannot be read keeps its chunks.
Concurrency: the data dir's write lock (:meth:`ChunkStore.writing`) is held only around each group's writes,
never while parsing or embedding, so a server keeps answering (from a consistent snapshot) during a long job
and two jobs interleave their groups instead of waiting for each other.

Speed and memory: embedding is nearly all of a job, so files are read, embedded and written one flush group at a
time, and each group is embedded longest chunks first in batches capped by padded tokens (:mod:`ingest.batching`).
A job holds one group's chunks and vectors, never the whole workspace. Reading the next group in a background
thread while the model embeds was measured and dropped: on two cores the parser process and the thread took CPU
from torch's two threads and ingestion fell to 0.65-0.77 of raw encode, against 1.02 without it.

After the files, when any interview was added, changed or removed (or stored ones predate segments), the
corpus-level pass of :mod:`ingest.interviews` recomputes speaker roles and segments of every interview and
updates only metadata: it needs all interviews at once, and it never re-embeds anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from assistant.errors import ProdopsError, SourceError
from assistant.runtime import Runtime
from assistant.schemas import Chunk, FailedFile, IngestReport, Kind, ParsedSource, SourceRecord
from assistant.segments import SEGMENTS
from assistant.store.sync import drop_source, finish_source, repair_derived
from ingest.batching import embed_sorted
from ingest.chunking import embedding_text
from ingest.interviews import refresh_interviews
from ingest.isolation import parse_file
from ingest.sources import parsed_fingerprint, source_fingerprint
from ingest.walk import Scan, display_name, excluded, scan, special_kind

FLUSH_CHUNKS = 256  # embed across files in groups this size: big enough to keep the model busy
Callback = Callable[[int, int], None]


@dataclass
class _Pending:
    parsed: ParsedSource
    chunks: list[Chunk]
    record: SourceRecord
    is_new: bool


@dataclass
class _Root:
    base: Path
    files: list[Path]
    prune: bool
    scan: Scan = field(default_factory=Scan)
    seen: set[str] = field(default_factory=set)


def _roots(paths: Sequence[Path], root: Path | None, report: IngestReport) -> list[_Root]:
    """Folders are scanned and pruned; single files are only added (relative to ``root`` when given, e.g. the
    uploads folder, else to their own folder). What cannot be walked is reported, not raised."""
    result: list[_Root] = []
    for raw in paths:
        try:
            path = raw.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
            report.failed.append(FailedFile(path=display_name(str(raw)), error="is a symbolic link in a loop or "
                                            "cannot be resolved; remove or fix the link"))
            continue
        if root is not None and path.is_file():
            result.append(_Root(root.resolve(), [path], False))
        elif path.is_dir():
            found = scan(path)
            report.failed.extend(found.problems)
            result.append(_Root(path, found.files, True, found))
        elif path.is_file():
            result.append(_Root(path.parent, [path], False))
        elif os.path.lexists(path):
            kind = special_kind(os.stat(path).st_mode) if path.exists() else None
            report.failed.append(FailedFile(path=display_name(str(raw)), error=f"is {kind or 'not a regular file'}, "
                                            "not a document; skipped without reading it"))
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
    on_progress: Callback | None = None,
    on_files: Callback | None = None,
    max_chunks: int | None = None,
) -> IngestReport:
    """Run one ingestion job over folders and/or files; see the module docstring for the guarantees.

    ``force`` overrides document metadata whatever the file says (uploads: team and visibility come from the
    uploader's key, never from the document); ``on_files(done, total)`` reports files read and parsed,
    ``on_progress(done, total)`` chunks written out of those planned so far (files are read group by group, so
    ``total`` grows until the last file is read); ``max_chunks`` is the job's chunk budget (uploads):
    files that would take the job past it are reported, not embedded.
    """
    report = IngestReport()
    roots = _roots(paths, root, report)
    states = runtime.store.source_states()
    reader = _Reader(runtime, roots, states, report, force, max_chunks, on_files)
    writer = _Writer(runtime, report, show_progress, on_progress, reader)
    with writer, closing(reader.groups()) as groups:  # read, embed and write one group at a time
        for group in groups:
            writer.write(group)
    with runtime.store.writing():
        for r in roots:
            if r.prune:
                _delete_removed(runtime, r, report)
        if writer.interviews or _interviews_changed(runtime, report, states):
            refresh_interviews(runtime)  # metadata only, across all interviews: inside the lock, like any write
        repair_derived(runtime)
    report.chunks = runtime.store.count()
    return report


class _Reader:
    """Reads and parses the files of a job in order and hands them on in flush groups (see :func:`groups`)."""

    def __init__(self, runtime: Runtime, roots: list[_Root], states: dict[str, tuple[str, str]],
                 report: IngestReport, force: Mapping[str, object] | None, max_chunks: int | None,
                 on_files: Callback | None) -> None:
        self.runtime, self.roots, self.states, self.report = runtime, roots, states, report
        self.force, self.max_chunks, self.on_files = force, max_chunks, on_files
        self.planned = 0  # chunks of the files read so far that will be written: the progress bar's total

    def groups(self) -> Generator[list[_Pending], None, None]:
        """Groups of changed files with at least FLUSH_CHUNKS chunks between them (the last one may be smaller).

        Consumed as they are made, so a job holds one group's chunks at a time, never every file's.
        """
        total = sum(len(r.files) for r in self.roots)
        group: list[_Pending] = []
        size = done = 0
        for r in self.roots:
            for path in r.files:
                rel = path.relative_to(r.base).as_posix()
                r.seen.add(rel)
                pending = _prepare(self.runtime, r.base, path, rel, self.states, self.report, self.force)
                if pending is not None and self.max_chunks is not None and \
                        self.planned + len(pending.chunks) > self.max_chunks:
                    self.report.failed.append(FailedFile(path=rel, error=_over_budget(
                        len(pending.chunks), self.planned, self.max_chunks)))
                    pending = None
                if pending is not None:
                    group.append(pending)
                    size += len(pending.chunks)
                    self.planned += len(pending.chunks)
                done += 1
                if self.on_files is not None:
                    self.on_files(done, total)
                if size >= FLUSH_CHUNKS:
                    yield group
                    group, size = [], 0
        if group:
            yield group


def _over_budget(chunks: int, planned: int, budget: int) -> str:
    if chunks > budget:
        return (f"this file alone makes {chunks:,} chunks, over the per-job budget of {budget:,} "
                "(PRODOPS_MAX_JOB_CHUNKS); split it, or ingest it with `prodops ingest`, which has no budget")
    return (f"the job's budget of {budget:,} chunks (PRODOPS_MAX_JOB_CHUNKS) was used by earlier files "
            f"({planned:,}); this file ({chunks:,} chunks) was not ingested: upload it again on its own")


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
        parsed, chunks = parse_file(root, path, rel, runtime.settings, force)
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


def _interviews_changed(runtime: Runtime, report: IngestReport, states: dict[str, tuple[str, str]]) -> bool:
    """Whether the corpus pass must run (when no interview was written): an interview was deleted, or a stored
    turn has no segment yet (a store from before segments existed)."""
    if report.deleted:
        return True
    unsegmented = {"$and": [{"kind": Kind.INTERVIEW.value}, {"turn": {"$gte": 0}},
                            {"segment": {"$nin": list(SEGMENTS)}}]}
    return bool(states) and runtime.store.has_chunks(unsegmented)


def _gone(base: Path, rel: str) -> bool | None:
    """True when ``rel`` no longer exists, False when it does, None when that cannot be told (no permission)."""
    try:
        os.lstat(base / rel)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return None
    return False


def _delete_removed(runtime: Runtime, r: _Root, report: IngestReport) -> None:
    """Delete the sources of ``r`` that are really gone; keep (and report) those that exist but were not read."""
    reported = {f.path for f in report.failed}
    workspace = str(r.base)
    for rel, (_, stored_workspace) in sorted(runtime.store.source_states().items()):
        if stored_workspace != workspace or rel in r.seen or r.scan.covers(rel):
            continue  # not ours, read this run, or under a folder that could not be listed (already reported)
        gone = True if excluded(rel) else _gone(r.base, rel)
        if gone:
            drop_source(runtime, rel)
            report.deleted += 1
            report.deleted_paths.append(rel)
        elif rel not in reported:
            why = "cannot be checked (no permission on its folder)" if gone is None else "exists but was not read"
            report.failed.append(FailedFile(path=rel, error=f"{why}; its stored chunks are kept until it can be read "
                                            "again or is removed"))


class _Writer:
    """Embeds and writes the groups of a job as they arrive, and owns its progress bar and counters.

    Per group: look up which chunk ids are already stored (outside the lock), embed the missing ones (outside
    the lock: the slow part), then take the write lock for the group's writes in the order of the module
    docstring. Vectors are dropped as soon as they are written, so a job holds one group's vectors at most.
    """

    def __init__(self, runtime: Runtime, report: IngestReport, show_progress: bool, on_progress: Callback | None,
                 reader: _Reader) -> None:
        self.runtime, self.report, self.on_progress, self.reader = runtime, report, on_progress, reader
        self.interviews = False  # an interview was written: the corpus pass must run
        self.done = 0
        self.reported = False
        self.progress = Progress(
            TextColumn("[bold]ingest[/bold] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not show_progress,
            transient=False,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self.task is not None:
            self.progress.stop()
        if kind is None and not self.reported and self.on_progress is not None:
            self.on_progress(0, 0)  # nothing to embed: callers still hear that the job reached this phase

    def tick(self, n: int) -> None:
        self.done += n
        total = self.reader.planned  # grows while later files are read
        if self.task is None and total > 0:
            self.progress.start()
            self.task = self.progress.add_task("chunks", total=total)
        if self.task is not None:
            self.progress.update(self.task, advance=n, total=total)
        if self.on_progress is not None:
            self.reported = True
            self.on_progress(self.done, total)

    def _embed(self, chunks: list[Chunk], tick: Callable[[int], None]) -> list[list[float]]:
        texts = [embedding_text(c) for c in chunks]
        return embed_sorted(self.runtime.embedder.embed_documents, texts,
                            self.runtime.settings.embedding_batch_size, tick)

    def write(self, group: list[_Pending]) -> None:
        runtime = self.runtime
        self.tick(0)
        chunks = [c for p in group for c in p.chunks]
        present = runtime.store.existing_ids([c.id for c in chunks])
        missing = [c for c in chunks if c.id not in present]
        vectors = self._embed(missing, self.tick)  # outside the lock: the slow part
        with runtime.store.writing():
            vanished = present - runtime.store.existing_ids(sorted(present))  # another job removed them
            if vanished:
                again = [c for c in chunks if c.id in vanished]
                missing += again
                vectors += self._embed(again, lambda n: None)
            for pending in group:
                runtime.store.put_source(pending.record.model_copy(update={"complete": False}))
            runtime.store.upsert(missing, vectors)
            del vectors  # written: nothing needs them any more
            runtime.store.update_metadata([c for c in chunks if c.id in present and c.id not in vanished])
            for pending in group:
                finish_source(runtime, pending.record, pending.chunks)
        self.report.embedded += len(missing)
        for pending in group:
            self.interviews |= pending.record.kind is Kind.INTERVIEW
            if pending.is_new:
                self.report.added += 1
            else:
                self.report.updated += 1
        self.tick(len(chunks) - len(missing) + len(vanished))
