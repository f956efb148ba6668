"""CLI start-up cost: a whole `prodops ask` process against the work it cannot avoid, measured in the same run.

Prints:

* ``ask ratio`` = wall time of a ``prodops ask --json`` process / (model load + one hybrid retrieval, measured
  in-process here). 1.0 would mean start-up, imports and answering cost nothing beyond loading the model and
  searching once; the goal is <= 1.3.
* ``sources`` = wall time of a ``prodops sources --json`` process (no model, no torch); the goal is <= 1.5 s.

Usage: ``python benchmarks/cli.py [--data-dir DIR] [--runs N]``. Without ``--data-dir`` the sample workspace is
ingested into a temporary data dir first (not timed). Each process is run once to warm the page cache, then
``--runs`` times; the median is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
QUESTION = "Which objective does the SSO and SCIM work serve?"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODOPS_")}
    return {**env, "PRODOPS_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}


def process_seconds(args: list[str], data_dir: Path, runs: int) -> float:
    """Median wall time of ``python -m assistant.cli ARGS`` (after one warm-up run)."""
    times = []
    for index in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=_env(data_dir), cwd=REPO,
                              capture_output=True, text=True, timeout=600)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"prodops {' '.join(args)} failed: {done.stderr.strip()}")
        if index:
            times.append(elapsed)
    return statistics.median(times)


def in_process_baseline(data_dir: Path) -> tuple[float, float]:
    """(model load seconds, one retrieval seconds) in this process: the floor any `ask` process pays."""
    from assistant.config import Settings
    from assistant.retrieval.hybrid import HybridRetriever
    from assistant.runtime import Runtime

    runtime = Runtime(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    started = time.perf_counter()
    runtime.embedder.embed_query("warm")
    loaded = time.perf_counter()
    HybridRetriever(runtime).search(QUESTION, k=6)
    return loaded - started, time.perf_counter() - loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="an ingested data dir (default: ingest the sample)")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prodops-bench-cli-") as tmp:
        data_dir = options.data_dir or Path(tmp)
        if options.data_dir is None:
            print("ingesting examples/workspace (not timed)...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(REPO / "examples" / "workspace"),
                            "--json"], env=_env(data_dir), cwd=REPO, check=True, capture_output=True)
        ask = process_seconds(["ask", QUESTION, "--json"], data_dir, options.runs)
        sources = process_seconds(["sources", "--json"], data_dir, options.runs)
        load, retrieval = in_process_baseline(data_dir)
    floor = load + retrieval
    print(f"prodops ask process:            {ask:6.2f} s (median of {options.runs})")
    print(f"in-process model load:          {load:6.2f} s")
    print(f"in-process one retrieval:       {retrieval:6.2f} s")
    print(f"ask ratio (process / floor):    {ask / floor:6.2f}   goal <= 1.3")
    print(f"prodops sources process:        {sources:6.2f} s   goal <= 1.5 s")


if __name__ == "__main__":
    main()
