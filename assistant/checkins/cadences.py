"""Cadences: the company's recurring check-ins (quarterly strategy review, monthly roadmap check-in) as files.

Product ops wants every team to report the same way, so a cadence fixes a review's period, participants, inputs
(which objectives, metrics, roadmaps and research) and output template in one small YAML file kept in the
workspace's ``cadences/`` folder, beside the documents it reviews (and skipped by ingestion). A workspace
without that folder gets the default shipped in ``prompts/cadences/``. Files are validated strictly: a typo in a
field name is an error naming the file and the field, not a silently ignored option.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import NotFound, ProdopsError
from assistant.periods import PeriodKind
from assistant.reports import TEMPLATES_DIR

CADENCES_DIR = "cadences"
DEFAULTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "cadences"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class CadenceInputs(BaseModel):
    """What a check-in pulls in. ``"all"`` or a list; ``research`` is off, on, or a number of days back."""

    model_config = ConfigDict(extra="forbid")

    objectives: Literal["all"] | list[str] = "all"
    metrics: Literal["all"] | list[str] = "all"
    roadmaps: Literal["all"] | list[str] = Field(default="all", description="Teams whose roadmap items count.")
    research: bool | int = Field(default=False, description="true: all interviews up to the period end; N: only "
                                 "the N days before it; false: no research section.")

    @field_validator("research")
    @classmethod
    def _days_positive(cls, value: bool | int) -> bool | int:
        if not isinstance(value, bool) and value < 1:
            raise ValueError("research takes true, false or a number of days (1 or more)")
        return value

    def wants(self, field: Literal["objectives", "metrics", "roadmaps"], value: str | None) -> bool:
        """Whether ``value`` (an objective id, metric name or team) is among this input's choices."""
        chosen = getattr(self, field)
        if chosen == "all":
            return True
        key = _key(value or "")
        return any(_key(c) == key for c in chosen)


class Cadence(BaseModel):
    """One recurring check-in, as defined by a YAML file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    slug: str = Field(default="", description="Defaults to the file name; names the history folder.")
    description: str = ""
    period: PeriodKind
    participants: list[str] = Field(default_factory=list, description="Teams in the meeting; empty: every team.")
    inputs: CadenceInputs = Field(default_factory=CadenceInputs)
    template: str = Field(default="checkin", description="A template name in assistant/templates, or a path "
                          "(without .md.j2/.html.j2) relative to the workspace.")
    source: str | None = Field(default=None, description="The file it was loaded from.")
    template_dir: str | None = Field(default=None, description="Set when the template is a workspace file.")

    @field_validator("slug")
    @classmethod
    def _slug_safe(cls, value: str) -> str:
        if value and not _SLUG.match(value):
            raise ValueError("use lower-case letters, digits and dashes (it becomes a folder name)")
        return value


def _key(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())


def load_cadence_file(path: Path, workspace: Path | None = None) -> Cadence:
    """One cadence file, validated; workspace templates are checked to exist.

    Raises:
        ProdopsError: unreadable YAML or an invalid field, naming the file and the field.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ProdopsError(f"{path}: invalid YAML{line}: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(raw, dict):
        raise ProdopsError(f"{path}: a cadence file must be a mapping (name:, period:, inputs:, ...)")
    try:
        cadence = Cadence.model_validate({**raw, "source": str(path)})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise ProdopsError(f"{path}: field {field!r}: {first['msg']}") from exc
    cadence.slug = cadence.slug or path.stem
    if not _SLUG.match(cadence.slug):
        raise ProdopsError(f"{path}: field 'slug': file name {path.stem!r} is not a valid slug; set slug:")
    _check_template(cadence, path, workspace)
    return cadence


def _check_template(cadence: Cadence, path: Path, workspace: Path | None) -> None:
    name = cadence.template
    if "/" not in name and (TEMPLATES_DIR / f"{name}.md.j2").is_file():
        return
    if workspace is not None:
        base = (workspace / name).resolve()
        inside = base.is_relative_to(workspace.resolve())
        if inside and any((base.parent / f"{base.name}.{fmt}.j2").is_file() for fmt in ("md", "html")):
            cadence.template_dir = str(base.parent)
            cadence.template = base.name
            return
    raise ProdopsError(f"{path}: field 'template': no built-in template {name!r} (assistant/templates/"
                       f"{name}.md.j2) and no workspace file {name}.md.j2 or {name}.html.j2")


def load_cadences(workspace: Path | None) -> list[Cadence]:
    """The workspace's cadences (``<workspace>/cadences/*.yaml``), else the shipped defaults, by slug.

    Raises:
        ProdopsError: a bad file, or two files with the same slug.
    """
    folder = workspace / CADENCES_DIR if workspace is not None else None
    files = sorted(folder.glob("*.y*ml")) if folder is not None and folder.is_dir() else []
    from_workspace = bool(files)
    if not files:
        files = sorted(DEFAULTS_DIR.glob("*.y*ml"))
    cadences: dict[str, Cadence] = {}
    for path in files:
        cadence = load_cadence_file(path, workspace if from_workspace else None)
        if cadence.slug in cadences:
            raise ProdopsError(f"{path}: slug {cadence.slug!r} is already used by {cadences[cadence.slug].source}")
        cadences[cadence.slug] = cadence
    return sorted(cadences.values(), key=lambda c: c.slug)


def find_cadence(workspace: Path | None, name: str) -> Cadence:
    """A cadence by slug or by name (case-insensitive).

    Raises:
        NotFound: no such cadence; the message lists the ones there are.
    """
    cadences = load_cadences(workspace)
    for cadence in cadences:
        if name.strip().lower() in (cadence.slug, cadence.name.lower()):
            return cadence
    known = ", ".join(c.slug for c in cadences) or "none"
    raise NotFound(f"unknown cadence {name!r}; defined: {known}")
