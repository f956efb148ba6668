"""The `prodops` command. Each command is a thin shell: parse options, call a feature function, print.

User mistakes (a bad path, an unreachable store) print one clear line and exit non-zero; they never show a
traceback. A job that ran with some failed files exits 0 and lists them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.answers import answer_json, print_answer, print_notice
from assistant.cli.checkins import checkin_app
from assistant.cli.common import JsonOpt, WideOpt, console, err_console, friendly_errors
from assistant.cli.drafts import align as align_command
from assistant.cli.drafts import draft_app
from assistant.cli.drafts import themes as themes_command
from assistant.cli.evaluate import eval_command
from assistant.cli.feedback import feedback_app
from assistant.cli.grounding import grounding_app
from assistant.cli.model import model_app
from assistant.cli.options import KindOpt, SinceOpt, TeamOpt, UntilOpt, build_filters, check_port
from assistant.cli.streaming import final_answer, notices_only, show_stream
from assistant.cli.tables import print_table
from assistant.cli.workflows import contacts_app
from assistant.cli.workflows import metrics as metrics_command
from assistant.runtime import Runtime, default_runtime

app = typer.Typer(help="prodops: product operations over your strategy docs, interviews and metrics.",
                  no_args_is_help=True, add_completion=False)

# Third-party progress bars and chatter (transformers' "Loading weights", tokenizers' fork warning) are not
# prodops' output: only prodops' own progress reaches stderr, and never with --json.
QUIET_ENV = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error",
             "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1", "TOKENIZERS_PARALLELISM": "false",
             "ANONYMIZED_TELEMETRY": "False"}


def _runtime() -> Runtime:
    return default_runtime()


def _store_runtime() -> Runtime:
    """A runtime whose store is already open: an unreachable Chroma server is an error here, before any work,
    rather than an empty search that reads as "the sources don't cover this"."""
    runtime = default_runtime()
    runtime.store.count()
    return runtime


@app.command()
@friendly_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Workspace folders (scanned, removed files pruned) or files.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the job report as one JSON object.")] = False,
) -> None:
    """Ingest a workspace incrementally: unchanged files cost nothing, removed files are deleted."""
    from assistant.errors import ProdopsError
    from ingest.pipeline import ingest_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ProdopsError(f"no such file or folder: {', '.join(missing)}; give a workspace folder or files")
    runtime = _store_runtime()
    report = ingest_paths(runtime, paths, show_progress=not as_json)
    if as_json:
        fields = {"added", "updated", "unchanged", "deleted", "deleted_paths", "chunks", "failed"}
        typer.echo(report.model_dump_json(include=fields))
        return
    console.print(
        f"[bold]added[/bold] {report.added}  [bold]updated[/bold] {report.updated}  "
        f"[bold]unchanged[/bold] {report.unchanged}  [bold]deleted[/bold] {report.deleted}  "
        f"[bold]embedded[/bold] {report.embedded} chunks  [bold]store[/bold] {report.chunks} chunks"
    )
    for path in report.deleted_paths:
        console.print(f"[red]deleted[/red] {path}")
    for failed in report.failed:
        console.print(f"[yellow]skipped[/yellow] {failed.path}: {failed.error}")


@app.command()
@friendly_errors
def sources(as_json: JsonOpt = False, wide: WideOpt = False) -> None:
    """List ingested sources: path, kind, team, date, chunks, visibility (and title with --json)."""
    records = [r for r in _store_runtime().store.sources() if r.complete]
    if as_json:
        rows = [{"path": r.path, "title": r.title, "kind": r.kind.value, "team": r.team, "date": r.date,
                 "chunks": r.chunks, "visibility": r.visibility} for r in records]
        typer.echo(json.dumps(rows))
        return
    print_table(["path", "kind", "team", "date", "chunks", "visibility"],
                [[r.path, r.kind.value, r.team or "", r.date or "", str(r.chunks), ",".join(r.visibility)]
                 for r in records], copy=["path"], title=f"{len(records)} sources", wide=wide)


@app.command()
@friendly_errors
def reindex(as_json: JsonOpt = False) -> None:
    """Rebuild the local lexical and metric indexes from Chroma (e.g. on a new API replica)."""
    from assistant.store.sync import rebuild_derived

    chunks, rows = rebuild_derived(_store_runtime())
    if as_json:
        typer.echo(json.dumps({"chunks": chunks, "metric_rows": rows}))
        return
    console.print(f"lexical index: {chunks} chunks; metric rows: {rows}")


@app.command()
@friendly_errors
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain words.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer object as JSON.")] = False,
    kind: KindOpt = None,
    team: TeamOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Answer one question with numbered citations (or say the sources don't cover it); streamed as written."""
    from assistant.chat import ChatService

    notices_only()
    runtime = _store_runtime()
    filters = build_filters(runtime, kind, team, since, until)
    items = ChatService(runtime).stream(question, filters)
    answer = final_answer(items) if as_json else show_stream(items, console)
    print_notice(answer, err_console)
    if as_json:
        typer.echo(json.dumps(answer_json(answer)))
    else:
        print_answer(answer)


