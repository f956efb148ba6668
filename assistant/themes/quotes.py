"""Quotes of a theme: verbatim sentences near its centre, one person at a time, never the same words twice; the
summary (the most central quote); and quotes that go against the theme's central claim, when any does.

"Against" means semantically opposed, not merely unhappy: a sentence about the same subject as the central
claim (several content words in common) where exactly one of the two negates what they share, where they say
opposite things right beside it ("more"/"less", "easy"/"hard"), or where both judge it and the judgements
have opposite signs ("too expensive for us" / "easy for me to defend"). A sentence that judges nothing is
never against ("one huge trend is the rise of the data warehouse" is not against a data-warehouse theme), so
when nothing qualifies the theme has no "against" quotes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from assistant.safety import looks_like_injection, shown_text
from assistant.schemas import Chunk
from assistant.text import NEGATIONS, STOPWORDS, split_sentences, stem

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NEGATION_STEMS = {w.replace("'", "") for w in NEGATIONS} | {"dont", "doesnt", "isnt", "cant", "wont", "not", "no"}
_OPPOSITES = [("more", "less"), ("more", "fewer"), ("increas", "decreas"), ("up", "down"), ("better", "wors"),
              ("faster", "slower"), ("easi", "hard"), ("easi", "harder"), ("cheap", "expens"), ("help", "hurt"),
              ("success", "failur"), ("love", "hate"),
              ("right", "wrong"), ("alway", "never"), ("should", "shouldnt"), ("good", "bad"), ("gain", "lose")]
_NEGATION_WINDOW = 4
_POSITIVE = re.compile(
    r"\b(love[sd]?(?!\s+to\b)|works? (well|fine|great)|prefer(able|red)?|happy|easy|predictable|worth it|"
    r"no complaints?|defend|good for us|helps? us|saves? us)\b", re.I)
_NEGATIVE = re.compile(
    r"\b(pain(ful)?|frustrat\w*|hate[sd]?|too (slow|expensive|hard|much)|expensive|annoy\w*|waste\w*|broken|"
    r"hard to (justify|defend|use)|costs? (us|me)|dealbreaker|blocker|stuck|struggl\w*)\b", re.I)
_NEAR_SHARE = 0.5  # quotes come from the half of a theme's turns nearest its centre
_MIN_JUDGED = 2  # content words in common for two opposite judgements to be about the same subject
_MIN_SHARED = 4  # content words a sentence shares with the central claim to be about the same subject
_DUPLICATE = 0.5  # share of word 6-grams two quotes share to be one quote said twice (a clip and its replay)


def _tokens(text: str) -> list[str]:
    return [w.replace("’", "").replace("'", "") for w in _WORD.findall(text.lower())]


def fingerprint(text: str, size: int = 6) -> set[int]:
    words = _tokens(text)
    return {hash(" ".join(words[i : i + size])) for i in range(max(1, len(words) - size + 1))}


def near_duplicate(a: set[int], b: set[int]) -> bool:
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= _DUPLICATE


def quotable(sentence: str) -> bool:
    words = len(sentence.split())
    return 8 <= words <= 70 and not sentence.rstrip("\"')” ").endswith("?") and not looks_like_injection(sentence)


def best_sentence(text: str, keywords: Sequence[str]) -> str:
    """The sentence of a turn that says most of the theme's keywords (a whole turn when none is quotable)."""
    sentences = [s for s in split_sentences(text) if quotable(s)]
    if not sentences:
        return shown_text(text).strip()  # the whole turn, without any instruction to the assistant in it
    stems = {stem(k) for kw in keywords for k in kw.split()}
    scores = [len(stems & {stem(w) for w in _tokens(s)}) for s in sentences]
    return sentences[int(np.argmax(scores))]


