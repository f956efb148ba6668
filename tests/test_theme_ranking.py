"""Theme ranking: a subject few people raise in alike turns outranks talk everyone does loosely."""

from __future__ import annotations

import numpy as np

from assistant.themes.ranking import Background, cohesion_beyond_chance, ownership, specificity


def _corpus(seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    generic = [f"we learn things at work every day, turn {i}" for i in range(40)]
    topical = [f"our roadmap changes every quarter and the roadmap is not a plan, turn {i}" for i in range(8)]
    vectors = rng.normal(size=(48, 16)).astype(np.float32)
    vectors[40:] = rng.normal(size=16) * 3 + rng.normal(size=(8, 16)) * 0.3  # the roadmap turns are alike
    return generic + topical, vectors


def test_a_word_said_everywhere_is_owned_by_no_theme() -> None:
    texts, vectors = _corpus()
    background = Background.of(texts, vectors)
    loose = ownership(texts[:10], ["learn", "work"], background)
    owned = ownership(texts[40:], ["roadmap", "quarter"], background)
    assert owned == 1.0 and loose < 0.6


def test_alike_turns_beat_a_random_group_of_the_same_size() -> None:
    texts, vectors = _corpus()
    background = Background.of(texts, vectors)
    assert cohesion_beyond_chance(vectors[40:], background) > 0.5
    assert cohesion_beyond_chance(vectors[:8], background) < 0.2


def test_specificity_orders_the_roadmap_theme_first() -> None:
    texts, vectors = _corpus()
    background = Background.of(texts, vectors)
    roadmap = specificity(texts[40:], vectors[40:], ["roadmap"], background)
    generic = specificity(texts[:20], vectors[:20], ["learn"], background)
    assert roadmap > 5 * max(generic, 1e-6)
