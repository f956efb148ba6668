"""`prodops eval`: run a golden set and gate on its thresholds (the CLI edge may import evals/)."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import console, friendly_errors
from assistant.config import Settings, get_settings
from assistant.runtime import Runtime


@friendly_errors
def eval_command(
    dataset: Annotated[Path | None, typer.Option("--dataset", help="Golden set YAML (default: the sample).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {summary, passed, ...} as JSON.")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Also write an HTML (or .md) report here.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Reuse this data dir instead of a fresh temporary one.")] = None,
) -> None:
    """Ingest the dataset's workspace, answer every case, score it; exit 1 when a threshold is missed."""
    from evals.dataset import load_dataset
    from evals.report import render_report
    from evals.runner import default_dataset, run_eval
    from ingest.pipeline import ingest_paths

    path = dataset or default_dataset()
    golden = load_dataset(path)
    with tempfile.TemporaryDirectory(prefix="prodops-eval-") as tmp:
        settings: Settings = get_settings().model_copy(update={"data_dir": data_dir or Path(tmp), "chroma_url": None})
        runtime = Runtime(settings)
        ingest_paths(runtime, [golden.workspace_path(path)], show_progress=not as_json)
        result = run_eval(runtime, golden)
        runtime.close()
    if report is not None:
        report.write_text(render_report(result, "md" if report.suffix == ".md" else "html"), encoding="utf-8")
    if as_json:
        data = json.loads(result.model_dump_json())
        data["summary"] = {k: (None if math.isnan(v) else v) for k, v in result.summary.items()}
        typer.echo(json.dumps(data))
    else:
        console.print(render_report(result, "md"), markup=False, highlight=False)
    if not result.passed:
        raise typer.Exit(1)
