"""Building objective, key-result and initiative records (plain dicts shaped like the models in
:mod:`assistant.planning.plan`) from the lines the walker recognised, with their ids, spans and citations.

Ids are kept as written when the document states them ("O2", "KR2.1", "GRO-3"); otherwise they come from the
item's position ("<prefix>/O3", "<prefix>/KR3.2") so that two documents cannot collide and a repeated number
("Key Result 4" twice) still gives two key results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.planning.cues import split_outcome, split_owner, split_status, status_word
from assistant.planning.fields import INITIATIVE_FIELDS, KR_FIELDS, set_initiative_field, set_kr_field
from assistant.planning.roles import OTHER_FIELDS
from assistant.planning.text import SourceText, clean, initiative_id
from assistant.planning.tree import Line

Record = dict[str, Any]
_OWNER_KEYS = frozenset({"owner", "owners", "dri", "lead", "accountable"})


@dataclass(frozen=True)
class Where:
    """Where an item sits: its grouping headings, its period and the objective it is nested under."""

    sections: tuple[str, ...] = ()
    period: str | None = None
    objective: Record | None = None
    cue: bool = False


@dataclass
class Records:
    """Everything read from one source, in document order."""

    text: SourceText
    prefix: str
    objectives: list[Record] = field(default_factory=list)
    initiatives: list[Record] = field(default_factory=list)
    _kr_ids: set[str] = field(default_factory=set)

    def _place(self, record: Record, line: Line, where: Where) -> Record:
        chunk = self.text.chunk_at(line.start)
        record.update(source=self.text.source, chunk_id=chunk, chunk_ids=self.text.chunks_between(line.start, line.end),
                      span=self.text.text[line.start:line.end], section=where.sections[-1] if where.sections else None,
                      section_path=list(where.sections), period=where.period)
        return record

    def objective(self, line: Line, number: str | None, title: str, where: Where) -> Record:
        owner, title = split_owner(title)
        status, title = split_status(title)
        title, outcome = split_outcome(title)
        if number is not None and "." not in number:
            objective_id, stated = f"O{int(number)}", True
        else:
            count = sum(1 for o in self.objectives if not o["id_stated"]) + 1
            objective_id, stated = f"{self.prefix}/O{count}", False
        parent = where.objective
        record: Record = {"_type": "objective", "id": objective_id, "title": title.strip(" *") or line.text,
                          "key_results": [], "id_stated": stated, "owner": owner, "status": status,
                          "outcome": outcome, "parent_id": parent["id"] if parent else None}
        self.objectives.append(self._place(record, line, where))
        return record

    def key_result(self, line: Line, number: str | None, text: str, objective: Record | None,
                   where: Where) -> Record:
        text, outcome = split_outcome(text)
        status, text = split_status(text)
        owner, bare = split_owner(text) if re.search(r"^\[|\)\s*[.;]?\s*$|@", text) else (None, text)
        if number is not None and "." in number:  # "KR2.1" belongs to O2 wherever it is listed, if O2 is stated
            major = f"O{int(number.split('.')[0])}"
            if objective is None or objective["id"] != major:
                objective = next((o for o in self.objectives if o["id"] == major), objective)
        kr_id = self._kr_id(objective, number)
        record: Record = {"_type": "kr", "id": kr_id, "objective_id": objective["id"] if objective else None,
                          "text": bare.strip() or line.text, "id_stated": number is not None, "owner": owner,
                          "status": status, "outcome": outcome}
        self._place(record, line, where)
        if objective is not None:
            objective["key_results"].append(record)
            cite(objective, record["chunk_ids"])
        return record

    def _kr_id(self, objective: Record | None, number: str | None) -> str:
        """"KR<objective>.<n>": the stated number when it is new, else the key result's position."""
        base = objective["id"] if objective else None
        position = len(objective["key_results"]) + 1 if objective else len(self._kr_ids) + 1
        if number is not None and "." in number and (base is None or base[1:].isdigit()):
            major, minor = number.split(".")
            candidates = [f"KR{int(major)}.{int(minor)}"]
        elif base is not None and base[1:].isdigit():
            candidates = [f"KR{base[1:]}.{int(number)}"] if number is not None and "." not in number else []
            candidates.append(f"KR{base[1:]}.{position}")
        elif base is not None:
            candidates = [f"{base.rsplit('/O', 1)[0]}/KR{base.rsplit('/O', 1)[1]}.{position}"]
        else:
            candidates = [f"KR{int(number)}"] if number is not None else []
            candidates.append(f"{self.prefix}/KR{position}")
        chosen = next((c for c in candidates if c not in self._kr_ids), None)
        suffix = 2
        while chosen is None:
            chosen = f"{candidates[-1]}-{suffix}" if f"{candidates[-1]}-{suffix}" not in self._kr_ids else None
            suffix += 1
        self._kr_ids.add(chosen)
        return chosen

    def initiative(self, line: Line, where: Where, title: str | None = None) -> Record:
        text = title if title is not None else line.text
        found = initiative_id(text)
        item_id, name = (found[0], found[1] or found[0]) if found else (text, text)
        status, name = split_status(name)
        owner, name = split_owner(name) if found is None or found[1] else (None, name)
        record: Record = {"_type": "initiative", "id": item_id if found else name, "title": name,
                          "team": self.text.team, "objective_ids": [], "description_lines": [], "objective_text": None,
                          "status": status, "owner": owner, "sponsor": None}
        self._place(record, line, where)
        if where.objective is not None:  # listed under an objective: that is the one it serves, unless it says
            record["_nested_in"] = where.objective["id"]
        self.initiatives.append(record)
        return record


def cite(record: Record, chunk_ids: list[str]) -> None:
    for chunk_id in chunk_ids:
        if chunk_id not in record["chunk_ids"]:
            record["chunk_ids"].append(chunk_id)


def apply_field(record: Record | None, key: str, value: str, chunk_ids: list[str]) -> bool:
    """Record a field line on ``record`` when it is a field that kind of item carries; True when it did."""
    if record is None:
        return False
    kind = record["_type"]
    if kind == "kr" and key in KR_FIELDS:
        set_kr_field(record, KR_FIELDS[key], value)
    elif kind in ("kr", "objective") and key in _OWNER_KEYS:
        if record.get("owner"):
            return True
        record["owner"] = re.split(r"(?<=[^.\s]{2})\.\s", clean(value), maxsplit=1)[0].rstrip(".") or None
    elif kind in ("kr", "objective") and INITIATIVE_FIELDS.get(key) == "status":
        record["status"] = status_word(value)
    elif kind in ("kr", "objective") and OTHER_FIELDS.get(key) == "outcome":
        record["outcome"] = clean(value) or None
    elif kind == "initiative" and key in INITIATIVE_FIELDS:
        set_initiative_field(record, INITIATIVE_FIELDS[key], value)
        record["_link_stated"] = record.get("_link_stated") or INITIATIVE_FIELDS[key] == "objectives"
        if INITIATIVE_FIELDS[key] == "status":
            record["status"] = status_word(value)
    elif kind == "initiative" and OTHER_FIELDS.get(key) == "sponsor":
        record["sponsor"] = clean(value) or None
    else:
        return False
    cite(record, chunk_ids)
    return True
