"""Every loader on good input: metadata, transcript turns, metric points, PDF and DOCX text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assistant.schemas import Kind, MetricPoint, Turn
from tests.utils import csv_text, load, make_docx, make_pdf, markdown, sidecar, write


def points(parsed_points: list[MetricPoint]) -> list[tuple[str, str, float, str | None]]:
    return [(p.metric, p.period, p.value, p.category) for p in parsed_points]


def turns(parsed_turns: list[Turn]) -> list[tuple[str, str, str | None]]:
    return [(t.speaker, t.text, t.timestamp) for t in parsed_turns]


# --- Markdown and metadata -------------------------------------------------------------------------------


def test_markdown_with_frontmatter(tmp_path: Path) -> None:
    body = "# Ignored H1\n\nWe want to grow self-serve.\n"
    meta = {
        "kind": "strategy",
        "title": "H2 plan",
        "team": "Growth Team",
        "date": "2026-07-01",
        "visibility": "Growth, Leadership",
        "doc_type": "plan",
        "period": "2026-H2",
        "objectives": ["O1", "O2"],
        "initiatives": "GRO-12, GRO-14",
    }
    write(tmp_path, "plan.md", markdown(body, **meta))
    parsed = load(tmp_path, "plan.md")
    info = parsed.info
    assert (info.path, info.kind, info.format, info.title) == ("plan.md", Kind.STRATEGY, "markdown", "H2 plan")
    assert (info.team, info.date, info.doc_type, info.period) == ("growth-team", dt.date(2026, 7, 1), "plan", "2026-H2")
    assert info.visibility == ["growth", "leadership"]
    assert (info.objective_ids, info.initiative_ids) == (["O1", "O2"], ["GRO-12", "GRO-14"])
    assert parsed.text == body.strip()
    assert not parsed.turns and not parsed.metric_points


def test_sidecar_metadata_applies_and_frontmatter_wins(tmp_path: Path) -> None:
    write(tmp_path, "calls/acme.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ana>How is it going?\n")
    sidecar(tmp_path, "calls/acme.vtt", guest="Rosa Vega", organization="Acme", host="Ana", role="CTO", audience="all")
    info = load(tmp_path, "calls/acme.vtt").info
    assert (info.participant, info.company, info.interviewer, info.role) == ("Rosa Vega", "Acme", "Ana", "CTO")
    assert info.visibility == ["everyone"]

    write(tmp_path, "notes/n.md", markdown("Text.", title="From frontmatter", team="alpha"))
    sidecar(tmp_path, "notes/n.md", title="From sidecar", team="beta", company="Initech")
    info = load(tmp_path, "notes/n.md").info
    assert (info.title, info.team, info.company) == ("From frontmatter", "alpha", "Initech")


# --- Transcripts -------------------------------------------------------------------------------------------

VTT_VOICES = """WEBVTT
Kind: captions

NOTE recorded on Zoom

STYLE
::cue { color: white }

1
00:00:01.000 --> 00:00:04.000
<v Sam Ito>How do you onboard new dispatchers?</v>

2
00:00:04.500 --> 00:00:09.000
<v Rosa Vega>By hand, which takes an afternoon.</v>

3
00:00:09.000 --> 00:00:12.000
We would pay for SCIM &amp; SSO.

4
00:01:02.000 --> 00:01:05.000
<v Sam Ito>Anything else?</v> <v Rosa Vega>Exports time out.</v>
"""

VTT_NAMES = """WEBVTT

00:00:01.000 --> 00:00:03.000
Sam: What slows you down?

00:00:03.000 --> 00:00:06.000
Rosa: Reports.
They time out.

01:05.000 --> 01:07.000
Rosa: Every week.
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
Sam: What slows you down?

2
00:00:03,500 --> 00:00:06,000
Rosa: Reports time out.

