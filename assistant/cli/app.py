"""The `prodops` command. Each command is a thin shell: parse options, call a feature function, print.

User mistakes (a bad path, an unreachable store) print one clear line and exit non-zero; they never show a
traceback. A job that ran with some failed files exits 0 and lists them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.answers import (
    KindOpt,
    SinceOpt,
    TeamOpt,
    UntilOpt,
    answer_json,
    filters_from,
    print_answer,
)
from assistant.cli.checkins import checkin_app
from assistant.cli.common import console, friendly_errors
from assistant.cli.drafts import align as align_command
from assistant.cli.drafts import draft_app
from assistant.cli.drafts import themes as themes_command
from assistant.cli.evaluate import eval_command
from assistant.cli.grounding import grounding_app
from assistant.cli.workflows import contacts_app
from assistant.cli.workflows import metrics as metrics_command
from assistant.runtime import Runtime, default_runtime

app = typer.Typer(help="prodops: product operations over your strategy docs, interviews and metrics.",
                  no_args_is_help=True, add_completion=False)
def _runtime() -> Runtime:
    return default_runtime()


@app.command()
@friendly_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Workspace folders (scanned, removed files pruned) or files.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the job report as one JSON object.")] = False,
) -> None:
    """Ingest a workspace incrementally: unchanged files cost nothing, removed files are deleted."""
    from ingest.pipeline import ingest_paths

    runtime = _runtime()
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
def sources(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List ingested sources with their kind, team, date and chunk count."""
    records = [r for r in _runtime().store.sources() if r.complete]
    if as_json:
        rows = [{"path": r.path, "kind": r.kind.value, "chunks": r.chunks, "team": r.team, "date": r.date}
                for r in records]
        typer.echo(json.dumps(rows))
        return
    table = Table("path", "kind", "team", "date", "chunks", "visibility", title=f"{len(records)} sources")
    for r in records:
        table.add_row(r.path, r.kind.value, r.team or "", r.date or "", str(r.chunks), ",".join(r.visibility))
    console.print(table)


@app.command()
@friendly_errors
def reindex() -> None:
    """Rebuild the local lexical and metric indexes from Chroma (e.g. on a new API replica)."""
    from assistant.store.sync import rebuild_derived

    chunks, rows = rebuild_derived(_runtime())
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
    """Answer one question with numbered citations (or say the sources don't cover it)."""
    from assistant.chat import ChatService

    answer = ChatService(_runtime()).ask(question, filters_from(kind, team, since, until))
    if as_json:
        typer.echo(json.dumps(answer_json(answer)))
    else:
        print_answer(answer)


@app.command()
@friendly_errors
def search(
    query: Annotated[str, typer.Argument()],
    k: Annotated[int, typer.Option("--k", min=1, max=100)] = 8,
    kind: KindOpt = None,
    team: TeamOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Raw hybrid search hits (dense + BM25, fused) with scores."""
    from assistant.retrieval.hybrid import HybridRetriever

    hits = HybridRetriever(_runtime()).search(query, k=k, filters=filters_from(kind, team))
    if as_json:
        rows = [{"chunk_id": h.chunk.id, "source": h.chunk.meta.source, "score": h.score, "text": h.chunk.text}
                for h in hits]
        typer.echo(json.dumps(rows))
        return
    for rank, h in enumerate(hits, start=1):
        console.print(f"[cyan]{rank:>2}[/cyan] {h.score:.4f} [bold]{h.chunk.meta.source}[/bold] "
                      f"({h.chunk.meta.kind.value}) {' '.join(h.chunk.text.split())[:140]}")


@app.command()
@friendly_errors
def chat(kind: KindOpt = None, team: TeamOpt = None) -> None:
    """Interactive chat with history: follow-ups like "and for the Growth team?" work. Ctrl-D to quit."""
    from assistant.chat import ChatService
    from assistant.store.conversations import Message

    service = ChatService(_runtime())
    history: list[Message] = []
    console.print("[dim]Ask a question (empty line or Ctrl-D to quit).[/dim]")
    while True:
        try:
            question = console.input("[bold green]you>[/bold green] ").strip()
        except EOFError:
            break
        if not question:
            break
        answer = service.ask(question, filters_from(kind, team), history=history)
        print_answer(answer)
        history += [Message(role="user", content=answer.query or question),
                    Message(role="assistant", content=answer.answer)]


@app.command()
@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Run the HTTP API and web page (uvicorn)."""
    import uvicorn

    from assistant.api.app import create_app
    from assistant.config import get_settings
    from assistant.errors import ConfigError

    if not get_settings().api_keys and host not in {"127.0.0.1", "localhost", "::1"}:
        raise ConfigError(f"refusing to serve on {host} without PRODOPS_API_KEYS: open mode is loopback only")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


app.add_typer(draft_app, name="draft")
app.command("themes")(friendly_errors(themes_command))
app.command("align")(friendly_errors(align_command))
app.command("eval")(eval_command)
app.command()(metrics_command)
app.add_typer(contacts_app, name="contacts")
app.add_typer(grounding_app, name="grounding")
app.add_typer(checkin_app, name="checkin")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
