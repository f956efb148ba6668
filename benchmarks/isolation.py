"""What per-file isolation costs: parsing a workspace in the worker process vs in-process, the worker's start-up,
and both next to embedding the same chunks (which must stay the bottleneck).

    python benchmarks/isolation.py [WORKSPACE]

Prints ratios measured in this run: isolated / in-process parse time (after start-up), start-up / embedding
time, and parse time / embedding time (embedding extrapolated from a timed sample of the same chunks).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from assistant.config import Settings
from assistant.errors import SourceError
from assistant.schemas import Chunk
from ingest.chunking import embedding_text
from ingest.isolation import parse_file
from ingest.walk import scan

REPO = Path(__file__).resolve().parents[1]
SAMPLE = 128  # chunks embedded to estimate the embedding time of the whole workspace


def parse_all(root: Path, files: list[Path], settings: Settings) -> tuple[float, list[Chunk]]:
    started = time.perf_counter()
    chunks: list[Chunk] = []
    for path in files:
        try:
            chunks += parse_file(root, path, path.relative_to(root).as_posix(), settings)[1]
        except SourceError:
            pass
    return time.perf_counter() - started, chunks


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "examples" / "workspace").resolve()
    files = scan(root).files
    inline, isolated = Settings(_env_file=None, parse_isolation=False), Settings(_env_file=None)
    parse_all(root, files, inline)  # warm imports and caches
    first, chunks = parse_all(root, files, isolated)  # includes starting the worker
    runs = {"in-process": [], "isolated": []}
    for _ in range(3):
        runs["in-process"].append(parse_all(root, files, inline)[0])
        runs["isolated"].append(parse_all(root, files, isolated)[0])
    best = {mode: min(times) for mode, times in runs.items()}
    startup = first - best["isolated"]

    from assistant.embeddings.minilm import get_embedder

    embedder = get_embedder(64, "cpu")
    sample = [embedding_text(c) for c in chunks[:SAMPLE]]
    embedder.embed_documents(sample[:8])
    started = time.perf_counter()
    embedder.embed_documents(sample)
    embed = (time.perf_counter() - started) / len(sample) * len(chunks)

    print(f"{root.name}: {len(files)} files, {len(chunks)} chunks")
    print(f"parse in-process {best['in-process']:.2f} s, isolated {best['isolated']:.2f} s "
          f"(ratio {best['isolated'] / best['in-process']:.2f}); worker start-up {startup:.2f} s (once per process)")
    print(f"embedding (estimated from {len(sample)} chunks) {embed:.1f} s: isolated parse / embedding "
          f"{best['isolated'] / embed:.3f}; start-up / embedding {startup / embed:.3f}")


if __name__ == "__main__":
    main()
