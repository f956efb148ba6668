"""Plan items given as Markdown tables, recognised by their header cells rather than one company's template.

* Initiatives: a table with a project-like column (Project, Initiative, Epic, Workstream, Name, ...) or ids
  such as "GRO-3", and at least one column an initiative is tracked by (DRI/Owner, Sponsor, Status, Objective,
  Due). Each row is an initiative; emoji status cells become words ("🟡" -> "at risk").
* Key results: rows whose cell is a key-result id ("KR1.2"), with Metric/Baseline/Target columns as fields.
* Objectives and key results: an Objective column next to a Key result column; an empty objective cell
  continues the objective above it.
"""

from __future__ import annotations

import re

from assistant.planning.cues import status_word
from assistant.planning.fields import KR_FIELDS, set_initiative_field, set_kr_field
from assistant.planning.items import Record, Records, Where, cite
from assistant.planning.text import KR_HEAD, initiative_id, objective_refs
from assistant.planning.tree import Block, Line

_COLUMNS: list[tuple[str, re.Pattern[str]]] = [(role, re.compile(pattern, re.IGNORECASE)) for role, pattern in [
    ("id", r"^(?:id|#|key|ref|ticket|code)$"),
    ("kr_id", r"^krs?(?:\s*#|\s+id)?$"),
    ("key_result", r"\bkey\s+results?\b|\bsuccess\s+(?:criteria|measures?|metrics?)\b"),
    ("objective", r"\b(?:objectives?|okrs?|goals?|serves|supports)\b"),
    ("sponsor", r"\bsponsors?\b"),
    ("owner", r"\b(?:dri|owners?|leads?|accountable|responsible|assignees?)\b"),
    ("status", r"\b(?:status|state|health|rag|progress)\b"),
    ("target_date", r"\b(?:target\s+date|due(?:\s+date)?|eta|deadline|delivery\s+date|ship\s+date|when|timeline)\b"),
    ("title", r"\b(?:projects?|initiatives?|epics?|workstreams?|bets?|features?|deliverables?|programs?)\b"
              r"|^(?:name|title|item|what)$"),
    ("description", r"\b(?:description|summary|details|notes?|scope)\b"),
]]
_TRACKED = frozenset({"owner", "sponsor", "status", "objective", "target_date"})


def column_roles(header: list[str]) -> dict[str, int]:
    """Role -> column index, first matching column wins (a header cell takes the first role it matches)."""
    roles: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = " ".join(cell.lower().split())
        if name in KR_FIELDS and KR_FIELDS[name] != "target_date":
            continue  # Metric / Baseline / Target: key-result fields, read by name
        role = next((r for r, pattern in _COLUMNS if pattern.search(name)), None)
        if role is not None and role not in roles:
            roles[role] = index
    return roles


def read_table(block: Block, records: Records, where: Where, objective: Record | None) -> None:
    """Add the table's initiatives, objectives or key results to ``records``."""
    header = [cell.text for cell in block.header]
    roles = column_roles(header)
    names = [" ".join(h.lower().split()) for h in header]
    current = objective
    for cells, (start, end) in zip(block.rows, block.row_spans, strict=False):
        if not cells:
            continue
        text = {role: cells[i].text for role, i in roles.items() if i < len(cells)}
        named = {names[i]: cell.text for i, cell in enumerate(cells) if i < len(names)}
        kr_cell = next((m for c in cells if (m := KR_HEAD.match(c.text.replace(" ", ""))) and not m["text"]), None)
        if kr_cell is not None:
            row = Line(text.get("key_result") or _longest(text, cells, roles), start, end)
            kr = records.key_result(row, kr_cell["num"], row.text, current, where)
            refs = objective_refs(text.get("objective", "")) or []
            if refs and kr["objective_id"] is None:
                kr["objective_id"] = refs[0]
            for name, value in named.items():
                if name in KR_FIELDS and value:
                    set_kr_field(kr, KR_FIELDS[name], value)
        elif "objective" in roles and "key_result" in roles and text.get("key_result"):
            if text.get("objective") and objective_refs(text["objective"]) is None:
                current = records.objective(Line(text["objective"], start, end), None, text["objective"], where)
            if current is not None:
                records.key_result(Line(text["key_result"], start, end), None, text["key_result"], current, where)
        elif _initiative_row(roles, text, cells):
            _initiative(records, where, text, cells, Line("", start, end))


def _initiative_row(roles: dict[str, int], text: dict[str, str], cells: list[Line]) -> bool:
    has_id = any((found := initiative_id(c.text)) and not found[1] for c in cells)
    titled = bool(text.get("title")) and bool(_TRACKED & roles.keys())
    return has_id or titled


def _initiative(records: Records, where: Where, text: dict[str, str], cells: list[Line], row: Line) -> None:
    id_cell = next((found[0] for c in cells if (found := initiative_id(c.text)) and not found[1]), None)
    title = text.get("title") or text.get("description") or id_cell or ""
    if not title:
        return
    item = records.initiative(Line(title, row.start, row.end), where, title=title)
    if id_cell:
        item["id"] = id_cell
    item["_link_stated"] = bool(text.get("objective"))
    for role in ("objective", "owner", "target_date"):
        if text.get(role):
            set_initiative_field(item, {"objective": "objectives"}.get(role, role), text[role])
    if text.get("status"):
        item["status"] = status_word(text["status"])
    if text.get("sponsor"):
        item["sponsor"] = text["sponsor"]
    if text.get("description") and text["description"] != title:
        item["description_lines"].append(text["description"])
    cite(item, records.text.chunks_between(row.start, row.end))


def _longest(text: dict[str, str], cells: list[Line], roles: dict[str, int]) -> str:
    preferred = [text[r] for r in ("title", "description") if text.get(r)]
    return max(preferred or [c.text for c in cells], key=len)