@app.command()
@friendly_errors
def search(
    query: Annotated[str, typer.Argument()],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many hits.")] = 8,
    kind: KindOpt = None,
    team: TeamOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Raw hybrid search hits (dense + BM25, fused) with scores."""
    from assistant.retrieval.hybrid import HybridRetriever

    runtime = _store_runtime()
    hits = HybridRetriever(runtime).search(query, k=k, filters=build_filters(runtime, kind, team, since, until))
    if as_json:
        rows = [{"chunk_id": h.chunk.id, "source": h.chunk.meta.source, "score": h.score, "text": h.chunk.text}
                for h in hits]
        typer.echo(json.dumps(rows))
        return
    for rank, h in enumerate(hits, start=1):
        console.print(f"[cyan]{rank:>2}[/cyan] {h.score:.4f} [bold]{h.chunk.meta.source}[/bold] "
                      f"({h.chunk.meta.kind.value}) {' '.join(h.chunk.text.split())[:140]}", soft_wrap=True)


@app.command()
@friendly_errors
def chat(kind: KindOpt = None, team: TeamOpt = None, since: SinceOpt = None, until: UntilOpt = None) -> None:
    """Interactive chat with history: follow-ups like "and for the Growth team?" work. Ctrl-D to quit."""
    from assistant.chat import ChatService
    from assistant.store.conversations import Message

    notices_only()
    runtime = _store_runtime()
    filters = build_filters(runtime, kind, team, since, until)
    service = ChatService(runtime)
    history: list[Message] = []
    console.print("[dim]Ask a question (empty line or Ctrl-D to quit).[/dim]")
    while True:
        try:
            question = console.input("[bold green]you>[/bold green] ").strip()
        except EOFError:
            break
        if not question:
            break
        answer = show_stream(service.stream(question, filters, history=history), console)
        print_notice(answer, err_console)
        print_answer(answer)
        history += [Message(role="user", content=answer.query or question),
                    Message(role="assistant", content=answer.answer)]


@app.command()
@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port, 1-65535.")] = 8000,
    workers: Annotated[int | None, typer.Option(
        help="Server processes on the port (0: one per core; default PRODOPS_SERVE_WORKERS, 1).", min=0)] = None,
) -> None:
    """Run the HTTP API and web page (uvicorn)."""
    import uvicorn

    from assistant.config import get_settings
    from assistant.errors import ConfigError

    settings = get_settings()
    if not settings.api_keys and host not in {"127.0.0.1", "localhost", "::1"}:
        raise ConfigError(f"refusing to serve on {host} without PRODOPS_API_KEYS: open mode is loopback only")
    check_port(host, port)
    count = settings.serve_workers if workers is None else workers
    count = count or (os.cpu_count() or 1)
    if count == 1:
        from assistant.api.app import serving_app

        uvicorn.run(serving_app(), host=host, port=port, log_level="info")
        return
    os.environ["PRODOPS_SERVE_WORKERS"] = str(count)  # read by each worker's serving_app (its threads)
    uvicorn.run("assistant.api.app:serving_app", factory=True, workers=count, host=host, port=port,
                log_level="info")


app.add_typer(draft_app, name="draft")
app.command("themes")(friendly_errors(themes_command))
app.command("align")(friendly_errors(align_command))
app.command("eval")(eval_command)
app.command()(metrics_command)
app.add_typer(contacts_app, name="contacts")
app.add_typer(grounding_app, name="grounding")
app.add_typer(checkin_app, name="checkin")
app.add_typer(model_app, name="model")
app.add_typer(feedback_app, name="feedback")


def main() -> None:
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    app()


if __name__ == "__main__":
    main()
