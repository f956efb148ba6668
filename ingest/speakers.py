"""Who speaks in a transcript: one person per distinct speaker label, reconciled with the metadata's names.

The transcript's own labels are the evidence of who said what; metadata (``guest: A and B``, ``participants:``)
often comes from a file name or a slug ("Yamashata" for Yuhki Yamashita, "Gia" for Georgiana), so a listed
name is matched to the label it most resembles and the label's spelling wins. A rare label one or two letters
away from a frequent one ("Lenn" beside "Lenny") is a typo and folds into it, but only when exactly one label
is that close; generic labels ("Speaker 1", "Speaker 3") never fold into each other.

The interviewer is the speaker who asks questions, and across a corpus the one who asks them in the most
interviews (a host or a researcher appears in many transcripts; a guest who asks many rhetorical questions
appears in one): :func:`cast_of` takes that corpus-wide count when the caller has it
(:mod:`ingest.interviews`), else decides from the transcript alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from assistant.schemas import Turn
from ingest.loaders.transcript import UNKNOWN_SPEAKER

INTERVIEWER, PARTICIPANT, OTHER = "interviewer", "participant", "other"
_INTERVIEWER_LABELS = frozenset({"interviewer", "host", "moderator", "researcher", "q", "question"})
_PARTICIPANT_LABELS = frozenset({"interviewee", "participant", "guest", "customer", "respondent", "a", "answer"})
_GENERIC = re.compile(r"(?:speaker|person|voice|unknown|audio|caller|participant|guest)\s*\d*|.*\d", re.I)
_SPLIT_NAMES = re.compile(r"\s*(?:,|;|&|\+|/|\band\b|\bwith\b)\s*", re.I)
_MIN_PARTICIPANT_SHARE = 0.15  # of the words not said by the interviewer: a guest the metadata forgot
_MIN_PARTICIPANT_TURNS = 2


class Cast(BaseModel):
    """The people of one transcript, by speaker label (labels are the canonical names of people)."""

    interviewer: str | None = None
    participants: list[str] = Field(default_factory=list, description="Labels of the people interviewed.")
    others: list[str] = Field(default_factory=list, description="Anyone else: ad partners, clips, unnamed voices.")
    names: dict[str, str] = Field(default_factory=dict, description="Label -> person's name, when they differ.")

    def role(self, label: str) -> str:
        if label == self.interviewer:
            return INTERVIEWER
        return PARTICIPANT if label in self.participants else OTHER

    def people(self) -> list[str]:
        """The participants' names, in order of first appearance."""
        return [self.names.get(label, label) for label in self.participants]


def key(name: str) -> str:
    """A person's comparison key: lower-case words without punctuation or accents' ASCII trouble."""
    return " ".join(re.sub(r"[^\w]+", " ", name.lower().replace("’", "'")).split())


def listed_names(value: str | Sequence[str] | None) -> list[str]:
    """Names given by metadata: "A and B", "A + B", "A, B" or a YAML list, de-duplicated in order."""
    raw = [value] if isinstance(value, str) else list(value or [])
    names = [n.strip() for item in raw for n in _SPLIT_NAMES.split(str(item)) if n.strip()]
    return list(dict.fromkeys(names))


def is_generic(label: str) -> bool:
    """Labels that name a slot, not a person ("Speaker 2", "Audio", "Interviewer")."""
    lowered = label.strip().lower()
    return bool(_GENERIC.fullmatch(lowered)) or lowered in _INTERVIEWER_LABELS | _PARTICIPANT_LABELS


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, cut off at ``limit`` (enough to tell a typo from another name)."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) >= limit:
            return limit
        previous = current
    return min(previous[-1], limit)


def _close_word(a: str, b: str) -> bool:
    """Two spellings of one name word: equal, one a prefix of the other (Cam/Cameron, Shriva/Shrivastava), or
    one or two letters apart on a long word (Yamashata/Yamashita)."""
    if a == b or (min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a))):
        return True
    return min(len(a), len(b)) >= 5 and edit_distance(a, b) <= (1 if min(len(a), len(b)) < 7 else 2)


def name_match(label: str, name: str) -> int:
    """How surely a speaker label and a listed name are one person: 0 (no) to 3 (same words).

    3: same words. 2: same first name and close last names, or one side is the other's first name only
    ("Lenny" / "Lenny Rachitsky"). 1: close last names and first names with the same initial (Gia / Georgiana
    Laudi), or a one-word name close to the label's last name (a slug: "Yamashata" / "Yuhki Yamashita").
    """
    a, b = key(label).split(), key(name).split()
    if not a or not b:
        return 0
    if a == b:
        return 3
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 2 and all(w in long_ for w in short):  # "Jeanne Grosser" / "Jeanne DeWitt Grosser"
        return 2
    if a[0] == b[0] and (len(a) == 1 or len(b) == 1 or _close_word(a[-1], b[-1])):
        return 2
    if len(a) > 1 and len(b) > 1 and a[0][0] == b[0][0] and _close_word(a[-1], b[-1]):
        return 1
    if (len(a) == 1) != (len(b) == 1):
        single, full = (a, b) if len(a) == 1 else (b, a)
        return 1 if _close_word(single[0], full[-1]) or _close_word(single[0], full[0]) else 0
    return 0


