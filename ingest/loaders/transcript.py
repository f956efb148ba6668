"""Interview transcripts: WebVTT, SRT and speaker-labelled text, parsed into merged speaker turns.

Text formats seen in practice: "Name: text", "Name [00:01:02]: text", "[00:01:02] Name: text",
"**Name:** text", and the podcast style where "Name (00:01:02):" heads the paragraphs that follow (a bare
"(00:01:24):" continues the same speaker). Prose also contains "Note: ..." lines, so text only counts as a
transcript when speaker lines dominate and a speaker recurs.

Consecutive lines or cues of one speaker are merged into one turn, but a timestamped block ("Name (00:01:02):"
or a bare "(00:01:24):") stays a turn of its own: recorded shows put an intro, an ad read and the first
question in consecutive blocks of the host, and segments (intro, sponsor, conversation) are told apart per
block, after ingestion, without re-chunking.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.schemas import Turn

UNKNOWN_SPEAKER = "Unknown"
_WORD = r"[^\W\d_][\w.'’-]*"
_NAME = rf"{_WORD}(?:[ \t]+(?:{_WORD}|\d{{1,3}})){{0,4}}"
_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_HEADER_RE = re.compile(rf"(?P<name>{_NAME})?[ \t]*[(\[](?P<ts>{_TS})[)\]][ \t]*:?")
_LINE_RES = (
    re.compile(rf"[(\[](?P<ts>{_TS})[)\]][ \t]*(?P<name>{_NAME})[ \t]*:[ \t]*(?P<text>\S.*)"),
    re.compile(rf"(?P<name>{_NAME})[ \t]*[(\[](?P<ts>{_TS})[)\]][ \t]*:?[ \t]*(?P<text>\S.*)"),
    re.compile(rf"\*\*(?P<name>{_NAME}):?\*\*:?[ \t]*(?P<text>\S.*)"),
    re.compile(rf"(?P<name>{_NAME}):[ \t]+(?P<text>\S.*)"),
)
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG_RE = re.compile(r"</?[^>]*>")
_MIN_TRANSCRIPT_RATIO = 0.4


@dataclass
class _Draft:
    speaker: str
    timestamp: str | None
    parts: list[str] = field(default_factory=list)
    block: bool = False  # a timestamped block of its own: never merged into the previous turn


def normalize_timestamp(raw: str | None) -> str | None:
    """ "1:02", "01:02.500" or "1:02:03,250" -> "HH:MM:SS", the one form stored on turns and chunks."""
    if not raw:
        return None
    fields = [int(p) for p in re.split(r"[.,]", raw.strip())[0].split(":")]
    while len(fields) < 3:
        fields.insert(0, 0)
    hours, minutes, seconds = fields[-3:]
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


_PARTICLES = frozenset({"de", "da", "di", "del", "der", "van", "von", "la", "le", "bin", "al"})


_LABELS = frozenset(
    "note notes nb kr okr okrs objective objectives goal goals key result key results example examples update "
    "status owner owners result results summary tldr tl;dr action actions action item action items todo context "
    "problem solution warning tip important edit source date time team title url link why what how when where "
    "who pros cons step impact risk risks decision decisions outcome metric target deadline priority description "
    "background purpose scope next steps open question open questions ps p.s".split(" ")
) | {"key result", "key results", "action item", "action items", "next steps", "open question", "open questions"}


def _valid_name(name: str | None) -> bool:
    """Names are capitalised words ("Ana", "Dr. Jo O'Neil", "Speaker 2"), which rules out prose such as
    "So here's the thing: ..." that would otherwise look like a speaker line; document labels ("Note",
    "KR", "Key Result 2", "Next steps") are never speakers."""
    if not name or len(name) > 40:
        return False
    if re.sub(r"\s*\d+$", "", name).strip().lower() in _LABELS:
        return False
    words = name.split()
    return all(w[0].isupper() or w.isdigit() or (i > 0 and w in _PARTICLES) for i, w in enumerate(words))


def _match_line(line: str) -> tuple[str, str | None, str | None, bool] | None:
    """(speaker, timestamp, text, is_header) for a speaker line; speaker "" means "same as before"."""
    header = _HEADER_RE.fullmatch(line)
    if header and (header["name"] is None or _valid_name(header["name"])):
        return (header["name"] or "").strip(), header["ts"], None, True
    for pattern in _LINE_RES:
        match = pattern.fullmatch(line)
        if match and _valid_name(match["name"]):
            ts = match.groupdict().get("ts")
            return match["name"].strip(), ts, match["text"].strip(), False
    return None


def _merge(drafts: list[_Draft]) -> list[Turn]:
    """Consecutive drafts of one speaker become one turn carrying the first timestamp (blocks stay apart)."""
    turns: list[Turn] = []
    for draft in drafts:
        text = " ".join(p for p in draft.parts if p).strip()
        if not text:
            continue
        if turns and turns[-1].speaker == draft.speaker and not draft.block:
            turns[-1].text = f"{turns[-1].text} {text}"
        else:
            turns.append(Turn(speaker=draft.speaker, text=text, timestamp=normalize_timestamp(draft.timestamp)))
    return turns


def parse_speaker_text(text: str) -> list[Turn]:
    """Turns of a speaker-labelled text, or [] when the text is not a transcript.

    A text is a transcript when at least 40% of its non-empty lines are speaker lines (podcast paragraphs
    under a timestamped header count too) and a speaker name recurs or speaker lines are the majority.
    When a text uses timestamped headers, only headers start turns: a paragraph under a header may itself
    begin with "Word:" and must not become a speaker.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    matches = [_match_line(line) for line in lines]
    headers_only = sum(1 for m in matches if m and m[3]) >= 2
    drafts: list[_Draft] = []
    names: Counter[str] = Counter()
    covered = 0
    in_header_block = False
    for line, matched in zip(lines, matches, strict=True):
        if matched is not None and headers_only and not matched[3]:
            matched = None
        if matched is None:
            if line.startswith("#") or not drafts:
                in_header_block = False
                continue
            covered += in_header_block
            drafts[-1].parts.append(line)
            continue
        name, ts, spoken, is_header = matched
        covered += 1
        in_header_block = is_header
        speaker = name or (drafts[-1].speaker if drafts else UNKNOWN_SPEAKER)
        if name:
            names[name] += 1
        drafts.append(_Draft(speaker, ts, [spoken] if spoken else [], block=is_header))
    if not drafts:
        return []
    ratio = covered / len(lines)
    recurring = bool(names) and names.most_common(1)[0][1] >= 2
    if len(names) < 2 or ratio < _MIN_TRANSCRIPT_RATIO or not (recurring or ratio > 0.5):
        return []
    return _merge(drafts)


