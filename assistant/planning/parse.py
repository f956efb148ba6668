"""Reading one strategy or roadmap source into objectives, key results and initiatives (plain dicts).

One pass over the source's reassembled lines (:class:`assistant.planning_text.SourceText`), tracking heading
levels, opens items at their id lines and fills them from the field lines and table rows that follow
(:mod:`assistant.planning.fields`). Items are dicts shaped like the models in
:mod:`assistant.planning.plan`, which validates them; this module only reads text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.planning.fields import (
    INITIATIVE_FIELDS,
    KR_FIELDS,
    TEXT_COLUMNS,
    fill_from_sentence,
    set_initiative_field,
    set_kr_field,
    table_rows,
)
from assistant.planning.text import (
    KR_HEAD,
    KR_PLAIN,
    OBJECTIVE_HEAD,
    OBJECTIVE_PLAIN,
    SourceText,
    clean,
    heading,
    initiative_id,
    is_bold,
    objective_refs,
)
from assistant.planning.text import field as field_of
from assistant.safety import looks_like_injection


@dataclass
class ParsedSource:
    objectives: list[dict[str, Any]] = field(default_factory=list)
    initiatives: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _State:
    text: SourceText
    out: ParsedSource = field(default_factory=ParsedSource)
    objective: dict[str, Any] | None = None
    objective_level: int = 0
    kr: dict[str, Any] | None = None
    initiative: dict[str, Any] | None = None
    initiative_level: int = 0
    pending: tuple[str, int, str] | None = None  # a heading that may turn out to be an untitled roadmap item


def parse_source(text: SourceText) -> ParsedSource:
    """Objectives (with key results) and initiatives of one source, in document order."""
    state = _State(text)
    lines = text.lines
    i = 0
    while i < len(lines):
        line, chunk_id = lines[i]
        if line.lstrip().startswith("|"):
            end = i
            while end < len(lines) and lines[end][0].lstrip().startswith("|"):
                end += 1
            _table(state, lines[i:end])
            i = end
            continue
        _line(state, line, chunk_id)
        i += 1
    _close_kr(state)
    _close_initiative(state)
    return state.out


def _line(state: _State, line: str, chunk_id: str) -> None:
    head = heading(line)
    bold = is_bold(line)
    text = head[1] if head else clean(line)
    level = head[0] if head else 7  # a bold or plain opener sits below every real heading
    if head:
        _close_kr(state)
        if state.initiative is not None and level <= state.initiative_level:
            _close_initiative(state)
        state.pending = None
    marked = head is not None or bold or not line.startswith((" ", "\t"))  # indented: a nested bullet
    if looks_like_injection(text):  # document text is data: an instruction to the assistant is no plan item
        if head and state.objective is not None and level <= state.objective_level:
            state.objective = None  # it still ends the section it closes, so what follows attaches to nothing
        return
    if _opens_item(state, text, level, chunk_id, head is not None or bold, marked):
        return
    if head:
        if state.objective is not None and level <= state.objective_level:
            state.objective = None
        state.pending = (text, level, chunk_id)
        return
    pair = field_of(line)
    if pair and _apply_field(state, pair[0], pair[1], chunk_id):
        return
    if state.initiative is not None and text:
        state.initiative["description_lines"].append(text)
        _cite(state.initiative, chunk_id)
    elif state.initiative is not None and state.initiative["description_lines"]:
        state.initiative["description_lines"].append("")


def _opens_item(state: _State, text: str, level: int, chunk_id: str, marked: bool, top: bool) -> bool:
    """Start an objective, key result or initiative when ``text`` opens one; True when it did.

    Numbered ids are taken as written. Unnumbered openers ("**OBJECTIVE: Grow**", "- KR: Reach 10k MAU") get
    an id from their position, prefixed with the file name for objectives so it cannot collide with another
    document's, and ``id_stated`` False.
    """
    opened_objective = _objective_opener(state, text, marked) if top else None
    if opened_objective:
        _close_kr(state)
        _close_initiative(state)
        objective_id, title, stated = opened_objective
        state.objective = {"id": objective_id, "title": title.strip(" *"), "source": state.text.source,
                           "chunk_id": chunk_id, "chunk_ids": [chunk_id], "key_results": [], "id_stated": stated}
        state.objective_level = level
        state.out.objectives.append(state.objective)
        return True
    kr = KR_HEAD.match(text)
    plain = KR_PLAIN.match(text) if not kr and state.objective is not None and state.initiative is None else None
    if (kr and kr["text"]) or (plain and objective_refs(plain["text"]) is None):
        _close_kr(state)
        _close_initiative(state)
        state.kr = _new_kr(state, kr["num"] if kr else None, kr["text"] if kr else plain["text"] if plain else "",
                           chunk_id)
        return True
    opened = initiative_id(text) if marked else None
    if opened:
        _close_kr(state)
        _close_initiative(state)
        _new_initiative(state, opened[0], opened[1] or opened[0], level, chunk_id)
        return True
    return False


def _objective_opener(state: _State, text: str, marked: bool) -> tuple[str, str, bool] | None:
    """(id, title, id stated?) when ``text`` opens an objective."""
    match = OBJECTIVE_HEAD.match(text)
    if match:
        return f"O{int(match['n1'] or match['n2'])}", match["title"], True
    plain = OBJECTIVE_PLAIN.match(text) if marked else None
    if plain is None or objective_refs(plain["title"]) is not None:
        return None
    count = sum(1 for o in state.out.objectives if not o["id_stated"]) + 1
    return f"{_stem(state.text.source)}/O{count}", plain["title"], False


def _stem(source: str) -> str:
    return source.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _new_kr(state: _State, num: str | None, text: str, chunk_id: str) -> dict[str, Any]:
    objective = state.objective
    objective_id: str | None = objective["id"] if objective else None
    if num is None:  # unnumbered: the next position in its objective ("O2" -> "KR2.3", "f/O1" -> "f/KR1.3")
        position = len(objective["key_results"]) + 1 if objective else 1
        prefix = objective_id.replace("O", "KR") if objective_id else "KR"
        kr_id = f"{prefix}.{position}" if objective_id else f"KR{position}"
    elif "." in num:
        major, minor = num.split(".")
        objective_id = f"O{int(major)}"
        kr_id = f"KR{int(major)}.{int(minor)}"
    else:
        kr_id = f"KR{objective_id[1:]}.{int(num)}" if objective_id and objective_id[1:].isdigit() else f"KR{int(num)}"
    if objective is not None and objective["id"] != objective_id:
        objective = None
    return {"id": kr_id, "objective_id": objective_id, "text": text.strip(), "source": state.text.source,
            "chunk_id": chunk_id, "chunk_ids": [chunk_id], "_objective": objective, "id_stated": num is not None}


def _new_initiative(state: _State, item_id: str, title: str, level: int, chunk_id: str) -> dict[str, Any]:
    state.initiative = {"id": item_id, "title": title, "team": state.text.team, "source": state.text.source,
                        "chunk_id": chunk_id, "chunk_ids": [chunk_id], "objective_ids": [],
                        "description_lines": [], "objective_text": None}
    state.initiative_level = level
    state.pending = None
    return state.initiative


def _apply_field(state: _State, key: str, value: str, chunk_id: str) -> bool:
    if state.kr is not None and key in KR_FIELDS:
        set_kr_field(state.kr, KR_FIELDS[key], value)
        _cite(state.kr, chunk_id)
        return True
    if state.initiative is None and state.pending and state.text.doc_type == "roadmap" \
            and INITIATIVE_FIELDS.get(key) in ("objectives", "status"):
        title, level, head_chunk = state.pending
        _new_initiative(state, title, title, level, head_chunk)
    if state.initiative is not None and key in INITIATIVE_FIELDS:
        set_initiative_field(state.initiative, INITIATIVE_FIELDS[key], value)
        _cite(state.initiative, chunk_id)
        return True
    if state.objective is not None and state.kr is None and key == "owner" and "owner" not in state.objective:
        state.objective["owner"] = re.split(r"(?<=[^.\s]{2})\.\s", clean(value), maxsplit=1)[0].rstrip(".")
        return True
    return False


def _cite(item: dict[str, Any], chunk_id: str) -> None:
    if chunk_id not in item["chunk_ids"]:
        item["chunk_ids"].append(chunk_id)


def _close_kr(state: _State) -> None:
    kr, state.kr = state.kr, None
    if kr is None:
        return
    fill_from_sentence(kr)
    owner = kr.pop("_objective")
    if owner is None:  # "KR2.1" listed away from O2's heading still belongs to O2 (if this source states O2)
        owner = next((o for o in state.out.objectives if o["id"] == kr["objective_id"]), None)
    if owner is not None:
        owner["key_results"].append(kr)
        for chunk_id in kr["chunk_ids"]:
            _cite(owner, chunk_id)


def _close_initiative(state: _State) -> None:
    item, state.initiative = state.initiative, None
    if item is None:
        return
    item["description"] = "\n".join(item.pop("description_lines")).strip()
    state.out.initiatives.append(item)


def _table(state: _State, rows: list[tuple[str, str]]) -> None:
    """Key results or initiatives given as Markdown table rows, recognised by the id in a cell."""
    for named, row, chunk_id in table_rows(rows):
        text = max((named.get(c, "") for c in TEXT_COLUMNS), key=len)
        kr_cell = next((m for c in row if (m := KR_HEAD.match(c.replace(" ", ""))) and not m["text"]), None)
        item_cell = next((found for c in row if (found := initiative_id(c)) and not found[1]), None)
        if kr_cell:
            state.kr = _new_kr(state, kr_cell["num"], text or row[0], chunk_id)
            refs = objective_refs(named.get("objective", "")) or []
            if refs and "." not in kr_cell["num"]:
                state.kr["objective_id"] = refs[0]
            for key, value in named.items():
                if key in KR_FIELDS and value:
                    set_kr_field(state.kr, KR_FIELDS[key], value)
            _close_kr(state)
        elif item_cell:
            _close_initiative(state)
            title = next((named[c] for c in ("initiative", "title", "name") if named.get(c)), text or item_cell[0])
            item = _new_initiative(state, item_cell[0], title, 7, chunk_id)
            for key, value in named.items():
                if key in INITIATIVE_FIELDS and value:
                    set_initiative_field(item, INITIATIVE_FIELDS[key], value)
            _close_initiative(state)
