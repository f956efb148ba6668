"""Which note sentences go into which section of a draft, and in what order.

Two kinds of evidence say where a sentence belongs. Words: the section's cue families found in the sentence
("could slip", "depends on", "customers told us") or in the heading or lead-in it sits under ("## Risks").
Meaning: how much closer the sentence is to this section's description than to the other sections'
(MiniLM cosine, one batch for all sentences), which removes the pull every strategy-sounding sentence has
towards every description. A sentence goes to the section with the most evidence, and only when there is
enough: a cue that its meaning does not contradict, or a clearly distinctive meaning on its own. A section
that requires a cue (risks) takes no sentence without one, and to-dos (under "Actions", "Next steps") go
nowhere. Each section then keeps its best sentences up to its limit, never a near-copy of one already chosen
anywhere in the draft, and shows them in reading order (note by note, as written), so quotes from one note
stay together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.strategy.candidates import Candidate
from assistant.strategy.sections import SectionSpec

CONTEXT_WEIGHT = 0.12  # a cue in the heading or lead-in the sentence sits under
MEANING_ALONE = 0.15  # this much closer to one description than to the average one: fits without a cue
MEANING_FLOOR = -0.05  # a cue does not place a sentence whose meaning points elsewhere this clearly, except in
# a section that requires cues: there the cue is the evidence (MiniLM barely tells a risk from a plan)
NEAR_DUPLICATE = 0.9  # cosine above which two sentences say the same thing


def _context_hits(candidate: Candidate, section: SectionSpec) -> int:
    """1 when the nearest heading or lead-in over the sentence names the section's subject ("Risks raised")."""
    return int(any(section.cue_count(title) for title in candidate.context[-2:]))


def fit_scores(
    candidates: Sequence[Candidate], vectors: np.ndarray, meanings: np.ndarray, sections: Sequence[SectionSpec]
) -> tuple[np.ndarray, np.ndarray]:
    """(fit of every sentence to every section, whether the sentence may go there at all)."""
    if not candidates:
        return np.zeros((0, len(sections))), np.zeros((0, len(sections)), dtype=bool)
    cues = np.array([[min(s.cue_count(c.text), 2) for s in sections] for c in candidates], dtype=float)
    context = np.array([[_context_hits(c, s) for s in sections] for c in candidates], dtype=float)
    weights = np.array([s.cue_weight for s in sections])
    cosine = vectors @ meanings.T
    relative = cosine - cosine.mean(axis=1, keepdims=True)
    words = weights[None, :] * cues + CONTEXT_WEIGHT * context
    scores = relative + words
    required = np.array([s.require_cue for s in sections])
    allowed = np.where(
        words > 0, (relative >= MEANING_FLOOR) | required[None, :], (relative >= MEANING_ALONE) & ~required[None, :]
    )
    return scores, allowed


def assign(
    candidates: Sequence[Candidate],
    vectors: np.ndarray,
    scores: np.ndarray,
    allowed: np.ndarray,
    sections: Sequence[SectionSpec],
) -> list[list[int]]:
    """Indices of the candidates each section quotes, in reading order; no sentence twice, no near-copies."""
    chosen: list[list[int]] = [[] for _ in sections]
    if not len(candidates):
        return chosen
    masked = np.where(allowed, scores, -np.inf)
    best = masked.argmax(axis=1)
    pool: list[list[int]] = [[] for _ in sections]
    for i, c in enumerate(candidates):
        if not c.dangling and not c.task and np.isfinite(masked[i, best[i]]):
            pool[int(best[i])].append(i)
    taken: list[int] = []
    for k, section in enumerate(sections):
        for i in sorted(pool[k], key=lambda i: -scores[i, k]):
            if len(chosen[k]) >= section.max_sentences:
                break
            if taken and float(np.max(vectors[taken] @ vectors[i])) >= NEAR_DUPLICATE:
                continue
            chosen[k].append(i)
            taken.append(i)
        chosen[k].sort(key=lambda i: candidates[i].order)
    return chosen
