"""The eval gate on the sample golden set: it passes with the offline synthesizer, and it fails for a model
that invents facts behind real citations and for one that cites chunks it was never given."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from assistant.chat import ChatService
from assistant.runtime import Runtime
from assistant.synthesis.llm import LLMSynthesizer
from evals.dataset import load_dataset
from evals.report import render_report
from evals.runner import EvalReport, default_dataset, run_eval
from tests.fakes import InventingFake, MisCitingFake


@pytest.fixture(scope="module")
def dataset():  # type: ignore[no-untyped-def]
    return load_dataset(default_dataset())


@pytest.fixture(scope="module")
def offline(sample_runtime: Runtime, dataset) -> EvalReport:  # type: ignore[no-untyped-def]
    return run_eval(sample_runtime, dataset)


def test_dataset_shape(dataset) -> None:  # type: ignore[no-untyped-def]
    assert len(dataset.questions) >= 30
    assert sum(not q.answerable for q in dataset.questions) >= 5
    assert {q.category for q in dataset.questions} >= {"alignment", "metrics", "research", "themes"}
    assert dataset.drafts and dataset.themes


def test_offline_synthesizer_passes_the_gate(offline: EvalReport) -> None:
    assert offline.passed, offline.failures
    assert offline.summary["citation_validity"] == 1.0
    assert all(not math.isnan(offline.summary[name]) for name in ("recall_at_5", "faithfulness"))


@pytest.mark.parametrize(
    ("fake", "broken_metric"),
    [(InventingFake, "faithfulness"), (MisCitingFake, "citation_validity")],
)
def test_negative_controls_fail_the_gate(sample_runtime: Runtime, dataset, fake, broken_metric: str) -> None:  # type: ignore[no-untyped-def]
    chat = ChatService(sample_runtime, synthesizer=LLMSynthesizer(fake()))
    report = run_eval(sample_runtime, dataset, chat=chat)
    assert not report.passed
    assert any(f.startswith(broken_metric) for f in report.failures), report.failures


def test_reports_render(offline: EvalReport) -> None:
    markdown = render_report(offline, "md")
    assert markdown.startswith(f"# Eval: {offline.dataset}") and "| recall_at_5 |" in markdown
    html = render_report(offline, "html")
    assert "<table>" in html and offline.questions[0].question.split()[0] in html
    assert json.loads(render_report(offline, "json"))["passed"] == offline.passed


def test_cli_json_and_exit_code(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.cli.app import app
    from assistant.config import get_settings

    monkeypatch.setenv("PRODOPS_DATA_DIR", str(tmp_path / "unused"))
    get_settings.cache_clear()
    strict = tmp_path / "strict.yaml"
    data = load_dataset(default_dataset()).model_dump(by_alias=True)
    data["workspace"] = str(default_dataset().parent.joinpath(data["workspace"]).resolve())
    data["questions"] = data["questions"][:3]
    data["drafts"], data["themes"] = [], []
    data["thresholds"] = {"abstention_accuracy": 1.01}  # impossible: the gate must fail
    strict.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["eval", "--dataset", str(strict), "--json", "--report", str(tmp_path / "r.html")])
    get_settings.cache_clear()
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["passed"] is False and set(body["summary"]) >= {"faithfulness", "recall_at_5"}
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")
