"""Metric questions answered from tables: period phrases, the operations, series choice and the routing guard,
on a small fictional company's exports (Larchmont Tea), through the chat service users get."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from assistant.chat import ChatService
from assistant.periods.phrases import period_phrases
from assistant.runtime import Runtime
from ingest.pipeline import ingest_paths


def _weeks(start: dt.date, values: list[int]) -> str:
    return "".join(f"{start + dt.timedelta(weeks=i)},{v}\n" for i, v in enumerate(values))


ORDERS_WEEKLY = "week,orders\n" + _weeks(dt.date(2026, 1, 5), [410, 395, 430, 520, 480, 450, 470, 465, 490, 500])
ORDERS_MONTHLY = "month,orders\n2025-11-01,1500\n2025-12-01,1710\n2026-01-01,1755\n2026-02-01,1905\n"
REVENUE = (
    "month,region,revenue\n2026-01-01,north,1200\n2026-01-01,south,800\n2026-02-01,north,1300\n2026-02-01,south,1350\n"
    "2026-03-01,north,1500\n2026-03-01,south,900\n"
)
CONVERSION = (
    "month,channel,conversion_rate_pct\n2026-02-01,web,2.5\n2026-02-01,app,4.0\n2026-03-01,web,2.9\n2026-03-01,app,3.6\n"
)
STORES = "store,cups_sold,staff\nHarbour Street,5400,6\nMill Lane,7900,8\nStation Road,3100,4\n"
PRESS = (
    "date,headline,outlet,link\n2026-01-12,Larchmont opens a harbour tea bar,Coast Daily,https://example.org/a\n"
    "2026-02-03,Why loose leaf is back,Brew Weekly,https://example.org/b\n"
    "2026-02-20,Ten cafes worth a detour,City Guide,https://example.org/c\n"
)
PLAN = """---
kind: strategy
title: Larchmont 2026 plan
---
# Larchmont 2026 plan

## Objective 1: Open the second roastery

- KR1: Sign 12 wholesale customers for the roastery pilot by June.
"""


@pytest.fixture(scope="module")
def tea(tmp_path_factory: pytest.TempPathFactory, embedder) -> Runtime:  # type: ignore[no-untyped-def]
    from assistant.config import Settings

    root = tmp_path_factory.mktemp("tea")
    ws = root / "ws"
    (ws / "metrics").mkdir(parents=True)
    (ws / "strategy").mkdir()
    for name, text in {"weekly_orders.csv": ORDERS_WEEKLY, "monthly_orders.csv": ORDERS_MONTHLY,
                       "revenue_by_region.csv": REVENUE, "conversion_by_channel.csv": CONVERSION,
                       "store_snapshot.csv": STORES, "press_mentions.csv": PRESS}.items():
        (ws / "metrics" / name).write_text(text)
    (ws / "strategy" / "plan.md").write_text(PLAN)
    runtime = Runtime(Settings(data_dir=root / "data"), embedder_factory=lambda: embedder)
    report = ingest_paths(runtime, [ws], show_progress=False)
    assert not report.failed, report.failed
    return runtime


@pytest.fixture(scope="module")
def ask(tea: Runtime) -> Callable[[str], object]:
    chat = ChatService(tea)
    return chat.ask


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("revenue in March 2026", [("month", "2026-03-01", "2026-03-31")]),
        ("the week starting 2026-01-05", [("week", "2026-01-05", "2026-01-11")]),
        ("orders in Q3 2025", [("quarter", "2025-07-01", "2025-09-30")]),
        ("orders in 2025-Q4", [("quarter", "2025-10-01", "2025-12-31")]),
        ("FY24 Q2 bookings", [("quarter", "2023-07-01", "2023-09-30")]),  # fiscal year starting in April
        ("sales in 2025", [("year", "2025-01-01", "2025-12-31")]),
        ("Feb-Apr 2026", [("range", "2026-02-01", "2026-04-30")]),
        ("between 2026-01-05 and 2026-02-02",
         [("day", "2026-01-05", "2026-01-05"), ("day", "2026-02-02", "2026-02-02")]),
        ("H2 2026 targets", [("half", "2026-07-01", "2026-12-31")]),
        ("May I see the numbers?", []),
    ],
)
def test_period_phrases(text: str, expected: list[tuple[str, str, str]]) -> None:
    spans = period_phrases(text, fiscal_start_month=4)
    assert [(s.unit, str(s.start), str(s.end)) for s in spans] == expected


def test_relative_and_yearless_phrases() -> None:
    last = period_phrases("orders last quarter", anchor=dt.date(2026, 2, 10))[0]
    assert (last.start, last.end) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    since = period_phrases("revenue since March")[0]
    assert since.role == "since" and since.month == 3 and since.start is None
    assert since.in_year(2026).start == dt.date(2026, 3, 1)


def _text(answer: object) -> str:
    return str(answer.answer)


@pytest.mark.parametrize(
    ("question", "must_contain", "must_not"),
    [
        ("What was revenue in March 2026?", ["2,400"], []),  # long and additive: the regions add up
        ("How did weekly orders in the week of 2026-03-02 compare with the week of 2026-01-05?", ["490", "410", "80"],
         []),
        ("Which week had the most orders?", ["520", "2026-01-26"], []),
        ("Which region brought in the most revenue in February 2026?", ["south", "1,350"], []),
        ("What share of revenue came from the north region in March 2026?", ["62.5%"], []),
        ("Was there a month when the south region earned more revenue than the north region?", ["February 2026",
                                                                                                 "1,350", "1,300"], []),
        ("Which store sold the most cups?", ["Mill Lane", "7,900"], []),
        ("How did the conversion rate change in March 2026?", ["2.9", "3.6"], ["6.5"]),  # never 2.9 + 3.6
        ("How many orders did we have in December 2025 in the monthly report?", ["1,710"], []),
    ],
)
def test_operations_answer_from_the_tables(ask, question: str, must_contain: list[str], must_not: list[str]) -> None:
    answer = ask(question)
    text = _text(answer)
    assert answer.route == "metric" and not answer.abstained, text
    for fact in must_contain:
        assert fact in text, f"{fact!r} missing from: {text}"
    for wrong in must_not:
        assert wrong not in text, text
    assert answer.citations, text


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("What were weekly orders in June 2024?", "covers"),  # a period the series does not have
        ("How much revenue came from the Lisbon region in March 2026?", "lisbon"),  # a category nobody has
        ("How many orders came from the Mill Lane store in March 2026?", "no mill lane"),  # a category of another table
    ],
)
def test_what_the_tables_lack_is_said_not_guessed(ask, question: str, reason: str) -> None:
    answer = ask(question)
    assert answer.abstained, _text(answer)
    assert reason in _text(answer).lower()


def test_a_plan_question_that_asks_how_many_is_not_hijacked_by_a_table(ask) -> None:
    answer = ask("How many wholesale customers does the roastery objective aim to sign?")
    assert answer.route != "metric"
    assert "12" in _text(answer)


def test_record_tables_are_rows_not_a_series(tea: Runtime, ask) -> None:
    assert not [m for m in tea.metric_rows.metrics() if m[1].endswith("press_mentions.csv")]
    answer = ask("Which outlet wrote about why loose leaf is back?")
    assert "Brew Weekly" in _text(answer)


def test_weekly_and_monthly_series_of_one_name_stay_apart(ask) -> None:
    weekly = _text(ask("What was the lowest weekly orders figure?"))
    monthly = _text(ask("What was the lowest monthly orders figure?"))
    assert "395" in weekly and "1,500" in monthly
