"""A project page's own roles table: the page is one initiative, and the table says who owns and sponsors it.

Project pages often carry no table *of* projects but a table of the people on this one: a role column
("Role", "WG Role") beside a person column ("Teammate", "Name", "Who"), with rows such as "DRI -> Ana",
"Exec Sponsor -> Raj". Such a page, when nothing else in it reads as a plan item, is recorded as one
initiative titled by the page, so "who owns X?" finds X, and when the people are template placeholders
("Teammate X") the answer can say the page names nobody instead of quoting generic role descriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.planning.items import Records, Where, cite
from assistant.planning.tree import Block, Line

_ROLE_COLUMN = re.compile(r"\broles?\b", re.I)
_PERSON_COLUMN = re.compile(r"\b(?:teammates?|persons?|people|names?|who|members?|assignees?)\b", re.I)
_ROLE_WORDS = (("owner", re.compile(r"\b(?:dri|owners?|accountable|driver)\b", re.I)),
               ("sponsor", re.compile(r"\bsponsors?\b", re.I)),
               ("owner", re.compile(r"\bleads?\b", re.I)))  # a lead owns it only when no DRI/owner row does


@dataclass(frozen=True)
class PageRoles:
    people: dict[str, str]  # "owner"/"sponsor" -> the person cell as written
    start: int
    end: int


def read_role_table(block: Block) -> PageRoles | None:
    """The owner and sponsor named by a role/person table, or None when the table is not one."""
    header = [cell.text for cell in block.header]
    role_col = next((i for i, h in enumerate(header) if _ROLE_COLUMN.search(h)), None)
    person_col = next((i for i, h in enumerate(header) if i != role_col and _PERSON_COLUMN.search(h)), None)
    if role_col is None or person_col is None:
        return None
    people: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    for key, pattern in _ROLE_WORDS:
        for cells, span in zip(block.rows, block.row_spans, strict=False):
            if len(cells) <= max(role_col, person_col) or key in people:
                continue
            person = cells[person_col].text.strip()
            if person and pattern.search(cells[role_col].text):
                people[key] = person
                spans.append(span)
    if not people:
        return None
    return PageRoles(people=people, start=min(s for s, _ in spans), end=max(e for _, e in spans))


def record_page_initiative(records: Records, title: str | None, roles: list[PageRoles]) -> None:
    """The page as one initiative, when it has a roles table and no other plan item."""
    if not roles or not title or records.initiatives or records.objectives:
        return
    found = roles[0]
    name = title.strip().strip("_*").strip()
    if not name:
        return
    item = records.initiative(Line(name, found.start, found.end), Where(), title=name)
    item["owner"] = found.people.get("owner")
    item["sponsor"] = found.people.get("sponsor")
    cite(item, records.text.chunks_between(found.start, found.end))
