"""What a heading section or list item is in a plan, decided from its cue words and the shape below it.

A labelled item says what it is ("KR: ...", "**Objective**: ...", "ABC-12 ..."). An unlabelled one is judged
by what hangs under it: anything with key results under it is an objective (a "Problem Area:" heading, a bold
"CEO: ..." item followed by "KR:" lines); an item whose nested items are objectives is a parent objective
when it reads like a goal, or a grouping when it is a name ("Theme: ...", "## Sales"); a list of short items
under a plan heading, each with sub-bullets that read like measures, is a list of objectives with their key
results (a plain annual OKR list). The walker in :mod:`assistant.planning.parse` acts on these roles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from assistant.planning.cues import (
    has_goal_words,
    is_group_label,
    is_group_name,
    is_kr_group,
    kr_label,
    looks_like_measure,
    objective_label,
    split_owner_prefix,
)
from assistant.planning.fields import INITIATIVE_FIELDS, KR_FIELDS
from assistant.planning.text import field as field_line
from assistant.planning.text import initiative_id, objective_refs
from assistant.planning.tree import Block, Line

Role = Literal["kr", "objective", "initiative", "field", "group", "none"]
OTHER_FIELDS = {"sponsor": "sponsor", "exec sponsor": "sponsor", "executive sponsor": "sponsor",
                "outcome": "outcome", "result": "outcome", "results": "outcome"}
_LINK_OR_STATUS = ("objectives", "status")
MAX_HEAD_WORDS = 40  # an unlabelled objective is a short statement, not a paragraph


@dataclass
class Item:
    """A list item split into its head line, the other lines of its first paragraph, and the blocks after."""

    head: Line | None
    rest: list[Line] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)

    @property
    def nested_lists(self) -> list[Block]:
        return [b for b in self.body if b.is_list]


def split_item(item: Block, source: str) -> Item:
    """The parts of a list item. An item that opens with a block quote ("- > 70% quota") keeps the ">" in its
    text unless the quoted line carries a label, since in a list of measures it means "more than"."""
    if not item.children:
        return Item(None)
    first = item.children[0]
    if first.kind == "paragraph" and first.lines:
        return Item(first.lines[0], first.lines[1:], item.children[1:])
    if first.kind == "quote" and first.children and first.children[0].kind == "paragraph" \
            and first.children[0].lines:
        quoted = first.children[0]
        head = quoted.lines[0]
        if not (kr_label(head.text) or objective_label(head.text) or known_field(head)):
            marker = source.rfind(">", 0, head.start)
            head = Line(f"> {head.text}", marker if marker >= 0 else head.start, head.end, head.lead)
        return Item(head, quoted.lines[1:], first.children[1:] + item.children[1:])
    return Item(None, [], item.children)


def known_field(line: Line) -> tuple[str, str] | None:
    """("status", "on track") when the line is a field a plan item can carry, else None."""
    pair = field_line(line.text)
    if pair and (pair[0] in KR_FIELDS or pair[0] in INITIATIVE_FIELDS or pair[0] in OTHER_FIELDS):
        return pair
    return None


def objective_title(text: str) -> tuple[str | None, str] | None:
    """(number, title) of an objective label whose value is a title, not a reference ("Objective: O2")."""
    found = objective_label(text)
    if found is None or is_group_name(text) or objective_refs(found[1]) is not None:
        return None
    return found


class Roles:
    """Role of each list item and heading section of one document (memoised: roles look at children)."""

    def __init__(self, source: str, root: Block, cue: bool = False) -> None:
        self.source = source
        self._items: dict[int, Role] = {}
        self._owned: set[int] = set()
        stack = [(root, cue)]
        while stack:
            block, under_goals = stack.pop()
            if block.kind == "section" and block.heading is not None:
                under_goals = under_goals or has_goal_words(block.heading.text)
            stack.extend((child, under_goals) for child in block.children)
            if under_goals and block.is_list and self._owner_list(block):
                self._owned.update(id(child) for child in block.children)

    def item(self, block: Block) -> Role:
        key = id(block)
        if key not in self._items:
            self._items[key] = self._item_role(split_item(block, self.source), key)
        return self._items[key]

    def _owner_list(self, block: Block) -> bool:
        """A list whose items mostly start with an owner ("Sales: ...", "Core services: ..."): each is that
        owner's objective, whatever hangs under it."""
        heads = [split_item(child, self.source).head for child in block.children]
        owned = [h for h in heads if h is not None and not kr_label(h.text) and not known_field(h)
                 and split_owner_prefix(h.text) is not None]
        return len(owned) >= 2 and len(owned) >= 2 * len(heads) / 3

    def _item_role(self, item: Item, key: int) -> Role:
        head = item.head
        if head is None:
            return "none"
        if kr_label(head.text):
            return "kr"
        has_children = bool(item.rest or item.body)
        if objective_title(head.text):
            return "objective" if has_children or self.kr_evidence(item.rest, item.body) else "field"
        if initiative_id(head.text):
            return "initiative"
        if known_field(head) and not has_children:
            return "field"
        if is_group_label(head.text):
            return "group"
        if self.kr_evidence(item.rest, item.body):
            return "objective"
        if key in self._owned:  # one of several "Team: goal" items
            return "objective"
        if any(self.item(child) == "objective" for lst in item.nested_lists for child in lst.children):
            return "objective" if len(head.text.split()) >= 3 and not is_group_name(head.text) else "group"
        if self.initiative_fields(item.rest, item.body):
            return "initiative"
        return "none"

    def kr_evidence(self, lines: list[Line], blocks: list[Block]) -> bool:
        """Key results stated right here: "KR" lines, "KR" items, or a list under a "Key results:" label. Key
        results that follow an objective line of their own ("**Objective: ...**") belong to that one instead."""
        if any(kr_label(line.text) for line in lines):
            return True
        announced = bool(lines) and is_kr_group(lines[-1].text)
        for block in blocks:
            if block.kind == "paragraph":
                for line in block.lines:
                    if kr_label(line.text):
                        return True
                    if objective_title(line.text) or (line.bold and not known_field(line)):
                        return False
                announced = bool(block.lines) and is_kr_group(block.lines[-1].text)
            elif block.is_list:
                if announced or any(self.item(child) == "kr" for child in block.children):
                    return True
                announced = False
            elif block.kind == "quote" and self.kr_evidence([], block.children):
                return True
        return False

    def initiative_fields(self, lines: list[Line], blocks: list[Block]) -> bool:
        """Fields that make an untitled entry a roadmap item: an objective link or a status, and one more."""
        keys = [pair[0] for line in lines if (pair := known_field(line))]
        for block in blocks:
            if block.kind == "paragraph":
                keys += [pair[0] for line in block.lines if (pair := known_field(line))]
            elif block.is_list:
                keys += [pair[0] for child in block.children if self.item(child) == "field"
                         and (head := split_item(child, self.source).head) and (pair := known_field(head))]
        roles = {INITIATIVE_FIELDS[k] for k in keys if k in INITIATIVE_FIELDS}
        return "objectives" in roles or ("status" in roles and len(roles) >= 2)

    def heading(self, section: Block) -> Role:
        head = section.heading
        if head is None:
            return "group"
        text = head.text
        if kr_label(text):
            return "kr"
        if objective_title(text):
            return "objective"
        if initiative_id(text):
            return "initiative"
        if is_group_name(text) or is_group_label(text) or is_kr_group(text):
            return "group"
        direct = [b for b in section.children if b.kind != "section"]
        if self.kr_evidence([], direct):
            return "objective"
        if section.level >= 2 and self.initiative_fields([], direct):
            return "initiative"
        return "group"

    def objective_list(self, block: Block, cue: bool) -> bool:
        """A list of unlabelled objectives: under a plan heading, most items are one short line with a nested
        list, and most of those nested items read like measures."""
        if not cue or not block.children:
            return False
        items = [split_item(child, self.source) for child in block.children]
        parents = [i for i in items if i.head and i.nested_lists and not i.rest
                   and len(i.head.text.split()) <= MAX_HEAD_WORDS and not kr_label(i.head.text)]
        if len(parents) < max(1, math.ceil(2 * len(items) / 3)):
            return False
        measures = [split_item(child, self.source).head for i in parents for lst in i.nested_lists[:1]
                    for child in lst.children]
        texts = [m.text for m in measures if m is not None]
        return bool(texts) and sum(map(looks_like_measure, texts)) >= len(texts) / 2

    def measure_list(self, block: Block) -> bool:
        """Unlabelled items under an objective that states no key result: most read like measures."""
        heads = [split_item(child, self.source).head for child in block.children]
        texts = [h.text for h in heads if h is not None and not known_field(h)]
        if not texts or any(self.item(child) in ("objective", "initiative") for child in block.children):
            return False
        return sum(map(looks_like_measure, texts)) >= max(1, len(texts) / 2)