def _typo_of(label: str, known: str) -> bool:
    a, b = key(label), key(known)
    if not a or not b or a == b:
        return False
    limit = 1 if len(a) <= 6 else 2
    if edit_distance(a, b) <= limit:
        return True
    first = b.split()[0]
    return " " not in a and len(a) >= 3 and edit_distance(a, first) <= limit


def fold_label_typos(turns: list[Turn]) -> list[Turn]:
    """Turns with rare mistyped labels renamed to the one frequent label they are a typo of.

    "Lenn" (1 turn) beside "Lenny" (56) folds; a first-name-only label folds into the one full name it starts
    ("Christina" into "Christina Gilbert"); two similar labels of similar weight ("Ana" 20, "Ann" 18) are two
    people; a label close to two others is left alone.
    """
    counts = Counter(t.speaker for t in turns if t.speaker != UNKNOWN_SPEAKER)
    mapping: dict[str, str] = {}
    for label, n in counts.items():
        if is_generic(label):
            continue
        full = [k for k in counts if k != label and not is_generic(k) and " " not in key(label)
                and " " in key(k) and key(k).split()[0] == key(label)]
        if len(full) == 1:
            mapping[label] = full[0]
            continue
        typos = [k for k, m in counts.items() if k != label and not is_generic(k)
                 and m > n and n <= max(2, 0.2 * m) and _typo_of(label, k)]
        if len(typos) == 1:
            mapping[label] = typos[0]
    if not mapping:
        return turns
    return [t.model_copy(update={"speaker": mapping.get(t.speaker, t.speaker)}) for t in turns]


def question_turns(turns: Sequence[Turn]) -> Counter[str]:
    """Turns per speaker whose last sentence is a question: what interviewers do, and guests rarely."""
    asked: Counter[str] = Counter()
    for turn in turns:
        if turn.speaker == UNKNOWN_SPEAKER:
            continue
        last = re.split(r"(?<=[.!?])\s+", turn.text.strip())[-1]
        asked[turn.speaker] += last.rstrip("\"')” ").endswith("?")
    return asked


def _match_listed(labels: list[str], listed: list[str]) -> dict[str, str]:
    """label -> listed name, best matches first, one label per name and one name per label."""
    pairs = sorted(((name_match(label, name), -i, -j, label, name)
                    for i, label in enumerate(labels) for j, name in enumerate(listed)), reverse=True)
    matched: dict[str, str] = {}
    for score, _, _, label, name in pairs:
        if score and label not in matched and name not in matched.values():
            matched[label] = name
    return matched


def cast_of(turns: Sequence[Turn], listed: Sequence[str] = (), listed_interviewer: str | None = None,
            asking: Mapping[str, int] | None = None) -> Cast:
    """Interviewer, participants and others of one transcript.

    Args:
        turns: the transcript's turns (labels already folded).
        listed: participant names from metadata; a listed person is never the interviewer.
        listed_interviewer: the interviewer named by metadata, used when it matches a label.
        asking: person key -> number of interviews in which that person asks questions, across the corpus.
    """
    labels = list(dict.fromkeys(t.speaker for t in turns if t.speaker != UNKNOWN_SPEAKER))
    asked = question_turns(turns)
    said = Counter(t.speaker for t in turns)
    words: Counter[str] = Counter()
    for t in turns:
        words[t.speaker] += len(t.text.split())
    matched = _match_listed([lb for lb in labels if not is_generic(lb)], list(listed))
    interviewer = next((lb for lb in labels if key(lb) in _INTERVIEWER_LABELS), None)
    if interviewer is None and listed_interviewer:
        interviewer = next((lb for lb in labels if lb not in matched and name_match(lb, listed_interviewer) >= 2),
                           None)
    if interviewer is None and len(labels) >= 2:
        candidates = [lb for lb in labels if lb not in matched and asked[lb] > 0
                      and key(lb) not in _PARTICIPANT_LABELS]
        corpus = asking or {}
        if candidates:
            interviewer = max(candidates, key=lambda lb: (corpus.get(key(lb), 0), asked[lb], said[lb]))
    rest = [lb for lb in labels if lb != interviewer]
    pool = sum(words[lb] for lb in rest) or 1
    substantial = [lb for lb in rest if said[lb] >= _MIN_PARTICIPANT_TURNS
                   and words[lb] / pool >= _MIN_PARTICIPANT_SHARE]
    if matched:
        participants = [lb for lb in rest if lb in matched or lb in substantial]
    else:
        participants = substantial or ([max(rest, key=lambda lb: words[lb])] if rest else [])
    names = {lb: lb for lb in participants}
    unnamed = [n for n in listed if n not in matched.values()]
    for label in [lb for lb in participants if is_generic(lb)]:
        if unnamed:
            names[label] = unnamed.pop(0)  # "Speaker 2" is the listed guest nobody's label names
    if not participants and listed:
        names = {}
    return Cast(interviewer=interviewer, participants=participants,
                others=[lb for lb in rest if lb not in participants],
                names={lb: n for lb, n in names.items() if n != lb})


def listed_people(cast: Cast, listed: Sequence[str]) -> list[str]:
    """The people interviewed: the participants' names, or the listed names when no label speaks for them (a
    subtitle file with only the interviewer's voice tagged)."""
    return cast.people() or list(listed)
