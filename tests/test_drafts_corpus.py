"""A strategy draft from 8 real strategy pages of the Sourcegraph handbook (read from ../shared at test time,
never copied here): only prose, no table row, question, placeholder, heading or repeated sentence, and a risks
section that holds risks or says it has none."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.runtime import Runtime
from assistant.strategy.draft import NOT_COVERED, draft_strategy
from assistant.strategy.prose import plain_text
from tests.test_drafts import RISK_WORDS
from tests.utils import CORPUS

HANDBOOK = CORPUS / "sourcegraph-handbook" / "content" / "strategy-goals"
PAGES = [
    "strategy/index.md",
    "strategy/search/index.md",
    "strategy/batch-changes/index.md",
    "goals/2022_annual.md",
    "goals/2023_Q1.md",
    "cross-functional-projects/index.md",
    "cross-functional-projects/deliver-a-world-class-admin-experience.md",
    "cross-functional-projects/revamp-pricing-and-packaging.md",
]
PLACEHOLDER = re.compile(r"Teammate [XYZ]\b|\bTBD\b|\bX{2,}\b|X+%|\{\{|<[a-z ]+>|\?\?\?|\bN\d+\b")
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not all((HANDBOOK / p).exists() for p in PAGES), reason="../shared corpus is absent"),
]


def _table_cells(text: str) -> set[str]:
    cells = set()
    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            cells.update(" ".join(c.split()) for c in line.strip().strip("|").split("|") if len(c.split()) >= 4)
    return cells


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def test_draft_from_real_handbook_pages(tmp_path: Path, make_runtime: Callable[..., Runtime]) -> None:
    from ingest.pipeline import ingest_paths

    notes = tmp_path / "ws" / "notes"
    notes.mkdir(parents=True)
    cells: set[str] = set()
    headings: set[str] = set()
    for page in PAGES:
        source = HANDBOOK / page
        shutil.copy(source, notes / page.replace("/", "_"))
        text = source.read_text(encoding="utf-8")
        cells |= _table_cells(text)
        headings |= {_normal(h) for h in re.findall(r"^#+\s+(.+)$", text, re.M) if len(h.split()) >= 3}
    runtime = make_runtime()
    report = ingest_paths(runtime, [tmp_path / "ws"], show_progress=False)
    assert not report.failed
    draft = draft_strategy(runtime, "Strategy from the handbook", "notes/")

    quotes = [x for s in draft.sections for x in s.sentences if x.label != "gap"]
    assert len(quotes) >= 10
    texts = [q.text for q in quotes]
    assert len({_normal(t) for t in texts}) == len(texts), "a sentence appears twice"
    for quote in quotes:
        assert quote.label == "quoted" and not quote.supported
        assert "|" not in quote.text and not any(cell in quote.text for cell in cells), quote.text
        assert "?" not in quote.text, quote.text
        assert not PLACEHOLDER.search(quote.text), quote.text
        assert _normal(quote.text) not in headings, quote.text
        chunks = runtime.store.get_chunks([c.chunk_id for c in quote.citations])
        assert quote.text in " ".join(plain_text(c.text) for c in chunks)
    assert len({len(s.sentences) for s in draft.sections}) > 1  # sections take what fits, not a quota

    risks = next(s for s in draft.sections if s.heading.startswith("Risks"))
    if risks.sentences[0].text != NOT_COVERED:
        for s in risks.sentences:
            assert RISK_WORDS.search(f"{s.text} {s.context or ''}"), s.text
    for c in draft.contradictions:
        assert c.a.source != c.b.source
