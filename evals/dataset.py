"""The golden-set file format (YAML), validated with pydantic so a typo in a dataset fails loudly.

A dataset names the workspace it runs against, the thresholds that gate CI, and three kinds of cases:
questions (answerable or not, with the sources that should be retrieved and the key facts a good answer
states), strategy-draft cases and theme cases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from assistant.errors import ConfigError


class QuestionCase(BaseModel):
    id: str
    question: str
    category: Literal["alignment", "metrics", "research", "themes", "strategy", "contacts"]
    answerable: bool = True
    relevant_sources: list[str] = Field(default_factory=list, description="Workspace paths a good retrieval finds.")
    key_facts: list[str] = Field(
        default_factory=list, description="Short strings (names, ids, numbers) a good answer contains."
    )
    team: str | None = Field(default=None, description="Ask with this team's scope (default: unrestricted).")


class DraftCase(BaseModel):
    id: str
    title: str
    source: str = Field(alias="from")
    must_flag_sources: list[str] = Field(
        default_factory=list, description="Notes whose planted figure must appear among metric conflicts."
    )
    min_cited_sections: int = 3


class ThemeCase(BaseModel):
    id: str
    label_contains: str = Field(description="A word the theme's label must contain, e.g. 'sso'.")
    min_customers: int
    min_teams: int = 1
    contradicted_by: list[str] = Field(default_factory=list, description="Companies quoted against the theme.")


class Dataset(BaseModel):
    name: str
    workspace: str = Field(description="Relative to the dataset file, or absolute.")
    thresholds: dict[str, float]
    questions: list[QuestionCase]
    drafts: list[DraftCase] = Field(default_factory=list)
    themes: list[ThemeCase] = Field(default_factory=list)

    def workspace_path(self, dataset_file: Path) -> Path:
        path = Path(self.workspace)
        return path if path.is_absolute() else (dataset_file.parent / path).resolve()


def load_dataset(path: Path) -> Dataset:
    """Read and validate a dataset; errors name the file and what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Dataset.model_validate(data)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such dataset file") from exc
    except (yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"{path}: invalid dataset: {exc}") from exc
