"""Load: 16 concurrent clients against /v1/chat and /v1/search on loopback, for a bounded time.

The sample workspace is ingested into a temp dir, the API (with team API keys, as deployed) is served by uvicorn
in a thread (or, with ``--workers N``, by ``prodops serve --workers N`` in its own processes), and each client
alternates chat and search with questions from the sample golden set (``evals/datasets/sample.yaml``), using the
team key a question names or else a rotating one. The clients run in their own process (``load_clients.py``:
keep-alive connections on one asyncio loop), as deployed clients run elsewhere; ``--clients-in-process`` runs
them as threads with httpx in the server's process instead, the harness of earlier runs, which competes with the
server for its interpreter lock. After a warm-up at full load (steady state: per-process caches filled; its
errors are reported, since cold caches are where concurrency bugs show), a
single-client run of the same mix is measured as the baseline, then the loaded run. Prints requests,
throughput, p50/p95 per endpoint, errors (goal 0), the p95 ratio of the loaded run to the baseline, the served
rate as a share of the embedding limit, and the CPU a request costs (server processes and clients) with the
rate the cores allow at that cost. Stops by itself.

    python benchmarks/load.py [--seconds 20] [--clients 16] [--baseline-seconds 8] [--warmup-seconds 10]
                              [--threads N] [--no-batching] [--no-trace] [--workers N] [--backend B]
                              [--keepalive-requests N] [--unique] [--slots N] [--clients-in-process]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import yaml
from load_floor import floor_app

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.api.serving import serve_in_thread
from assistant.config import ApiKey, Settings
from assistant.embeddings.minilm import get_embedder
from assistant.embeddings.threads import set_inference_threads
from assistant.runtime import Runtime, _embedder_for
from ingest.pipeline import ingest_paths

REPO = Path(__file__).resolve().parents[1]
TEAMS = ("growth", "enterprise", "leadership", "platform")
KEYS = {team: f"load-{team}-key" for team in TEAMS}
ENDPOINTS = ("/v1/chat", "/v1/search")


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {e: [] for e in ENDPOINTS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENDPOINTS, 0))
    samples: list[str] = field(default_factory=list)  # the first few error descriptions
    seconds: float = 0.0
    client_cpu: float = 0.0  # CPU seconds the clients used (0 when they ran in the server's process)
    server_cpu: float = 0.0  # CPU seconds the serving processes used during the run
    reconnects: int = 0  # new connections the clients opened because a reply said Connection: close
    cpu_by_process: list[float] = field(default_factory=list)  # each serving process's share, largest first
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies[endpoint].append(ms)
            if error is not None:
                self.errors[endpoint] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{endpoint}: {error}")


def golden_questions() -> list[tuple[str, str | None]]:
    data = yaml.safe_load((REPO / "evals" / "datasets" / "sample.yaml").read_text(encoding="utf-8"))
    return [(q["question"], q.get("team")) for q in data["questions"]]


def request(endpoint: str, question: str) -> dict[str, Any]:
    if endpoint == "/v1/chat":
        return {"messages": [{"role": "user", "content": question}]}
    return {"query": question, "k": 8}


def client(port: int, index: int, deadline: float, questions: list[tuple[str, str | None]], out: Results) -> None:
    teams = itertools.cycle(TEAMS[index % len(TEAMS):] + TEAMS[: index % len(TEAMS)])
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        i = index * 7  # each client starts at a different question
        while time.monotonic() < deadline:
            question, team = questions[i % len(questions)]
            endpoint = ENDPOINTS[i % 2]
            headers = {"Authorization": f"Bearer {KEYS[team or next(teams)]}"}
            start = time.perf_counter()
            error = None
            try:
                response = http.post(endpoint, json=request(endpoint, question), headers=headers)
                if response.status_code != 200:
                    error = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            out.record(endpoint, (time.perf_counter() - start) * 1000, error)
            i += 1


def run_elsewhere(port: int, clients: int, seconds: float, questions: list[tuple[str, str | None]],
                  unique: bool = False) -> Results:
    """The clients in their own process (``load_clients.py``), with the same requests and keys as :func:`run`."""
    teams = itertools.cycle(TEAMS)
    requests = [{"path": endpoint, "body": request(endpoint, question), "key": KEYS[team or next(teams)]}
                for question, team in questions for endpoint in ENDPOINTS]  # each question on both endpoints
    plan = {"port": port, "clients": clients, "seconds": seconds, "requests": requests, "unique": unique}
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("load_clients.py"))], input=json.dumps(plan),
                          capture_output=True, text=True, check=True, timeout=seconds + 120)
    data = json.loads(done.stdout)
    out = Results(seconds=data["seconds"], samples=data["samples"], client_cpu=data["cpu_seconds"],
                  reconnects=data["reconnects"])
    for endpoint in ENDPOINTS:
        out.latencies[endpoint] = data["latencies"].get(endpoint, [])
        out.errors[endpoint] = data["errors"].get(endpoint, 0)
    return out


def run(port: int, clients: int, seconds: float, questions: list[tuple[str, str | None]]) -> Results:
    out = Results()
    start = time.monotonic()
    deadline = start + seconds
    threads = [threading.Thread(target=client, args=(port, i, deadline, questions, out)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.seconds = time.monotonic() - start  # includes the requests in flight at the deadline
    return out


@contextmanager
def serve_here(runtime: Runtime, floor: bool = False) -> Iterator[tuple[int, Callable[[], dict[int, float]]]]:
    """The app in a thread of this process (its CPU: this process's, the clients being elsewhere); ``floor``:
    the stack's floor (:mod:`load_floor`) instead of prodops' app."""
    with serve_in_thread(floor_app(runtime) if floor else create_app(runtime=runtime)) as url:
        yield int(url.rsplit(":", 1)[1]), lambda: {os.getpid(): time.process_time()}


@contextmanager
def serve_workers(data_dir: Path, workers: int, threads: int, keys: list[ApiKey], backend: str,
                  keepalive_requests: int | None = None, work_slots: int = 0,
                  ) -> Iterator[tuple[int, Callable[[], dict[int, float]]]]:
    """``prodops serve --workers N`` on the ingested data dir, as deployed: its port, and the CPU seconds each of
    its processes (the supervisor and its workers) has used."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODOPS_")} | {
        "PRODOPS_DATA_DIR": str(data_dir), "PRODOPS_SERVE_THREADS": str(threads), "PYTHONPATH": str(REPO),
        "PRODOPS_EMBEDDING_BACKEND": backend, "PRODOPS_SERVE_WORK_SLOTS": str(work_slots),
        "PRODOPS_API_KEYS": json.dumps([k.model_dump(exclude_none=True) for k in keys])} | (
        {} if keepalive_requests is None else {"PRODOPS_SERVE_KEEPALIVE_REQUESTS": str(keepalive_requests)})
    server = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), "--workers",
                               str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not _healthy(port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("prodops serve did not start")
            time.sleep(0.5)
        yield port, lambda: tree_cpu_by_process(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def tree_cpu_by_process(root: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by process ``root`` and each process under it, by pid."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        pid = int(stat.parent.name)
        parents[pid], ticks[pid] = int(fields[1]), int(fields[11]) + int(fields[12])
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return {pid: ticks.get(pid, 0) / os.sysconf("SC_CLK_TCK") for pid in tree}


def p(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def report(label: str, res: Results, baseline: Results | None = None) -> None:
    total = sum(len(v) for v in res.latencies.values())
    errors = sum(res.errors.values())
    print(f"{label}: {total} requests in {res.seconds:.1f} s = {total / res.seconds:.1f} req/s, errors {errors}")
    for endpoint in ENDPOINTS:
        values = res.latencies[endpoint]
        if not values:
            print(f"  {endpoint:11s} no requests")
            continue
        line = (f"  {endpoint:11s} n {len(values):4d}  {len(values) / res.seconds:5.1f} req/s  "
                f"p50 {statistics.median(values):7.0f} ms  p95 {p(values, 95):7.0f} ms  errors {res.errors[endpoint]}")
        if baseline is not None and baseline.latencies[endpoint]:
            line += f"  p95 / 1-client p95 {p(values, 95) / p(baseline.latencies[endpoint], 95):5.2f}"
        print(line)
    for sample in res.samples:
        print(f"  error: {sample}")


def query_embedding_ms(embedder: Any, questions: list[str], rounds: int = 3) -> float:
    """Median time of one query embedding with the threads set, measured in this run (the physical limit's
    denominator: a request cannot be served faster than its question is embedded)."""
    embedder.embed_query("warm up")
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            embedder.embed_query(question)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="loaded run length")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--baseline-seconds", type=float, default=8, help="single-client baseline length")
    parser.add_argument("--threads", type=int, default=0,
                        help="inference threads per request, as PRODOPS_SERVE_THREADS (0: one per core)")
    parser.add_argument("--no-batching", action="store_true",
                        help="embed each question alone: the baseline for concurrent questions sharing passes")
    parser.add_argument("--warmup-seconds", type=float, default=10, help="full-load warm-up, not measured")
    parser.add_argument("--workers", type=int, default=1,
                        help="serve with `prodops serve --workers N` in its own processes (default: 1, in a thread)")
    parser.add_argument("--keepalive-requests", type=int, default=None,
                        help="with --workers: requests per kept-alive connection before the server asks the client "
                             "to reconnect, as PRODOPS_SERVE_KEEPALIVE_REQUESTS (0: never; default: the setting's)")
    parser.add_argument("--no-trace", action="store_true",
                        help="torch: questions through sentence-transformers, not the TorchScript trace (one process)")
    parser.add_argument("--backend", choices=("torch", "onnx", "onnx-int8"), default="torch",
                        help="the embedder ingesting and serving, as PRODOPS_EMBEDDING_BACKEND")
    parser.add_argument("--unique", action="store_true",
                        help="every request's question ends in a code of its own, so no cache keyed by question text "
                             "helps (people rarely repeat the same words); default: the 52 questions as written")
    parser.add_argument("--clients-in-process", action="store_true",
                        help="clients as threads in the server's process (the earlier harness), not in their own")
    parser.add_argument("--slots", type=int, default=0,
                        help="requests doing their CPU-bound work at once per process, as PRODOPS_SERVE_WORK_SLOTS "
                             "(0: the setting's default, the cores + 1; 256: as good as no limit)")
    parser.add_argument("--floor", action="store_true",
                        help="serve only what the stack costs (parse, embed, one Chroma query: load_floor.py) in place "
                             "of prodops' app: the most a pipeline on this stack can reach here")
    args = parser.parse_args()
    if args.floor and args.workers > 1:
        parser.error("--floor serves in this process: use it with --workers 1")
    if args.unique and args.clients_in_process:
        parser.error("--unique needs the clients in their own process")
    drive = run if args.clients_in_process else functools.partial(run_elsewhere, unique=args.unique)
    print(f"clients: {'threads in the server process' if args.clients_in_process else 'their own process'}")
    if args.floor:
        print("app: the floor (parse, embed, one unfiltered Chroma query per request; load_floor.py), not prodops'")
    threads = args.threads or max(1, (os.cpu_count() or 1) // args.workers)  # as each worker sets them
    slots = args.slots or Settings.model_fields["serve_work_slots"].default or (os.cpu_count() or 1) + 1
    print(f"inference threads per request: {threads}; server processes: {args.workers}; work slots per process: "
          f"{slots}")
    questions = golden_questions()
    coded = ", each request with a code of its own (--unique)" if args.unique else ""
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
          f"{len(questions)} golden questions{coded}")
    backend = Settings(embedding_backend=args.backend)
    set_inference_threads(1)  # the limit's denominator: one thread per embedding, one embedding per core at once
    measured: Any = _embedder_for(backend)
    if args.no_trace:  # the limit of the path served: the same embedder (torch: one per process) as the server's
        measured.trace_queries = False
    embed_ms = query_embedding_ms(measured, [q for q, _ in questions])
    set_inference_threads(threads)  # an ONNX session takes its threads when made: the serving one is made now
    embedder: Any = get_embedder(64, "cpu") if args.backend == "torch" else _embedder_for(backend)
    embedder.batch_queries = not args.no_batching
    if args.no_trace:
        embedder.trace_queries = False
    print(f"embedder: {args.backend}, {embed_ms:.1f} ms per question alone on one thread (before the runs)")
    keys = [ApiKey(name=f"{team}-load", team=team, key_sha256=digest(key)) for team, key in KEYS.items()]
    with tempfile.TemporaryDirectory(prefix="prodops-load-") as tmp:
        runtime = Runtime(Settings(data_dir=Path(tmp), api_keys=keys, embedding_backend=args.backend,
                                   serve_work_slots=args.slots),
                          embedder_factory=lambda: embedder)
        started = time.monotonic()
        ingested = ingest_paths(runtime, [REPO / "examples" / "workspace"], show_progress=False)
        print(f"ingested the sample workspace: {ingested.chunks} chunks in {time.monotonic() - started:.0f} s")
        if args.workers > 1:
            runtime.close()  # the server processes open the data dir themselves
        try:
            with (serve_workers(Path(tmp), args.workers, args.threads, keys, args.backend, args.keepalive_requests,
                                args.slots)
                  if args.workers > 1
                  else serve_here(runtime, args.floor)) as (port, server_cpu):
                # Warm-up at full load: first-request costs (lazy indexes, sentence vectors of each passage,
                # parsed plan pages) are paid once per process, and with several processes any one may answer.
                warmup = drive(port, args.clients, args.warmup_seconds, questions)  # its errors count too
                baseline = drive(port, 1, args.baseline_seconds, questions)
                cpu = server_cpu()
                loaded = drive(port, args.clients, args.seconds, questions)
                used = {pid: seconds - cpu.get(pid, 0.0) for pid, seconds in server_cpu().items()}
                loaded.server_cpu = sum(used.values())
                loaded.cpu_by_process = sorted((u / max(loaded.server_cpu, 1e-9) for u in used.values()
                                                if u > 0.02 * loaded.server_cpu), reverse=True)
                # The limit again, once the server is idle: the host's own speed drifts within minutes, and the
                # share is read against the mean of the two (each printed).
                set_inference_threads(1)
                embed_after = query_embedding_ms(measured, [q for q, _ in questions])
                dense = runtime.store.nearest_queries  # read before close() drops the store
        finally:
            runtime.close()
    report(f"warm-up, {args.clients} concurrent clients (cold caches)", warmup)
    report("baseline, 1 client", baseline)
    report(f"load, {args.clients} concurrent clients", loaded, baseline)
    print(f"a lone query embedding on one thread: {embed_ms:.1f} ms before the runs, {embed_after:.1f} ms after")
    embed_ms = (embed_ms + embed_after) / 2
    limit = (os.cpu_count() or 1) / (embed_ms / 1000)
    served = sum(len(v) for v in loaded.latencies.values()) / loaded.seconds
    print(f"embedding limit: {os.cpu_count()} cores / {embed_ms:.1f} ms per query embedding (1 thread, mean) = "
          f"{limit:.0f} req/s; "
          f"served {served:.1f} req/s = {served / limit:.2f} of the limit (goal >= 0.7)")
    total = sum(len(v) for v in loaded.latencies.values())
    per_request = loaded.server_cpu * 1000 / max(total, 1)
    ceiling = (os.cpu_count() or 1) * 1000 / (per_request + loaded.client_cpu * 1000 / max(total, 1))
    print(f"CPU per request under load: server {per_request:.1f} ms (a lone query embedding: {embed_ms:.1f} ms), "
          f"clients {loaded.client_cpu * 1000 / max(total, 1):.1f} ms; the cores allow {ceiling:.0f} req/s at that "
          f"cost, served {served / ceiling:.2f} of it")
    if args.workers > 1:
        split = " / ".join(f"{share:.0%}" for share in loaded.cpu_by_process)
        default = Settings.model_fields["serve_keepalive_requests"].default  # the workers' env has no PRODOPS_*
        limit = default if args.keepalive_requests is None else args.keepalive_requests
        print(f"CPU by server process under load: {split} (even is {1 / args.workers:.0%} each); clients asked "
              f"to reconnect {loaded.reconnects} times (PRODOPS_SERVE_KEEPALIVE_REQUESTS: {limit})")
        return  # the question embeddings were batched in the server processes, not counted here
    queries = embedder.queries
    traced = " through the TorchScript trace" if getattr(embedder, "questions_traced", False) else ""
    print(f"question embeddings: {'one per pass' if args.no_batching else 'micro-batched'}{traced}; "
          f"{queries.texts} batched in {queries.passes} passes (mean {queries.texts / max(queries.passes, 1):.1f})")
    mean = dense.texts / max(dense.passes, 1)
    print(f"dense queries: {dense.texts} in {dense.passes} shared passes (mean {mean:.1f}; one Chroma call per width "
          "in a pass)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end; goal: 0 errors")


if __name__ == "__main__":
    main()
