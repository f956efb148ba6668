"""Assemble the evaluation workspace from the corpus: the gold files plus realistic distractors.

Answering from the gold file alone would be too easy; a company's knowledge base holds the whole handbook,
every metric export and many interviews. So the workspace holds every file the questions need, all Sourcegraph
pages, all Buffer tables and at least ``min_transcripts`` podcast transcripts, copied with their
corpus-relative paths (those are the source ids the gold paths name).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from evals.realdata.dataset import RealDataset

DISTRACTOR_FOLDERS = ("sourcegraph-handbook", "buffer-metrics")
TRANSCRIPTS = "lennys-podcast/episodes"
SUFFIXES = frozenset({".md", ".mdx", ".html", ".htm", ".csv", ".tsv", ".json", ".txt"})


def _episode_files(corpus: Path) -> list[Path]:
    return sorted((corpus / TRANSCRIPTS).glob("*/transcript.md"))


def workspace_files(dataset: RealDataset, corpus: Path, min_transcripts: int = 20) -> list[str]:
    """Corpus-relative paths of the evaluation workspace, sorted."""
    chosen: set[str] = {g for q in dataset.questions for g in q.gold_sources}
    chosen |= {str(item["path"]) for item in dataset.alignment if item.get("path")}
    for episode in dataset.themes.get("episodes", []):
        chosen.add(f"{TRANSCRIPTS}/{episode}/transcript.md")
    for folder in DISTRACTOR_FOLDERS:
        chosen |= {
            p.relative_to(corpus).as_posix()
            for p in (corpus / folder).rglob("*")
            if p.is_file() and p.suffix.lower() in SUFFIXES
        }
    transcripts = [p for p in chosen if p.startswith(TRANSCRIPTS)]
    for path in _episode_files(corpus):
        if len(transcripts) >= min_transcripts:
            break
        rel = path.relative_to(corpus).as_posix()
        if rel not in chosen:
            chosen.add(rel)
            transcripts.append(rel)
    return sorted(chosen)


def assemble(dataset: RealDataset, corpus: Path, dest: Path, min_transcripts: int = 20) -> list[str]:
    """Copy the workspace's files under ``dest`` (unchanged files are left alone, so a reused dir stays warm)."""
    files = workspace_files(dataset, corpus, min_transcripts)
    missing = [f for f in files if not (corpus / f).is_file()]
    if missing:
        from assistant.errors import ConfigError

        raise ConfigError(f"corpus {corpus} lacks {len(missing)} gold file(s), e.g. {missing[0]}: pass --corpus DIR")
    for rel in files:
        target = dest / rel
        source = corpus / rel
        if target.is_file() and target.stat().st_size == source.stat().st_size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return files
