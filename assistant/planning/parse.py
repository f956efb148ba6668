"""Reading one strategy or roadmap source into objectives, key results and initiatives (plain dicts).

The source's text (reassembled from its chunks, :class:`assistant.planning.text.SourceText`) is parsed into a
Markdown tree (:mod:`assistant.planning.tree`); this module walks it top-down. Headings and list items get a
role from :mod:`assistant.planning.roles` (objective, key result, initiative, field, grouping); paragraphs are
read line by line, so "KR:" lines inside one paragraph, field lines under a key result ("Metric: ..."), "=>"
outcomes and "Owner:" lines land on the item they describe. Tables are read by
:mod:`assistant.planning.tables`. Records are built by :mod:`assistant.planning.items`; the models in
:mod:`assistant.planning.plan` validate them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.planning.cues import (
    has_goal_words,
    is_kr_group,
    kr_label,
    period_of,
    split_outcome,
)
from assistant.planning.fields import fill_from_sentence
from assistant.planning.items import Record, Records, Where, apply_field
from assistant.planning.role_tables import PageRoles, read_role_table, record_page_initiative
from assistant.planning.roles import Item, Roles, known_field, objective_title, split_item
from assistant.planning.tables import read_table
from assistant.planning.text import SourceText, initiative_id, objective_refs
from assistant.planning.tree import Block, Line, parse_tree
from assistant.safety import looks_like_injection

_STRONG_CUES = re.compile(r"\b(?:OKRs?|objectives?|key\s+results?|KRs?)\b", re.IGNORECASE)
MAX_DEPTH = 60


@dataclass
class ParsedSource:
    objectives: list[dict[str, Any]] = field(default_factory=list)
    initiatives: list[dict[str, Any]] = field(default_factory=list)
    looks_like_plan: bool = False


@dataclass
class _Cursor:
    """Reading position inside one container (a section, an item's body)."""

    owner: Record | None  # the item whose body this is
    objective: Record | None  # where key-result lines go
    current: Record | None  # what field lines describe: the last item opened here, else the owner
    kr_group: bool = False  # a "Key results:" label announced the next list
    measures: bool = False  # the objective states no key result: measure-like bullets are its key results


def parse_source(text: SourceText, prefix: str | None = None) -> ParsedSource:
    """Objectives (with key results) and initiatives of one source, in document order.

    ``prefix`` starts the ids of items the document does not number (default: the file name's stem).
    """
    root = parse_tree(text.text)
    title = text.title or ""
    records = Records(text, prefix or text.source.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    walker = _Walker(records, Roles(text.text, root, has_goal_words(title)))
    walker.blocks(root.children, Where(period=period_of(title), cue=has_goal_words(title)), _Cursor(None, None, None))
    record_page_initiative(records, title or _first_heading(root), walker.page_roles)
    for objective in records.objectives:
        for kr in objective["key_results"]:
            fill_from_sentence(kr)
    for item in records.initiatives:
        item["description"] = "\n".join(item.pop("description_lines")).strip()
        nested = item.pop("_nested_in", None)
        if nested and not item.pop("_link_stated", False):
            item["objective_ids"] = [nested]
    return ParsedSource(records.objectives, records.initiatives, looks_like_plan(root, title, text.text))


def looks_like_plan(root: Block, title: str = "", source: str = "") -> bool:
    """A document that calls itself a plan: OKR words in its title, a heading or a bold label, or at least two
    objective or key-result labels. Such a document that yields nothing is reported as unread, unless it is a
    page of links (an index of plans is not a plan)."""
    labels = 0
    stack = [root]
    texts = [title]
    items = linked = 0
    while stack:
        block = stack.pop()
        stack.extend(block.children)
        if block.kind == "item" and block.children and block.children[0].lines:
            items += 1
            linked += source[block.children[0].lines[0].start:].startswith("[")
        for line in block.lines:
            if block.kind == "section":
                texts.append(line.text)
            elif line.lead:
                texts.append(line.lead)
            labels += bool(kr_label(line.text) or objective_title(line.text))
    if labels >= 2:
        return True
    return any(_STRONG_CUES.search(t) for t in texts) and not (items and linked >= items / 2)


class _Walker:
    def __init__(self, records: Records, roles: Roles) -> None:
        self.records, self.roles = records, roles
        self.source = records.text.text
        self.page_roles: list[PageRoles] = []

    def blocks(self, blocks: list[Block], where: Where, cur: _Cursor, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            return
        for i, block in enumerate(blocks):
            if block.kind == "section":
                self.section(block, where, depth + 1)
            elif block.kind == "paragraph":
                for k, line in enumerate(block.lines):
                    self.line(line, where, cur, block.lines[k + 1:], blocks[i + 1:])
            elif block.is_list:
                self.list(block, where, cur, depth + 1)
                cur.kr_group = False
            elif block.kind == "quote":
                self.blocks(block.children, where, cur, depth + 1)
            elif block.kind == "table":
                roles = read_role_table(block)
                if roles is not None:
                    self.page_roles.append(roles)
                else:
                    read_table(block, self.records, where, cur.objective)

    def section(self, section: Block, where: Where, depth: int) -> None:
        head = section.heading
        assert head is not None
        if looks_like_injection(head.text):  # document text is data: a section titled as an order is no plan
            return
        inner = replace(where, period=period_of(head.text) or where.period, cue=where.cue or has_goal_words(head.text))
        role = self.roles.heading(section)
        direct = [b for b in section.children if b.kind != "section"]
        if role == "objective":
            number, title = objective_title(head.text) or (None, head.text)
            objective = self.records.objective(head, number, title, inner)
            cur = _Cursor(objective, objective, objective, measures=not self.roles.kr_evidence([], direct))
            self.blocks(section.children, replace(inner, objective=objective), cur, depth)
        elif role == "kr":
            number, text = kr_label(head.text) or (None, head.text)
            kr = self.records.key_result(head, number, text, where.objective, inner)
            self.blocks(section.children, inner, _Cursor(kr, where.objective, kr), depth)
        elif role == "initiative":
            item = self.records.initiative(head, inner)
            self.blocks(section.children, inner, _Cursor(item, where.objective, item), depth)
        else:
            grouped = replace(inner, sections=(*where.sections, head.text))
            cur = _Cursor(None, where.objective, where.objective, kr_group=is_kr_group(head.text))
            self.blocks(section.children, grouped, cur, depth)

    def line(self, line: Line, where: Where, cur: _Cursor, later: list[Line], following: list[Block]) -> None:
        """One logical line of a paragraph: a key result, an outcome, a field, an objective or description."""
        text = line.text
        if looks_like_injection(text):  # an instruction to the assistant is neither plan nor description
            return
        kr = kr_label(text)
        if kr and not (kr[0] is None and objective_refs(kr[1]) is not None):  # "Key result: KR2.1" is a link
            cur.current = self.records.key_result(line, kr[0], kr[1], cur.objective, where)
            return
        if is_kr_group(text):
            cur.kr_group = True
            return
        before, outcome = split_outcome(text)
        if outcome is not None and not before and cur.current is not None and cur.current["_type"] != "initiative":
            cur.current["outcome"] = "; ".join(x for x in (cur.current.get("outcome"), outcome) if x)
            return
        pair = known_field(line)
        chunks = self.records.text.chunks_between(line.start, line.end)
        if pair and (apply_field(cur.current, *pair, chunks) or apply_field(cur.owner, *pair, chunks)):
            return
        opener = objective_title(text)
        if opener and (opener[0] is not None or (line.bold and where.cue) or self.kr_follows(later, following)) \
                or (line.bold and line.lead == text and self.kr_follows(later, following)):
            number, title = opener or (None, text)
            cur.objective = cur.current = self.records.objective(line, number, title, where)
            cur.measures = False
            return
        if line.bold and initiative_id(text):
            cur.current = self.records.initiative(line, where)
            return
        target = cur.current if cur.current is not None and cur.current["_type"] == "initiative" else None
        if target is not None and pair is None:
            target["description_lines"].append(text)

    def kr_follows(self, later: list[Line], following: list[Block]) -> bool:
        """Key-result lines come next: in the same paragraph (before another bold line) or in the next block."""
        for line in later:
            if kr_label(line.text):
                return True
            if line.bold:
                return False
        block = following[0] if following else None
        if block is not None and block.kind == "paragraph":
            return bool(block.lines) and kr_label(block.lines[0].text) is not None
        return block is not None and block.is_list and any(self.roles.item(c) == "kr" for c in block.children)

    def list(self, block: Block, where: Where, cur: _Cursor, depth: int) -> None:
        unlabelled = self.roles.objective_list(block, where.cue)
        measures = cur.objective is not None and cur.measures and self.roles.measure_list(block)
        for child in block.children:
            item = split_item(child, self.source)
            role = self.roles.item(child)
            head = item.head
            if head is not None and looks_like_injection(head.text):
                continue
            if head is None:
                self.blocks(item.body, where, cur, depth)
            elif role == "kr" or (role == "none" and cur.objective is not None and (cur.kr_group or measures)):
                number, text = kr_label(head.text) or (None, head.text)
                kr = self.records.key_result(head, number, text, cur.objective, where)
                self.body(item, where, _Cursor(kr, cur.objective, kr), depth)
                cur.current = kr
            elif role == "objective" or (role == "none" and unlabelled and item.nested_lists):
                number, title = objective_title(head.text) or (None, head.text)
                objective = self.records.objective(head, number, title, where)
                labelled = self.roles.kr_evidence(item.rest, item.body)
                sub = _Cursor(objective, objective, objective, kr_group=not labelled, measures=not labelled)
                self.body(item, replace(where, objective=objective), sub, depth)
            elif role == "initiative":
                initiative = self.records.initiative(head, where)
                self.body(item, where, _Cursor(initiative, cur.objective, initiative), depth)
                cur.current = initiative
            elif role == "field":
                self.field_item(head, item, where, cur, depth)
            elif role == "group":
                grouped = replace(where, sections=(*where.sections, head.text))
                self.body(item, grouped, _Cursor(None, cur.objective, None), depth)
            else:
                if cur.current is not None and cur.current["_type"] == "initiative":
                    cur.current["description_lines"].append(head.text)
                self.body(item, where, cur, depth)

    def field_item(self, head: Line, item: Item, where: Where, cur: _Cursor, depth: int) -> None:
        """A "Key: value" bullet: a field of the item being described, else a bare "Objective: ..." entry."""
        pair = known_field(head)
        chunks = self.records.text.chunks_between(head.start, head.end)
        if pair and (apply_field(cur.current, *pair, chunks) or apply_field(cur.owner, *pair, chunks)):
            return
        opener = objective_title(head.text)
        if opener and head.bold and where.cue:  # "**Goal:** ..." alone is an objective only in a plan
            objective = self.records.objective(head, opener[0], opener[1], where)
            self.body(item, replace(where, objective=objective), _Cursor(objective, objective, objective), depth)

    def body(self, item: Item, where: Where, cur: _Cursor, depth: int) -> None:
        """The lines after an item's head and the blocks under it, read as that item's content."""
        for k, line in enumerate(item.rest):
            self.line(line, where, cur, item.rest[k + 1:], item.body)
        self.blocks(item.body, where, cur, depth + 1)


def _first_heading(root: Block) -> str | None:
    """The document's top heading (its title when the ingested metadata has none)."""
    for block in root.children:
        if block.kind == "section" and block.heading is not None:
            return block.heading.text
    return None