def parse_subtitles(text: str) -> list[Turn]:
    """Turns of a WebVTT or SRT file: cues grouped by speaker (``<v Name>`` tags or "Name: text" lines).

    Header, NOTE, STYLE and REGION blocks are skipped; a cue without a speaker continues the previous one.
    """
    drafts: list[_Draft] = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [ln for ln in block.strip("\n").split("\n") if ln.strip()]
        if not lines or lines[0].startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        timing = next((i for i, ln in enumerate(lines) if "-->" in ln), None)
        if timing is None:
            continue
        start = lines[timing].split("-->")[0].strip()
        for speaker, spoken in _cue_segments(lines[timing + 1 :]):
            who = speaker or (drafts[-1].speaker if drafts else UNKNOWN_SPEAKER)
            drafts.append(_Draft(who, start, [spoken]))
    return _merge(drafts)


def _cue_segments(payload: list[str]) -> list[tuple[str | None, str]]:
    """(speaker or None, text) pieces of one cue's payload lines."""
    joined = " ".join(ln.strip() for ln in payload)
    if _VOICE_RE.search(joined):
        pieces = _VOICE_RE.split(joined)  # [before, name1, text1, name2, text2, ...]
        segments: list[tuple[str | None, str]] = [(None, pieces[0])]
        segments += [(pieces[i].strip(), pieces[i + 1]) for i in range(1, len(pieces) - 1, 2)]
    else:
        segments = []
        for line in payload:
            match = re.fullmatch(rf"-?[ \t]*(?P<name>{_NAME}):[ \t]+(?P<text>\S.*)", line.strip())
            if match and _valid_name(match["name"]):
                segments.append((match["name"], match["text"]))
            elif segments:
                segments[-1] = (segments[-1][0], f"{segments[-1][1]} {line.strip()}")
            else:
                segments.append((None, line.strip()))
    cleaned = [(who, html.unescape(_TAG_RE.sub("", said)).strip()) for who, said in segments]
    return [(who, " ".join(said.split())) for who, said in cleaned if said]


def turns_text(turns: list[Turn]) -> str:
    """The transcript as "Speaker: text" lines: the text that chunk quotes are checked against."""
    return "\n".join(f"{t.speaker}: {t.text}" for t in turns)
