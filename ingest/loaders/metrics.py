"""Metric reports: CSV/TSV and JSON files -> tables -> metric points (see :mod:`ingest.loaders.table`).

Numbers about metrics must come from parsed tables, never from a model reading raw text, so these loaders
either produce series or fail with a message that says which shape was expected.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from assistant.periods import normalize_period
from assistant.schemas import MetricPoint
from ingest.loaders import Body, LoaderError
from ingest.loaders.table import looks_like_records, records_text, table_points
from ingest.values import parse_number

_RECORD_KEYS = ("series", "data", "rows", "records", "values", "items", "points", "results")
_NAME_KEYS = ("metric", "name")
_JSON_SHAPES = (
    'a list of records, {"metric": name, "series": [{"period": ..., "value": ...}]}, '
    '{"data": [records]}, {name: [records]} or {period: value}'
)


def load_delimited(text: str, fmt: str, name: str) -> Body:
    """A CSV or TSV table; the delimiter of a .csv is sniffed (comma, semicolon, tab or pipe).

    Raises:
        LoaderError: the CSV cannot be read or is not a metric table.
    """
    delimiter = "\t"
    if fmt == "csv":
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    try:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise LoaderError(f"malformed {fmt.upper()}: {exc}; re-export the table from the spreadsheet") from exc
    if len(rows) < 2:
        raise LoaderError(
            "malformed metric table: a header row and at least two data rows are needed; "
            "expected a period column plus numeric columns"
        )
    if looks_like_records(rows[0], rows[1:]):
        return Body(text=records_text(rows[0], rows[1:]))
    return Body(text="", metric_points=table_points(rows[0], rows[1:], name))


def load_json(text: str, name: str) -> Body:
    """A JSON metric report in one of the common shapes (see ``_JSON_SHAPES``).

    Raises:
        LoaderError: invalid JSON, or no metric series in it.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoaderError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; fix the syntax") from exc
    tables = list(_tables(data, None))
    points: list[MetricPoint] = []
    errors: list[str] = []
    for hint, header, rows in tables:
        try:
            points += table_points(header, rows, hint or name)
        except LoaderError as exc:
            errors.append(str(exc))
    if not points:
        detail = f" ({errors[0]})" if errors else ""
        raise LoaderError(f"no metric series found in JSON{detail}; expected {_JSON_SHAPES}")
    return Body(text="", metric_points=points)


def _cell(value: Any) -> str:
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value)


def _records_table(records: list[Any]) -> tuple[list[str], list[list[str]]] | None:
    dicts = [r for r in records if isinstance(r, dict)]
    if len(dicts) < max(1, len(records) // 2):
        return None
    header = list(dict.fromkeys(str(k) for r in dicts for k in r))
    return header, [[_cell(r.get(h)) for h in header] for r in dicts]


def _period_map(mapping: dict[str, Any]) -> tuple[list[str], list[list[str]]] | None:
    """{period: number} -> a two-column table, when nearly all keys are periods and values numbers."""
    pairs = [(k, v) for k, v in mapping.items() if normalize_period(k) is not None and parse_number(v) is not None]
    if len(pairs) < 2 or len(pairs) * 10 < len(mapping) * 9:
        return None
    return ["period", "value"], [[k, _cell(v)] for k, v in pairs]


def _tables(data: Any, hint: str | None) -> Any:
    """Yield (metric name hint, header, rows) for every table-shaped part of a JSON document."""
    if isinstance(data, list):
        table = _records_table(data)
        if table:
            yield (hint, *table)
        return
    if not isinstance(data, dict):
        return
    name = next((str(data[k]) for k in _NAME_KEYS if isinstance(data.get(k), str)), hint)
    nested = [k for k in _RECORD_KEYS if isinstance(data.get(k), list | dict)]
    if nested:
        for key in nested:
            yield from _tables(data[key], name)
        return
    period_map = _period_map(data)
    if period_map:
        yield (hint, *period_map)
        return
    for key, value in data.items():
        if isinstance(value, list | dict):
            yield from _tables(value, str(key))
