"""The cue words and small shapes plan documents use, recognised independently of any one company's layout.

Every plan writes its parts with a few recurring words: "Objective"/"Goal"/"Problem area" for what matters,
"KR"/"Key result"/"Success criteria"/"How we'll measure it" for how progress is judged, "Owner"/"DRI" and
"Team: ..." prefixes or "(Name)" suffixes for who is accountable, "=> ..." or "Outcome:" for what happened,
traffic-light emoji or colour words for status, and "Q3 FY24"/"2022 Q2"/"annual" for the period. Each helper
here reads one of those from one line of clean text and returns None when it is not there, so the tree walker
in :mod:`assistant.planning.parse` decides roles from the document's shape plus these cues, never from a fixed
template.
"""

from __future__ import annotations

import re

from assistant.periods import stated_period

# A label is followed by punctuation ("KR: x", "O1 — x", "Goal 2) x"); a bare space is enough only after a number
# ("KR 2.2 Improve NRR"), so "Goal Setting Process" is not read as a goal.
_SEP = r"(?:\s*[:—–|]\s*|\s*[.)-]\s+|\s+[-—–]+\s+|(?(num)\s+(?=[A-Z(\[])|(?!)))"
_NUM = r"\s*#?\s*(?P<num>\d{1,2}(?:\.\d{1,2})?)?(?!\.?\d)"
_KR_WORDS = (r"(?:kr|key\s*results?|success\s+(?:criteria|measures?|metrics?)|measures?\s+of\s+success"
             r"|how\s+we(?:'|’|\s+wi)?ll\s+measure(?:\s+(?:it|this|success))?)")
_OBJECTIVE_WORDS = (r"(?:(?:company|team|strategic|department(?:al)?|quarterly|annual|business|product)\s+)?"
                    r"(?:objective|goal|okr|problem\s+area|focus\s+area|strategic\s+priority)")
KR_LABEL = re.compile(rf"^(?i:{_KR_WORDS}){_NUM}(?:{_SEP}(?P<text>\S.*))?$")
OBJECTIVE_LABEL = re.compile(rf"^(?i:{_OBJECTIVE_WORDS}){_NUM}(?:{_SEP}(?P<text>\S.*))?$")
OBJECTIVE_ID = re.compile(r"^O(?P<num>\d{1,2})(?!\.?\d)" + _SEP + r"(?P<text>\S.*)$")  # "O1 — Grow"
GROUP_LABEL = re.compile(r"^(?i:theme|pillar|area|category|stream|track|department|team|section)\s*\d*"
                         r"(?:\s*[:—–]|\s+-)\s*\S")
_GROUP_NAMES = re.compile(rf"^(?i:(?:{_OBJECTIVE_WORDS}|{_KR_WORDS}|okr|kr|initiative|project|bet|theme|"
                          r"priorit(?:y|ie)|roadmap)s?(?:\s+(?:and|&)\s+(?:key\s+results|krs|initiatives))?)\s*:?$")
OUTCOME_ARROW = re.compile(r"\s*(?:=+>|⇒)\s*")
_OUTCOME_LABEL = re.compile(r"^(?i:outcome|result|results|actual|update|progress|achieved|status\s+update)\s*:\s*"
                            r"(?P<text>\S.*)$")
_LABEL_WORDS = re.compile(rf"^(?i:{_OBJECTIVE_WORDS}|{_KR_WORDS}|why|what|how|note|notes|context|rationale|status|"
                          r"owner|owners|dri|metric|target|baseline|theme|outcome|result|results|update|description|"
                          r"summary|problem|solution|goal|goals|objective|objectives|deadline|due|date|period|eta|"
                          r"example|examples|risk|risks|done|todo|q[1-4]|high|medium|low|p[0-4]|yes|no|now|next|later|must|should|"
                          r"could|won't|pros?|cons?|tip|warning|important|definition|term)$")
_OWNER_PREFIX = re.compile(
    r"^(?P<owner>[A-Z][\w&'’./+-]*(?:\s+[\w&'’./+-]+){0,3}(?:\s*\([^()]{1,40}\))?)\s*:\s+(?P<text>\S.*)$")
