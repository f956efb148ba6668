"""A file's kind: frontmatter/sidecar, else folder words, else the content's structure (plans, transcripts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.schemas import Kind
from tests.utils import load, make_docx, markdown, sidecar, write

PLAIN = "Some words about the week."
OKR_PAGE = (
    "# Q3 goals\n\n## Objective 1: Faster checkout\n\n- KR1: p95 checkout under 2 s\n- KR2: 20% fewer abandoned carts\n"
)
OKR_LIST = (  # a plain OKR list: one goal-like heading, objectives as items, key results nested under them
    "# FY27 annual OKRs\n\n1. Win mid-market accounts\n   - Land 40 accounts of 200+ seats\n"
    "   - Grow seat expansion 25%\n2. Earn developer trust\n   - 3 conference talks\n"
)
ROADMAP_TABLE = (
    "# Cross-team projects\n\n| Project | DRI | Status | Exec sponsor |\n| --- | --- | --- | --- |\n"
    "| Usage billing | Ines Moreau | On track | Ravi |\n| SSO for all plans | Lee Park | At risk | Mira |\n"
)
OWNER_FIELDS = "## Bank feeds\n\nOwner: Dario Lentz\nStatus: In progress\n\nWe pull statements nightly.\n"
BOLD_LABELS = (
    "**Goal:** reach 500 paying teams.\n\n**Initiative:** a self-serve upgrade flow.\n\n"
    "**Success criteria:** fewer than 3% refunds.\n\nNotes follow.\n"
)
TRANSCRIPT = "Mira: How do you close the month?\nDario: Mostly spreadsheets.\nMira: What breaks?\nDario: Imports.\n"
PROSE_GOALS = "# Offsite recap\n\nWe talked about our goals for the year and how objectives get set. Lunch was good.\n"
TOPIC_INDEX = "# OKRs\n\nEpisodes discussing **OKRs**:\n\n- [Ana Diaz](../a.md)\n- [Lee Park](../b.md)\n"


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        ("goals/2027.md", Kind.STRATEGY),
        ("company/Objectives/h1.md", Kind.STRATEGY),
        ("planning/q3.md", Kind.STRATEGY),
        ("cross-functional-projects/billing.md", Kind.STRATEGY),
        ("product/roadmap/h2.md", Kind.STRATEGY),
        ("podcast/ep-12.md", Kind.INTERVIEW),
        ("podcasts/ep-12.md", Kind.INTERVIEW),
        ("show/episodes/ana/transcript.md", Kind.INTERVIEW),
        ("UserResearch/acme.md", Kind.INTERVIEW),  # camelCase folder names are split into words
        ("transcripts/acme.md", Kind.INTERVIEW),
        ("dashboards/weekly.md", Kind.METRICS),
        ("finance/KPIs/summary.md", Kind.METRICS),
        ("OKRs 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d/q3.md", Kind.STRATEGY),  # a Notion export folder name
        ("teams/growth/weekly.md", Kind.NOTE),  # a team folder names no kind, and the text is not a plan
    ],
)
def test_folder_words(tmp_path: Path, rel: str, kind: Kind) -> None:
    write(tmp_path, rel, PLAIN)
    assert load(tmp_path, rel).info.kind is kind


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (OKR_PAGE, Kind.STRATEGY),
        (OKR_LIST, Kind.STRATEGY),
        (ROADMAP_TABLE, Kind.STRATEGY),
        (OWNER_FIELDS, Kind.STRATEGY),
        (BOLD_LABELS, Kind.STRATEGY),
        (TRANSCRIPT, Kind.INTERVIEW),
        (PROSE_GOALS, Kind.NOTE),  # cue words in passing are not a plan
        (TOPIC_INDEX, Kind.NOTE),  # one goal-like heading over a flat list of links is not a plan
        ("# Owner handbook\n\nOwner: Dario\n\nNo status anywhere.\n", Kind.NOTE),
        ("```\n# Goals\n- KR1: x\n- KR2: y\n- KR3: z\n```\n", Kind.NOTE),  # code is not structure
    ],
)
def test_content_decides_in_a_team_folder(tmp_path: Path, content: str, kind: Kind) -> None:
    write(tmp_path, "teams/finance/page.md", content)
    assert load(tmp_path, "teams/finance/page.md").info.kind is kind


def test_content_never_beats_frontmatter_or_sidecar(tmp_path: Path) -> None:
    write(tmp_path, "teams/growth/okrs.md", markdown(OKR_PAGE, kind="note"))
    assert load(tmp_path, "teams/growth/okrs.md").info.kind is Kind.NOTE
    write(tmp_path, "teams/growth/call.md", TRANSCRIPT)
    sidecar(tmp_path, "teams/growth/call.md", kind="note")
    assert load(tmp_path, "teams/growth/call.md").info.kind is Kind.NOTE


def test_folder_words_beat_content(tmp_path: Path) -> None:
    write(tmp_path, "metrics/okr-scores.md", OKR_PAGE)
    assert load(tmp_path, "metrics/okr-scores.md").info.kind is Kind.METRICS


PLAN_IN = {
    "html": "<h1>Q3 goals</h1><h2>Objective 1: Uptime</h2><ul><li>KR1: 99.95%</li><li>KR2: MTTR 1h</li></ul>",
    "mdx": "# Q3 goals\n\n<details><summary>Objective 1: Uptime</summary>\n\n- KR1: 99.95%\n</details>\n",
}


@pytest.mark.parametrize("ext", ["html", "mdx", "docx"])
def test_plan_structure_is_read_from_every_format(tmp_path: Path, ext: str) -> None:
    rel = f"engineering/q3.{ext}"
    if ext in PLAN_IN:
        write(tmp_path, rel, PLAN_IN[ext])
    else:
        blocks = [("Title", "Q3 goals"), ("Heading 2", "Objective 1: Uptime"), ("List Bullet", "KR1: 99.95%")]
        make_docx(tmp_path / rel, blocks)
    assert load(tmp_path, rel).info.kind is Kind.STRATEGY


def test_roadmap_folder_sets_doc_type_unless_stated(tmp_path: Path) -> None:
    write(tmp_path, "roadmaps/growth.md", PLAIN)
    write(tmp_path, "roadmaps/memo.md", markdown(PLAIN, doc_type="memo"))
    write(tmp_path, "goals/q3.md", PLAIN)
    assert load(tmp_path, "roadmaps/growth.md").info.doc_type == "roadmap"
    assert load(tmp_path, "roadmaps/memo.md").info.doc_type == "memo"
    assert load(tmp_path, "goals/q3.md").info.doc_type is None
