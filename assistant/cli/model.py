"""`prodops model serve|status|stop`: a local GGUF model on loopback, for prodops to use offline.

``serve`` starts llama.cpp's OpenAI-compatible server (the ``local`` extra) with the bundled SmolLM2 or any
GGUF file, waits until it answers, prints its PID, port and the environment that points prodops at it, and
stops it on Ctrl-C (``--detach`` leaves it running; ``stop`` ends it by its recorded PID).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from assistant.cli.common import console, friendly_errors
from assistant.errors import ConfigError

model_app = typer.Typer(help="Serve a local GGUF language model (llama.cpp) on loopback for prodops.",
                        no_args_is_help=True)


def _data_dir() -> Path:
    from assistant.config import get_settings

    return get_settings().data_dir


def _print_env(env: dict[str, str]) -> None:
    console.print("Point prodops at it (same shell, or your .env):")
    for key, value in env.items():
        console.print(f"  export {key}={value}", highlight=False, soft_wrap=True)


@model_app.command("serve")
@friendly_errors
def serve(
    gguf: Annotated[Path | None, typer.Option("--gguf", help="A GGUF model file (default: the bundled "
                                              "SmolLM2-135M-Instruct from the local extra).")] = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Loopback port (0: any free port).")] = 8080,
    ctx: Annotated[int, typer.Option("--ctx", min=256, help="Context window in tokens.")] = 4096,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="CPU threads (default: all).")] = None,
    detach: Annotated[bool, typer.Option("--detach", help="Leave it running; `prodops model stop` ends it.")] = False,
    repack: Annotated[bool, typer.Option("--repack", help="llama.cpp's repacked CPU weights (AMX); off by default "
                                         "because the AMX path crashes on some virtual CPUs.")] = False,
) -> None:
    """Start llama.cpp's OpenAI-compatible server on 127.0.0.1 and wait until it answers."""
    from assistant.localmodel import server

    data_dir = _data_dir()
    running = server.load_state(data_dir)
    if running is not None:
        raise ConfigError(f"a model server is already running (PID {running.pid}, port {running.port}); "
                          "`prodops model stop` first")
    path = gguf if gguf is not None else server.bundled_gguf()
    if port == 0 or not server.port_free(port):
        chosen = server.free_port()
        if port:
            console.print(f"[yellow]port {port} is in use; using {chosen}[/yellow]")
        port = chosen
    proc, info = server.start(path, port, ctx, data_dir / "model-server.log", threads, repack)
    console.print(f"loading {path.name} (PID {proc.pid}) ...")
    try:
        seconds = server.wait_ready(proc, info)
    except BaseException:
        server.stop(proc.pid)
        raise
    server.save_state(data_dir, info)
    console.print(f"[green]ready[/green] in {seconds:.1f} s: {info.alias} at {info.base_url} "
                  f"(PID {info.pid}, port {info.port}, context {ctx} tokens, log {info.log})", soft_wrap=True)
    _print_env(info.env())
    if detach:
        console.print("Running in the background; stop it with `prodops model stop`.")
        return
    def _terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:  # the prompt is printed inside the handler's reach: a Ctrl-C right after it still stops cleanly
        console.print("Press Ctrl-C to stop.")
        while proc.poll() is None:
            time.sleep(0.5)
        console.print(f"[red]the model server exited (code {proc.returncode}); see {info.log}[/red]")
        raise typer.Exit(1)
    except KeyboardInterrupt:
        console.print("stopping ...")
    finally:
        server.stop(proc.pid)
        server.state_path(data_dir).unlink(missing_ok=True)
    console.print(f"stopped (PID {info.pid})")


@model_app.command("status")
@friendly_errors
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The running model server (from the PID file in the data dir): PID, port, model, whether it answers."""
    import json

    from assistant.localmodel import server

    info = server.load_state(_data_dir())
    if info is None:
        if as_json:
            typer.echo(json.dumps({"running": False}))
        else:
            console.print("no model server is running (start one with `prodops model serve`)")
        return
    answering = server.ready(info)
    if as_json:
        typer.echo(json.dumps({"running": True, "answering": answering, **info.model_dump(), "env": info.env()}))
        return
    console.print(f"{info.alias} at {info.base_url}: PID {info.pid}, context {info.ctx} tokens, "
                  f"{'answering' if answering else '[red]not answering[/red]'}; log {info.log}", soft_wrap=True)
    _print_env(info.env())


@model_app.command("stop")
@friendly_errors
def stop() -> None:
    """Stop the model server started with `prodops model serve --detach` (by its recorded PID)."""
    from assistant.localmodel import server

    data_dir = _data_dir()
    info = server.load_state(data_dir)
    if info is None:
        console.print("no model server is running")
        return
    server.stop(info.pid)
    server.state_path(data_dir).unlink(missing_ok=True)
    console.print(f"stopped the model server (PID {info.pid}, port {info.port})")
