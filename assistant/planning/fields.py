"""What a field line or table cell says about a key result or an initiative, under the names people use.

"Metric:", "KPI:", "Measured by:" all name a key result's metric; "Status:", "Health:", "RAG:" an
initiative's status; and so on. Values are read with :mod:`assistant.planning.text`, so a field that states
no number or date leaves the item's value None rather than guessing.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.periods import deadline, stated_period
from assistant.planning.text import clean, number, objective_refs

KR_FIELDS = {
    **dict.fromkeys(("metric", "metric name", "metrics", "kpi", "measure", "measured by"), "metric"),
    **dict.fromkeys(("baseline", "start", "starting point", "starting value", "from", "current baseline"), "baseline"),
    **dict.fromkeys(("target", "goal", "target value", "to"), "target"),
    **dict.fromkeys(("target date", "due", "due date", "deadline", "by", "date"), "target_date"),
}
INITIATIVE_FIELDS = {
    **dict.fromkeys(("objective", "objectives", "okr", "okrs", "linked objective", "linked objectives", "serves",
                     "supports", "key result", "key results", "goal", "goals"), "objectives"),
    **dict.fromkeys(("status", "state", "health", "rag", "rag status"), "status"),
    **dict.fromkeys(("owner", "owners", "dri", "lead", "accountable"), "owner"),
    **dict.fromkeys(("target date", "due", "due date", "eta", "deadline", "date", "delivery date", "ship date",
                     "target", "when"), "target_date"),
    "team": "team",
}
_FROM_TO = re.compile(  # "from 1,840 (week of 2026-06-01) to 2,600 by 2026-12-31": both sides start with a number
    r"\bfrom\s+(?P<base>[$€£]?\d[\d,.]*%?(?:\s*[A-Za-z]{1,10})?(?:\s*\([^)]*\))?)\s+to\s+"
    r"(?P<target>(?:(?:at\s+least|at\s+most|under|below|above|over|less\s+than|more\s+than)\s+)?[$€£]?\d.*?)"
    r"(?:[.;](?:\s|$)|$)"
)


def set_kr_field(kr: dict[str, Any], name: str, value: str) -> None:
    """Record a key-result field ("metric", "baseline", "target" or "target_date") read from ``value``."""
    value = clean(value)
    if name == "metric":
        kr["metric"] = value.split()[0].strip(",;.") if value else None
    elif name == "baseline":
        kr["baseline_text"], kr["baseline"], kr["baseline_period"] = value, number(value), stated_period(value)
    elif name == "target":
        kr["target_text"], kr["target"] = value, number(value)
        kr["target_date"] = deadline(value) or kr.get("target_date")
    elif name == "target_date":
        kr["target_date"] = deadline(value)


def set_initiative_field(item: dict[str, Any], name: str, value: str) -> None:
    """Record an initiative field; an objective named by its title (no id) is kept for
    :func:`assistant.planning.parse_plan` to resolve against the objectives it finds."""
    value = clean(value)
    if name == "objectives":
        refs = objective_refs(value)
        if refs is None:
            item["objective_text"] = value
        else:
            item["objective_ids"] = list(dict.fromkeys([*item["objective_ids"], *refs]))
    elif name == "status":
        item["status"] = value.lower() or None
    elif name == "target_date":
        item["target_date_text"], item["target_date"] = value, deadline(value)
    else:
        item[name] = value or None


def fill_from_sentence(kr: dict[str, Any]) -> None:
    """Baseline and target from the key result's own sentence when no field line gave them."""
    stated = _FROM_TO.search(kr["text"])
    if stated and kr.get("baseline") is None and number(stated["base"]) is not None:
        set_kr_field(kr, "baseline", stated["base"])
    if stated and kr.get("target") is None and number(stated["target"]) is not None:
        set_kr_field(kr, "target", stated["target"])

