"""A served app and a CLI ingest writing the same data dir at once (embedded Chroma): 16 clients with a
team-scoped key keep getting correct answers during and after the ingest, with no error and no text from a
document outside their scope; afterwards the server sees what the ingest wrote, without a restart.

About a minute on two busy cores (the CLI loads its own model). Set PRODOPS_CONCURRENCY_SECONDS to change the
minimum time the clients run (default 30).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.api.serving import serve_in_thread
from assistant.config import ApiKey
from assistant.runtime import Runtime
from ingest.pipeline import ingest_paths

REPO = Path(__file__).resolve().parents[1]
CLIENTS = 16
MIN_SECONDS = float(os.environ.get("PRODOPS_CONCURRENCY_SECONDS", "30"))
KEY = "concurrency-growth-key"
TOPICS = ("onboarding checklist", "invoice export", "dispatch board", "pricing page", "mobile offline mode",
          "audit log", "seat provisioning", "renewal reminders", "route planning", "survey tool")


def _doc(team: str, n: int, restricted: bool, generation: str) -> str:
    topic = TOPICS[n % len(TOPICS)]
    visibility = "[enterprise]" if restricted else "[everyone]"
    marker = f" The code word for this memo is SEALED{generation}{n}X." if restricted else ""
    return (f"---\nkind: note\nteam: {team}\ntitle: {topic.title()} memo {generation}{n}\n"
            f"date: 2026-10-{1 + n % 28:02d}\n"
            f"visibility: {visibility}\n---\n# {topic.title()} memo {generation}{n}\n\n"
            f"Customers asked about the {topic} again this month; the {team} team will ship the first fix in "
            f"sprint {n % 9 + 1} and measure adoption after two weeks.{marker}\n\n"
            f"Open question {generation}{n}: who owns the {topic} metrics once the pilot ends?\n")


def _write_docs(ws: Path, generation: str, count: int) -> None:
    for n in range(count):
        restricted = n % 2 == 1
        folder = ws / ("deals" if restricted else "notes")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{generation}-{n:03d}.md").write_text(
            _doc("enterprise" if restricted else "growth", n, restricted, generation), encoding="utf-8")


CHANGED = "notes/a-000.md"  # the one stored file the CLI ingest rewrites


def _leaks(text: str) -> bool:
    return "SEALED" in text or "deals/" in text


def test_clients_keep_working_while_a_cli_ingest_writes_the_same_data_dir(
    tmp_path: Path, make_runtime: Callable[..., Runtime]
) -> None:
    ws, data = tmp_path / "ws", tmp_path / "data"
    _write_docs(ws, "a", 30)
    runtime = make_runtime(data_dir=data, api_keys=[ApiKey(name="growth-pm", team="growth", key_sha256=digest(KEY))])
    assert ingest_paths(runtime, [ws], show_progress=False).failed == []
    _write_docs(ws, "b", 60)  # what the CLI ingest will add, half of it enterprise-only
    (ws / CHANGED).write_text(_doc("growth", 0, False, "a").replace("Customers", "Most customers"),
                                           encoding="utf-8")  # a changed file: new chunks in, stale ones out

    stats: Counter[str] = Counter()
    problems: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client_loop(base: str, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=120) as http:
            while not stop.is_set():
                topic = rng.choice(TOPICS)
                kind = rng.choice(("chat", "search", "search", "sources", "chunk"))
                try:
                    if kind == "chat":
                        r = http.post("/v1/chat", json={"messages": [{"role": "user",
                                                                      "content": f"What is planned for the {topic}?"}]})
                    elif kind == "sources":
                        r = http.get("/v1/sources")
                    else:
                        r = http.post("/v1/search", json={"query": f"{topic} code word memo", "k": 8})
                        if kind == "chunk" and r.status_code == 200 and r.json():
                            chunk_id = rng.choice(r.json())["chunk_id"]
                            r = http.get(f"/v1/chunks/{quote(chunk_id)}")
                            # A chunk of the file the ingest rewrites may be replaced between the search and
                            # the fetch: "not found" is then the right answer, not a failure.
                            if r.status_code == 404 and chunk_id.startswith(f"{CHANGED}#"):
                                r = httpx.Response(200, text="replaced since the search")
                    ok = r.status_code == 200 and not _leaks(r.text)
                    detail = f"{kind} -> {r.status_code}: {r.text[:200]}"
                except httpx.HTTPError as exc:
                    ok, detail = False, f"{kind} -> {type(exc).__name__}: {exc}"
                with lock:
                    stats[kind] += 1
                    if not ok:
                        problems.append(detail)

    env = {k: v for k, v in os.environ.items() if not k.startswith("PRODOPS_")} | {
        "PRODOPS_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}
    with serve_in_thread(create_app(runtime=runtime)) as base:
        threads = [threading.Thread(target=client_loop, args=(base, i), daemon=True) for i in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        ingest = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(ws), "--json"], env=env,
                                capture_output=True, timeout=600, check=False)
        ingest_done = time.monotonic() - started
        time.sleep(max(5.0, MIN_SECONDS - ingest_done))  # and keep going after it finished
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
        elapsed = time.monotonic() - started
        with httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=60) as http:
            found = http.post("/v1/search", json={"query": "Open question b58 pricing page metrics", "k": 3}).json()
            sources = {s["path"] for s in http.get("/v1/sources").json()}

    print(f"\n{CLIENTS} clients, {sum(stats.values())} requests in {elapsed:.0f} s ({dict(stats)}); "
          f"CLI ingest finished at {ingest_done:.0f} s; problems: {len(problems)}")
    assert ingest.returncode == 0, ingest.stderr.decode()[-2000:]
    report = json.loads(ingest.stdout)
    assert (report["added"], report["updated"], report["failed"]) == (60, 1, [])
    assert problems == [], problems[:10]
    assert sum(stats.values()) >= CLIENTS * 5
    # The server reads what the other process wrote (its handle was reopened), and still nothing out of scope.
    assert "notes/b-058.md" in sources and not any(p.startswith("deals/") for p in sources)
    assert found and found[0]["source"] == "notes/b-058.md"
