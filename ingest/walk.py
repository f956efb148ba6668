"""Walking a workspace without ever hanging on, crashing on, or silently skipping what is in it.

Everything is decided from ``lstat``/``stat`` and directory listings, never by opening a file: a named pipe
would block an ``open`` forever and a character device would stream without end. What cannot be ingested is
reported with the reason a person can act on:

- special files (named pipes, sockets, devices): not documents;
- links that point outside the workspace (files or folders), links in a loop, broken links;
- names that are not valid UTF-8 (they could not be stored or shown faithfully);
- folders that cannot be listed: reported, and their stored documents are kept (see :class:`Scan.unreadable`).

A link to a folder inside the workspace is not followed: its files are ingested under their real path.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from assistant.schemas import FailedFile

SIDECAR_SUFFIXES = (".meta.yaml", ".meta.yml")
CONFIG_DIRS = frozenset({"cadences"})  # workspace configuration folders, never ingested
SKIPPED_DIRS = frozenset({"__pycache__"})


@dataclass
class Scan:
    """What a walk found: candidate files, per-path problems, and folders that could not be listed."""

    files: list[Path] = field(default_factory=list)
    problems: list[FailedFile] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # workspace-relative folders ("" is the root itself)

    def covers(self, rel: str) -> bool:
        """Whether ``rel`` lies in a folder this walk could not list (its stored version must be kept)."""
        return any(folder == "" or rel == folder or rel.startswith(folder + "/") for folder in self.unreadable)


def display_name(rel: str) -> str:
    """A path fit for a report and for JSON: bytes that are not UTF-8 are shown as ``\\xNN`` escapes."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def special_kind(mode: int) -> str | None:
    """"a named pipe (FIFO)", "a socket", ... for a mode that is neither a regular file nor a folder."""
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((name for test, name in kinds if test(mode)), None)


def excluded(rel: str) -> bool:
    """Whether discovery skips ``rel`` by rule (hidden, caches, sidecars, top-level configuration folders)."""
    parts = rel.split("/")
    if any(p.startswith(".") or p in SKIPPED_DIRS for p in parts) or parts[0] in CONFIG_DIRS and len(parts) > 1:
        return True
    return parts[-1].lower().endswith(SIDECAR_SUFFIXES)


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Walker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = Path(os.path.realpath(root))
        self.scan = Scan()

    def _report(self, rel: str, reason: str) -> None:
        self.scan.problems.append(FailedFile(path=display_name(rel), error=reason))

    def walk(self, folder: Path, rel: str) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            self.scan.unreadable.append(rel)
            where = f"folder {display_name(rel)}/" if rel else "the workspace folder"
            self.scan.problems.append(FailedFile(
                path=display_name(rel) or ".",
                error=f"{where} cannot be read ({exc.strerror or exc}); its stored documents are kept until it "
                "can be read again; fix its permissions",
            ))
            return
        for entry in entries:
            child = f"{rel}/{entry.name}" if rel else entry.name
            if excluded(child):
                continue
            if not _utf8(entry.name):
                self._report(child, "the name is not valid UTF-8 (shown with \\x escapes); rename it with UTF-8 "
                             "characters so it can be stored and shown")
                continue
            self._entry(entry, child)

    def _entry(self, entry: os.DirEntry[str], rel: str) -> None:
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            self._report(rel, f"cannot be examined ({exc.strerror or exc}); check its permissions")
            return
        if stat.S_ISLNK(mode):
            self._link(Path(entry.path), rel)
        elif stat.S_ISDIR(mode):
            self.walk(Path(entry.path), rel)
        elif stat.S_ISREG(mode):
            self.scan.files.append(Path(entry.path))
        else:
            self._report(rel, f"is {special_kind(mode) or 'not a regular file'}, not a document; skipped without "
                         "reading it")

    def _link(self, path: Path, rel: str) -> None:
        try:
            target_mode = os.stat(path).st_mode  # follows the link; ELOOP for a loop, ENOENT when broken
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self._report(rel, "is a symbolic link in a loop (it points back to itself); remove or fix the link")
            else:
                self._report(rel, f"is a broken symbolic link ({exc.strerror or exc}); remove it or fix its target")
            return
        target = Path(os.path.realpath(path))
        inside = target == self.real_root or target.is_relative_to(self.real_root)
        if stat.S_ISDIR(target_mode):
            if not inside:
                self._report(rel, "is a link to a folder outside the workspace; it is not followed: copy the "
                             "folder into the workspace instead")
            elif Path(os.path.realpath(path.parent)).is_relative_to(target):
                self._report(rel, "is a link to a folder that contains it (a loop); it is not followed: remove it")
            return  # a link to a folder inside the workspace: its files are ingested under their real path
        if not inside:
            self._report(rel, "is a link to a file outside the workspace; copy the file into the workspace instead")
        elif stat.S_ISREG(target_mode):
            self.scan.files.append(path)
        else:
            self._report(rel, f"is a link to {special_kind(target_mode) or 'something that is not a regular file'}, "
                         "not a document; skipped without reading it")


def scan(root: Path) -> Scan:
    """Every candidate file under ``root`` (sorted by relative path, so runs are reproducible) and every problem.

    Hidden files and folders (``.git``, ``.DS_Store``), ``__pycache__`` and metadata sidecars are skipped by
    rule; unsupported file types are kept so that ingestion reports them instead of ignoring them silently. A
    top-level ``cadences/`` folder is configuration (read by :mod:`assistant.checkins.cadences`), not knowledge.
    """
    walker = _Walker(root)
    walker.walk(root, "")
    walker.scan.files.sort(key=lambda p: p.relative_to(root).as_posix())
    return walker.scan