_NAME = r"[A-Z][A-Za-zÀ-ÿ'’.-]+"
_NAMES = rf"{_NAME}(?:\s+{_NAME}){{0,3}}"
_OWNER_SUFFIX = re.compile(rf"\s*\((?P<owner>{_NAMES}(?:\s*(?:,|&|/|\band\b)\s*{_NAMES})*)\)\s*[.;]?\s*$")
_OWNER_BRACKET = re.compile(rf"^\[(?P<owner>{_NAMES}(?:\s*(?:,|&|/|\band\b)\s*{_NAMES})*)\]\s+(?P<text>\S.*)$")
_OWNER_TAG = re.compile(r"(?<![\w.])@(?P<handle>[A-Za-z][\w.-]{1,38}\w)")
STATUS_GLYPHS = {
    "🟢": "on track", "🟩": "on track", "✅": "done", "✔️": "done", "✔": "done", "☑️": "done", "☑": "done",
    "🟡": "at risk", "🟨": "at risk", "🟠": "at risk", "🟧": "at risk", "⚠️": "at risk", "⚠": "at risk",
    "🔴": "off track", "🟥": "off track", "❌": "cancelled", "⛔": "blocked", "🚫": "blocked",
    "⚪": "not started", "⬜": "not started", "⏳": "in progress", "🚧": "in progress", "🔵": "in progress",
    "⏸️": "paused", "⏸": "paused",
}
_STATUS_WORDS = {"green": "on track", "yellow": "at risk", "amber": "at risk", "orange": "at risk",
                 "red": "off track", "complete": "done", "completed": "done", "finished": "done"}
_GLYPH = "|".join(sorted(map(re.escape, STATUS_GLYPHS), key=len, reverse=True))
_EDGE_GLYPH = re.compile(rf"^\s*(?P<a>{_GLYPH})\s*|\s*(?P<b>{_GLYPH})\s*$")
_FISCAL = re.compile(r"\bFY\s?'?(?P<y>\d{4}|\d{2})\b(?:[-\s,]*(?:(?P<k>Q|H)(?P<n>[1-4])))?"
                     r"|\b(?P<k2>Q|H)(?P<n2>[1-4])\s*[-,]?\s*FY\s?'?(?P<y2>\d{4}|\d{2})\b", re.IGNORECASE)
