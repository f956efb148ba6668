"""The contradiction check on labelled sentence pairs written for it (evals/datasets/contradiction_pairs.yaml):
contradictions, and hard negatives that share words or subjects but do not disagree."""

from __future__ import annotations

import pytest

from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.strategy import contradiction_between
from evals.contradictions import load_pairs, score_pairs


def test_labelled_pairs_precision_and_recall(embedder: SentenceTransformerEmbedder) -> None:
    pairs = load_pairs()
    assert len(pairs) >= 40 and sum(p.contradiction for p in pairs) >= 15
    scores = score_pairs(pairs, embedder)
    assert scores.precision >= 0.8, scores.errors
    assert scores.recall >= 0.6, scores.errors
    heldout = score_pairs([p for p in pairs if p.split == "heldout"], embedder)
    assert heldout.pairs >= 30 and heldout.precision >= 0.8, heldout.errors


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("We will open the Leeds depot in March 2027.", "We will not open the Leeds depot in March 2027.", "negation"),
        ("Route planning time grew in Q2.", "Route planning time fell in Q2.", "direction"),
        ("We had 52 fleets on the Pro plan in May.", "In May, 61 fleets were on the Pro plan.", "figures"),
        ("The board agreed to launch in Spain in Q1 2027.", "The Spain launch is on hold until the audit ends.",
         "decision"),
        ("Route planning time grew in Q2.", "Route planning time fell in Q3.", None),  # different periods
        ("We had 52 fleets on the Pro plan in May.", "In May, 52 fleets were on the Pro plan.", None),  # agree
        ("Pro plan churn rose in May.", "Starter plan churn fell in May.", None),  # different subjects
        ("The activation target is 40% for Q4.", "Activation was 31% in Q4.", None),  # a target and an actual
    ],
)
def test_pairs_are_flagged_only_when_opposed(a: str, b: str, kind: str | None) -> None:
    found = contradiction_between(a, b)
    assert (found[0] if found else None) == kind, found