3
00:00:06,000 --> 00:00:08,000
Every single week.
"""


@pytest.mark.parametrize(
    ("rel", "content", "expected"),
    [
        (
            "i/voices.vtt",
            VTT_VOICES,
            [
                ("Sam Ito", "How do you onboard new dispatchers?", "00:00:01"),
                ("Rosa Vega", "By hand, which takes an afternoon. We would pay for SCIM & SSO.", "00:00:04"),
                ("Sam Ito", "Anything else?", "00:01:02"),
                ("Rosa Vega", "Exports time out.", "00:01:02"),
            ],
        ),
        (
            "i/names.vtt",
            VTT_NAMES,
            [("Sam", "What slows you down?", "00:00:01"), ("Rosa", "Reports. They time out. Every week.", "00:00:03")],
        ),
        (
            "i/call.srt",
            SRT,
            [("Sam", "What slows you down?", "00:00:01"), ("Rosa", "Reports time out. Every single week.", "00:00:03")],
        ),
    ],
)
def test_subtitle_transcripts(tmp_path: Path, rel: str, content: str, expected: list[tuple[str, str, str]]) -> None:
    write(tmp_path, rel, content)
    parsed = load(tmp_path, rel)
    assert turns(parsed.turns) == expected
    assert parsed.info.kind is Kind.INTERVIEW
    assert parsed.text == "\n".join(f"{s}: {t}" for s, t, _ in expected)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Sam Ito: How do you onboard?\nRosa Vega: By hand.\nSam Ito: Why?\nRosa Vega: No SCIM.\n",
            [("Sam Ito", "How do you onboard?", None), ("Rosa Vega", "By hand.", None)],
        ),
        (
            "Sam [00:01:02]: How do you onboard?\nRosa [00:01:10]: By hand.\nSam [00:02:00]: Why?\n",
            [("Sam", "How do you onboard?", "00:01:02"), ("Rosa", "By hand.", "00:01:10")],
        ),
        (
            "[00:01:02] Sam: How do you onboard?\n[1:10] Rosa: By hand.\n[00:02:00] Sam: Why?\n",
            [("Sam", "How do you onboard?", "00:01:02"), ("Rosa", "By hand.", "00:01:10")],
        ),
        (
            "**Sam:** How do you onboard?\n\n**Rosa:** By hand.\n\n**Sam:** Why?\n",
            [("Sam", "How do you onboard?", None), ("Rosa", "By hand.", None)],
        ),
        (
            "# Call notes\n\n## Transcript\n\nSam Ito (00:00:05):\nHow do you onboard?\n\nRosa Vega (00:00:09):\n"
            "By hand. Note: it is slow.\n\nSo here's the thing: it takes hours.\n\n(00:00:30):\nEvery month.\n\n"
            "Sam Ito (00:01:00):\nWhy?\n",
            [
                ("Sam Ito", "How do you onboard?", "00:00:05"),
                (
                    "Rosa Vega",
                    "By hand. Note: it is slow. So here's the thing: it takes hours.",  # "(00:00:30):" is a turn
                    "00:00:09",
                ),
            ],
        ),
    ],
)
def test_text_transcripts(tmp_path: Path, body: str, expected: list[tuple[str, str, str | None]]) -> None:
    write(tmp_path, "interviews/call.md", body)
    parsed = load(tmp_path, "interviews/call.md")
    assert turns(parsed.turns)[:2] == expected
    assert len(parsed.turns) >= 3
    assert parsed.text.startswith(f"{expected[0][0]}: {expected[0][1]}\n")


@pytest.mark.parametrize(
    "body",
    [
        "Note: this plan is a draft.\n\nWe will grow self-serve.\nExample: onboarding.\nMore prose here.\n",
        "KR: first result.\nKR: second result.\nKR: third result.\n",
        "Owner: Ana\nStatus: done\nDate: today\nTeam: growth\n",
        "Objective: grow.\nKey Result 1: more users.\nKey Result 2: more revenue.\nObjective: retain.\n",
    ],
)
def test_prose_with_labels_is_not_a_transcript(tmp_path: Path, body: str) -> None:
    write(tmp_path, "doc.md", body)
    parsed = load(tmp_path, "doc.md")
    assert parsed.turns == [] and parsed.text == body.strip()


def test_interviewer_inferred_from_questions_and_participant_from_words(tmp_path: Path) -> None:
    body = (
        "Ana: Thanks for joining. How do you plan sprints?\nBen: We use a spreadsheet and it breaks a lot.\n"
        "Ana: What breaks?\nBen: Formulas. Is that common? It costs us hours.\n"
    )
    write(tmp_path, "interviews/ben.md", body)
    info = load(tmp_path, "interviews/ben.md").info
    assert (info.interviewer, info.participant) == ("Ana", "Ben")


# --- Metric tables -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "content", "expected"),
    [
        (
            "m/wide.csv",
            csv_text("month,signups,churn_pct", '2026-01,"1,200",3.5%', "2026-02,1300,-", "2026-03,$1400,4.0"),
            [
                ("signups", "2026-01", 1200.0, None),
                ("signups", "2026-02", 1300.0, None),
                ("signups", "2026-03", 1400.0, None),
                ("churn_pct", "2026-01", 3.5, None),
                ("churn_pct", "2026-03", 4.0, None),
            ],
        ),
        (
            "m/long.csv",
            csv_text(
                "week,channel,visits", "2026-06-01,web,10", "2026-06-01,app,5", "2026-06-08,web,12", "2026-06-08,app,7"
            ),
            [
                ("visits", "2026-06-01", 10.0, "web"),
                ("visits", "2026-06-01", 5.0, "app"),
                ("visits", "2026-06-08", 12.0, "web"),
                ("visits", "2026-06-08", 7.0, "app"),
            ],
        ),
        (
            "m/metric_col.csv",
            csv_text(
                "week,source,metric,value",
                "2025-01-05T00:00:00.000Z,blog,pageviews,100",
                "2025-01-05T00:00:00.000Z,social,reach,50",
                "2025-01-12T00:00:00.000Z,blog,pageviews,110",
                "2025-01-12T00:00:00.000Z,social,reach,40",
            ),
            [
                ("pageviews", "2025-01-05", 100.0, None),
                ("pageviews", "2025-01-12", 110.0, None),
                ("reach", "2025-01-05", 50.0, None),
                ("reach", "2025-01-12", 40.0, None),
            ],
        ),
        (
            "m/quarters.tsv",
            "quarter\tnrr\tticket_id\n2026-Q1\t101.5\tA-1\nQ2 2026\t99\tA-2\n",
            [("nrr", "2026-Q1", 101.5, None), ("nrr", "2026-Q2", 99.0, None)],
        ),
        (
            "m/semicolon.csv",
            csv_text("date;orders;url", "29-Jan-2025;3;https://a.example", "5-Feb-2025;4;https://b.example"),
            [("orders", "2025-01-29", 3.0, None), ("orders", "2025-02-05", 4.0, None)],
        ),
        (
            "m/pivot.csv",
            csv_text("metric,2026-01,2026-02", "signups,10,20", "churn,1,2"),
            [
                ("signups", "2026-01", 10.0, None),
                ("signups", "2026-02", 20.0, None),
                ("churn", "2026-01", 1.0, None),
                ("churn", "2026-02", 2.0, None),
            ],
        ),
        (
            "m/mrr.csv",
            csv_text("date,value", "2026-01-01,5", "2026-02-01,6", "Total,11"),
            [("mrr", "2026-01-01", 5.0, None), ("mrr", "2026-02-01", 6.0, None)],
        ),
    ],
)
def test_delimited_tables(
    tmp_path: Path, rel: str, content: str, expected: list[tuple[str, str, float, str | None]]
) -> None:
    write(tmp_path, rel, content)
    parsed = load(tmp_path, rel)
    assert points(parsed.metric_points) == expected
    assert parsed.info.kind is Kind.METRICS
    assert f"({expected[0][0]})" in parsed.text.splitlines()[0] and expected[0][1] in parsed.text


@pytest.mark.parametrize(("meta", "period"), [({}, "snapshot"), ({"date": "2026-06-30"}, "2026-06-30")])
def test_snapshot_table_uses_document_date(tmp_path: Path, meta: dict[str, str], period: str) -> None:
    rows = (
        "service,name,avatar,posts,reach",
        "linkedin,acme,https://x.example/a.png,21,40818",
        "threads,acme,https://x.example/b.png,32,0",
        "tiktok,acmeapp,https://x.example/c.png,4,1379",
    )
    write(tmp_path, "reports/channels.csv", csv_text(*rows))
    if meta:
        sidecar(tmp_path, "reports/channels.csv", **meta)
    parsed = load(tmp_path, "reports/channels.csv")
    assert points(parsed.metric_points)[:3] == [
        ("posts", period, 21.0, "linkedin"),
        ("posts", period, 32.0, "threads"),
        ("posts", period, 4.0, "tiktok"),
    ]
    assert {p.metric for p in parsed.metric_points} == {"posts", "reach"}


@pytest.mark.parametrize(
    "document",
    [
        [{"month": "2026-01", "signups": 10}, {"month": "2026-02", "signups": 20}],
        {"metric": "signups", "series": [{"period": "2026-01", "value": 10}, {"period": "2026-02", "value": 20}]},
        {
            "name": "signups",
            "unit": "users",
            "data": [{"date": "2026-01", "value": 10}, {"date": "2026-02", "value": 20}],
        },
        {"data": [{"month": "2026-01", "signups": 10}, {"month": "2026-02", "signups": "20"}]},
        {"rows": [{"month": "2026-01", "signups": 10}, {"month": "2026-02", "signups": 20}]},
        {"signups": [{"month": "2026-01", "value": 10}, {"month": "2026-02", "value": 20}]},
        {"2026-01": 10, "2026-02": 20},
    ],
)
def test_json_shapes(tmp_path: Path, document: object) -> None:
    write(tmp_path, "metrics/signups.json", json.dumps(document))
    parsed = load(tmp_path, "metrics/signups.json")
    assert points(parsed.metric_points) == [("signups", "2026-01", 10.0, None), ("signups", "2026-02", 20.0, None)]


# --- PDF and DOCX ------------------------------------------------------------------------------------------


def test_pdf_text_and_title(tmp_path: Path) -> None:
    make_pdf(tmp_path / "docs" / "plan.pdf", ["Growth plan", "We will raise activation. KR1.1 matters."], title="Plan")
    parsed = load(tmp_path, "docs/plan.pdf")
    assert parsed.info.format == "pdf" and parsed.info.title == "Plan"
    assert "We will raise activation. KR1.1 matters." in parsed.text


def test_docx_headings_become_markdown(tmp_path: Path) -> None:
    blocks = [
        ("Title", "Platform strategy"),
        ("Heading 1", "Objectives"),
        ("Normal", "Cut build times in half."),
        ("List Bullet", "Remote caching"),
        ("List Number", "Ship it"),
        ("Heading 2", "Risks"),
        ("table", "risk|owner;cache misses|Ana"),
    ]
    make_docx(tmp_path / "strategy" / "platform.docx", blocks)
    parsed = load(tmp_path, "strategy/platform.docx")
    assert parsed.text == (
        "# Platform strategy\n\n# Objectives\n\nCut build times in half.\n\n- Remote caching\n1. Ship it\n\n"
        "## Risks\n\n| risk | owner |\n| --- | --- |\n| cache misses | Ana |"
    )
    assert (parsed.info.title, parsed.info.kind, parsed.info.format) == ("Platform strategy", Kind.STRATEGY, "docx")


def test_docx_transcript_is_parsed_into_turns(tmp_path: Path) -> None:
    lines = ["Sam: How do you plan?", "Rosa: In a spreadsheet.", "Sam: Does it work?", "Rosa: Not really."]
    make_docx(tmp_path / "calls" / "rosa.docx", [("Normal", line) for line in lines], title="Call with Rosa")
    parsed = load(tmp_path, "calls/rosa.docx")
    assert [t.speaker for t in parsed.turns] == ["Sam", "Rosa", "Sam", "Rosa"]
    assert parsed.info.title == "Call with Rosa"
