"""Walk a workspace and turn each file into a :class:`ParsedSource`, or a :class:`SourceError` saying why not.

A source is identified by its workspace-relative POSIX path and versioned by a content hash over its bytes
and its sidecar's bytes, so editing either re-ingests it and nothing else does. Files are read once, with the
size checked before reading; all bad input (wrong type, binary, bad encoding, bad metadata, malformed tables)
becomes a ``SourceError`` whose message tells the author what to change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from assistant.config import Settings
from assistant.errors import SourceError
from assistant.schemas import EVERYONE, ParsedSource, SourceInfo
from ingest import metadata as md
from ingest.interviews import identify, people_of
from ingest.kinds import folder_doc_type, resolve_kind
from ingest.limits import check_json, check_zip, open_regular, read_regular
from ingest.loaders import Body, LoaderError
from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.loaders.markdown import MetaLoader, load_markdown
from ingest.loaders.mdx import load_mdx
from ingest.loaders.metrics import load_delimited, load_json
from ingest.loaders.pdf import load_pdf
from ingest.loaders.table import SNAPSHOT
from ingest.loaders.transcript import parse_subtitles, turns_text
from ingest.metric_summary import summary_text
from ingest.speakers import listed_names
from ingest.walk import SIDECAR_SUFFIXES, scan

FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "mdx",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".text": "text",
    ".vtt": "vtt",
    ".srt": "srt",
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".pdf": "pdf",
    ".docx": "docx",
}
BINARY_FORMATS = frozenset({"pdf", "docx"})  # read from bytes; HTML is too (its <meta> may name a charset)
_SNIFF_BYTES = 8192
_HASH_BLOCK = 1 << 20
_SIDECAR_SEPARATOR = b"\n\x00prodops-sidecar\x00\n"
# Bump when a loader or the chunker changes what a file yields: every source then reads as changed and is parsed
# again on the next ingest (only chunks whose text changed are embedded again: chunk ids hash their text).
PARSER_VERSION = b"prodops-parser-8"  # 4: whitespace kept, table headers as context; 5: DOCX as Markdown,
# kinds from content; 6: research folders read by content; 7: transcript turns with speaker roles and segments;
# 8: a table chunk that starts at the separator line keeps its header row as context; interview folders keep notes
_SIDECAR_BYTES = 1_000_000  # a metadata sidecar is a few lines of YAML


def discover(root: Path) -> list[Path]:
    """Every candidate file under ``root``, sorted by relative path (see :func:`ingest.walk.scan`, which also
    returns what could not be ingested and why)."""
    return scan(root).files


def sidecar_for(path: Path) -> Path | None:
    """The ``<filename>.meta.yaml`` (or ``.meta.yml``) next to a file, if there is one."""
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file():  # follows links; a FIFO or device is not a sidecar
            return candidate
    return None


def content_hash(data: bytes, sidecar: bytes | None = None) -> str:
    """sha256 hex of a file's bytes plus its sidecar's bytes: editing either one changes the version."""
    digest = hashlib.sha256(data)
    if sidecar is not None:
        digest.update(_SIDECAR_SEPARATOR + sidecar)
    return digest.hexdigest()


def source_fingerprint(root: Path, path: Path) -> str:
    """:func:`parsed_fingerprint` of ``load_source(...).info.content_hash``, streamed and without parsing.

    The pipeline compares it with the stored hash to skip unchanged files before doing any real work.
    """
    full = _full_path(root, path)
    rel = relative_id(root, full)
    digest = hashlib.sha256()
    with open_regular(full, rel) as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    sidecar = sidecar_for(full)
    if sidecar is not None:
        digest.update(_SIDECAR_SEPARATOR + read_regular(sidecar, rel, _SIDECAR_BYTES))
    return parsed_fingerprint(digest.hexdigest())


def parsed_fingerprint(content_digest: str) -> str:
    """What the manifest compares to skip a file: its content hash and the parser version that read it."""
    return hashlib.sha256(PARSER_VERSION + content_digest.encode()).hexdigest()


def _full_path(root: Path, path: Path) -> Path:
    """``path`` as given when absolute or already under ``root`` (what :func:`discover` returns for a relative
    root), else relative to ``root``. A symlink whose target lies outside the workspace is refused: it would
    ingest a file nobody put in the workspace, with the workspace's visibility."""
    full = path if path.is_absolute() or path.parts[: len(root.parts)] == root.parts else root / path
    try:
        target = full.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
        rel = full.relative_to(root).as_posix() if full.is_relative_to(root) else full.name
        raise SourceError(rel, "is a symbolic link in a loop or cannot be resolved; remove or fix the link") from exc
    if not target.is_relative_to(root.resolve()):
        rel = full.relative_to(root).as_posix() if full.is_relative_to(root) else full.name
        raise SourceError(rel, "is a link to a file outside the workspace; copy the file into the workspace instead")
    return full


def relative_id(root: Path, path: Path) -> str:
    """The source id: the workspace-relative POSIX path."""
    full = _full_path(root, path)
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        return full.resolve().relative_to(root.resolve()).as_posix()


