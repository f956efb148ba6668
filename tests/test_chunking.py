"""Chunks: deterministic ids, verbatim text, sections and context, ids for alignment, turns, metric summaries."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from assistant.schemas import Chunk, Kind, MetricPoint
from ingest.chunking import chunk_source, embedding_text, markdown_sections, slice_at_sentences
from ingest.metric_summary import format_number, humanize_metric, metric_chunks, summary_text
from tests.utils import csv_text, load, make_docx, make_pdf, markdown, settings, sidecar, write

STRATEGY = """# Acme strategy

Intro paragraph about the year.

## O1 Grow self-serve

Self-serve teams should reach value in week one. KR1.2 Raise activation to 40% via GRO-12.

### Onboarding

```python
# not a heading
print("x")
```

Checklist work continues.

## O2 Win enterprise

Enterprise buyers need SSO and audit logs.
"""


def chunks_of(tmp_path: Path, rel: str, content: str, **overrides: object) -> tuple[list[Chunk], str]:
    write(tmp_path, rel, content)
    parsed = load(tmp_path, rel)
    return chunk_source(parsed, settings(**overrides)), parsed.text


def test_sections_context_and_strategy_ids(tmp_path: Path) -> None:
    content = markdown(STRATEGY, team="Leadership", date="2026-07-01", objectives=["O9"], visibility="leadership")
    chunks, _ = chunks_of(tmp_path, "strategy/plan.md", content)
    got = [(c.meta.section, c.context, c.meta.objective_ids, c.meta.initiative_ids) for c in chunks]
    assert got == [
        ("Acme strategy", "Acme strategy", ["O9"], []),
        ("Acme strategy > O1 Grow self-serve", "Acme strategy > O1 Grow self-serve", ["O9", "O1", "KR1.2"], ["GRO-12"]),
        (
            "Acme strategy > O1 Grow self-serve > Onboarding",
            "Acme strategy > O1 Grow self-serve > Onboarding",
            ["O9", "O1"],
            [],
        ),
        ("Acme strategy > O2 Win enterprise", "Acme strategy > O2 Win enterprise", ["O9", "O2"], []),
    ]
    assert chunks[0].text.startswith("# Acme strategy\n\nIntro")
    assert "# not a heading" in chunks[2].text
    meta = chunks[1].meta
    assert (meta.source, meta.kind, meta.title, meta.team, meta.date) == (
        "strategy/plan.md",
        Kind.STRATEGY,
        "Acme strategy",
        "leadership",
        "2026-07-01",
    )
    assert (meta.visibility, meta.format, meta.position) == (["leadership"], "markdown", 1)
    assert meta.source_hash == hashlib.sha256((tmp_path / "strategy/plan.md").read_bytes()).hexdigest()  # bytes only
    assert embedding_text(chunks[1]) == f"Acme strategy > O1 Grow self-serve\n{chunks[1].text}"


def test_ids_found_in_text_only_for_strategy_docs(tmp_path: Path) -> None:
    content = markdown("Follow-up on KR2.1 and GRO-7.", initiatives=["PLAT-3"])
    chunks, _ = chunks_of(tmp_path, "notes/sync.md", content)
    assert chunks[0].meta.kind is Kind.NOTE
    assert (chunks[0].meta.objective_ids, chunks[0].meta.initiative_ids) == ([], ["PLAT-3"])
    chunks, _ = chunks_of(tmp_path, "okrs/q3.md", "KR2.1 ships with GRO-7. O3 follows.")
    assert (chunks[0].meta.objective_ids, chunks[0].meta.initiative_ids) == (["KR2.1", "O2", "O3"], ["GRO-7"])


def test_heading_only_sections_merge_into_the_next() -> None:
    text = "# Title\n\n## Part\n\nBody text.\n\n## Empty\n## Last\n\nMore."
    sections = [(text[a:b], path) for a, b, path in markdown_sections(text)]
    assert sections == [
        ("# Title\n\n## Part\n\nBody text.\n\n", ("Title", "Part")),
        ("## Empty\n## Last\n\nMore.", ("Title", "Last")),
    ]


@pytest.mark.parametrize("size", [200, 350, 1200])
def test_chunk_text_is_verbatim_and_ids_are_deterministic(tmp_path: Path, size: int) -> None:
    paragraphs = [
        f"Paragraph {i} explains why onboarding step {i} matters for activation and retention." * 3 for i in range(12)
    ]
    body = "# Long doc\n\n" + "\n\n".join(f"## Part {i}\n\n{p}" if i % 4 == 0 else p for i, p in enumerate(paragraphs))
    first, text = chunks_of(tmp_path, "notes/long.md", body, chunk_size=size, chunk_overlap=40)
    second, _ = chunks_of(tmp_path, "notes/long.md", body, chunk_size=size, chunk_overlap=40)
    assert [c.model_dump() for c in first] == [c.model_dump() for c in second]
    assert len(first) > 1 and all(c.text.strip() for c in first)
    for position, chunk in enumerate(first):
        assert chunk.text in text and len(chunk.text) <= size
        digest = hashlib.sha256(chunk.text.encode()).hexdigest()[:10]
        assert chunk.id == f"notes/long.md#{position}:{digest}" and chunk.meta.position == position


def test_editing_one_section_changes_only_its_chunk(tmp_path: Path) -> None:
    before, _ = chunks_of(tmp_path, "strategy/plan.md", STRATEGY)
    after, _ = chunks_of(tmp_path, "strategy/plan.md", STRATEGY.replace("audit logs", "audit trails"))
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a.id != b.id]
    assert changed == [3]


def test_pdf_and_docx_chunks_are_verbatim(tmp_path: Path) -> None:
    make_pdf(tmp_path / "docs/a.pdf", ["Alpha section text. " * 30, "Beta section text. " * 30])
    make_docx(
        tmp_path / "docs/b.docx",
        [
            ("Heading 1", "Goals"),
            ("Normal", "Gamma text. " * 40),
            ("Heading 2", "Risks"),
            ("Normal", "Delta text. " * 40),
        ],
    )
    for rel in ("docs/a.pdf", "docs/b.docx"):
        parsed = load(tmp_path, rel)
        chunks = chunk_source(parsed, settings(chunk_size=300, chunk_overlap=30))
        assert len(chunks) > 2 and all(c.text in parsed.text for c in chunks)
    docx_chunks = chunk_source(load(tmp_path, "docs/b.docx"), settings(chunk_size=300, chunk_overlap=30))
    assert {c.meta.section for c in docx_chunks} == {"Goals", "Goals > Risks"}


# --- Transcripts -------------------------------------------------------------------------------------------

INTERVIEW = """Sam Ito [00:00:05]: Thanks for the time. How do you onboard new dispatchers today?
Rosa Vega [00:00:12]: We create every account by hand. It takes a whole afternoon each month.
Rosa Vega [00:00:30]: We would pay for SCIM.
Sam Ito [00:01:00]: What else slows you down?
Rosa Vega [00:01:05]: {long}
"""


def test_transcript_chunks_per_turn_with_roles_and_question_context(tmp_path: Path) -> None:
    long_answer = " ".join(f"Export number {i} times out when the range is long." for i in range(12))
    content = markdown(
        INTERVIEW.format(long=long_answer),
        participant="Rosa Vega",
        interviewer="Sam",
        company="Delta Freight",
        role="COO",
        team="growth",
    )
    record, *chunks = chunks_of(tmp_path, "interviews/delta.md", content, chunk_size=250, chunk_overlap=20)[0]
    text = chunks_of(tmp_path, "interviews/delta.md", content, chunk_size=250, chunk_overlap=20)[1]
    # The first chunk states the interview's metadata, which no turn says aloud.
    assert record.text.startswith("Interview record: Rosa Vega, COO at Delta Freight, interviewed by Sam of the growth")
    assert record.meta.speaker is None and record.meta.company == "Delta Freight"
    got = [(c.meta.speaker, c.meta.timestamp, c.meta.speaker_is_participant) for c in chunks]
    assert got[:4] == [
        ("Sam Ito", "00:00:05", False),
        ("Rosa Vega", "00:00:12", True),  # consecutive turns of one speaker are merged
        ("Sam Ito", "00:01:00", False),
        ("Rosa Vega", "00:01:05", True),
    ]
    assert len(chunks) > 4 and {g[:2] for g in got[3:]} == {("Rosa Vega", "00:01:05")}
    assert (
        chunks[1].text
        == "We create every account by hand. It takes a whole afternoon each month. We would pay for SCIM."
    )
    assert chunks[0].context == "Interview with Rosa Vega (Delta Freight)"
    assert chunks[1].context == "Sam Ito: Thanks for the time. How do you onboard new dispatchers today?"
    assert chunks[3].context == chunks[4].context == "Sam Ito: What else slows you down?"
    assert all(c.text in text and len(c.text) <= 250 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks[3:])  # split after sentence ends
    meta = chunks[1].meta
    assert (meta.participant, meta.company, meta.role, meta.interviewer, meta.team) == (
        "Rosa Vega",
        "Delta Freight",
        "COO",
        "Sam",
        "growth",
    )


@pytest.mark.parametrize(
    ("text", "size", "expected"),
    [
        ("One. Two. Three.", 100, ["One. Two. Three."]),
        ("First sentence here. Second one! Third?", 25, ["First sentence here.", "Second one! Third?"]),
        ("averyveryverylongwordwithoutspaces", 10, ["averyveryv", "erylongwor", "dwithoutsp", "aces"]),
        ("no sentence end but spaces here and there", 15, ["no sentence end", "but spaces here", "and there"]),
    ],
)
def test_slice_at_sentences(text: str, size: int, expected: list[str]) -> None:
    assert slice_at_sentences(text, size) == expected


# --- Metric summaries --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "human"),
    [
        ("company_monthly_fts", "Company monthly first-time sessions (company_monthly_fts)"),
        ("WAU", "Weekly active users (WAU)"),
        ("mrrUsd", "Monthly recurring revenue usd (mrrUsd)"),
        ("p95_latency_ms", "95th percentile (p95) latency in milliseconds (p95_latency_ms)"),
        ("conversion_pct", "Conversion percent (conversion_pct)"),
        ("Reach ", "Reach (Reach)"),
    ],
)
def test_humanized_metric_names(raw: str, human: str) -> None:
    assert humanize_metric(raw) == human


@pytest.mark.parametrize(
    ("value", "percent", "text"),
    [
        (1840.0, False, "1,840"),
        (0.312, False, "0.312"),
        (31.2, True, "31.2%"),
        (1234.5, False, "1,234.5"),
        (4.333333, False, "4.33"),
        (-12.0, False, "-12"),
        (1_173_252.0, False, "1,173,252"),
    ],
)
def test_number_format(value: float, percent: bool, text: str) -> None:
    assert format_number(value, percent) == text


def test_wide_metric_summary_numbers_by_hand(tmp_path: Path) -> None:
    write(
        tmp_path,
        "metrics/usage.csv",
        csv_text("month,active_users", "2026-01,1000", "2026-02,1200", "2026-03,1100", "2026-04,1650"),
    )
    sidecar(tmp_path, "metrics/usage.csv", title="Usage report")
    parsed = load(tmp_path, "metrics/usage.csv")
    assert parsed.text == "\n".join(
        [
            "Active users (active_users) — Usage report",
            "Monthly series, 2026-01 to 2026-04 (4 periods).",
            "Latest (2026-04): 1,650, up 550 (+50.0%) vs 2026-03 (1,100).",
            "First (2026-01): 1,000; over the whole range up 650 (+65.0%).",
            "Minimum 1,000 (2026-01); maximum 1,650 (2026-04).",
            "Values by period:",
            "2026-01: 1,000",
            "2026-02: 1,200",
            "2026-03: 1,100",
            "2026-04: 1,650",
        ]
    )
    (chunk,) = chunk_source(parsed, settings())
    assert (chunk.text, chunk.meta.metric, chunk.meta.period, chunk.context) == (
        parsed.text,
        "active_users",
        "2026-04",
        "Usage report",
    )


def test_long_metric_summary_leading_categories_by_hand(tmp_path: Path) -> None:
    rows = [
        "week,channel,signups",
        "2026-06-01,web,100",
        "2026-06-01,app,50",
        "2026-06-01,email,10",
        "2026-06-08,web,90",
        "2026-06-08,app,60",
        "2026-06-08,email,10",
    ]
    write(tmp_path, "metrics/signups.csv", csv_text(*rows))
    text = load(tmp_path, "metrics/signups.csv").text
    assert text.splitlines() == [
        "Signups (signups) — Signups",
        "Weekly series by category, 2026-06-01 to 2026-06-08 (2 periods, 3 categories: web, app, email).",
        "Latest period 2026-06-08, leading categories: web 90; app 60; email 10.",
        "Per category, latest value and change vs its previous period:",
        "web: 90 (2026-06-08), down 10 (-10.0%) vs 2026-06-01.",
        "app: 60 (2026-06-08), up 10 (+20.0%) vs 2026-06-01.",
        "email: 10 (2026-06-08), flat (no change) vs 2026-06-01.",
        "Values by period, every category, highest first:",
        "2026-06-01: web 100; app 50; email 10",
        "2026-06-08: web 90; app 60; email 10",
    ]


def test_percent_metric_changes_in_points() -> None:
    points = [
        MetricPoint(metric="conversion_pct", period="2026-Q1", value=30.0),
        MetricPoint(metric="conversion_pct", period="2026-Q2", value=31.2),
    ]
    text = summary_text(points, "Funnel")
    assert "Quarterly series" in text
    assert "Latest (2026-Q2): 31.2%, up 1.2 percentage points (+4.0%) vs 2026-Q1 (30%)." in text


def test_long_series_split_into_chunks_with_the_same_header() -> None:
    points = [MetricPoint(metric="daily_signups", period=f"2026-03-{d:02d}", value=1000 + d * 7) for d in range(1, 32)]
    chunks = metric_chunks(points, "Signup report", 200)
    header = "Daily signups (daily_signups) — Signup report"
    assert len(chunks) > 3 and all(c.text.startswith(header + "\n") and len(c.text) <= 200 for c in chunks)
    assert chunks[0].period == "2026-03-31" and "Latest (2026-03-31): 1,217, up 7 (+0.6%)" in chunks[0].text
    assert all(re.fullmatch(r"2026-03-\d\d(\.\.2026-03-\d\d)?", c.period) for c in chunks[1:])
    listed = [line for c in chunks for line in c.text.splitlines() if re.match(r"2026-03-\d\d: ", line)]
    assert listed == [f"2026-03-{d:02d}: {1000 + d * 7:,}" for d in range(1, 32)]
    assert chunks[-1].period.endswith("..2026-03-31")
