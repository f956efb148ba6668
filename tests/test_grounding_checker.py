"""The calibrated grounding checker, citation checks, verbatim quotes, and `prodops grounding score`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli.grounding import grounding_app
from assistant.embeddings.minilm import SentenceTransformerEmbedder
from assistant.grounding.checker import CachedEncoder, load_model, support
from assistant.grounding.citations import CitedSentence, citation_precision, citation_recall, is_verbatim_quote

METRICS = "Weekly active teams grew from 1,840 in June to 2,310 in November, while activation stayed near 31%."
SSO = "Enterprise buyers need SSO and audit logs before they sign. The mobile app is not available offline."
UNRELATED = "The office lease in Lisbon runs until 2027 and includes two meeting rooms."


@pytest.mark.parametrize(
    ("sentence", "evidence", "supported"),
    [
        ("Weekly active teams grew from 1,840 to 2,310.", METRICS, True),
        ("Enterprise customers require SSO and audit logs before signing.", SSO, True),  # paraphrase
        ("Weekly active teams grew from 1,840 to 2,900.", METRICS, False),  # invented number
        ("The mobile app is available offline.", SSO, False),  # negation flip
        ("Churn doubled among enterprise accounts in Europe.", METRICS, False),  # unrelated
        ("", METRICS, False),
    ],
)
def test_lexical_tier_verdicts(sentence: str, evidence: str, supported: bool) -> None:
    result = support(sentence, [evidence])
    assert result.supported is supported
    assert 0.0 <= result.score <= 1.0


def test_invented_number_is_reported_and_unrelated_scores_low() -> None:
    invented = support("Weekly active teams grew from 1,840 to 2,900.", [METRICS])
    assert invented.missing_numbers == ["2900"] and not invented.supported
    assert support("Churn doubled among enterprise accounts in Europe.", [METRICS]).score < 0.2
    assert support("anything at all", []).score == 0.0


def test_a_remembered_verdict_cannot_be_changed_by_a_caller() -> None:
    """Lexical verdicts are remembered per texts; each caller gets its own copy to change."""
    claim = "Weekly active teams grew from 1,840 to 2,900."
    first = support(claim, [METRICS])
    first.missing_numbers.append("7")
    first.supported, first.score = True, 1.0
    again = support(claim, [METRICS])
    assert again.missing_numbers == ["2900"] and not again.supported and again.score < 1.0
    assert support(claim, [METRICS], threshold=0.0).supported is False  # the number rule holds at any threshold


def test_deep_tier_agrees_on_the_same_cases(embedder: SentenceTransformerEmbedder) -> None:
    encode = CachedEncoder(embedder)
    paraphrase = support("Enterprise customers require SSO and audit logs before signing.", [SSO], deep=True,
                         encode=encode)
    unrelated = support("Churn doubled among enterprise accounts in Europe.", [METRICS], deep=True, encode=encode)
    flipped = support("The mobile app is available offline.", [SSO], deep=True, encode=encode)
    assert paraphrase.supported and not unrelated.supported and not flipped.supported
    assert unrelated.score < paraphrase.score


def test_model_file_holds_two_calibrated_tiers() -> None:
    tiers = load_model()
    assert set(tiers) == {"lexical", "deep"}
    for tier in tiers.values():
        assert 0.0 < tier.threshold < 1.0 and len(tier.coef) == len(tier.features) == len(tier.mean)


SUPPORTED_METRIC = "Weekly active teams grew from 1,840 to 2,310."
SUPPORTED_SSO = "Enterprise buyers need SSO and audit logs before they sign."
JOINED = "Enterprise buyers need SSO and audit logs, and weekly active teams grew from 1,840 to 2,310."


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        # the metrics chunk supports it, the lease chunk is padding: 1 of 2; the SSO sentence's one citation: 1 of 1
        ([CitedSentence(SUPPORTED_METRIC, (METRICS, UNRELATED)), CitedSentence(SUPPORTED_SSO, (SSO,))], 2 / 3),
        ([CitedSentence(JOINED, (SSO, METRICS))], 1.0),  # neither alone, both needed together
        ([CitedSentence(SUPPORTED_SSO, (UNRELATED,))], 0.0),
        ([CitedSentence(SUPPORTED_SSO)], math.nan),  # nothing cited: nothing to score
        ([], math.nan),
    ],
)
def test_citation_precision(sentences: list[CitedSentence], expected: float) -> None:
    assert citation_precision(sentences) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        ([CitedSentence(SUPPORTED_METRIC, (METRICS,)), CitedSentence(SUPPORTED_SSO)], 0.5),
        ([CitedSentence(SUPPORTED_METRIC, (METRICS,)), CitedSentence("Churn doubled in Europe.")], 1.0),
        ([CitedSentence("Churn doubled in Europe.", (METRICS,))], math.nan),  # nothing supported
    ],
)
def test_citation_recall(sentences: list[CitedSentence], expected: float) -> None:
    assert citation_recall(sentences, [METRICS, SSO]) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    ("quote", "source", "verbatim"),
    [
        ("the export times out", "Honestly, the export times out every Monday.", True),
        ("“the export   times out”", "Honestly, the export\ntimes out every Monday.", True),
        ("We don’t trust it", "We don't trust it yet.", True),
        ("the export always times out", "Honestly, the export times out every Monday.", False),
        ("The export times out", "Honestly, the export times out every Monday.", False),  # case matters
        ('""', "anything", False),
    ],
)
def test_is_verbatim_quote(quote: str, source: str, verbatim: bool) -> None:
    assert is_verbatim_quote(quote, source) is verbatim


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(grounding_app, name="grounding")
    return app


def test_score_command_prints_one_json_line_per_input(cli: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [{"id": "a", "sentence": SUPPORTED_METRIC, "evidence": METRICS},
             {"id": 7, "sentence": "Weekly active teams grew to 2,900.", "evidence": METRICS}]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    result = CliRunner().invoke(cli, ["grounding", "score", str(path)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 7]
    assert all(set(o) == {"id", "score", "supported"} and 0.0 <= o["score"] <= 1.0 for o in out)
    assert [o["supported"] for o in out] == [True, False]


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ('{"id": 1, "sentence": "x"}', "line 2: missing evidence"),
        ('{"id": 1, "sentence": "x", "evidence": ["a list"]}', 'line 2: "evidence" must be a string'),
        ("[1, 2]", "line 2: expected an object"),
    ],
)
def test_score_command_bad_line_names_it(cli: typer.Typer, tmp_path: Path, second_line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "a", "sentence": "s", "evidence": "e"}) + "\n" + second_line + "\n")
    result = CliRunner().invoke(cli, ["grounding", "score", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""  # nothing scored before the input is known to be good


def test_score_command_missing_file(cli: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["grounding", "score", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "cannot read" in result.stderr
