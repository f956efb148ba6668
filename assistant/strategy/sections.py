"""The section template of a strategy draft (``prompts/strategy_sections.yaml`` or the author's own file).

A section says what belongs in it three ways: a brief (the model's instruction), a description (what a fitting
sentence sounds like, compared with each note sentence by meaning) and cue-word families (the words that
make a sentence a risk, a target or a customer's word; embeddings of short notes blur exactly those).
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from assistant.errors import ProdopsError
from assistant.prompting import PROMPTS_DIR


class SectionSpec(BaseModel):

    heading: str
    brief: str
    description: str = ""
    cues: list[str] = Field(default_factory=list)
    require_cue: bool = False
    cue_weight: float = Field(default=0.1, ge=0, le=1)
    max_sentences: int = Field(default=8, ge=1, le=50)

    @field_validator("cues")
    @classmethod
    def _valid_patterns(cls, cues: list[str]) -> list[str]:
        for cue in cues:
            try:
                re.compile(cue)
            except re.error as exc:
                raise ValueError(f"cue {cue!r} is not a valid regular expression: {exc}") from exc
        return cues

    @cached_property
    def cue_pattern(self) -> re.Pattern[str] | None:
        """All cues as one pattern matched at word starts (None when the section has no cues)."""
        if not self.cues:
            return None
        return re.compile(r"(?<![\w'’])(?:" + "|".join(f"(?:{c})" for c in self.cues) + ")", re.I)

    @property
    def meaning(self) -> str:
        """The text embedded to compare note sentences with: the description, else heading and brief."""
        return self.description or f"{self.heading}: {self.brief}"

    def cue_count(self, text: str) -> int:
        """How many distinct cue words of this section the text holds."""
        pattern = self.cue_pattern
        return len({m.group(0).lower() for m in pattern.finditer(text)}) if pattern else 0


def load_sections(path: Path | None = None) -> list[SectionSpec]:
    """Section template: ``prompts/strategy_sections.yaml`` unless another YAML file is given.

    Raises:
        ProdopsError: the file is missing, is not YAML, or a section is malformed (named, with the field).
    """
    source = path or PROMPTS_DIR / "strategy_sections.yaml"
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProdopsError(f"cannot read the section template {source}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ProdopsError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list) or not data["sections"]:
        raise ProdopsError(f"{source} needs a `sections:` list of {{heading, brief}} entries")
    sections = []
    for n, raw in enumerate(data["sections"], start=1):
        try:
            sections.append(SectionSpec.model_validate(raw))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
            raise ProdopsError(f"{source}, section {n}: {problems}") from exc
    return sections
