"""Generators for the inputs that used to stop or exhaust ingestion, built at test time (nothing on disk):
named pipes, character devices, zip bombs, deep JSON, malformed DOCX XML, a DOCX that parses for minutes,
symlink loops and links out of the workspace, names that are not UTF-8, and folders that cannot be read.

Each :class:`Hostile` says where it goes in a workspace, how to make it, and a fragment of the reason the report
must give. ``make`` returns False when the platform does not allow the case (e.g. ``mknod`` without
CAP_MKNOD); callers skip it then, and say so.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.utils import make_docx

MB = 1024 * 1024


@dataclass(frozen=True)
class Hostile:
    category: str
    name: str  # workspace-relative path as the report shows it
    reason: str  # fragment of the reported reason (case-insensitive)
    make: Callable[[Path, Path], bool]  # (workspace, scratch folder) -> created?


def _docx_base(scratch: Path) -> bytes:
    return make_docx(scratch / "base.docx", [("Heading 1", "Plan"), ("Normal", "A short note.")]).read_bytes()


def _rezip(base: bytes, replace: dict[str, Callable[[zipfile.ZipFile], None]] | None = None,
           extra: Callable[[zipfile.ZipFile], None] | None = None) -> bytes:
    """A copy of the DOCX ``base`` where some entries are written by the given writers (streamed, so a 200 MB
    entry never sits in memory)."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in replace:
                replace[info.filename](target)
            else:
                target.writestr(info.filename, source.read(info.filename))
        if extra is not None:
            extra(target)
    return out.getvalue()


def _stream_entry(name: str, head: bytes, filler: bytes, size: int, tail: bytes) -> Callable[[zipfile.ZipFile], None]:
    def write(target: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w") as handle:
            handle.write(head)
            block = filler * (MB // len(filler))
            for _ in range(size // len(block)):
                handle.write(block)
            handle.write(tail)
    return write


def _doc_xml(base: bytes) -> tuple[str, str]:
    xml = zipfile.ZipFile(io.BytesIO(base)).read("word/document.xml").decode()
    head, rest = xml.split("<w:body>")
    return head + "<w:body>", rest


def docx_bomb(scratch: Path, expanded_mb: int) -> bytes:
    """A DOCX whose document.xml inflates to ``expanded_mb`` MB of paragraphs (about 1000:1)."""
    base = _docx_base(scratch)
    head, tail = _doc_xml(base)
    paragraph = b"<w:p><w:r><w:t>The quarterly plan repeats itself.</w:t></w:r></w:p>"
    return _rezip(base, {"word/document.xml": _stream_entry("word/document.xml", head.encode(), paragraph,
                                                            expanded_mb * MB, tail.encode())})


def docx_many_entries(scratch: Path, entries: int) -> bytes:
    def extra(target: zipfile.ZipFile) -> None:
        for i in range(entries):
            target.writestr(f"word/media/extra{i}.xml", b"<a/>")
    return _rezip(_docx_base(scratch), extra=extra)


def docx_lying_directory(scratch: Path) -> bytes:
    """A DOCX whose zip directory claims document.xml is 2 KB while its data inflates to 40 MB: the directory
    check passes, and the reader must stop at the claimed size (a CRC error), not inflate 40 MB."""
    data = bytearray(docx_bomb(scratch, 40))
    name = b"word/document.xml"
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at: at + name_at + len(name)] == name:
                data[size_at + at: size_at + at + 4] = struct.pack("<I", 2048)
            at = data.find(signature, at + 4)
    return bytes(data)


def docx_bad_xml(scratch: Path) -> bytes:
    base = _docx_base(scratch)
    broken = b"<?xml version='1.0'?><w:document><w:body><w:p><w:r><w:t>unclosed"
    return _rezip(base, {"word/document.xml": lambda t: t.writestr("word/document.xml", broken)})


def docx_slow(scratch: Path, rows: int = 8000, cols: int = 30) -> bytes:
    """A DOCX of about 1.5 MB holding one big table of distinct values (240,000 cells): it takes the DOCX reader
    many seconds, far over a test's parse budget. Values differ so the zip-ratio check does not stop it first."""
    base = _docx_base(scratch)
    head, tail = _doc_xml(base)
    table = "<w:tbl><w:tblGrid>" + "<w:gridCol/>" * cols + "</w:tblGrid>" + "".join(
        "<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{(r * cols + c) * 2654435761 % 4294967296:x}</w:t></w:r></w:p></w:tc>"
                           for c in range(cols)) + "</w:tr>" for r in range(rows))
    xml = (head + table + "</w:tbl>" + tail).encode()
    return _rezip(base, {"word/document.xml": lambda t: t.writestr("word/document.xml", xml)})


def deep_json(depth: int) -> bytes:
    return b'{"metric": "signups", "rows": ' + b"[" * depth + b"1" + b"]" * depth + b"}"


def _write(rel: str, data: bytes | Callable[[Path], bytes]) -> Callable[[Path, Path], bool]:
    def make(ws: Path, scratch: Path) -> bool:
        path = ws / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data(scratch) if callable(data) else data)
        return True
    return make


