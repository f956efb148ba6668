"""Factories for sample source files (Markdown, transcripts, tables, PDF, DOCX) written into tmp_path."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from assistant.config import Settings
from assistant.schemas import ParsedSource
from ingest.sources import load_source

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the repository; PRODOPS_SHARED_DIR points elsewhere (e.g. from a git worktree).
SHARED = Path(os.environ.get("PRODOPS_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
CORPUS = SHARED / "corpus"


def settings(**overrides: Any) -> Settings:
    """Settings for tests: defaults only (no .env, no PRODOPS_* from the environment leaking in)."""
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


def write(root: Path, rel: str, content: str | bytes) -> Path:
    """Write a file under ``root`` (creating folders) and return its path."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def markdown(body: str, **meta: Any) -> str:
    """A Markdown document with YAML frontmatter built from keyword arguments (none: no frontmatter)."""
    if not meta:
        return body
    return f"---\n{yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)}---\n{body}"


def sidecar(root: Path, rel: str, **meta: Any) -> Path:
    """Write ``<rel>.meta.yaml`` next to a file."""
    return write(root, rel + ".meta.yaml", yaml.safe_dump(meta, sort_keys=False))


def csv_text(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def make_pdf(path: Path, paragraphs: list[str], title: str | None = None, password: str | None = None) -> Path:
    """A text PDF (one paragraph per block) via fpdf2; no paragraphs gives a page without any text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    pdf.add_page()
    if paragraphs:
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(4)
    else:
        pdf.rect(20, 20, 60, 40)  # drawing only: what a scanned page looks like to a text extractor
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_docx(path: Path, blocks: list[tuple[str, str]], title: str | None = None) -> Path:
    """A .docx via python-docx; blocks are (style, text) with styles such as "Heading 1", "List Bullet",
    "Normal", or ("table", "a|b;c|d") for a table whose rows are ";"-separated and cells "|"-separated."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for style, text in blocks:
        if style == "table":
            rows = [row.split("|") for row in text.split(";")]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            document.add_paragraph(text, style=style)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def load(root: Path, rel: str, **overrides: Any) -> ParsedSource:
    """load_source with test settings."""
    return load_source(root, root / rel, settings(**overrides))
