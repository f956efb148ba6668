"""The real-data development set format (``realdata-dev.yaml``) and its thresholds sidecar.

The dataset file lives outside the repo (``../shared/evals``) and is read as it is; its gold paths are relative
to a corpus folder. The thresholds that gate CI are ours, so they live in a sidecar YAML (beside the dataset, or
in ``evals/datasets/<stem>.thresholds.yaml``), calibrated on this set and never on the sample workspace alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from assistant.errors import ConfigError

Kind = Literal["alignment", "metric", "research", "theme", "unanswerable"]
DATASETS_DIR = Path(__file__).resolve().parents[1] / "datasets"


class RealQuestion(BaseModel):
    id: str
    kind: Kind
    question: str
    answerable: bool
    gold_sources: list[str] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)
    evidence: str = ""


class RealDataset(BaseModel):
    questions: list[RealQuestion]
    alignment: list[dict[str, Any]] = Field(default_factory=list)
    themes: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    name: str = "realdata"


def is_realdata(raw: object) -> bool:
    """Whether a parsed YAML document is in the real-data format (questions with ``kind`` and ``gold_sources``)."""
    if not isinstance(raw, dict):
        return False
    questions = raw.get("questions")
    return bool(questions) and isinstance(questions, list) and all(
        isinstance(q, dict) and "gold_sources" in q and "kind" in q for q in questions
    )


def thresholds_path(dataset: Path) -> Path | None:
    """The thresholds sidecar: ``<stem>.thresholds.yaml`` beside the dataset, else in ``evals/datasets``."""
    for folder in (dataset.parent, DATASETS_DIR):
        candidate = folder / f"{dataset.stem}.thresholds.yaml"
        if candidate.is_file():
            return candidate
    return None


def load_realdata(path: Path) -> RealDataset:
    """Read and validate the dataset and its sidecar; errors name the file and the problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such dataset file") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not is_realdata(raw):
        raise ConfigError(f"{path}: not a real-data set (questions need kind and gold_sources)")
    sidecar = thresholds_path(path)
    thresholds: dict[str, float] = {}
    if sidecar is not None:
        try:
            loaded = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
            thresholds = {str(k): float(v) for k, v in (loaded.get("thresholds") or {}).items()}
        except (yaml.YAMLError, AttributeError, TypeError, ValueError) as exc:
            raise ConfigError(f"{sidecar}: thresholds must be a mapping of metric name to number ({exc})") from exc
    try:
        return RealDataset.model_validate({**raw, "thresholds": thresholds, "name": path.stem})
    except ValueError as exc:
        raise ConfigError(f"{path}: invalid real-data set: {exc}") from exc
