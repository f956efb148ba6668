"""Theme keywords' peak memory against the stored vectors they are computed beside (issue goal: <= 2x).

Synthetic turns with a large vocabulary (many interviews' worth of names, products and rare words) are split
into many clusters; the c-TF-IDF keywords are computed on sparse matrices (:func:`top_words`) and, as the
baseline in the same run, with the clusters x vocabulary arrays densified as before. Prints each one's peak
traced memory and its ratio to the size of the turns' stored 384-dimensional float32 vectors.

    python benchmarks/theme_labels_memory.py [--turns 12000] [--clusters 178] [--vocabulary 100000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from scipy import sparse

from assistant.themes.labels import top_words, vectorizer


def synthetic_turns(turns: int, vocabulary: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, vocabulary + 1)
    weights = 1.0 / ranks  # Zipf: a few common words, a long tail of rare ones
    weights /= weights.sum()
    lengths = rng.integers(40, 200, size=turns)
    return [" ".join(f"w{int(i)}" for i in rng.choice(vocabulary, size=int(n), p=weights)) for n in lengths]


def dense_baseline(texts: list[str], clusters: list[list[int]]) -> None:
    """The same keywords with clusters x vocabulary arrays, as computed before (counts, spread, tf, scores)."""
    counts = vectorizer((1, 1)).fit_transform(texts).tocsr()
    member = sparse.csr_matrix(
        (np.ones(sum(len(c) for c in clusters)), ([k for k, c in enumerate(clusters) for _ in c],
                                                  [i for c in clusters for i in c])),
        shape=(len(clusters), counts.shape[0]))
    per_cluster = np.asarray((member @ counts).todense(), dtype=float)
    spread = np.asarray((member @ (counts > 0).astype(float)).todense())
    overall = np.asarray(counts.sum(axis=0)).ravel().astype(float)
    average = max(per_cluster.sum() / max(len(clusters), 1), 1.0)
    tf = per_cluster / np.maximum(per_cluster.sum(axis=1, keepdims=True), 1.0)
    needed = np.minimum(2, np.array([[len(c)] for c in clusters]))
    scores = tf * np.log1p(average / np.maximum(overall, 1.0)) * (spread >= needed)
    for row in scores:
        np.argsort(-row, kind="stable")[:10]


def peak(work: object, *args: object) -> tuple[float, float]:
    tracemalloc.start()
    started = time.perf_counter()
    work(*args)  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=12000)
    parser.add_argument("--clusters", type=int, default=178)
    parser.add_argument("--vocabulary", type=int, default=100000)
    args = parser.parse_args()
    texts = synthetic_turns(args.turns, args.vocabulary)
    clusters = [list(range(k, args.turns, args.clusters)) for k in range(args.clusters)]
    vectors_mib = args.turns * 384 * 4 / 2**20
    print(f"{args.turns} turns, {args.clusters} clusters, vocabulary up to {args.vocabulary}; "
          f"stored vectors {vectors_mib:.1f} MiB")
    for name, work in (("dense baseline", dense_baseline), ("prodops (sparse)", top_words)):
        mib, seconds = peak(work, texts, clusters)
        print(f"  {name:18s} peak {mib:8.1f} MiB = {mib / vectors_mib:5.2f}x the vectors   {seconds:5.1f} s")
    print("goal: peak <= 2x the stored vectors")


if __name__ == "__main__":
    main()
