"""Which segment each turn of an interview is in, from general signals (never one show's wording).

Signals, in the order they are used:

* **Position and roles.** The conversation starts at the first participant turn that answers an interviewer
  turn (and is not a clip repeated later). Everything before it is a cold open (participant clips before the
  intro, or any early turn whose text comes again later in the same transcript), an ad read, or the intro
  (host-only monologues, including turns a transcriber credited to the guest).
* **Repetition across interviews.** Word 5-gram shingles, counted by how many interviews contain them
  (:class:`Repetition`, computed over the whole ingested corpus by :mod:`ingest.interviews`). Ad reads repeat
  across the episodes that ran the same campaign; a host question repeated near-verbatim across many
  interviews is a script (a recurring rapid-fire round), and the answers to it are scripted too.
* **Cue families.** Ad copy ("brought to you by", "sponsored by", promo codes, "go to x.com/show") and closing
  plugs ("where can people find you", "how can listeners be useful to you", "thanks for listening",
  subscribe/review requests). These are how any show phrases ads and goodbyes, not one show's script.

Segments are decided per turn, so a turn's chunks share its segment; turns never need re-chunking when the
corpus (and so the repetition counts) changes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.segments import COLD_OPEN, CONVERSATION, INTRO, OUTRO, SCRIPTED, SPONSOR
from ingest.speakers import INTERVIEWER, OTHER, PARTICIPANT

SHINGLE = 4
_WORD = re.compile(r"[a-z0-9']+")
_CONTRACTIONS = ((re.compile(r"n't\b"), " not"), (re.compile(r"'s\b"), " is"), (re.compile(r"'ve\b"), " have"),
                 (re.compile(r"'re\b"), " are"), (re.compile(r"'ll\b"), " will"), (re.compile(r"'d\b"), " would"),
                 (re.compile(r"'m\b"), " am"))
_ARTICLES = frozenset({"a", "an", "the"})
_STRONG_AD = re.compile(
    r"\b(?:brought to you by|sponsored by|(?:today's|this week's|podcast|episode's|show's) sponsors?|"
    r"(?:promo|discount|coupon|offer) code|use (?:the )?code [a-z0-9]+|message from (?:our|this) sponsor)\b|"
    r"\b[a-z0-9-]+\.(?:com|ai|io|co|app|so|dev|net|org)/[a-z0-9-]+",
    re.I,
)
_WEAK_AD = re.compile(
    r"\b(?:go|head|visit|check out|sign up(?: for free)?(?: at)?|try (?:it )?(?:free|for free)(?: at)?|"
    r"get started(?: at)?|learn more at)\s+(?:to\s+)?[a-z0-9-]+\.(?:com|ai|io|co|app|so|dev|net|org)\b|"
    r"\bfree trial\b|\b\d+% off\b",
    re.I,
)
_OUTRO = re.compile(
    r"\bwhere can (?:folks|people|listeners|everyone|our listeners|we|they|someone) (?:find|follow|reach|connect)|"
    r"\bfind you online\b|\bhow can (?:listeners|people|folks|we|our listeners|the audience) be (?:useful|helpful)|"
    r"\bthanks? (?:you )?(?:so much |very much )?for (?:listening|tuning in|watching)\b|"
    r"\b(?:subscribe|leave (?:us )?a review|rating|rate (?:us|the show))\b[^.?!]{0,80}"
    r"\b(?:podcast|show|app|apple|spotify|youtube)\b|\b(?:see you|catch you) (?:next time|in the next)\b",
    re.I,
)
_CLIP_SHARE = 0.4  # share of an early turn's shingles said again later: a cold-open clip
_AD_REPEAT_SHARE = 0.3  # share of a turn's shingles seen in another interview: part of a repeated ad read
_SCRIPT_SHARE = 0.5  # share of a host turn's shingles asked in many interviews: a scripted question
_SCRIPT_SPAN = 8  # ... or at least this many consecutive repeated words in a short turn
_SHORT_HOST = 25  # words: a host reaction inside a scripted round ("Ooh, nice.") does not end it
_OPEN_SHARE = 0.55  # of a question's shingles found elsewhere, for it to open a scripted round
_ROUND_GAP = 6  # host turns between two scripted questions of one round
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_OUTRO_FROM = 0.6  # closing plugs are looked for in the last 40% of turns


def words_of(text: str) -> list[str]:
    """Lower-case words with contractions spelled out and articles dropped, so "What's a favorite movie?" and
    "What is your favorite movie?" share most of their shingles."""
    text = text.lower().replace("’", "'")
    for pattern, spelled in _CONTRACTIONS:
        text = pattern.sub(spelled, text)
    return [w.strip("'") for w in _WORD.findall(text) if w.strip("'") not in _ARTICLES]


def shingles(text: str) -> np.ndarray:
    """Hashes of the text's word 4-grams (one shingle for a text of 3 words), in order."""
    words = words_of(text)
    if len(words) < SHINGLE:
        return np.array([hash(" ".join(words))] if len(words) >= 3 else [], dtype=np.int64)
    return np.array([hash(" ".join(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1)],
                    dtype=np.int64)


class Repetition:
    """How many interviews contain each shingle: sorted arrays, so memory is two integers per distinct shingle."""

    def __init__(self, interviews: Sequence[Sequence[np.ndarray]]) -> None:
        per_interview = [np.unique(np.concatenate(blocks)) for blocks in interviews if any(len(b) for b in blocks)]
        self.interviews = len(interviews)
        if per_interview:
            self._keys, self._counts = np.unique(np.concatenate(per_interview), return_counts=True)
        else:
            self._keys, self._counts = np.array([], dtype=np.int64), np.array([], dtype=np.int64)

    def elsewhere(self, hashes: np.ndarray) -> np.ndarray:
        """For each shingle, the number of *other* interviews that contain it (its own counts once)."""
        if not len(hashes) or not len(self._keys):
            return np.zeros(len(hashes), dtype=np.int64)
        at = np.clip(np.searchsorted(self._keys, hashes), 0, len(self._keys) - 1)
        found = self._keys[at] == hashes
        return np.where(found, self._counts[at] - 1, 0)

    @property
    def many(self) -> int:
        """Other interviews a passage must appear in to count as a script: two, or 8% of a large corpus."""
        return max(2, math.ceil(0.08 * (self.interviews - 1)))


@dataclass
class Block:
    """One turn as the segmenter sees it."""

    role: str
    text: str
    hashes: np.ndarray


def _share(counts: np.ndarray, at_least: int) -> float:
    return float((counts >= at_least).mean()) if len(counts) else 0.0


def _longest_run(counts: np.ndarray, at_least: int) -> int:
    """Consecutive repeated words: the longest run of shingles seen in ``at_least`` other interviews."""
    best = run = 0
    for hit in counts >= at_least:
        run = run + 1 if hit else 0
        best = max(best, run)
    return best + SHINGLE - 1 if best else 0


def _said_later(blocks: Sequence[Block]) -> list[float]:
    """For each block, the share of its shingles that occur again at least two turns later."""
    last: dict[int, int] = {}
    for i, block in enumerate(blocks):
        for h in block.hashes.tolist():
            last[h] = i
    return [sum(last[h] >= i + 2 for h in b.hashes.tolist()) / len(b.hashes) if len(b.hashes) else 0.0
            for i, b in enumerate(blocks)]


def segment_blocks(blocks: Sequence[Block], repetition: Repetition) -> list[str]:
    """The segment of each block of one interview (see the module docstring for the rules)."""
    n = len(blocks)
    if n == 0:
        return []
    spread = [repetition.elsewhere(b.hashes) for b in blocks]
    again = _said_later(blocks)
    words = [len(b.text.split()) for b in blocks]
    strong = [bool(_STRONG_AD.search(b.text)) for b in blocks]
    weak = [bool(_WEAK_AD.search(b.text)) for b in blocks]
    segments = [CONVERSATION] * n
    start = _conversation_start(blocks, again)
    end = _outro_start(blocks, start)
    leading_clips = True  # opening turns before the host's first words or any scripted or ad text
    for i in range(start):  # before the conversation: cold open, ads, intro
        role = blocks[i].role
        if role == INTERVIEWER or strong[i] or weak[i] or _share(spread[i], 1) >= _AD_REPEAT_SHARE:
            leading_clips = False
        if role != INTERVIEWER and (again[i] >= _CLIP_SHARE or leading_clips):
            segments[i] = COLD_OPEN
        elif strong[i] or weak[i]:
            segments[i] = SPONSOR
        else:
            segments[i] = INTRO
    _spread_ads(blocks, segments, spread, strong, weak, 0, start, in_conversation=False)
    for i in range(start, end):
        if blocks[i].role != PARTICIPANT and strong[i] and (words[i] >= 25 or _next_role(blocks, i) == OTHER):
            segments[i] = SPONSOR
    _spread_ads(blocks, segments, spread, strong, weak, start, end, in_conversation=True)
    _same_ad_again(blocks, segments, start)
    _mark_scripts(blocks, segments, repetition, words, start, end)
    for i in range(end, n):
        segments[i] = OUTRO
    return segments


def _next_role(blocks: Sequence[Block], i: int) -> str | None:
    return blocks[i + 1].role if i + 1 < len(blocks) else None


def _conversation_start(blocks: Sequence[Block], again: list[float]) -> int:
    """Index of the interviewer turn that the first real participant answer follows (0 when none does)."""
    for i in range(1, len(blocks)):
        if blocks[i].role == PARTICIPANT and blocks[i - 1].role == INTERVIEWER and again[i] < _CLIP_SHARE:
            return i - 1
    return 0


def _outro_start(blocks: Sequence[Block], start: int) -> int:
    """The first interviewer turn in the last part of the interview that asks for plugs or says goodbye."""
    n = len(blocks)
    for i in range(max(start + 1, int(n * _OUTRO_FROM)), n):
        if blocks[i].role == INTERVIEWER and _OUTRO.search(blocks[i].text):
            return i
    return n


def _spread_ads(blocks: Sequence[Block], segments: list[str], spread: list[np.ndarray], strong: list[bool],
                weak: list[bool], lo: int, hi: int, *, in_conversation: bool) -> None:
    """Grow each ad read over the turns that belong to it: the read's continuation (repeated in other
    interviews, or with a link) after it, and in the conversation before it too (an ad's opening line without a
    cue); a dialogue with the sponsor's staff (speakers who are neither the interviewer nor a participant) on
    both sides. Never over a participant's conversation turn, and before the conversation never back into the
    intro (whose scripted opening repeats across episodes too)."""
    for i in range(lo, hi):
        if segments[i] != SPONSOR:
            continue
        for step in (1, -1):
            j = i + step
            while lo <= j < hi and segments[j] != SPONSOR:
                block = blocks[j]
                if block.role == PARTICIPANT and segments[j] == CONVERSATION:
                    break
                dialogue = block.role == OTHER or (block.role == INTERVIEWER and _next_role(blocks, j) == OTHER)
                continued = _share(spread[j], 1) >= _AD_REPEAT_SHARE or strong[j] or weak[j]
                if not (dialogue or (continued and (step == 1 or in_conversation))):
                    break
                segments[j] = SPONSOR
                j += step


def _same_ad_again(blocks: Sequence[Block], segments: list[str], start: int) -> None:
    """An ad read twice in one episode (before the conversation and again mid-way) is an ad both times, even
    where a copy has no cue of its own: a turn that shares its text with an ad turn, or that is repeated
    elsewhere in the episode and sits next to an ad turn."""
    owners: dict[int, set[int]] = {}
    for i, block in enumerate(blocks):
        for h in block.hashes.tolist():
            owners.setdefault(h, set()).add(i)
    changed = True
    while changed:
        changed = False
        for i, block in enumerate(blocks):
            movable = block.role != PARTICIPANT or (i < start and segments[i] == INTRO)
            if segments[i] not in (CONVERSATION, INTRO) or not movable or not len(block.hashes):
                continue
            hashes = block.hashes.tolist()
            in_ad = sum(any(segments[j] == SPONSOR for j in owners[h] if j != i) for h in hashes) / len(hashes)
            twice = sum(any(abs(j - i) > 1 for j in owners[h]) for h in hashes) / len(hashes)
            beside_ad = any(0 <= j < len(blocks) and segments[j] == SPONSOR for j in (i - 1, i + 1))
            if in_ad >= _AD_REPEAT_SHARE or (twice >= _SCRIPT_SHARE and beside_ad):
                segments[i] = SPONSOR
                changed = True


def scripted_question(text: str, repetition: Repetition, at_least: int, share: float = _SCRIPT_SHARE) -> bool:
    """Whether a host turn asks a question other interviews ask near-verbatim: a question sentence of several
    words, most of it found in other interviews, with a run of at least 8 words found in ``at_least`` of them
    and a run over half the sentence found in at least one. Scripts vary their wording from one episode to the
    next ("What's a favorite movie?" / "What is a favorite recent movie or TV show?"), so the whole sentence
    need not match."""
    for sentence in _SENTENCES.split(text):
        words = words_of(sentence)
        if not sentence.rstrip('"\'”) ').endswith("?") or len(words) < _SCRIPT_SPAN:
            continue
        counts = repetition.elsewhere(shingles(sentence))
        common, anywhere = _longest_run(counts, at_least), _longest_run(counts, 1)
        if _share(counts, 1) >= share and common >= _SCRIPT_SPAN and anywhere >= _SCRIPT_SHARE * len(words):
            return True
    return False


def _mark_scripts(blocks: Sequence[Block], segments: list[str], repetition: Repetition, words: list[int],
                  lo: int, hi: int) -> None:
    """Scripted rounds: a host question asked near-verbatim in many interviews opens one; further questions
    asked in at least one other interview, within a few host turns, continue it (a rapid-fire round varies its
    wording); it starts at its announcement (short host turns, or a passage said in many interviews, just before
    it), covers the answers and ends at the first long host turn after its last scripted question. Only a round
    counts: two or more such questions, starting in the second half of the conversation. A research discussion
    guide also repeats its questions in every interview (often from the start), and those answers are evidence."""
    host = [i for i in range(lo, hi) if blocks[i].role == INTERVIEWER and segments[i] == CONVERSATION]
    opens = {i for i in host if scripted_question(blocks[i].text, repetition, repetition.many, _OPEN_SHARE)}
    if not opens:
        return
    follows = {i for i in host if i not in opens and scripted_question(blocks[i].text, repetition, 1)}
    middle = lo + (hi - lo) // 2
    questions: list[int] = []
    for position, i in enumerate(host):
        if i < middle:  # a round is looked for in the second half; earlier recurring questions are a guide's
            continue
        if i in opens or (i in follows and questions and position - host.index(questions[-1]) <= _ROUND_GAP):
            questions.append(i)
    rounds: list[list[int]] = []
    for i in questions:
        if rounds and host.index(i) - host.index(rounds[-1][-1]) <= _ROUND_GAP:
            rounds[-1].append(i)
        else:
            rounds.append([i])
    for asked in rounds:
        first, last = asked[0], asked[-1]
        rapid = len(asked) >= 2 and first >= middle
        if not rapid:  # a discussion guide's questions recur across interviews too: their answers are evidence
            continue
        at = host.index(first)
        while at > 0 and (words[host[at - 1]] < _SHORT_HOST
                          or _longest_run(repetition.elsewhere(blocks[host[at - 1]].hashes), repetition.many)
                          >= _SCRIPT_SPAN):
            at -= 1  # the round's announcement ("We've reached our rapid-fire round. Ready?") belongs to it
        first = host[at]
        end = next((j for j in host if j > last and words[j] >= _SHORT_HOST), hi)
        for j in range(first, end):
            if segments[j] == CONVERSATION:
                segments[j] = SCRIPTED
