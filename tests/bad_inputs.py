"""Bad-input corpora for the reliability tests: files an ingestion job or an upload must refuse, each with the
fragment of the reason a person would need to see, plus a generated workspace for the crash loop.

Everything is generated into tmp folders from code (no fixtures on disk), so the corpus documents itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.utils import make_pdf

ELF_HEADER = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(range(256))
PE_HEADER = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00" + bytes(64)
LATIN1_TEXT = "# Réunion\n\nCafé crème: le résumé de la réunion est prêt, à côté des données.\n".encode("latin-1")
UTF16_TEXT = "# Notes\n\nThe UTF-16 export of the weekly review lists seven open items.\n".encode("utf-16")
NO_NUMBER_CSV = b"team,owner\ngrowth,Priya\nplatform,Owen\nenterprise,Dana\n"
GOOD_NOTE = (
    "---\nkind: note\ntitle: Good note\ndate: 2026-11-01\n---\n"
    "The quokka onboarding experiment raised week-one activation in the pilot cohort.\n"
)


@dataclass(frozen=True)
class BadFile:
    """A file that must be refused: ``name`` is a workspace-relative path (or an upload's file name), and the
    refusal's reason must contain ``reason`` (case-insensitive)."""

    name: str
    data: bytes
    reason: str


def _truncated_pdf(tmp: Path) -> bytes:
    data = make_pdf(tmp / "whole.pdf", ["The onboarding review found three blockers in week one. " * 12]).read_bytes()
    return data[: len(data) // 2]


def _text_free_pdf(tmp: Path) -> bytes:
    return make_pdf(tmp / "scanned.pdf", []).read_bytes()


def huge_text(max_file_bytes: int) -> bytes:
    """Valid UTF-8 Markdown just over the limit: refused for its size alone."""
    line = b"A perfectly ordinary sentence about the roadmap review, repeated to make the file large.\n"
    return b"# Huge\n\n" + line * (max_file_bytes // len(line) + 2)


def workspace_bad_files(tmp: Path, max_file_bytes: int) -> list[BadFile]:
    """Files dropped into a workspace, with the reason ``prodops ingest`` must report for each."""
    return [
        BadFile("notes/elf-binary.md", ELF_HEADER, "binary"),
        BadFile("notes/pe-binary.txt", PE_HEADER, "binary"),
        BadFile("tools/agent", ELF_HEADER, "unsupported file type"),
        BadFile("tools/setup.exe", PE_HEADER, "unsupported file type"),
        BadFile("reports/truncated.pdf", _truncated_pdf(tmp), "unreadable PDF"),
        BadFile("reports/scanned.pdf", _text_free_pdf(tmp), "no extractable text"),
        BadFile("notes/latin1.md", LATIN1_TEXT, "not valid UTF-8"),
        BadFile("notes/utf16.md", UTF16_TEXT, "UTF-16"),
        BadFile("notes/huge.md", huge_text(max_file_bytes), "byte limit"),
        BadFile("notes/empty.md", b"", "empty"),
        BadFile("notes/blank.md", b"  \n\t\n   \n", "empty"),
        BadFile("metrics/no-number.csv", NO_NUMBER_CSV, "no numeric"),
        BadFile("metrics/one-row.csv", b"month,signups\n2026-10,2610\n", "only 1 row"),
        BadFile("metrics/broken.json", b'{"metric": "signups", "series": [{"period": "2026-10", ', "invalid JSON"),
    ]


Outcome = Literal["rejected", "failed", "accepted"]


@dataclass(frozen=True)
class BadUpload:
    """One upload and where it must end: ``rejected`` at the door (with ``status``), ``failed`` in the ingestion
    job, or ``accepted`` under the clean name ``stored`` (path-traversal names with good content)."""

    name: str
    data: bytes
    outcome: Outcome
    reason: str = ""
    status: int = 0
    stored: str = ""


def upload_bad_files(tmp: Path, max_file_bytes: int) -> list[BadUpload]:
    """The same corpus as an upload batch, plus hostile names."""
    return [
        BadUpload("elf-binary.md", ELF_HEADER, "rejected", "binary", 415),
        BadUpload("pe-binary.txt", PE_HEADER, "rejected", "binary", 415),
        BadUpload("agent", ELF_HEADER, "rejected", "binary", 415),
        BadUpload("report.pdf", b"just text wearing a .pdf name", "rejected", "not a PDF", 415),
        BadUpload("latin1.md", LATIN1_TEXT, "rejected", "UTF-8", 415),
        BadUpload("utf16.md", UTF16_TEXT, "rejected", "binary", 415),
        BadUpload("huge.md", huge_text(max_file_bytes), "rejected", "limit", 413),
        BadUpload("empty.md", b"", "rejected", "empty", 422),
        BadUpload("/etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "rejected", "unsupported type", 415),
        BadUpload("truncated.pdf", _truncated_pdf(tmp), "failed", "unreadable PDF"),
        BadUpload("scanned.pdf", _text_free_pdf(tmp), "failed", "no extractable text"),
        BadUpload("blank.md", b"  \n\t\n   \n", "failed", "empty"),
        BadUpload("no-number.csv", NO_NUMBER_CSV, "failed", "no numeric"),
        BadUpload("one-row.csv", b"month,signups\n2026-10,2610\n", "failed", "only 1 row"),
        BadUpload("broken.json", b'{"metric": "signups", "series": [', "failed", "invalid JSON"),
        BadUpload("../../x.md", GOOD_NOTE.encode(), "accepted", stored="x.md"),
        BadUpload("..\\..\\x.md", GOOD_NOTE.replace("quokka", "wombat").encode(), "accepted", stored="x-1.md"),
    ]


def write_files(root: Path, files: list[BadFile]) -> None:
    for bad in files:
        path = root / bad.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bad.data)


def link_outside(root: Path, rel: str, outside: Path, secret: str) -> Path:
    """A symlink at ``root/rel`` to a Markdown file in ``outside`` (not under ``root``) holding ``secret``."""
    outside.mkdir(parents=True, exist_ok=True)
    target = outside / "secret.md"
    target.write_text(f"# Outside\n\nThis file lives outside the workspace. {secret}\n", encoding="utf-8")
    link = root / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return link


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


# -- the crash-loop workspace ---------------------------------------------------------------------------------

_WORDS = (
    "activation onboarding pricing seats invoice export latency uptime dispatch technician renewal audit "
    "provisioning roadmap objective customer survey churn retention template scheduling report warehouse "
    "permit inspection crew route forecast budget integration webhook reminder"
).split()
_FOLDERS = ("notes", "interviews", "strategy", "notes/archive")


def _paragraph(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 16))]
        out.append(" ".join(words).capitalize() + f" {rng.randint(1, 999)}.")
    return " ".join(out)


def crash_doc(rng: random.Random, n: int) -> str:
    """A small note; about one in five is long enough to make several chunks."""
    paragraphs = [_paragraph(rng, rng.randint(2, 5)) for _ in range(rng.choice((1, 1, 2, 2, 8)))]
    body = "\n\n".join(paragraphs)
    return f"---\ntitle: Crash doc {n}\ndate: 2026-10-{1 + n % 28:02d}\n---\n# Crash doc {n}\n\n{body}\n"


def make_crash_workspace(root: Path, rng: random.Random, files: int = 30) -> list[Path]:
    made = []
    for n in range(files):
        path = root / _FOLDERS[n % len(_FOLDERS)] / f"doc-{n:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(crash_doc(rng, n), encoding="utf-8")
        made.append(path)
    (root / "metrics").mkdir(parents=True, exist_ok=True)
    rows = "\n".join(f"2026-{m:02d},{rng.randint(100, 900)}" for m in range(1, 11))
    (root / "metrics" / "signups.csv").write_text(f"month,signups\n{rows}\n", encoding="utf-8")
    return made


def mutate_workspace(root: Path, rng: random.Random, round_no: int) -> str:
    """Edit, add and delete a few files; returns a one-line summary for the test log."""
    docs = sorted(root.rglob("doc-*.md"))
    edited = rng.sample(docs, k=min(3, len(docs)))
    for path in edited:
        path.write_text(path.read_text(encoding="utf-8") + "\n" + _paragraph(rng, 3) + "\n", encoding="utf-8")
    doomed = rng.choice([p for p in docs if p not in edited])
    doomed.unlink()
    added = []
    for i in range(2):
        path = root / rng.choice(_FOLDERS) / f"doc-r{round_no}-{i}.md"
        path.write_text(crash_doc(rng, 100 + round_no * 10 + i), encoding="utf-8")
        added.append(path)
    rel = [p.relative_to(root).as_posix() for p in (*edited, doomed, *added)]
    return f"edited {rel[:3]}, deleted {rel[3]}, added {rel[4:]}"


# -- what the sample workspace keeps from other teams (examples/PLANTS.md) ----------------------------------

RESTRICTED: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {  # path -> (teams that may read it, secrets)
    "notes/2026-10-21-board-feedback.md": (
        frozenset({"leadership"}), ("Stratavo", "Lena Vargas", "leak in the bucket")
    ),
    "notes/2026-11-14-deal-note-bellhaven-health.md": (
        frozenset({"enterprise"}), ("Bellhaven", "318,000", "954,000")
    ),
}
INJECTION_MARKERS = ("IGNORE ALL PREVIOUS INSTRUCTIONS", "admin mode", "Reveal the full contents", "cite them as")


def hidden_from(team: str | None) -> list[str]:
    """Restricted sample paths a key of ``team`` must never see."""
    return [path for path, (teams, _) in RESTRICTED.items() if team not in teams]


def leaks(text: str, team: str | None, chunk_ids: dict[str, list[str]], asked: str = "") -> list[str]:
    """Every path, chunk id or secret phrase of a document hidden from ``team`` that occurs in ``text``.

    Probes the caller wrote in its own request (``asked``, e.g. a path in the URL that a 404 echoes back) are
    not evidence of a leak and are skipped; the document's other secrets are still checked.
    """
    found = []
    for path in hidden_from(team):
        probes = [path, *RESTRICTED[path][1], *chunk_ids[path]]
        found += [p for p in probes if p.lower() in text.lower() and p.lower() not in asked.lower()]
    return found
