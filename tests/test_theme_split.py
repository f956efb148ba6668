"""A small subject filed with unrelated turns is split out on its own word; one subject in varied words is not."""

from __future__ import annotations

import numpy as np

from assistant.themes.clustering import split_by_keyword

DIM = 24
NAMES = ["ana", "bo", "cy", "di", "ed", "flo"]
PLACES = ["oslo", "lima", "rome", "kyiv", "doha", "perth"]


def _near(rng: np.random.Generator, centre: np.ndarray, spread: float) -> np.ndarray:
    vector = centre + spread * rng.normal(size=DIM)
    return vector / np.linalg.norm(vector)


def _world(subject_said_everywhere: bool) -> tuple[list[list[int]], np.ndarray, list[str], list[str]]:
    """Cluster 0: six turns on warehouses (from three interviews) and six on unrelated things, or, when
    ``subject_said_everywhere``, twelve turns on warehouses of which six name them. Clusters 1-3: other subjects."""
    rng = np.random.default_rng(7)
    axes = np.eye(DIM)
    texts, vectors, interviews = [], [], []
    for i in range(6):
        texts.append(f"our data warehouse sync breaks every night, {NAMES[i]} said")
        vectors.append(_near(rng, axes[0], 0.15))
        interviews.append(f"call-{i % 3}")
    for i in range(6):
        if subject_said_everywhere:
            texts.append(f"the analytics store load fails each evening for {PLACES[i]}")
            vectors.append(_near(rng, axes[0], 0.15))
        else:
            texts.append(f"unrelated remark about {PLACES[i]} and {['hiring', 'travel', 'lunch'][i % 3]}")
            vectors.append(_near(rng, axes[1 + i], 0.15))
        interviews.append(f"call-{i % 3}")
    clusters = [list(range(12))]
    for c, word in enumerate(["invoices", "mobile", "permissions"], start=1):
        start = len(texts)
        for i in range(6):
            texts.append(f"{word} trouble again today at {PLACES[i]}")
            vectors.append(_near(rng, axes[10 + c], 0.15))
            interviews.append(f"call-{i % 3}")
        clusters.append(list(range(start, start + 6)))
    return clusters, np.asarray(vectors, dtype=np.float32), texts, interviews


def test_a_subject_beside_unrelated_turns_is_split_out() -> None:
    clusters, vectors, texts, interviews = _world(subject_said_everywhere=False)
    split = split_by_keyword(clusters, vectors, texts, interviews)
    assert sorted(map(sorted, split)) == sorted([list(range(6)), list(range(6, 12)), *clusters[1:]])


def test_one_subject_in_varied_words_stays_whole() -> None:
    clusters, vectors, texts, interviews = _world(subject_said_everywhere=True)
    assert split_by_keyword(clusters, vectors, texts, interviews) == clusters
