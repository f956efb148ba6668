"""Reading a multipart upload as it streams in, with the limits enforced on the way.

A framework's form parser spools every file of a request to disk before the route runs, so a 1.5 GB upload
costs 1.5 GB of disk before its 413. Here the body is parsed chunk by chunk (python-multipart): each file goes
to a private temporary file whose size is counted as it arrives, and the request is refused the moment a file
passes ``max_file_bytes`` or the request brings more than ``max_files`` files; a declared ``Content-Length``
that could not fit is refused before a byte is read. On refusal every temporary file of the request is removed,
so nothing of it stays on disk.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

MAX_FIELD_BYTES = 4096  # form fields besides files (``kind``) are short words
_OVERHEAD = 64 * 1024  # per-part headers and boundaries, generously


class UploadError(Exception):
    """The request as a whole is refused; ``status`` is the HTTP status, ``detail`` the response detail."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail


@dataclass
class Received:
    """One uploaded file, in a temporary file until it is checked and placed."""

    name: str  # as the client sent it
    path: Path
    size: int


@dataclass
class Form:
    files: list[Received] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        for item in self.files:
            item.path.unlink(missing_ok=True)


class _Reader:
    def __init__(self, incoming: Path, max_file_bytes: int, max_files: int) -> None:
        self.incoming = incoming
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.form = Form()
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._filename: str | None = None
        self._out: BinaryIO | None = None
        self._value = b""
        self._size = 0

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: setattr(self, "_header_field", self._header_field + d[s:e]),
            "on_header_value": lambda d, s, e: setattr(self, "_header_value", self._header_value + d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers, self._name, self._filename, self._value, self._size = {}, "", None, b"", 0

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b"").decode("latin-1"))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        raw = options.get(b"filename")
        self._filename = None if raw is None else raw.decode("utf-8", "replace")
        if self._filename is not None:
            if len(self.form.files) >= self.max_files:
                raise UploadError(413, f"at most {self.max_files} files per upload (PRODOPS_MAX_UPLOAD_FILES)")
            fd, path = tempfile.mkstemp(dir=self.incoming, prefix="part-")
            self._out = os.fdopen(fd, "wb")
            self.form.files.append(Received(name=self._filename, path=Path(path), size=0))

    def _data(self, data: bytes, start: int, end: int) -> None:
        self._size += end - start
        if self._filename is None:
            if self._size > MAX_FIELD_BYTES:
                raise UploadError(422, f"form field {self._name!r} is longer than {MAX_FIELD_BYTES} bytes")
            self._value += data[start:end]
            return
        if self._size > self.max_file_bytes:
            detail = [{"path": self._filename, "error": (
                f"over the {self.max_file_bytes:,}-byte limit (PRODOPS_MAX_FILE_BYTES); the upload was stopped "
                "there and nothing from this request was stored")}]
            raise UploadError(413, detail)
        assert self._out is not None
        self._out.write(data[start:end])

    def _part_end(self) -> None:
        if self._filename is None:
            self.form.fields[self._name] = self._value.decode("utf-8", "replace")
            return
        assert self._out is not None
        self._out.close()
        self._out = None
        self.form.files[-1].size = self._size

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


async def read_upload(request: Request, incoming: Path, max_file_bytes: int, max_files: int) -> Form:
    """The files and fields of a ``multipart/form-data`` request, each file in a temporary file under
    ``incoming``; raises :class:`UploadError` (nothing left on disk) when a limit is passed or the body is bad."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadError(422, "send the documents as multipart/form-data with one `files` part per document")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_files * (max_file_bytes + _OVERHEAD) + _OVERHEAD:
        raise UploadError(413, f"the request is {int(declared):,} bytes, more than {max_files} files of at most "
                          f"{max_file_bytes:,} bytes each can be (PRODOPS_MAX_UPLOAD_FILES, PRODOPS_MAX_FILE_BYTES)")
    incoming.mkdir(parents=True, exist_ok=True)
    reader = _Reader(incoming, max_file_bytes, max_files)
    parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
    complete = False
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
        complete = True
    except (MultipartParseError, ValueError) as exc:
        raise UploadError(422, f"malformed multipart body ({exc}); send one `files` part per document") from exc
    finally:
        reader.close()
        if not complete:  # refused, malformed or the client went away: nothing of this request stays
            reader.form.discard()
    return reader.form
