"""Contradictions between notes: two statements about the same subject whose claims cannot both hold.

Leaders write notes at different times and change their minds; a draft that quietly picks one side hides the
decision still to be made. But a flag is only useful when it is right, so a pair is reported only when

* both are about the same subject: their subject words are the same or one's are a subset of the other's
  (an "enterprise churn" claim says nothing about "small-agency churn"), or, for a decision, both name the
  same rare name ("EU", "Berlin");
* they state the same kind of thing: both reports or both plans (a target of 40% does not contradict an
  actual 31%), for periods that can be the same ("Q2" and "Q3" never clash; "before 2028" is a bound,
  not a period);
* and the claims are opposed: a predicate and its negation ("we will launch X" / "we will not launch X"),
  opposite directions for the quantity ("grew" / "declined", "rising" / "flat"), disjoint figures for the same
  quantity and unit ("412 customers" / "380 customers"), or a commitment against a refusal or, when the
  commitment is dated, a postponement.

The labelled pairs in ``evals/datasets/contradiction_pairs.yaml`` measure this (``python -m
evals.contradictions``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import product

import numpy as np
from pydantic import BaseModel

from assistant.strategy.candidates import Candidate
from assistant.strategy.claims import Clause, Figure, clauses, overlap
from assistant.text import stem

MIN_SIMILARITY = 0.45  # statements less alike than this (MiniLM cosine) are not compared at all
SUBJECT_JACCARD = 0.6  # when each side has subject words the other lacks, this much must be shared
ENTITY_SHARE = 0.1  # a name in more than this share of statements (the company's own) ties nothing together


class NoteSentence(BaseModel):
    text: str
    source: str
    chunk_id: str


class Contradiction(BaseModel):
    a: NoteSentence
    b: NoteSentence
    reason: str
    kind: str = ""  # negation, direction, figures, decision


def _same_subject(a: Clause, b: Clause) -> bool:
    if not a.topics or not b.topics:
        return False
    if a.entities - overlap(a.entities, b.entities) and b.entities - overlap(b.entities, a.entities):
        return False  # "an office in Toronto" / "an office in Chicago": each names what the other does not
    shared = overlap(a.topics, b.topics)
    if not shared:
        return False
    only_a = a.topics - shared
    only_b = b.topics - overlap(b.topics, a.topics)
    if not only_a or not only_b:  # one side's subject is contained in the other's, and not a small part of it
        return len(shared) >= 2 or len(shared) >= 0.5 * max(len(a.topics), len(b.topics))
    return len(shared) / (len(shared) + len(only_a) + len(only_b)) >= SUBJECT_JACCARD


def _periods_compatible(a: Clause, b: Clause, strict: bool = False) -> bool:
    """True unless both name a period of the same kind and the values differ; ``strict`` (for figures) also
    needs both or neither to name a period, since a figure without a date may be from any time."""
    if strict and bool(a.periods) != bool(b.periods):
        return False
    kinds_a: dict[str, set[str]] = {}
    for kind, value in a.periods:
        kinds_a.setdefault(kind, set()).add(value)
    kinds_b: dict[str, set[str]] = {}
    for kind, value in b.periods:
        kinds_b.setdefault(kind, set()).add(value)
    return all(kinds_a[k] & kinds_b[k] for k in kinds_a.keys() & kinds_b.keys())


def _figures_disjoint(a: tuple[Figure, ...], b: tuple[Figure, ...]) -> tuple[Figure, Figure] | None:
    """A pair of figures showing that two clauses give different values in one unit, when no value of the one
    matches a value of the other in that unit (a rate may be written 0.34 or 34%)."""
    for unit in {f.unit for f in a} & {f.unit for f in b} | ({"%"} if _rates(a, b) else set()):
        va = [f for f in a if f.unit == unit or unit == "%" and f.unit == "" and f.value <= 1]
        vb = [f for f in b if f.unit == unit or unit == "%" and f.unit == "" and f.value <= 1]
        if not va or not vb:
            continue
        if not any(_equal(x, y) for x, y in product(va, vb)):
            return va[0], vb[0]
    return None


def _rates(a: tuple[Figure, ...], b: tuple[Figure, ...]) -> bool:
    pct = any(f.unit == "%" for f in a), any(f.unit == "%" for f in b)
    frac = any(f.unit == "" and 0 < f.value <= 1 for f in a), any(f.unit == "" and 0 < f.value <= 1 for f in b)
    return pct[0] and frac[1] or pct[1] and frac[0]


def _equal(x: Figure, y: Figure) -> bool:
    vx = x.value * 100 if x.unit == "" and y.unit == "%" and x.value <= 1 else x.value
    vy = y.value * 100 if y.unit == "" and x.unit == "%" and y.value <= 1 else y.value
    return abs(vx - vy) <= max(abs(vx), abs(vy)) * 0.005 + 1e-9


def _negation(a: Clause, b: Clause) -> str | None:
    for x, y in ((a, b), (b, a)):
        hit = overlap(x.negated, y.asserted) - overlap(x.negated, y.negated)
        if hit and y.stance >= 0:
            return _word(x, sorted(hit)[0])
    return None


def _word(clause: Clause, stem_: str) -> str:
    return next((w for w in clause.words if stem(w.lower()) == stem_), stem_)


def _subject(a: Clause, b: Clause) -> str:
    shared = overlap(a.topics, b.topics)
    words = [w for w in a.words if stem(w.lower()) in shared]
    return " ".join(dict.fromkeys(words)) or "the same subject"


def compare_clauses(a: Clause, b: Clause, tie: str = "") -> tuple[str, str] | None:
    """(kind, reason) when the two clauses cannot both be true, else None. ``tie`` is a rare name both name,
    which ties two decisions to one subject even when their other words differ."""
    same = _same_subject(a, b)
    if same and a.future == b.future and _periods_compatible(a, b):
        predicate = _negation(a, b)
        if predicate:
            return "negation", f"one note says “{predicate}”, the other says the opposite"
        if a.direction is not None and b.direction is not None and a.direction != b.direction:
            names = {1: "up", -1: "down", 0: "flat"}
            return "direction", (
                f"{_subject(a, b)}: one note says {names[a.direction]}, the other {names[b.direction]}"
            )
        if _periods_compatible(a, b, strict=True) and not _distinct_sides(a, b):
            pair = _figures_disjoint(a.figures, b.figures)
            if pair:
                return "figures", f"different figures for {_subject(a, b)}: {pair[0].raw} vs {pair[1].raw}"
    tied = same or bool(tie) and a.explicit and b.explicit
    if tied and a.stance * b.stance < 0 and _periods_compatible(a, b):
        commit, refuse = (a, b) if a.stance > 0 else (b, a)
        if refuse.defers and not commit.periods:
            return None  # "we agreed to open an office" and "the opening was delayed" can both be true
        verb = "puts it off" if refuse.defers else "rules it out"
        return "decision", f"{_subject(a, b) if same else tie}: one note commits to it, the other {verb}"
    return None


def _distinct_sides(a: Clause, b: Clause) -> bool:
    """Each side has subject words the other lacks ("closed 14 deals" / "lost 9 deals"): two quantities."""
    return bool(a.topics - overlap(a.topics, b.topics)) and bool(b.topics - overlap(b.topics, a.topics))


def contradiction_between(
    a: str, b: str, a_follow: str = "", b_follow: str = "", names: Callable[[str], bool] | None = None
) -> tuple[str, str] | None:
    """(kind, reason) when statement ``a`` and statement ``b`` cannot both be true; ``names`` says whether a
    shared name is rare enough to tie two decisions to one subject (default: any shared name does)."""
    for x, y in product(clauses(a, a_follow), clauses(b, b_follow)):
        shared = sorted(e for e in x.entities & y.entities if names is None or names(e))
        found = compare_clauses(x, y, tie=_word(x, shared[0]) if shared else "")
        if found:
            return found
    return None


def find_contradictions(
    candidates: Sequence[Candidate], vectors: np.ndarray, limit: int = 10, min_similarity: float = MIN_SIMILARITY
) -> list[Contradiction]:
    """Pairs of statements from different notes that contradict each other, most alike first; one per pair of
    notes and subject, at most ``limit``."""
    if len(candidates) < 2:
        return []
    sims = vectors @ vectors.T
    names = [{e for clause in clauses(c.text, c.follow) for e in clause.entities} for c in candidates]
    holders: dict[str, list[int]] = {}
    for i, found_names in enumerate(names):
        for name in found_names:
            holders.setdefault(name, []).append(i)
    rare_limit = max(3, int(len(candidates) * ENTITY_SHARE))

    def rare(name: str) -> bool:
        return len(holders.get(name, ())) <= rare_limit

    # Pairs worth reading: alike enough, or naming the same rare name (a decision about "the EU" in one note
    # and a refusal in another need not be worded alike).
    pairs = set(zip(*(a.tolist() for a in np.where(np.triu(sims, k=1) >= min_similarity)), strict=True))
    for name, held in holders.items():
        if rare(name):
            pairs.update((i, j) for n, i in enumerate(held) for j in held[n + 1 :])
    found: list[tuple[float, Contradiction]] = []
    for i, j in sorted(pairs):
        a, b = candidates[i], candidates[j]
        if a.source == b.source:
            continue
        result = contradiction_between(a.text, b.text, a.follow, b.follow, names=rare)
        if result:
            kind, reason = result
            found.append((float(sims[i, j]), Contradiction(a=_note(a), b=_note(b), reason=reason, kind=kind)))
    found.sort(key=lambda pair: -pair[0])
    seen: set[tuple[str, str, str]] = set()
    result_list: list[Contradiction] = []
    for _, c in found:
        key = (c.a.source, c.b.source, c.reason)
        if key in seen:
            continue
        seen.add(key)
        result_list.append(c)
        if len(result_list) == limit:
            break
    return result_list


def _note(c: Candidate) -> NoteSentence:
    return NoteSentence(text=c.statement, source=c.source, chunk_id=c.chunks[0].id)
