"""Real pages in other formats: the Sourcegraph handbook's Markdown converted at test time to HTML (rendered by
markdown-it-py, wrapped in site chrome) and to MDX (sections in ``<details><summary>``, components, ESM), then
read back by the loaders. The headings, list items and table rows must be the original Markdown's.

The corpus has no .mdx or .html of its own; the converted copies live only in tmp_path, never in the repo.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.schemas import Kind
from ingest.loaders.markdown import split_frontmatter
from ingest.pipeline import ingest_paths
from tests.markdown_outline import outline
from tests.mdx_convert import to_mdx
from tests.utils import CORPUS, load, write

pytestmark = pytest.mark.corpus
HANDBOOK = CORPUS / "sourcegraph-handbook" / "content"
PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>{title} - Handbook</title>"
    "<style>body {{ font: 14px sans-serif }}</style><script>trackPageView_zq7()</script></head><body>"
    "<header role='banner'><nav><a href='/'>Nav_zq7</a></nav></header>"
    "<main>{body}</main><footer>Footer_zq7: edit this page</footer></body></html>"
)
SAMPLE = (
    "strategy-goals/goals/2022_q3.md",
    "strategy-goals/cross-functional-projects/index.md",
    "strategy-goals/strategy/iam/Q2FY23-OKR.md",
)


def pages() -> list[Path]:
    if not HANDBOOK.is_dir():
        pytest.skip(f"{HANDBOOK} is absent: the public corpora live in ../shared beside the repo")
    return sorted(HANDBOOK.rglob("*.md"))


def convert(page: Path, workspace: Path) -> tuple[str, str, str]:
    """(original body, html path, mdx path) with the converted copies written under ``workspace``."""
    _, body = split_frontmatter(page.read_text(encoding="utf-8"))
    rel = page.relative_to(HANDBOOK).with_suffix("").as_posix()
    html = PAGE.format(title=page.stem, body=MarkdownIt("commonmark").enable("table").render(body))
    write(workspace, f"converted/{rel}.html", html)
    write(workspace, f"converted/{rel}.mdx", to_mdx(body))
    return body, f"converted/{rel}.html", f"converted/{rel}.mdx"


def test_handbook_pages_round_trip_through_html_and_mdx(tmp_path: Path) -> None:
    totals = {"pages": 0, "summaries": 0, "items": 0, "nested": 0, "rows": 0}
    for page in pages():
        body, html_rel, mdx_rel = convert(page, tmp_path)
        want = outline(body)
        for rel in (html_rel, mdx_rel):
            got = load(tmp_path, rel)
            tree = outline(got.text)
            assert (tree.headings, tree.items, tree.rows) == (want.headings, want.items, want.rows), rel
            assert "zq7" not in got.text and "import {" not in got.text  # script, nav and footer dropped; ESM too
        mdx_source = (tmp_path / mdx_rel).read_text(encoding="utf-8")
        if want.headings and want.headings[0][0] == 1:
            assert "Quinn Example (Reviewer)" in load(tmp_path, mdx_rel).text  # <Person>'s attributes as text
        totals["pages"] += 1
        totals["summaries"] += mdx_source.count("<summary>")
        totals["items"] += len(want.items)
        totals["nested"] += sum(1 for depth, _ in want.items if depth > 0)
        totals["rows"] += len(want.rows)
    # the conversion exercised every feature, at corpus scale
    assert totals["pages"] >= 60 and totals["summaries"] >= 100, totals
    assert totals["items"] >= 1000 and totals["nested"] >= 200 and totals["rows"] >= 30, totals


def test_converted_pages_ingest_and_answer_with_the_model(
    tmp_path: Path, make_runtime: Callable[..., Runtime]
) -> None:
    """A few converted plan pages, in a folder that names no kind, through the whole pipeline and the real
    embedding model: no failures, plans recognised from their structure, sections from the summary headings."""
    pages()
    workspace = tmp_path / "ws"
    for rel in SAMPLE:
        if (HANDBOOK / rel).is_file():
            convert(HANDBOOK / rel, workspace)
    runtime = make_runtime()
    report = ingest_paths(runtime, [workspace], show_progress=False)
    assert report.failed == [] and report.added == 2 * len(SAMPLE)
    records = runtime.store.sources()
    assert {r.format for r in records} == {"html", "mdx"} and all(r.kind is Kind.STRATEGY for r in records)
    mdx_q3 = list(runtime.store.iter_chunks(where={"source": "converted/strategy-goals/goals/2022_q3.mdx"}))
    html_q3 = list(runtime.store.iter_chunks(where={"source": "converted/strategy-goals/goals/2022_q3.html"}))
    assert {c.meta.section for c in mdx_q3} == {c.meta.section for c in html_q3}
    assert len({c.meta.section for c in mdx_q3}) >= 3
    projects = [c for c in runtime.store.iter_chunks() if "cross-functional-projects" in c.meta.source]
    assert any(line.count("|") >= 5 for c in projects for line in c.text.splitlines()), "the projects table"
    hits = HybridRetriever(runtime).search("cross-functional project DRI and status", k=5)
    assert any("cross-functional-projects" in h.chunk.meta.source for h in hits)
