"""Theme label and quote rules on sentences written for the test: labels are phrases people said, never stop
words or contraction fragments; a model's label must be found in the quotes; "against" needs opposition."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.themes.labels import candidates, is_fragment, model_label_ok, pick_label, spell_out
from assistant.themes.quotes import opposes

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