def load_source(root: Path, path: Path, settings: Settings) -> ParsedSource:
    """Read, parse and describe one file.

    Raises:
        SourceError: any problem with the file's content, type, size or metadata (path and fix included).
        OSError: the file cannot be read at all (permissions, vanished), which is not a content problem.
    """
    full = _full_path(root, path)
    rel = relative_id(root, full)
    fmt = FORMATS.get(full.suffix.lower())
    if fmt is None:
        supported = ", ".join(FORMATS)
        raise SourceError(rel, f"unsupported file type {full.suffix or '(no extension)'}; supported: {supported}")
    data = read_regular(full, rel, settings.max_file_bytes)
    sidecar_path = sidecar_for(full)
    sidecar = read_regular(sidecar_path, rel, _SIDECAR_BYTES) if sidecar_path else None
    try:
        sidecar_meta = _sidecar_meta(sidecar, sidecar_path.name) if sidecar_path and sidecar is not None else {}
        return _parse(rel, fmt, data, sidecar_meta, content_hash(data, sidecar), settings)
    except LoaderError as exc:
        raise SourceError(rel, str(exc)) from exc
    except RecursionError as exc:  # a structure nested deeper than any limit caught
        raise SourceError(rel, "nested too deeply to read; flatten the document's structure") from exc


def _sidecar_meta(data: bytes, name: str) -> dict[str, Any]:
    where = f"sidecar {name}"
    try:
        raw = yaml.load(data.decode("utf-8-sig"), Loader=MetaLoader)  # a SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise LoaderError(f"{where} is not valid UTF-8; re-save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise LoaderError(f"invalid YAML in {where}{line}: {getattr(exc, 'problem', exc)}; fix its syntax") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise LoaderError(f"{where} must be a mapping of `key: value` lines")
    return md.normalize_meta(raw, where)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) text with normalised newlines; anything else is refused, not guessed.

    Decoding as latin-1 "just in case" would index wrong text and quote it back to people as verbatim.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoaderError("UTF-16 text; re-save the file as UTF-8")
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise LoaderError("binary file, not a supported document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoaderError(
            f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at byte offset {exc.start}); re-save as UTF-8"
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load(fmt: str, data: bytes, stem: str, settings: Settings) -> Body:
    if fmt == "pdf":
        return load_pdf(data)
    if fmt == "docx":
        check_zip(data, settings)
        return load_docx(data)
    if fmt == "html":
        return load_html(data)
    text = decode_text(data)
    if not text.strip():
        raise LoaderError("empty file (only whitespace); add content or delete the file")
    if fmt in ("vtt", "srt"):
        turns = parse_subtitles(text)
        if not turns:
            raise LoaderError(f"no cues with text found; expected {fmt.upper()} cues (a timing line, then text)")
        return Body(text=turns_text(turns), turns=turns)
    if fmt in ("csv", "tsv"):
        return load_delimited(text, fmt, stem)
    if fmt == "json":
        check_json(text, settings)
        return load_json(text, stem)
    if fmt == "mdx":
        return load_mdx(text)
    return load_markdown(text)


def _parse(
    rel: str, fmt: str, data: bytes, sidecar_meta: dict[str, Any], digest: str, settings: Settings
) -> ParsedSource:
    if not data.strip():
        raise LoaderError("empty file; add content or delete the file")
    body = _load(fmt, data, md.clean_export_name(Path(rel).stem), settings)
    meta = {**sidecar_meta, **md.normalize_meta(body.meta, "frontmatter")}
    title = meta.get("title") or body.title or md.humanize_filename(rel)
    date = meta.get("date") or md.date_from_filename(rel)
    text, points, turns = body.text, body.metric_points, body.turns
    named, named_interviewer = listed_names(meta.get("participant")), meta.get("interviewer")
    people, interviewer = named, named_interviewer
    if turns:  # people come from the transcript's own speaker labels; metadata names are matched to them
        turns, cast = identify(turns, named, named_interviewer)
        people, interviewer = people_of(cast, named), named_interviewer or cast.interviewer
    if points:
        if date is not None:
            points = [p.model_copy(update={"period": date.isoformat()}) if p.period == SNAPSHOT else p for p in points]
        text = summary_text(points, title, date)
    info = SourceInfo(
        path=rel,
        kind=resolve_kind(meta.get("kind"), rel, fmt, text, bool(body.turns)),
        format=fmt,
        title=title,
        content_hash=digest,
        team=meta.get("team") or md.team_from_path(rel),
        date=date,
        visibility=meta.get("visibility") or [EVERYONE],
        doc_type=meta.get("doc_type") or folder_doc_type(rel),
        company=meta.get("company"),
        participant=", ".join(people) or None,
        participants=people,
        named_participants=named,
        email=meta.get("email"),
        role=meta.get("role"),
        interviewer=interviewer,
        named_interviewer=named_interviewer,
        period=meta.get("period"),
        objective_ids=meta.get("objectives", []),
        initiative_ids=meta.get("initiatives", []),
    )
    return ParsedSource(info=info, text=text, turns=turns, metric_points=points)
