"""Reporting periods and calendar days: the one vocabulary ingest, planning, metrics, check-ins and contacts share.

:mod:`.labels` normalises the periods tables and documents name ("2026-05", "May 2026", "Q3 2026") to one label
and answers questions about a label (start, end, quarter); :mod:`.phrases` reads the periods people put in
questions ("in December", "the week starting 2026-01-04", "FY24 Q2", "since March", "last quarter") into date
spans that can be matched against any series.
"""

from assistant.periods.labels import (
    Granularity,
    Period,
    PeriodKind,
    deadline,
    granularity,
    month_end,
    normalize_period,
    parse_day,
    parse_period,
    partial_reason,
    period_end,
    period_span,
    period_start,
    periods_in,
    quarter_of,
    stated_period,
    strip_periods,
)

__all__ = [
    "Granularity",
    "granularity",
    "partial_reason",
    "period_span",
    "Period",
    "PeriodKind",
    "deadline",
    "month_end",
    "normalize_period",
    "parse_day",
    "parse_period",
    "period_end",
    "period_start",
    "periods_in",
    "quarter_of",
    "stated_period",
    "strip_periods",
]
