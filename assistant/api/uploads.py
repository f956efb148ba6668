"""Accepting uploaded documents safely: names sanitised, types sniffed from content, sizes limited.

An upload's file name and extension are claims, not facts: a ``report.pdf`` that is really an executable, or a
name like ``../../etc/passwd``, must not get anywhere. Files are stored under ``<data dir>/uploads/<team>/`` with
a clean name; the ingestion job then gives them the uploader's team and visibility, whatever they say inside.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path

from pydantic import BaseModel

TEXT_TYPES = {".md", ".markdown", ".mdx", ".html", ".htm", ".txt", ".text", ".vtt", ".srt", ".csv", ".tsv", ".json"}
BINARY_TYPES = {".pdf", ".docx"}
SUPPORTED = sorted(TEXT_TYPES | BINARY_TYPES)


class UploadRejected(Exception):
    """A file that cannot be accepted; ``status`` is the HTTP status that fits (413, 415, 422)."""

    def __init__(self, name: str, reason: str, status: int) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
        self.status = status


class StoredUpload(BaseModel):
    name: str  # as the client sent it
    path: str  # where it was stored, relative to the uploads folder


def safe_name(raw: str) -> str:
    """The base name only, in plain characters: no folders, no traversal, no control characters, no dotfiles.

    Accents are folded ("Café" -> "Cafe"); a name with no Latin letters at all ("会议纪要.md") gets a stable slug
    from its hash ("upload-1f2e3d4c.md") and keeps its extension: the stored path is plain ASCII, while the
    original name is what responses and jobs show.
    """
    base = re.split(r"[\\/]", raw or "")[-1]
    base = unicodedata.normalize("NFKC", base)
    ext_match = re.search(r"\.([A-Za-z0-9]{1,10})\s*$", base)
    ext = ext_match.group(1).lower() if ext_match else ""
    stem = base[: ext_match.start()] if ext_match else base
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"[^A-Za-z0-9._ -]+", "_", folded)
    folded = re.sub(r"[ _]{2,}", "_", folded).strip(" ._-")[:100]
    if not re.search(r"[A-Za-z0-9]", folded):
        visible = re.sub(r"[\W_]+", "", stem)
        folded = f"upload-{hashlib.sha256(stem.encode()).hexdigest()[:8]}" if visible else "upload"
    return f"{folded}.{ext}" if ext else folded


def sniff(name: str, data: bytes) -> str:
    """The file's real type as an extension, checked against its content; raises UploadRejected."""
    ext = Path(name).suffix.lower()
    if not data:
        raise UploadRejected(name, "the file is empty", 422)
    if data.startswith(b"%PDF-"):
        if ext != ".pdf":
            raise UploadRejected(name, f"the content is a PDF but the name says {ext or 'no type'}; rename it", 415)
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            is_docx = "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            is_docx = False
        if is_docx and ext == ".docx":
            return ".docx"
        raise UploadRejected(name, "a zip archive that is not a Word .docx document is not supported", 415)
    if ext in BINARY_TYPES:
        raise UploadRejected(name, f"the name says {ext} but the content is not a {ext[1:].upper()} file", 415)
    if b"\x00" in data[:8192]:
        raise UploadRejected(name, "binary content is not a supported document", 415)
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadRejected(name, f"not valid UTF-8 text (byte {exc.start}); re-save it as UTF-8", 415) from exc
    if ext not in TEXT_TYPES:
        raise UploadRejected(name, f"unsupported type {ext or '(none)'}; supported: {', '.join(SUPPORTED)}", 415)
    return ext


def _target(uploads_dir: Path, team: str, clean: str, data: bytes) -> Path:
    """Where an upload goes: its clean name, or a numbered variant when another file already has that name."""
    folder = uploads_dir / safe_name(team or "shared")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / clean
    counter = 1
    while target.exists() and target.read_bytes() != data:
        target = folder / f"{Path(clean).stem}-{counter}{Path(clean).suffix}"
        counter += 1
    return target


def store_upload(uploads_dir: Path, team: str, name: str, data: bytes, max_bytes: int) -> StoredUpload:
    """Check and write one upload; an existing file with other content is never overwritten."""
    if len(data) > max_bytes:
        raise UploadRejected(name, f"{len(data):,} bytes is over the {max_bytes:,}-byte limit", 413)
    clean = safe_name(name)
    sniff(clean, data)
    target = _target(uploads_dir, team, clean, data)
    target.write_bytes(data)
    return StoredUpload(name=name, path=target.relative_to(uploads_dir).as_posix())


def place_upload(uploads_dir: Path, team: str, name: str, received: Path) -> StoredUpload:
    """Check an upload that arrived in the temporary file ``received`` (already within the size limit) and move
    it to its place; raises :class:`UploadRejected`, leaving ``received`` for the caller to remove."""
    data = received.read_bytes()
    clean = safe_name(name)
    sniff(clean, data)
    target = _target(uploads_dir, team, clean, data)
    shutil.move(received, target)
    return StoredUpload(name=name, path=target.relative_to(uploads_dir).as_posix())
