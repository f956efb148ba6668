"""Load: 16 concurrent clients against /v1/chat and /v1/search on loopback, for a bounded time.

The sample workspace is ingested into a temp dir, the API (with team API keys, as deployed) is served by uvicorn
in a thread, and each client alternates chat and search with questions from the sample golden set
(``evals/datasets/sample.yaml``), using the team key a question names or else a rotating one. The clients run in
their own process (``load_clients.py``: keep-alive connections on one asyncio loop), as deployed clients run
elsewhere; ``--clients-in-process`` runs them as threads with httpx in the server's process instead, the harness
of earlier runs, which competes with the server for its interpreter lock. A single-client run of the same mix is
measured first, as the baseline. Prints requests, throughput, p50/p95 per endpoint, errors (goal 0), the p95
ratio of the loaded run to the baseline and the served rate as a share of the embedding limit. Stops by itself.

    python benchmarks/load.py [--seconds 20] [--clients 16] [--baseline-seconds 8] [--threads N] [--no-batching]
                              [--clients-in-process]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import yaml

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.api.serving import serve_in_thread
from assistant.config import ApiKey, Settings
from assistant.embeddings.minilm import get_embedder
from assistant.embeddings.threads import set_inference_threads
from assistant.runtime import Runtime
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
    server_cpu: float = 0.0  # CPU seconds the serving process used during the run
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


def run_elsewhere(port: int, clients: int, seconds: float, questions: list[tuple[str, str | None]]) -> Results:
    """The clients in their own process (``load_clients.py``), with the same requests and keys as :func:`run`."""
    teams = itertools.cycle(TEAMS)
    requests = [{"path": endpoint, "body": request(endpoint, question), "key": KEYS[team or next(teams)]}
                for question, team in questions for endpoint in ENDPOINTS]  # each question on both endpoints
    plan = {"port": port, "clients": clients, "seconds": seconds, "requests": requests}
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("load_clients.py"))], input=json.dumps(plan),
                          capture_output=True, text=True, check=True, timeout=seconds + 120)
    data = json.loads(done.stdout)
    out = Results(seconds=data["seconds"], samples=data["samples"], client_cpu=data["cpu_seconds"])
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
    parser.add_argument("--clients-in-process", action="store_true",
                        help="clients as threads in the server's process (the earlier harness), not in their own")
    args = parser.parse_args()
    drive = run if args.clients_in_process else run_elsewhere
    print(f"clients: {'threads in the server process' if args.clients_in_process else 'their own process'}")
    print(f"inference threads per request: {set_inference_threads(args.threads)}")
    questions = golden_questions()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
          f"{len(questions)} golden questions")
    embedder = get_embedder(64, "cpu")
    embedder.batch_queries = not args.no_batching
    embed_ms = query_embedding_ms(embedder, [q for q, _ in questions])
    keys = [ApiKey(name=f"{team}-load", team=team, key_sha256=digest(key)) for team, key in KEYS.items()]
    with tempfile.TemporaryDirectory(prefix="prodops-load-") as tmp:
        runtime = Runtime(Settings(data_dir=Path(tmp), api_keys=keys), embedder_factory=lambda: embedder)
        started = time.monotonic()
        ingested = ingest_paths(runtime, [REPO / "examples" / "workspace"], show_progress=False)
        print(f"ingested the sample workspace: {ingested.chunks} chunks in {time.monotonic() - started:.0f} s")
        try:
            with serve_in_thread(create_app(runtime=runtime)) as url:
                port = int(url.rsplit(":", 1)[1])
                drive(port, 1, 1.5, questions)  # warm-up: first-request costs (caches, lazy indexes) out of the numbers
                baseline = drive(port, 1, args.baseline_seconds, questions)
                cpu = time.process_time()
                loaded = drive(port, args.clients, args.seconds, questions)
                loaded.server_cpu = time.process_time() - cpu
        finally:
            runtime.close()
    report("baseline, 1 client", baseline)
    report(f"load, {args.clients} concurrent clients", loaded, baseline)
    limit = (os.cpu_count() or 1) / (embed_ms / 1000)
    served = sum(len(v) for v in loaded.latencies.values()) / loaded.seconds
    print(f"embedding limit: {os.cpu_count()} cores / {embed_ms:.1f} ms per query embedding = {limit:.0f} req/s; "
          f"served {served:.1f} req/s = {served / limit:.2f} of the limit (goal >= 0.7)")
    total = sum(len(v) for v in loaded.latencies.values())
    per_request = loaded.server_cpu * 1000 / max(total, 1)
    ceiling = (os.cpu_count() or 1) * 1000 / (per_request + loaded.client_cpu * 1000 / max(total, 1))
    print(f"CPU per request under load: server {per_request:.1f} ms (a lone query embedding: {embed_ms:.1f} ms), "
          f"clients {loaded.client_cpu * 1000 / max(total, 1):.1f} ms; the cores allow {ceiling:.0f} req/s at that "
          f"cost, served {served / ceiling:.2f} of it")
    queries = embedder.queries
    print(f"question embeddings: {'one per pass' if args.no_batching else 'micro-batched'}; "
          f"{queries.texts} batched in {queries.passes} passes (mean {queries.texts / max(queries.passes, 1):.1f})")
    print(f"load average {os.getloadavg()[0]:.1f} at the end; goal: 0 errors")


if __name__ == "__main__":
    main()
