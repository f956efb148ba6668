"""SciFact (BEIR) retrieval quality through prodops' own pipeline, store and retriever.

The 5,183 abstracts are written as Markdown files (title as heading), ingested with `ingest_paths` (so the
loaders, chunker and embedder under test are the product's), and the 300 test claims are run against dense
only, BM25 only and the hybrid retriever. Chunk rankings become document rankings by first occurrence.
Printed beside the published BM25 0.665 and this machine's earlier measurements.

    python benchmarks/scifact.py [--data-dir DIR]   (reuses an already ingested DIR when given)
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

from assistant.config import Settings
from assistant.embeddings.minilm import get_embedder
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from evals.metrics import average
from evals.retrieval import ndcg_at_k, recall_at_k
from ingest.pipeline import ingest_paths

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "scifact-beir"
PUBLISHED = {"BM25 (BEIR, Elasticsearch)": 0.665}
MEASURED_BEFORE = {"SQLite FTS5 porter": 0.688, "rank-bm25": 0.670, "dense MiniLM": 0.645, "plain RRF": 0.720}


def write_corpus(folder: Path) -> int:
    count = 0
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            body = f"---\nkind: note\ntitle: {json.dumps(doc['title'])}\n---\n# {doc['title']}\n\n{doc['text']}\n"
            (folder / f"{doc['_id']}.md").write_text(body, encoding="utf-8")
            count += 1
    return count


def load_queries() -> tuple[dict[str, str], dict[str, dict[str, float]]]:
    qrels: dict[str, dict[str, float]] = {}
    for line in (SCIFACT / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        qid, doc, score = line.split("\t")
        qrels.setdefault(qid, {})[doc] = float(score)
    queries = {}
    for line in (SCIFACT / "queries.jsonl").read_text().splitlines():
        q = json.loads(line)
        if q["_id"] in qrels:
            queries[q["_id"]] = q["text"]
    return queries, qrels


def zscore_fusion(dense: list[tuple[str, float]], lexical: list[tuple[str, float]], alpha: float = 0.5) -> list[str]:
    """Documents by alpha * z(dense cosine) + (1 - alpha) * z(BM25), each doc at its best chunk: the
    score-based alternative to rank fusion measured beside it (alpha 0.5: no tuning on this test set)."""

    def best(pairs: list[tuple[str, float]]) -> dict[str, float]:
        out: dict[str, float] = {}
        for doc, score in pairs:
            out[doc] = max(out.get(doc, -1e9), score)
        values = list(out.values()) or [0.0]
        mean = sum(values) / len(values)
        spread = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 or 1.0
        return {d: (v - mean) / spread for d, v in out.items()}

    d, lex = best(dense), best(lexical)
    floor_d, floor_l = min(d.values(), default=0.0), min(lex.values(), default=0.0)
    fused = {k: alpha * d.get(k, floor_d) + (1 - alpha) * lex.get(k, floor_l) for k in set(d) | set(lex)}
    return sorted(fused, key=lambda k: -fused[k])


def doc_ranking(sources: list[str]) -> list[str]:
    return list(dict.fromkeys(Path(s).stem for s in sources))


def evaluate(name: str, rank, queries, qrels) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    ndcgs, recalls = [], []
    for qid, text in queries.items():
        ranked = rank(text)
        ndcgs.append(ndcg_at_k(ranked, qrels[qid], 10))
        recalls.append(recall_at_k(ranked, qrels[qid], 100))
    ms = (time.perf_counter() - start) / len(queries) * 1000
    return average(ndcgs), average(recalls), ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    embedder = get_embedder(64, "cpu")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        runtime = Runtime(Settings(data_dir=data_dir, collection="scifact"), embedder_factory=lambda: embedder)
        if runtime.store.count() == 0:
            corpus = Path(tmp) / "corpus"
            corpus.mkdir()
            print(f"writing {write_corpus(corpus)} abstracts and ingesting them (embedding takes minutes) ...")
            start = time.perf_counter()
            report = ingest_paths(runtime, [corpus], show_progress=True)
            print(f"ingested {report.added} files, {report.chunks} chunks in {time.perf_counter() - start:.0f} s")
        queries, qrels = load_queries()
        hybrid = HybridRetriever(runtime, candidates=200, use_intents=False)
        systems = {
            "dense (Chroma, MiniLM)": lambda q: doc_ranking(
                [c.meta.source for c, _ in runtime.store.query(embedder.embed_query(q), 300)]
            ),
            "BM25 (SQLite FTS5)": lambda q: doc_ranking([i.split("#")[0] for i, _ in runtime.lexical.search(q, 300)]),
            "hybrid (prodops)": lambda q: doc_ranking(
                [h.chunk.meta.source for h in hybrid.search(q, k=150, diversify=False)]
            ),
            "hybrid, z-score fusion": lambda q: zscore_fusion(
                [(Path(c.meta.source).stem, s) for c, s in runtime.store.query(embedder.embed_query(q), 300)],
                [(i.split("#")[0].removesuffix(".md"), s) for i, s in runtime.lexical.search(q, 300)],
            ),
        }
        print(f"\nSciFact test, {len(queries)} queries")
        print(f"{'system':32s} {'nDCG@10':>8s} {'R@100':>8s} {'ms/query':>9s}")
        results = {}
        for name, rank in systems.items():
            ndcg, recall, ms = evaluate(name, rank, queries, qrels)
            results[name] = ndcg
            print(f"{name:32s} {ndcg:8.3f} {recall:8.3f} {ms:9.1f}")
        runtime.close()
    bm25 = results["BM25 (SQLite FTS5)"]
    for name, value in {**PUBLISHED, **MEASURED_BEFORE}.items():
        print(f"  reference {name:28s} {value:.3f}")
    best = results["hybrid (prodops)"]
    print(f"hybrid / our BM25: {best / bm25:.3f}; hybrid / published BM25: {best / 0.665:.3f}; goal hybrid >= 0.75")
    if math.isnan(best):
        raise SystemExit("no queries scored")


if __name__ == "__main__":
    main()
