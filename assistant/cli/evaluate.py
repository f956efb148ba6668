"""`prodops eval`: run a golden set and gate on its thresholds (the CLI edge may import evals/).

Two dataset formats: the sample golden set (``evals/datasets/sample.yaml``: a workspace folder and its cases)
and the real-data development set (``realdata-dev.yaml``: questions over a public corpus, assembled into a
workspace from ``--corpus``).
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from assistant.cli.common import console, friendly_errors
from assistant.config import Settings, get_settings
from assistant.errors import ConfigError
from assistant.runtime import Runtime


def _finite(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in values.items()}


@friendly_errors
def eval_command(
    dataset: Annotated[Path | None, typer.Option("--dataset", help="Golden set YAML (default: the sample).")] = None,
    corpus: Annotated[
        Path | None, typer.Option("--corpus", help="Real-data sets: the corpus folder (default: ../corpus beside "
                                  "the dataset's folder, else ../shared/corpus beside the repo).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"passed", "summary", ...} as JSON.')] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Also write an HTML (or .md) report here.")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Reuse this data dir (kept between runs, so re-runs skip the ingest).")
    ] = None,
) -> None:
    """Ingest the dataset's workspace, answer every case, score it; exit 1 when a threshold is missed."""
    from evals.dataset import load_dataset
    from evals.realdata.dataset import is_realdata
    from evals.runner import default_dataset

    path = dataset or default_dataset()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the dataset ({exc})") from exc
    with tempfile.TemporaryDirectory(prefix="prodops-eval-") as tmp:
        settings: Settings = get_settings().model_copy(update={"data_dir": data_dir or Path(tmp), "chroma_url": None})
        runtime = Runtime(settings)
        try:
            if is_realdata(raw):
                passed = _run_realdata(runtime, path, corpus, as_json, report)
            else:
                passed = _run_sample(runtime, load_dataset(path), path, as_json, report)
        finally:
            runtime.close()
    if not passed:
        raise typer.Exit(1)


def _run_sample(runtime: Runtime, golden: Any, path: Path, as_json: bool, report: Path | None) -> bool:
    from evals.report import render_report
    from evals.runner import run_eval
    from ingest.pipeline import ingest_paths

    ingest_paths(runtime, [golden.workspace_path(path)], show_progress=not as_json)
    result = run_eval(runtime, golden)
    if report is not None:
        report.write_text(render_report(result, "md" if report.suffix == ".md" else "html"), encoding="utf-8")
    if as_json:
        data = json.loads(result.model_dump_json())
        data["summary"] = _finite(result.summary)
        typer.echo(json.dumps(data))
    else:
        console.print(render_report(result, "md"), markup=False, highlight=False)
    return result.passed


def _run_realdata(runtime: Runtime, path: Path, corpus: Path | None, as_json: bool, report: Path | None) -> bool:
    from evals.realdata.checks import available_checks
    from evals.realdata.dataset import load_realdata
    from evals.realdata.report import render_realdata
    from evals.realdata.runner import default_corpus, run_realdata
    from evals.realdata.workspace import assemble
    from ingest.pipeline import ingest_paths

    golden = load_realdata(path)
    root = corpus or default_corpus(path)
    if not root.is_dir():
        raise ConfigError(f"corpus folder {root} not found: pass --corpus DIR (the folder the gold paths are under)")
    workspace = runtime.settings.data_dir / "workspace"
    files = assemble(golden, root, workspace)
    if not as_json:
        console.print(f"[bold]eval[/bold] {golden.name}: {len(golden.questions)} questions over {len(files)} corpus "
                      f"files from {root}")
    ingest = ingest_paths(runtime, [workspace], show_progress=not as_json)
    if ingest.failed and not as_json:
        console.print(f"[yellow]{len(ingest.failed)} corpus file(s) failed to ingest[/yellow]: "
                      + "; ".join(f"{f.path}: {f.error}" for f in ingest.failed[:5]))
    result = run_realdata(runtime, golden, checks=available_checks())
    result.checks["ingest"] = {"summary": {"ingest_failures": len(ingest.failed)},
                               "lines": [f"{f.path}: {f.error}" for f in ingest.failed]}
    if report is not None:
        report.write_text(render_realdata(result, "md" if report.suffix == ".md" else "html"), encoding="utf-8")
    if as_json:
        data = json.loads(result.model_dump_json())
        data["summary"] = _finite(result.summary)
        typer.echo(json.dumps(data, allow_nan=False, default=str))
    else:
        console.print(render_realdata(result, "md"), markup=False, highlight=False)
    return result.passed