def pick_quotes(chunks: Sequence[Chunk], vectors: np.ndarray, centre: np.ndarray, keywords: Sequence[str],
                person_of: Callable[[Chunk], str], limit: int = 5) -> list[tuple[Chunk, str]]:
    """Up to ``limit`` sentences from the turns nearest the centre: one per person first, then more; a sentence
    that repeats one already taken (a cold-open clip replayed later) is skipped."""
    if not len(chunks):
        return []
    centre = centre / (np.linalg.norm(centre) or 1.0)
    order = np.argsort(-(vectors @ centre), kind="stable")[: max(limit, int(len(chunks) * _NEAR_SHARE))]
    chosen: list[tuple[Chunk, str]] = []
    prints: list[set[int]] = []
    people: set[str] = set()
    for repeat_people in (False, True):
        for i in order:
            chunk = chunks[int(i)]
            if len(chosen) >= limit or (not repeat_people and person_of(chunk) in people):
                continue
            if any(c.id == chunk.id for c, _ in chosen):
                continue
            sentence = best_sentence(chunk.text, keywords)
            mark = fingerprint(sentence)
            if not quotable(sentence) or any(near_duplicate(mark, p) for p in prints):
                continue
            chosen.append((chunk, sentence))
            prints.append(mark)
            people.add(person_of(chunk))
        if len(chosen) >= min(limit, 2):
            break
    return chosen


def _content(words: list[str]) -> list[str]:
    return [stem(w) for w in words if w not in STOPWORDS and w not in _NEGATION_STEMS and len(w) > 2]


def _negated(words: list[str], targets: set[str]) -> bool:
    """Whether a negation stands within a few words before any of ``targets``."""
    for i, word in enumerate(words):
        if stem(word) in targets and any(w in _NEGATION_STEMS for w in words[max(0, i - _NEGATION_WINDOW) : i]):
            return True
    return False


def opposes(claim: str, sentence: str) -> bool:
    """Whether ``sentence`` contradicts ``claim`` about the same subject (see the module docstring)."""
    a, b = _tokens(claim), _tokens(sentence)
    shared = set(_content(a)) & set(_content(b))
    if len(shared) >= _MIN_JUDGED and polarity(claim) * polarity(sentence) < 0:
        return True
    if len(shared) < _MIN_SHARED:
        return False
    if _negated(a, shared) != _negated(b, shared):
        return True
    near_a, near_b = _near(a, shared), _near(b, shared)
    return any((x in near_a and y in near_b) or (y in near_a and x in near_b) for x, y in _OPPOSITES)


def polarity(text: str) -> int:
    """+1, 0 or -1: whether a sentence judges what it talks about well or badly (a small lexicon)."""
    score = len(_POSITIVE.findall(text)) - len(_NEGATIVE.findall(text))
    return (score > 0) - (score < 0)


def _near(words: list[str], targets: set[str]) -> set[str]:
    """Stems of the words within a few words of any of ``targets`` (what is said about them)."""
    stems = [stem(w) for w in words]
    near: set[str] = set()
    for i, s in enumerate(stems):
        if s in targets:
            near.update(stems[max(0, i - _NEGATION_WINDOW) : i + _NEGATION_WINDOW + 1])
    return near


def stance(texts: Sequence[str], subject: set[str]) -> int:
    """+1, 0 or -1: how the sentences of ``texts`` that name the subject judge it, on balance."""
    total = sum(polarity(sentence) for text in texts for sentence in split_sentences(text)
                if subject & {stem(w) for w in _tokens(sentence)})
    return (total > 0) - (total < 0)


def against(claim: str, chunks: Sequence[Chunk], keywords: Sequence[str], taken: set[str], limit: int = 3,
            label: str = "", others: Sequence[Chunk] = ()) -> list[tuple[Chunk, str]]:
    """Sentences that oppose the theme, one per turn, none already quoted: in the theme's turns, a sentence
    opposed to the central claim (:func:`opposes`); in ``others`` (turns clustered elsewhere, often because they
    say the opposite), a sentence that names the label's subject and judges it the opposite way from the
    theme's own turns on balance."""
    subject = {stem(k) for kw in keywords[:10] for k in kw.split()}
    named = {stem(w) for w in re.findall(r"[a-z0-9]+", label.lower())} - {stem(w) for w in STOPWORDS}
    leaning = stance([c.text for c in chunks], subject)
    found: list[tuple[Chunk, str]] = []
    for pool, words, own in ((chunks, subject, True), (others, named, False)):
        for chunk in pool:
            if chunk.id in taken or any(c.id == chunk.id for c, _ in found):
                continue
            for sentence in split_sentences(chunk.text):
                if not quotable(sentence):
                    continue
                about = words & {stem(w) for w in _tokens(sentence)}
                if opposes(claim, sentence) if own else (leaning and about and polarity(sentence) == -leaning):
                    found.append((chunk, sentence))
                    break
            if len(found) == limit:
                return found
    return found
