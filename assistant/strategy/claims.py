"""What a note's sentence claims, clause by clause: the subject words, which predicate is negated, which way a
quantity moved, whether something is committed to or ruled out, the figures stated and for which period.

This is the reading the contradiction check compares (:mod:`assistant.strategy.contradictions`). It is
deliberately small and explainable: English function words and a few families of direction and stance words,
no model. Sentences are cut into clauses at contrast and cause words ("as", "while", "but", ";") so that
"margin improved as hosting costs fell" is two claims about two subjects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.text import METRIC_GLOSSARY, STOPWORDS, stem

_TOKEN = re.compile(
    r"(?<![\w.-])\$?\d[\d,]*(?:\.\d+)?(?:\s?%|\s?(?i:k|m|bn|b|million|billion|thousand)\b)?|[A-Za-z][A-Za-z0-9'’]*"
)
_CLAUSE_CUT = re.compile(
    r"\s*(?:;|—|–|\(|\)|,?\s+\b(?:but|while|whereas|although|though|because|as)\b"
    r"(?!\s+(?:of|well|a result|part|much|many|long|soon|such|measured|needed|planned|expected|shown|described|"
    r"follows|good|far|if|for)\b)|\.\s+)\s*",
    re.I,
)
NEGATORS = frozenset("not no never none nobody nothing neither nor cannot without".split())
_SCOPE_SKIP = frozenset(
    "be been being is are was were have has had do does did yet fully really always even currently ever going to "
    "able any a an the more longer so quite entirely necessarily actually also still".split()
)
_NO_DETERMINERS = frozenset({"no", "none", "nobody", "nothing", "neither"})
UP = frozenset(
    "increas rise rose risen grow grew grown up higher improv climb climb jump soar accelerat doubl tripl gain "
    "lengthen widen".split()
)
DOWN = frozenset(
    "decreas declin fall fell fallen drop down lower shrink shrank shrunk reduc worsen deterior slow sank sink "
    "plung dip halv erod shorten narrow".split()
)
FLAT = frozenset("flat unchang stagnat stall plateau steadi".split())
COMMIT = frozenset("agre approv commit keep kept continu stay retain proceed greenlit greenlight sustain".split())
STOP = frozenset(
    "stop halt sunset discontinu cancel abandon scrap reject exit deprec retir shut kill oppos against lukewarm "
    "skeptic sceptic veto".split()
)
DEFER = frozenset("postpon delay defer shelv hold".split())  # "hold off", "on hold"
_FUTURE = re.compile(
    r"\b(?:will|'ll|going to|plans? to|planned to|intends? to|aims? to|target(?:s|ed|ing)?|goals?|expects?|"
    r"expected to|forecasts?|projected|should|next (?:year|quarter|month|half|week))\b|’ll",
    re.I,
)
_BOUND = re.compile(r"\b(?:before|until|till|after|since|by|from|through|no later than|not before)\s+$", re.I)
_NUMBER_BOUND = re.compile(r"(?:above|below|over|under|at least|at most|more than|less than|up to|>|<|~)\s*$", re.I)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_PERIOD = re.compile(
    r"\b(?:(?P<q>q[1-4])|(?P<h>h[12])|(?P<fy>fy\s?\d{2,4})|(?P<y>(?:19|20)\d\d)|"
    r"(?P<m>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)|(?P<season>spring|summer|autumn|fall|winter)|"
    r"(?P<ord>(?:first|second|third|fourth) (?:quarter|half))|"
    r"(?P<rel>(?:this|last|next|previous|coming) (?:year|quarter|half|month|week|season)|year[- ]end|all year|"
    r"year to date|today|now))\b",
    re.I,
)
_PERIOD_WORDS = frozenset(
    "year quarter half month week season end start beginning mid middle today now ytd".split() + list(_MONTHS)
)
_GENERIC = frozenset(
    "need want think know see say said tell told go went come came get got make made take took put give gave "
    "seem look thing lot way really much many well per cent percent roughly approximately around about nearly "
    "almost total came stand stood sit sat land hit reach reached amount count number figur level rate we our "
    "us they their there here also just still yet already currently ago ahead every several various certain "
    "whole entire".split()
)
# Units after a figure: part of the figure, not of the subject ("519 ms", "14 months").
UNITS = {
    **dict.fromkeys(("ms", "millisecond", "milliseconds"), "ms"),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "min"),
    **dict.fromkeys(("hour", "hours", "hr", "hrs", "h"), "h"),
    **dict.fromkeys(("day", "days"), "d"),
    **dict.fromkeys(("week", "weeks"), "w"),
    **dict.fromkeys(("month", "months"), "mo"),
    **dict.fromkeys(("year", "years"), "y"),
    **dict.fromkeys(("x", "times"), "x"),
    **dict.fromkeys(("point", "points", "pp", "bps"), "pt"),
}
_NUMBER_WORDS = {
    w: float(i)
    for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
    if w != "one"  # "one of", "one member": rarely a count worth comparing
}
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}


_EXPANSIONS = {
    acronym: words
    for acronym, meaning in METRIC_GLOSSARY.items()
    if len(words := frozenset(stem(w) for w in re.findall(r"[a-z]{2,}", meaning) if w not in STOPWORDS)) >= 2
}


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str  # "%", "$", "" (a count or plain number)
    raw: str


@dataclass(frozen=True)
class Clause:
    text: str
    topics: frozenset[str]  # stems of what the clause is about (no polarity, period, number or function words)
    asserted: frozenset[str]  # content stems outside any negation's scope
    negated: frozenset[str]  # the predicate stems a negation applies to
    direction: int | None  # +1 up, -1 down, 0 flat, None: no movement stated
    stance: int  # +1 commits to or keeps something, -1 rules it out or stops it, 0 neither
    defers: bool  # the -1 stance is a postponement, not a refusal
    explicit: bool  # the stance is stated by a word ("agreed", "postponed"), not only implied by a dated plan
    figures: tuple[Figure, ...]
    periods: tuple[tuple[str, str], ...]  # (kind, value): ("q", "q3"), ("y", "2026"), ("rel", "next year")
    future: bool  # a plan, target or forecast rather than a report
    entities: frozenset[str]  # names and acronyms (lower case)
    words: tuple[str, ...]  # surface words, for explaining a finding


def same_stem(a: str, b: str) -> bool:
    """"expand" and "expans" (expansion), "japan" and "japanes": one word family, shared stem start."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) < 5:
        return False
    common = 0
    for x, y in zip(short, long_, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(5, len(short) - 1)


def overlap(a: frozenset[str], b: frozenset[str]) -> set[str]:
    return {x for x in a if any(same_stem(x, y) for y in b)}


@lru_cache(maxsize=8192)
def clauses(sentence: str, follow: str = "") -> tuple[Clause, ...]:
    """The clauses of a sentence, each read into a :class:`Clause`. ``follow`` is the sentence's dangling
    continuation ("That includes the EU."): it is read as part of the last clause, whose subject it names."""
    parts = [p for p in _CLAUSE_CUT.split(sentence) if p and len(p.split()) >= 2] or [sentence]
    if follow:
        parts[-1] = f"{parts[-1]} {follow}"
    return tuple(_read(part) for part in parts)


def _read(text: str) -> Clause:
    tokens = [(m.group(0), m.start()) for m in _TOKEN.finditer(text)]
    periods, period_spans = _periods(text)
    topics: set[str] = set()
    asserted: set[str] = set()
    negated: set[str] = set()
    directions: set[int] = set()
    stance, defers = 0, False
    figures: list[Figure] = []
    entities: set[str] = set()
    in_scope, pending = False, 0
    for n, (raw, start) in enumerate(tokens):
        word = raw.lower().replace("’", "'")
        if any(a <= start < b for a, b in period_spans):
            continue
        if word[0].isdigit() or word[0] == "$" or word in _NUMBER_WORDS:
            previous, at = tokens[n - 1] if n else ("", -1)
            dated = any(a <= at < b for a, b in period_spans)
            if previous[:1].isupper() and not dated and word[0].isdigit() and not word.endswith("%"):
                continue  # "Stage 1", "RFC 696", "Week 3": a label, not a quantity
            after = tokens[n + 1][0].lower() if n + 1 < len(tokens) else ""
            figure = _figure(raw, text[:start], UNITS.get(after, ""))
            if figure:
                figures.append(figure)
            continue
        if word in UNITS and n > 0 and (tokens[n - 1][0][0].isdigit() or tokens[n - 1][0].lower() in _NUMBER_WORDS):
            continue
        if word in NEGATORS or word.endswith("n't"):
            in_scope = True
            pending = 2 if word in _NO_DETERMINERS else 1
            if word == "no" and n + 1 < len(tokens) and tokens[n + 1][0].lower() == "longer":
                pending = 1
            continue
        speaker = n == 0 and text[start + len(raw) : start + len(raw) + 1] == ":"  # "Dana: ..." says who, not what
        if len(raw) > 1 and not speaker and (raw.isupper() or raw[0].isupper() and n > 0):
            entities.add(stem(word))  # "EU", "Berlin"; not the capital that starts a sentence
        s = stem(word)
        polar = _polarity(word, s, tokens, n)
        if pending and word not in _SCOPE_SKIP and word not in STOPWORDS:
            negated.add(s)
            pending -= 1
            if polar and polar[0] == "direction" and polar[1] != 0 or s in ("mov", "chang", "budg"):
                directions.add(0)  # "not moving", "did not change": flat
                continue
        if polar:
            kind, value = polar
            if kind == "direction":
                directions.add(value)
            elif kind == "stance":
                flipped = -value if in_scope else value
                stance = flipped if stance == 0 else (stance if stance == flipped else 0)
                defers = defers or (s in DEFER and flipped < 0)
            if not in_scope:
                asserted.add(s)
            continue
        if word in STOPWORDS or word in _SCOPE_SKIP or len(word) < 2:
            continue
        if word in _GENERIC or s in _GENERIC or word in _PERIOD_WORDS or s in _PERIOD_WORDS:
            continue
        topics.add(s)
        if not in_scope:
            asserted.add(s)
    topics, asserted = _acronyms(topics), _acronyms(asserted)
    future = bool(_FUTURE.search(text))
    explicit = stance != 0
    if in_scope and re.search(r"\b(?:until|till|before)\b", text, re.I):
        stance, defers, explicit = -1, True, True  # "no new regions until NRR is above 110%": put off
    elif stance == 0 and future and negated:
        stance = -1  # "we will not launch": ruled out
    elif stance == 0 and future and periods and not in_scope:
        stance = 1  # "we will move all customers in April": a dated plan is a commitment
    direction = directions.pop() if len(directions) == 1 else None
    return Clause(
        text=text,
        topics=frozenset(topics),
        asserted=frozenset(asserted),
        negated=frozenset(negated),
        direction=direction,
        stance=stance,
        defers=defers,
        explicit=explicit,
        figures=tuple(figures),
        periods=tuple(sorted(periods)),
        future=future,
        entities=frozenset(entities),
        words=tuple(raw for raw, _ in tokens),
    )


def _acronyms(stems: set[str]) -> set[str]:
    """"net revenue retention" and "NRR" are one subject word: spelled-out metric names become their acronym."""
    for acronym, words in _EXPANSIONS.items():
        if words <= stems:
            stems = (stems - words) | {acronym}
    return stems


def _polarity(word: str, s: str, tokens: list[tuple[str, int]], n: int) -> tuple[str, int] | None:
    after = tokens[n + 1][0].lower() if n + 1 < len(tokens) else ""
    if s == "drop" and after in ("the", "a", "an", "our", "their", "its", "this", "that", "support", "it"):
        return ("stance", -1)  # "drop the free tier" is a decision; "conversion dropped" a movement
    if s == "hold" and after in ("off",) or (s == "hold" and n > 0 and tokens[n - 1][0].lower() == "on"):
        return ("stance", -1)
    if s == "go" and after == "ahead":
        return ("stance", 1)
    if s in UP:
        return ("direction", 1)
    if s in DOWN:
        return ("direction", -1)
    if s in FLAT:
        return ("direction", 0)
    if s in COMMIT:
        return ("stance", 1)
    if s in STOP or s in DEFER and s != "hold":
        return ("stance", -1)
    return None


def _periods(text: str) -> tuple[set[tuple[str, str]], list[tuple[int, int]]]:
    """Periods the clause is about, and the spans of every period phrase (bounds such as "before 2028" and
    "until the autumn" are spans but not the clause's period: they limit a plan, they do not date a claim)."""
    found: set[tuple[str, str]] = set()
    spans: list[tuple[int, int]] = []
    for match in _PERIOD.finditer(text):
        if match.group(0).lower() == "may" and not re.search(
            r"\b(?:in|of|since|by|until|for|from|to) $|^$", text[: match.start()], re.I
        ):
            continue  # the verb "may"
        spans.append(match.span())
        if _BOUND.search(text[: match.start()]) or re.search(r"\b(?:the|this|next)\s+$", text[: match.start()]) and (
            _BOUND.search(re.sub(r"\b(?:the|this|next)\s+$", "", text[: match.start()]))
        ):
            continue
        kind = next(k for k, v in match.groupdict().items() if v)
        value = match.group(0).lower()
        if kind == "m":
            value = value[:3]
        elif kind == "ord":  # "second half" is H2, "third quarter" Q3
            number = ("first", "second", "third", "fourth").index(value.split()[0]) + 1
            kind, value = ("h", f"h{number}") if value.endswith("half") else ("q", f"q{number}")
        elif kind == "season" and value == "fall":
            value = "autumn"
        found.add((kind, " ".join(value.split())))
    return found, spans


def _figure(raw: str, before: str, unit_after: str = "") -> Figure | None:
    if _NUMBER_BOUND.search(before):
        return None  # "above 110%" bounds a value, it does not state one
    word = raw.lower()
    if word in _NUMBER_WORDS:
        return Figure(_NUMBER_WORDS[word], unit_after, raw)
    unit = "%" if "%" in raw else "$" if raw.startswith("$") or before.rstrip().endswith(("€", "£")) else unit_after
    match = re.match(r"\$?(\d[\d,]*(?:\.\d+)?)\s?(%|k|m|bn|b|million|billion|thousand)?", word)
    if not match:
        return None
    number = match.group(1).replace(",", "")
    if not unit and re.fullmatch(r"(?:19|20)\d\d", number):
        return None  # a year
    value = float(number) * _SCALE.get(match.group(2) or "", 1.0)
    return Figure(value, unit, raw)
