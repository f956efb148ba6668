"""Limits checked before any parser sees a file, so one hostile or broken file costs little and stops nothing.

- :func:`read_regular` opens only regular files (a FIFO would block ``open`` forever, a device would stream
  without end), non-blocking and checked again on the open handle, and never reads past the size limit.
- :func:`check_json` refuses JSON nested deeper than the limit (the C parser would recurse until
  ``RecursionError``) or larger than the JSON size limit, in one linear pass without parsing.
- :func:`check_zip` reads a DOCX's zip directory only (no decompression) and refuses archives whose entries
  would expand past the total size limit, at a bomb-like ratio, or in absurd numbers. ``zipfile`` stops at each
  entry's declared size, so an archive cannot expand past what its directory claims.

Each raises :class:`~ingest.loaders.LoaderError` (content) or :class:`~assistant.errors.SourceError` (the file
itself) with what to do about it.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from itertools import accumulate
from typing import BinaryIO

from assistant.config import Settings
from assistant.errors import SourceError
from ingest.loaders import LoaderError
from ingest.walk import special_kind

_BIG_ENTRY = 1_000_000  # entries smaller than this may compress at any ratio: they cannot hurt
_BLOCK = 1 << 20
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def open_regular(path: str | os.PathLike[str], rel: str) -> BinaryIO:
    """A binary handle on a regular file; a FIFO, socket or device is refused from ``stat`` alone, and the open
    is non-blocking and checked again on the handle (in case the path was swapped in between)."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise SourceError(rel, f"is {special_kind(mode) or 'not a regular file'}, not a document; skipped without "
                          "reading it")
    handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)), "rb")
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise SourceError(rel, "changed into something that is not a regular file while being read; skipped")
    return handle


def read_regular(path: str | os.PathLike[str], rel: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` of them; anything else is refused without reading."""
    with open_regular(path, rel) as handle:
        opened = os.fstat(handle.fileno())
        if opened.st_size > max_bytes:
            raise SourceError(rel, too_big(opened.st_size, max_bytes))
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SourceError(rel, too_big(len(data), max_bytes))
    return data


def too_big(size: int, limit: int, setting: str = "PRODOPS_MAX_FILE_BYTES") -> str:
    return f"file is {size:,} bytes, over the {limit:,}-byte limit; split it or raise {setting}"


def check_json(text: str, settings: Settings) -> None:
    """Refuse JSON over the size limit or nested deeper than the depth limit (strings don't count)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > settings.max_json_bytes:
        raise LoaderError(f"JSON file is {size:,} bytes, over the {settings.max_json_bytes:,}-byte limit for JSON; "
                          "export the metric table as CSV or raise PRODOPS_MAX_JSON_BYTES")
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)
    if depth > settings.max_json_depth:
        raise LoaderError(f"JSON nested {depth} levels deep, over the limit of {settings.max_json_depth}; a metric "
                          "report needs a few levels: flatten it or export it as CSV")


def check_zip(data: bytes, settings: Settings, what: str = "DOCX") -> None:
    """Refuse a zip-based document whose directory promises a decompression bomb, before anything is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise LoaderError(f"unreadable {what} (not a valid zip archive: {exc}); re-save it as .{what.lower()}") from exc
    fix = "re-save the document without embedded copies or large media, or raise {}"
    if len(entries) > settings.max_zip_entries:
        raise LoaderError(f"{what} archive has {len(entries):,} entries, over the limit of "
                          f"{settings.max_zip_entries:,}; " + fix.format("PRODOPS_MAX_ZIP_ENTRIES"))
    total = sum(max(e.file_size, 0) for e in entries)
    if total > settings.max_unzipped_bytes:
        raise LoaderError(f"{what} would expand to {total:,} bytes, over the {settings.max_unzipped_bytes:,}-byte "
                          "limit; " + fix.format("PRODOPS_MAX_UNZIPPED_BYTES"))
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _BIG_ENTRY and ratio > settings.max_zip_ratio:
            raise LoaderError(f"{what} entry {entry.filename} expands {ratio:,.0f} times ({entry.compress_size:,} to "
                              f"{entry.file_size:,} bytes), over the limit of {settings.max_zip_ratio} (a zip bomb?); "
                              + fix.format("PRODOPS_MAX_ZIP_RATIO"))
    _verify_entries(archive, entries, what)


def _verify_entries(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], what: str) -> None:
    """Inflate each compressed entry once, a block at a time, so a directory that understates sizes is caught
    (``zipfile`` stops at the declared size and the CRC fails) before a parser inflates it in one piece."""
    for entry in entries:
        if entry.compress_type == zipfile.ZIP_STORED or entry.is_dir():
            continue
        try:
            with archive.open(entry) as stream:
                while stream.read(_BLOCK):
                    pass
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
            raise LoaderError(f"unreadable {what}: entry {entry.filename} does not match the archive's directory "
                              f"({exc}); re-save it as .{what.lower()}") from exc
