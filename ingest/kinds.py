"""A document's kind when its metadata does not say: from its folder names, else from its content.

Folder words come first because people file documents on purpose (``okrs/``, ``interviews/``, ``metrics/``).
A folder that names no kind (a team, a department, a space) says nothing, and then the content decides:

* speaker-labelled turns make an interview (the loaders found them);
* tables and JSON with series make a metrics report;
* a plan shows in its *structure*, not in passing mentions: plan cue words (objective, key result/KR, OKR,
  goal, initiative, success metric/criteria) heading a section, opening a list item or a bold label, a table
  with owner/DRI and status columns (or owner and status fields), or a goal-like heading over nested lists
  (objectives with their key results). A page that only mentions "goals" in its prose stays a note.

The Markdown is read with markdown-it-py (CommonMark plus GFM tables), the same tree every loader produces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from markdown_it import MarkdownIt

from assistant.schemas import Kind
from ingest.metadata import clean_export_name

FOLDER_KINDS: dict[str, Kind] = {
    **dict.fromkeys(
        "strategy strategies okr okrs goal goals objective objectives roadmap roadmaps plans planning projects"
        .split(),
        Kind.STRATEGY,
    ),
    **dict.fromkeys(
        "interview interviews research transcripts calls podcast podcasts episodes".split(), Kind.INTERVIEW
    ),
    **dict.fromkeys("metrics reports data dashboards kpis kpi".split(), Kind.METRICS),
    **dict.fromkeys("notes memos meeting meetings".split(), Kind.NOTE),
}
ROADMAP_FOLDERS = frozenset({"roadmap", "roadmaps"})
TABULAR_FORMATS = frozenset({"csv", "tsv", "json"})

_CUE = (
    r"(?:objectives?|key[ -]results?|KRs?|KR\s?\d+|OKRs?|goals?|initiatives?"
    r"|success\s+(?:metrics?|criteria|measures?))\b"
)
_HEADING_CUE = re.compile(rf"\b{_CUE}", re.IGNORECASE)
_LEAD_CUE = re.compile(rf"^(?:[*_]{{2}})?\s*(?:\d{{1,2}}[.)]\s*)?{_CUE}", re.IGNORECASE)
_INLINE_CUE = re.compile(  # a cue used as a label ("Goal:", "Objective 2 —") or a key-result id ("KR1.2")
    rf"\b{_CUE}\s*#?(?:\d{{1,2}}(?:\.\d{{1,2}})?)?\s*[:—–]|\bKR\s?\d{{1,2}}(?:\.\d{{1,2}})?\b", re.IGNORECASE
)
_BOLD_LABEL_CUE = re.compile(rf"^(?:[*_]{{2}})[^*_\n]{{0,40}}\b{_CUE}[^*_\n]{{0,30}}(?:[*_]{{2}})", re.IGNORECASE)
_OWNER = re.compile(r"^(?:owners?|dri|directly responsible|lead|assignee|accountable|responsible)\b", re.IGNORECASE)
_STATUS = re.compile(r"^(?:status|state|progress|health)\b", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:[*_]{2})?([A-Za-z][A-Za-z /()-]{0,30}?)\s*(?:[*_]{2})?\s*:")
_SPLIT = re.compile(r"[-_\s.]+|(?<=[a-z])(?=[A-Z])")
_MARKDOWN = MarkdownIt("commonmark").enable("table")


def folder_tokens(rel_path: str) -> list[list[str]]:
    """Each folder's words, deepest folder first ("User-Research/2026" -> ["2026"], ["user", "research"])."""
    parts = reversed(PurePosixPath(rel_path).parts[:-1])
    return [[t.lower() for t in _SPLIT.split(clean_export_name(part)) if t] for part in parts]


def folder_kind(rel_path: str) -> Kind | None:
    """The kind named by a folder; the deepest naming folder wins (it is the most specific)."""
    for words in folder_tokens(rel_path):
        for word in words:
            if word in FOLDER_KINDS:
                return FOLDER_KINDS[word]
    return None


def folder_doc_type(rel_path: str) -> str | None:
    """"roadmap" for documents filed under a roadmap folder (initiatives with owners and statuses)."""
    return "roadmap" if any(w in ROADMAP_FOLDERS for words in folder_tokens(rel_path) for w in words) else None


@dataclass
class PlanSignals:
    """Where plan cue words sit in a document's structure."""

    headings: int = 0
    items: int = 0  # list items, bold labels and lines that open with a cue; cue labels ("Goal:") and KR ids
    owner_status: bool = False  # a table with owner and status columns, or owner and status fields
    nested_lists: bool = False  # a list nested in a list item, under a heading that carries a cue

    @property
    def is_plan(self) -> bool:
        cues = self.headings + self.items
        return self.owner_status or cues >= 3 or (self.headings >= 1 and (cues >= 2 or self.nested_lists))


def plan_signals(markdown: str) -> PlanSignals:
    """Count cue words in headings, list items, bold labels and table headers of a Markdown text."""
    signals = PlanSignals()
    owner = status = False
    tokens = _MARKDOWN.parse(markdown)
    open_items = 0
    path: list[tuple[int, bool]] = []  # (level, carries a cue) of the headings enclosing the current line
    for i, token in enumerate(tokens):
        open_items += {"list_item_open": 1, "list_item_close": -1}.get(token.type, 0)
        if token.type in ("bullet_list_open", "ordered_list_open") and open_items and any(c for _, c in path):
            signals.nested_lists = True  # a two-level list under a goal-like heading: objectives and their KRs
        if token.type != "inline":
            continue
        opener = tokens[i - 1].type if i else ""
        if opener == "heading_open":
            level = int(tokens[i - 1].tag[1])
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, bool(_HEADING_CUE.search(token.content))))
            signals.headings += path[-1][1]
        elif opener == "th_open":
            owner |= bool(_OWNER.match(token.content.strip()))
            status |= bool(_STATUS.match(token.content.strip()))
            signals.items += bool(_LEAD_CUE.match(token.content.strip()))
        elif opener == "paragraph_open":
            for line in token.content.split("\n"):
                lead = bool(_LEAD_CUE.match(line.strip()) or _BOLD_LABEL_CUE.match(line.strip()))
                signals.items += max(lead, len(_INLINE_CUE.findall(line)))
                label = _LABEL.match(line)
                owner |= bool(label and _OWNER.match(label.group(1)))
                status |= bool(label and _STATUS.match(label.group(1)))
    signals.owner_status = owner and status
    return signals


def content_kind(fmt: str, text: str, is_transcript: bool) -> Kind:
    """Kind from the content alone: interview (turns), metrics (tables), strategy (plan structure), else note."""
    if fmt in TABULAR_FORMATS:
        return Kind.METRICS
    if fmt in ("vtt", "srt") or is_transcript:
        return Kind.INTERVIEW
    return Kind.STRATEGY if plan_signals(text).is_plan else Kind.NOTE


def resolve_kind(stated: Kind | None, rel_path: str, fmt: str, text: str, is_transcript: bool) -> Kind:
    """Frontmatter/sidecar kind, else the folder's, else the content's.

    A research folder also holds research plans, guides and reports: in it only a transcript (speaker turns,
    subtitles) is an interview; anything else is read by its content.
    """
    folder = folder_kind(rel_path)
    if folder is Kind.INTERVIEW and not (is_transcript or fmt in ("vtt", "srt")):
        folder = None
    return stated or folder or content_kind(fmt, text, is_transcript)
