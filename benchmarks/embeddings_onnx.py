"""ONNX Runtime (fp32 and int8) against torch for the embedding model: throughput and SciFact quality.

Throughput is measured on the sample workspace's chunk texts (what ingestion embeds) and printed as a ratio to
torch measured in the same run (goal >= 2x). Quality is dense-only nDCG@10 on SciFact test with each backend
(brute-force cosine over the abstracts), printed as the drop from torch (goal <= 0.01).

    python benchmarks/embeddings_onnx.py [--no-scifact]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.embeddings.base import Embedder
from assistant.embeddings.minilm import get_embedder
from assistant.runtime import Runtime, _embedder_for
from evals.metrics import average
from evals.retrieval import ndcg_at_k
from ingest.chunking import chunk_source, embedding_text
from ingest.sources import discover, load_source

REPO = Path(__file__).resolve().parents[1]
SCIFACT = REPO.parent / "shared" / "benchmarks" / "scifact-beir"


def workspace_texts() -> list[str]:
    root = REPO / "examples" / "workspace"
    settings = Settings()
    texts = []
    for path in discover(root):
        texts += [embedding_text(c) for c in chunk_source(load_source(root, path, settings), settings)]
    return texts


def throughput(embedder: Embedder, texts: list[str]) -> float:
    embedder.embed_documents(texts[:32])  # warm up
    start = time.perf_counter()
    embedder.embed_documents(texts)
    return len(texts) / (time.perf_counter() - start)


def scifact_ndcg(embedder: Embedder) -> float:
    docs = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").read_text().splitlines()]
    ids = [d["_id"] for d in docs]
    matrix = np.asarray(embedder.embed_documents([f"{d['title']}\n{d['text']}" for d in docs]), dtype=np.float32)
    qrels: dict[str, dict[str, float]] = {}
    for line in (SCIFACT / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        qid, doc, score = line.split("\t")
        qrels.setdefault(qid, {})[doc] = float(score)
    queries = {
        q["_id"]: q["text"]
        for q in map(json.loads, (SCIFACT / "queries.jsonl").read_text().splitlines())
        if q["_id"] in qrels
    }
    vectors = np.asarray(embedder.embed_documents(list(queries.values())), dtype=np.float32)
    scores = []
    for qid, vector in zip(queries, vectors, strict=True):
        top = np.argsort(-(matrix @ vector))[:10]
        scores.append(ndcg_at_k([ids[i] for i in top], qrels[qid], 10))
    return average(scores)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-scifact", action="store_true")
    args = parser.parse_args()
    texts = workspace_texts()
    with tempfile.TemporaryDirectory() as tmp:
        backends: dict[str, Embedder] = {"torch": get_embedder(64, "cpu")}
        for name in ("onnx", "onnx-int8"):
            backends[name] = _embedder_for(Settings(data_dir=Path(tmp), embedding_backend=name))  # type: ignore[arg-type]
        rates = {name: throughput(e, texts) for name, e in backends.items()}
        print(f"embedding throughput on {len(texts)} sample-workspace chunks")
        for name, rate in rates.items():
            print(f"  {name:10s} {rate:8.1f} chunks/s   ratio to torch {rate / rates['torch']:5.2f}   (goal >= 2.0)")
        if args.no_scifact or not SCIFACT.exists():
            return
        print("SciFact test, dense nDCG@10 (brute-force cosine over 5,183 abstracts)")
        base = scifact_ndcg(backends["torch"])
        print(f"  torch      {base:.4f}")
        for name in ("onnx", "onnx-int8"):
            value = scifact_ndcg(backends[name])
            print(f"  {name:10s} {value:.4f}   drop vs torch {base - value:+.4f}   (goal <= 0.01)")
    _ = Runtime  # the backends are the ones Runtime would build from PRODOPS_EMBEDDING_BACKEND


if __name__ == "__main__":
    main()