_ANNUAL = re.compile(r"\b(?:annual|yearly|full[-\s]year)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
PLAN_WORDS = re.compile(r"\b(?:OKRs?|objectives?|key\s+results?|KRs?|goals?|initiatives?|roadmaps?|"
                        r"success\s+(?:criteria|measures?|metrics?))\b", re.IGNORECASE)
_MEASURE = re.compile(
    r"\d|%|\b(?:at\s+least|at\s+most|more\s+than|less\s+than|fewer\s+than|no\s+more\s+than|double|triple|"
    r"increase[sd]?|decrease[sd]?|reduce[sd]?|grow(?:s|n|th)?|improve[sd]?|reach(?:es|ed)?|land(?:s|ed)?|"
    r"close[sd]?|hire[sd]?|ship(?:s|ped)?|launch(?:es|ed)?|publish(?:es|ed)?|achieve[sd]?|maintain(?:s|ed)?|"
    r"meet(?:s)?|complete[sd]?|deliver(?:s|ed)?|deploy(?:s|ed)?|establish(?:es|ed)?|eliminate[sd]?|"
    r"track(?:s|ed)?|measure[sd]?|adopt(?:s|ed)?|rate|retention|revenue|nps|mau|wau|dau|arr|conversion)\b",
    re.IGNORECASE)


def kr_label(text: str) -> tuple[str | None, str] | None:
    """(stated number or None, text) of a key-result line ("KR 2.1: ...", "- Key Result: ...")."""
    match = KR_LABEL.match(text)
    if not match or not (match["text"] or "").strip():
        return None
    return match["num"], match["text"].strip()


def objective_label(text: str) -> tuple[str | None, str] | None:
    """(stated number or None, title) of an objective line ("Objective 2: ...", "O1 — ...", "Goal: ...")."""
    match = OBJECTIVE_ID.match(text) or OBJECTIVE_LABEL.match(text)
    if not match or not (match["text"] or "").strip():
        return None
    return match["num"], match["text"].strip()


def is_group_name(text: str) -> bool:
    """A heading or label that names a group of items rather than being one ("Key results", "OKRs")."""
    return bool(_GROUP_NAMES.match(text.strip().rstrip(":").strip()))


def is_kr_group(text: str) -> bool:
    """A bare label announcing key results below it ("Key results:", "Success criteria", "How we'll measure it")."""
    bare = text.strip().rstrip(":").strip()
    return bool(re.fullmatch(rf"(?i:{_KR_WORDS}|krs)", bare))


def is_group_label(text: str) -> bool:
    """"Theme: ...", "Pillar: ...": a grouping of objectives, not an objective."""
    return bool(GROUP_LABEL.match(text))


def split_outcome(text: str) -> tuple[str, str | None]:
    """("KR text", "outcome") from "KR text => outcome"; a whole "Outcome: ..." line gives ("", outcome)."""
    labelled = _OUTCOME_LABEL.match(text)
    if labelled:
        return "", labelled["text"].strip()
    parts = OUTCOME_ARROW.split(text, maxsplit=1)
    if len(parts) == 2 and parts[1].strip():
        return parts[0].strip(), parts[1].strip()
    return text.strip(), None


def split_owner_prefix(text: str) -> tuple[str, str] | None:
    """(owner, rest) of "Core services: Increase coverage": a short name before a colon, not a label word."""
    prefix = _OWNER_PREFIX.match(text)
    if prefix and not _LABEL_WORDS.match(prefix["owner"]) and len(prefix["text"].split()) >= 2 \
            and not is_group_label(text) and not re.search(r"\d", prefix["owner"]):
        return prefix["owner"].strip(), prefix["text"].strip()
    return None


def split_owner(text: str) -> tuple[str | None, str]:
    """(owner, rest) from "Core services: Increase coverage", "[Legal] Grow revenue", "Grow revenue (Ana Lee)" or
    "@ana Grow revenue"."""
    prefix = split_owner_prefix(text)
    if prefix:
        return prefix
    bracket = _OWNER_BRACKET.match(text)
    if bracket:
        return bracket["owner"], bracket["text"].strip()
    suffix = _OWNER_SUFFIX.search(text)
    if suffix and suffix.start() > 0:
        return suffix["owner"].strip(), text[: suffix.start()].rstrip()
    tag = _OWNER_TAG.search(text)
    if tag:
        rest = (text[: tag.start()] + text[tag.end():]).strip(" ,;—–-")
        return tag["handle"], " ".join(rest.split())
    return None, text


def status_word(value: str) -> str | None:
    """A status cell or field as words: "🟡" -> "at risk", "Green" -> "on track", "✅ Done" -> "done"."""
    text = value.strip()
    for glyph, word in STATUS_GLYPHS.items():
        if glyph in text:
            return word
    words = " ".join(text.lower().strip(" .*_").split())
    return _STATUS_WORDS.get(words, words) or None


def split_status(text: str) -> tuple[str | None, str]:
    """(status, text) when a line starts or ends with a status emoji ("KR: Hire 6 recruiters ✅")."""
    match = _EDGE_GLYPH.search(text)
    if not match:
        return None, text
    glyph = match["a"] or match["b"]
    return STATUS_GLYPHS[glyph], (text[: match.start()] + text[match.end():]).strip()


def period_of(text: str) -> str | None:
    """The plan period a title or heading names: "FY2022-Q2", "FY2023-Q4", "FY2022", "2026-H2", "annual"."""
    fiscal = _FISCAL.search(text)
    if fiscal:
        year = fiscal["y"] or fiscal["y2"]
        year = year if len(year) == 4 else f"20{year}"
        kind, number = fiscal["k"] or fiscal["k2"], fiscal["n"] or fiscal["n2"]
        return f"FY{year}-{kind.upper()}{number}" if kind else f"FY{year}"
    calendar = stated_period(text)
    if calendar:
        return calendar
    if _ANNUAL.search(text):
        year = _YEAR.search(text)
        return year.group(0) if year else "annual"
    return None


def looks_like_measure(text: str) -> bool:
    """A line that reads like a measure of success: a number, a percentage, or a verb of change."""
    return bool(_MEASURE.search(text))


_GOAL_WORDS = re.compile(r"\b(?:OKRs?|objectives?|goals?|key\s+results?|KRs?)\b", re.IGNORECASE)


def has_goal_words(text: str) -> bool:
    """Words that announce objectives below them (a title or heading such as "FY2022 Annual OKRs")."""
    return bool(_GOAL_WORDS.search(text))
