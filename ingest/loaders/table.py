"""Metric tables (rows of cells from CSV, TSV or JSON records) -> metric points.

Columns are classified by their header and values, never by position: a period column (dates, months,
quarters), numeric value columns, category columns (low-cardinality labels such as ``channel``) and
ignored columns (URLs, ids, free text). Supported shapes:

* wide: one series per value column (``month,signups,churn``);
* long: period + category + value (``week,movement_type,customers``), one series per value column with
  categories; a ``metric`` column names the series (``week,source,metric,value``);
* snapshot: no period but a label column (a per-channel table): period is the document date or "snapshot";
* pivoted: periods as headers (``metric,2026-01,2026-02``), turned into the long shape first.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from assistant.periods import normalize_period, period_start
from assistant.schemas import MetricPoint
from ingest.loaders import LoaderError
from ingest.values import MISSING, parse_number, slugify

SNAPSHOT = "snapshot"
_PERIOD_WORDS = frozenset({"date", "day", "week", "month", "quarter", "year", "period", "time", "timestamp", "ds"})
_ID_WORDS = frozenset({"id", "uuid", "guid", "key", "sku", "zip", "phone"})
_METRIC_NAME_WORDS = frozenset({"metric", "measure", "kpi", "series", "indicator", "variable"})
_GENERIC_VALUES = frozenset({"value", "values", "count", "total", "amount", "number", "y"})
_EXPECTED = "expected a period column (date, week, month, quarter) plus numeric columns"


@dataclass
class _Column:
    index: int
    name: str
    cells: list[str]

    @property
    def tokens(self) -> set[str]:
        spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", self.name)
        return set(re.split(r"[^a-z0-9]+", spaced.lower())) - {""}

    @property
    def present(self) -> list[str]:
        return [c for c in self.cells if c.strip().lower() not in MISSING]


def _numeric_ratio(values: list[str]) -> float:
    return sum(1 for v in values if parse_number(v) is not None) / len(values) if values else 0.0


def _period_column(columns: list[_Column]) -> _Column | None:
    """The column with the most cells parsing as periods, among those named like one (>= 50% parse) or
    whose values mostly (>= 60%) are dates or periods."""
    best: tuple[int, int, _Column] | None = None
    for col in columns:
        named = bool(col.tokens & _PERIOD_WORDS)
        year = "year" in col.tokens
        hits = sum(1 for v in col.present if normalize_period(v, allow_year=year) is not None)
        if not col.present or hits / len(col.present) < (0.5 if named else 0.6):
            continue
        score = (hits, int(named), col)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None


def _is_value(col: _Column) -> bool:
    if col.tokens & (_PERIOD_WORDS | _ID_WORDS):
        return False
    return bool(col.present) and _numeric_ratio(col.present) >= 0.6


def _is_ignored_text(col: _Column) -> bool:
    """URLs, ids and free text: never categories or labels."""
    values = col.present
    if not values or col.tokens & _ID_WORDS:
        return True
    if sum(1 for v in values if v.strip().lower().startswith(("http://", "https://", "www."))) * 2 >= len(values):
        return True
    return sum(len(v) for v in values) / len(values) > 40


def _pivot(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]] | None:
    """Periods as column headers -> (period, metric, value) rows; None when the header is not periods."""
    periods = [(i, normalize_period(h)) for i, h in enumerate(header)]
    period_cols = [(i, p) for i, p in periods if p is not None]
    if len(period_cols) < 2 or periods[0][1] is not None:
        return None
    out = [[p, row[0], row[i]] for row in rows for i, p in period_cols]
    return ["period", "metric", "value"], out


def table_points(header: list[str], rows: list[list[str]], name: str) -> list[MetricPoint]:
    """Metric points of one table; ``name`` names a lone generic value column ("value") - the file stem.

    Raises:
        LoaderError: no numeric value column, no period or label column, or fewer than two usable rows.
    """
    pivoted = _pivot(header, rows)
    if pivoted:
        header, rows = pivoted
    header = [h.strip() or f"column_{i + 1}" for i, h in enumerate(header)]
    columns = [_Column(i, h, [r[i] if i < len(r) else "" for r in rows]) for i, h in enumerate(header)]
    period_col = _period_column(columns)
    values = [c for c in columns if c is not period_col and _is_value(c)]
    if not values:
        names = ", ".join(header)
        raise LoaderError(f"malformed metric table: no numeric value column among ({names}); {_EXPECTED}")
    texts = [
        c
        for c in columns
        if c is not period_col and c not in values and not c.tokens & _PERIOD_WORDS and not _is_ignored_text(c)
    ]
    metric_col = next((c for c in texts if c.tokens & _METRIC_NAME_WORDS), None)
    categories = [c for c in texts if c is not metric_col and 2 <= len(set(c.present)) <= max(2, len(c.present) // 2)]
    if period_col is None:
        labels = [c for c in texts if c is not metric_col]
        unique = [c for c in labels if len(set(c.present)) == len(c.present)]
        if not labels:
            raise LoaderError(f"malformed metric table: no period column and no label column; {_EXPECTED}")
        categories = [(unique or labels)[0]]
    elif not _periods_repeat(rows, period_col, metric_col):
        categories = []

    totals: dict[tuple[str, str, str | None], float] = {}
    usable = 0
    for r in range(len(rows)):
        period = normalize_period(period_col.cells[r], "year" in period_col.tokens) if period_col else SNAPSHOT
        if period is None:
            continue
        category = " / ".join(c.cells[r].strip() for c in categories if c.cells[r].strip()) or None
        found = False
        for col in values:
            number = parse_number(col.cells[r])
            if number is None:
                continue
            metric = _metric_name(col, metric_col.cells[r].strip() if metric_col else "", len(values), name)
            key = (metric, period, category)
            totals[key] = totals.get(key, 0.0) + number  # duplicate rows of one period add up
            found = True
        usable += found
    if usable < 2:
        raise LoaderError(f"malformed metric table: only {usable} row(s) with a period and a number; {_EXPECTED}")
    return _ordered(totals)


def _periods_repeat(rows: list[list[str]], period_col: _Column, metric_col: _Column | None) -> bool:
    keys = Counter((period_col.cells[r], metric_col.cells[r] if metric_col else "") for r in range(len(rows)))
    return any(count > 1 for key, count in keys.items() if key[0].strip())


def _metric_name(col: _Column, metric_cell: str, n_values: int, default: str) -> str:
    if metric_cell:
        return metric_cell if n_values == 1 else f"{metric_cell}_{col.name}"
    if n_values == 1 and col.name.strip().lower() in _GENERIC_VALUES:
        return slugify(default).replace("-", "_") or col.name
    return col.name.strip()


def _ordered(totals: dict[tuple[str, str, str | None], float]) -> list[MetricPoint]:
    """Points grouped by metric (first seen first), then by period, then categories in first-seen order."""
    metric_order = {m: i for i, m in enumerate(dict.fromkeys(k[0] for k in totals))}
    category_order = {c: i for i, c in enumerate(dict.fromkeys(k[2] for k in totals))}
    keys = sorted(totals, key=lambda k: (metric_order[k[0]], period_start(k[1]), k[1], category_order[k[2]]))
    return [MetricPoint(metric=m, period=p, value=totals[(m, p, c)], category=c) for m, p, c in keys]


def _free_text(col: _Column) -> bool:
    """A column of mostly distinct, long or link values: titles, names of things, URLs, notes."""
    values = [v.strip() for v in col.present]
    if len(values) < 3 or _numeric_ratio(values) > 0.3:
        return False
    distinct = len(set(values)) / len(values)
    links = sum(1 for v in values if v.lower().startswith(("http://", "https://", "www."))) / len(values)
    return distinct >= 0.8 and (links >= 0.5 or sum(len(v) for v in values) / len(values) >= 12)


def looks_like_records(header: list[str], rows: list[list[str]]) -> bool:
    """Whether a table lists records (press mentions, deals, tickets: one row per thing, with titles, names and
    links) rather than measuring something over time. Summing such rows by date would invent a series, so these
    tables are kept as readable rows instead."""
    columns = [_Column(i, h, [r[i] if i < len(r) else "" for r in rows]) for i, h in enumerate(header)]
    return sum(1 for c in columns if _free_text(c)) >= 2


def records_text(header: list[str], rows: list[list[str]]) -> str:
    """The rows of a record table as "Column: value" lines, after a note saying what the table is."""
    names = [h.strip() or f"column {i + 1}" for i, h in enumerate(header)]
    lines = [
        f"A table of {len(rows)} records (not a time series), with columns {', '.join(names)}.",
        "Each line below is one record.",
    ]
    for row in rows:
        cells = [f"{n}: {v.strip()}" for n, v in zip(names, row, strict=False) if v.strip() and v.strip() != "-"]
        if cells:
            lines.append("; ".join(cells))
    return "\n".join(lines)