def _fifo(rel: str) -> Callable[[Path, Path], bool]:
    def make(ws: Path, scratch: Path) -> bool:
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(ws / rel)
        return True
    return make


def _char_device(rel: str) -> Callable[[Path, Path], bool]:
    def make(ws: Path, scratch: Path) -> bool:
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mknod(ws / rel, 0o644 | 0o020000, os.makedev(1, 5))  # like /dev/zero: endless bytes
        except PermissionError:
            return False
        return True
    return make


def _link(rel: str, target: Callable[[Path, Path], Path]) -> Callable[[Path, Path], bool]:
    def make(ws: Path, scratch: Path) -> bool:
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target(ws, scratch), ws / rel)
        return True
    return make


def _outside_folder(ws: Path, scratch: Path) -> Path:
    folder = scratch / "outside-folder"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "secret.md").write_text("# Outside\n\nThe outside folder codeword is MARROWBONE.\n", encoding="utf-8")
    return folder


def _bad_name(ws: Path, scratch: Path) -> bool:
    folder = os.fsencode(ws / "notes")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, b"caf\xe9-latin1-name.md"), "wb") as handle:
        handle.write(b"# Cafe\n\nA note whose file name is not UTF-8.\n")
    return True


def _bad_folder_name(ws: Path, scratch: Path) -> bool:
    folder = os.path.join(os.fsencode(ws), b"r\xe9sum\xe9s")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, b"plan.md"), "wb") as handle:
        handle.write(b"# Plan\n\nInside a folder whose name is not UTF-8.\n")
    return True


HOSTILE: list[Hostile] = [
    Hostile("special files", "notes/pipe.md", "named pipe", _fifo("notes/pipe.md")),
    Hostile("special files", "notes/zero.md", "character device", _char_device("notes/zero.md")),
    Hostile("special files", "notes/pipe-link.md", "link to a named pipe",
            _link("notes/pipe-link.md", lambda ws, s: ws / "notes" / "pipe.md")),
    Hostile("zip bombs", "reports/bomb-200mb.docx", "expand to", _write("reports/bomb-200mb.docx",
                                                                      lambda s: docx_bomb(s, 200))),
    Hostile("zip bombs", "reports/bomb-ratio.docx", "zip bomb", _write("reports/bomb-ratio.docx",
                                                                     lambda s: docx_bomb(s, 60))),
    Hostile("zip bombs", "reports/many-entries.docx", "entries", _write("reports/many-entries.docx",
                                                                      lambda s: docx_many_entries(s, 6000))),
    Hostile("zip bombs", "reports/lying-directory.docx", "docx", _write("reports/lying-directory.docx",
                                                                      docx_lying_directory)),
    Hostile("deep JSON", "metrics/deep.json", "nested", _write("metrics/deep.json", deep_json(5000))),
    Hostile("deep JSON", "metrics/deep-990.json", "nested", _write("metrics/deep-990.json", deep_json(990))),
    Hostile("malformed DOCX", "reports/bad-xml.docx", "docx", _write("reports/bad-xml.docx", docx_bad_xml)),
    Hostile("parse time", "reports/slow-table.docx", "longer than", _write("reports/slow-table.docx", docx_slow)),
    Hostile("symlinks", "notes/loop.md", "loop", _link("notes/loop.md", lambda ws, s: ws / "notes" / "loop.md")),
    Hostile("symlinks", "notes/cycle", "loop", _link("notes/cycle", lambda ws, s: ws / "notes")),
    Hostile("symlinks", "notes/outside-folder", "outside the workspace",
            _link("notes/outside-folder", _outside_folder)),
    Hostile("symlinks", "notes/broken.md", "broken", _link("notes/broken.md", lambda ws, s: ws / "nowhere.md")),
    Hostile("invalid names", "notes/caf\\xe9-latin1-name.md", "not valid UTF-8", _bad_name),
    Hostile("invalid names", "r\\xe9sum\\xe9s", "not valid UTF-8", _bad_folder_name),
]
