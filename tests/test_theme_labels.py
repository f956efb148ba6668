"""Theme label and quote rules on sentences written for the test: labels are phrases people said, never stop
words or contraction fragments; a model's label must be found in the quotes; "against" needs opposition. The
keywords' term counts are the vectorizer's own, counted in under twice the memory of the turns' vectors."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from assistant.themes.labels import (
    candidates,
    is_fragment,
    model_label_ok,
    pick_label,
    spell_out,
    top_words,
    vectorizer,
)
from assistant.themes.quotes import opposes
from assistant.themes.terms import count_terms

TURNS = [
    "Honestly the roadmap isn't a plan, it's a prototype we don't commit to.",
    "We share the roadmap with customers, but it isn't a promise and we don't put dates on it.",
    "Our roadmap review happens monthly; the roadmap isn't frozen and we don't pretend it is.",
    "I think the roadmap review is where product strategy meets the calendar, and that's fine.",
]


@pytest.mark.parametrize(("label", "fragment"), [
    ("isn", True), ("don care", True), ("isn · ryan · office", True), ("the", True), ("really", True),
    ("roadmap review", False), ("product strategy", False), ("AI", False),
])
def test_fragments_and_stop_words_are_not_labels(label: str, fragment: bool) -> None:
    assert is_fragment(label) is fragment


def test_contractions_are_spelled_out_before_tokenising() -> None:
    assert spell_out("It isn't done, we don't know, they're late, I'm sure") == (
        "It is not done, we do not know, they are late, I am sure")
    assert spell_out("We won't and can't") == "We will not and can not"


def test_candidates_are_said_phrases_without_fragments() -> None:
    found = candidates(TURNS)
    assert "roadmap review" in found and "roadmap" in found
    assert not any(w in {"isn", "don", "t", "s"} for phrase in found for w in phrase.split())


def test_the_label_is_the_candidate_nearest_the_centre_and_said_in_the_quotes() -> None:
    vectors = {"roadmap review": [1.0, 0.0], "roadmap": [0.8, 0.6], "product strategy": [0.0, 1.0]}

    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray([vectors.get(t, [0.5, 0.5]) for t in texts])

    label = pick_label(["roadmap review", "roadmap", "product strategy"], ["roadmap", "review", "strategy"],
                       np.array([1.0, 0.1]), embed, TURNS[2:])
    assert label == "roadmap review · product strategy"
    assert pick_label(["roadmap review"], ["roadmap"], np.array([1.0, 0.0]), embed, ["Nothing in common."]) == ""


def test_a_model_label_must_be_found_in_the_quotes() -> None:
    assert model_label_ok("Roadmaps are not promises", TURNS)
    assert not model_label_ok("Customers demand fixed delivery dates", TURNS)
    assert not model_label_ok("isn", TURNS)


SAID = [*TURNS,
        "Priya said Acme's rollout wasn't ready, so we'll revisit the roadmap in March.",
        "They've asked for SSO twice; it's what Priya's team can't ship yet, and Acme won't wait.",
        "I'm sure the SSO rollout isn't the roadmap's problem. SSO, SSO, SSO!"]


@pytest.mark.parametrize("min_df", [1, 2])
def test_bounded_counts_are_the_vectorizers_counts(min_df: int) -> None:
    names = ["Priya Raman", "Acme"]
    fitted = vectorizer((1, 1), names, min_df=min_df)
    expected = fitted.fit_transform(SAID).toarray()
    found = count_terms(SAID, vectorizer((1, 1), names).build_analyzer(), min_df=min_df)
    assert found.words == list(fitted.get_feature_names_out())
    assert np.array_equal(found.counts.toarray(), expected)
    assert found.counts.indices.dtype == np.int32 and found.counts.has_sorted_indices
    assert "sso" in found.words and not {"priya", "acme", "isn", "wasn", "ll", "ve"} & set(found.words)
    assert count_terms(["the and of", "is not"], vectorizer((1, 1)).build_analyzer()).counts.shape == (2, 0)


def test_keywords_peak_under_twice_the_vectors() -> None:
    rng = np.random.default_rng(0)
    turns, vocabulary = 4000, 30000
    weights = 1.0 / np.arange(1, vocabulary + 1)
    texts = [" ".join(f"w{int(i)}" for i in rng.choice(vocabulary, size=int(n), p=weights / weights.sum()))
             for n in rng.integers(40, 200, size=turns)]
    clusters = [list(range(k, turns, 60)) for k in range(60)]
    tracemalloc.start()
    try:
        words = top_words(texts, clusters)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(len(w) == 10 for w in words)
    assert peak <= 2 * turns * 384 * 4  # the turns' stored float32 MiniLM vectors


@pytest.mark.parametrize(("claim", "sentence", "opposed"), [
    ("Per-seat pricing is too expensive for our seasonal crews.",
     "A fixed number of seats at a fixed price is easy for me to defend in a budget meeting.", True),
    ("Weekly releases make our customers trust the product more.",
     "Weekly releases do not make customers trust the product; they make them nervous.", True),
    ("The data warehouse is where our product analytics should live.",
     "One huge trend is the rise of the data warehouse for product analytics.", False),
    ("Weekly releases make our customers trust the product more.",
     "We hired two designers last spring and moved offices.", False),
])
def test_against_means_opposed_not_merely_unhappy(claim: str, sentence: str, opposed: bool) -> None:
    assert opposes(claim, sentence) is opposed
