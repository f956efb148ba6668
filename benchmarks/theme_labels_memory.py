"""Theme keywords' peak memory against the stored vectors they are computed beside (issue goal: <= 2x).

Synthetic turns with a large vocabulary (many interviews' worth of names, products and rare words) are split
into many clusters, and the same c-TF-IDF keywords are computed three ways in one run:

* dense baseline: sklearn's ``CountVectorizer`` fit, then clusters x vocabulary arrays, as first computed;
* CountVectorizer fit: the same fit, then sparse cluster x term products (the previous :func:`top_words`);
* prodops: :func:`top_words` as it is, counting text by text (:func:`count_terms`: int32 buffers, no per-token
  arrays) and scoring one cluster at a time.

Prints each one's peak traced memory (tracemalloc), its ratio to the size of the turns' stored 384-dimensional
float32 vectors, and its time (tracing slows all three alike); then whether prodops' keywords are the
CountVectorizer fit's, word for word (the dense baseline only ranks, it returns no words).

    PYTHONPATH=. python benchmarks/theme_labels_memory.py [--turns 12000] [--clusters 178] [--vocabulary 100000]
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


def countvectorizer_fit(texts: list[str], clusters: list[list[int]]) -> list[list[str]]:
    """The keywords as computed before :func:`count_terms`: ``CountVectorizer.fit_transform`` (a per-token
    index array, int64 values, sorted copies), then whole-matrix sparse products for the scores."""
    vec = vectorizer((1, 1))
    counts = vec.fit_transform(texts).tocsr()
    vocab = vec.get_feature_names_out()
    member = sparse.csr_matrix(
        (np.ones(sum(len(c) for c in clusters)), ([k for k, c in enumerate(clusters) for _ in c],
                                                  [i for c in clusters for i in c])),
        shape=(len(clusters), counts.shape[0]))
    per_cluster = (member @ counts).astype(float).tocsr()
    spread = (member @ (counts > 0).astype(float)).tocsr()
    overall = np.asarray(counts.sum(axis=0)).ravel().astype(float)
    average = max(per_cluster.sum() / max(len(clusters), 1), 1.0)
    sizes = np.asarray(per_cluster.sum(axis=1)).ravel()
    needed = np.minimum(2, np.array([len(c) for c in clusters], dtype=float))
    coo = per_cluster.tocoo()
    said = np.asarray(spread[coo.row, coo.col]).ravel()
    idf = np.log1p(average / np.maximum(overall[coo.col], 1.0))
    values = coo.data / np.maximum(sizes[coo.row], 1.0) * idf * (said >= needed[coo.row])
    scores = sparse.csr_matrix((values, (coo.row, coo.col)), shape=per_cluster.shape)
    words = []
    for k in range(scores.shape[0]):
        start, end = scores.indptr[k], scores.indptr[k + 1]
        columns, data = scores.indices[start:end], scores.data[start:end]
        order = np.lexsort((columns, -data))
        words.append([str(vocab[columns[i]]) for i in order[:20] if data[i] > 0][:10])
    return words


def peak(work: object, *args: object) -> tuple[float, float, object]:
    tracemalloc.start()
    started = time.perf_counter()
    result = work(*args)  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20, elapsed, result


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
    results: dict[str, object] = {}
    for name, work in (("dense baseline", dense_baseline), ("CountVectorizer fit", countvectorizer_fit),
                       ("prodops", top_words)):
        mib, seconds, results[name] = peak(work, texts, clusters)
        print(f"  {name:19s} peak {mib:8.1f} MiB = {mib / vectors_mib:5.2f}x the vectors   {seconds:5.1f} s")
    same = results["CountVectorizer fit"] == results["prodops"]
    print(f"prodops' keywords {'are' if same else 'are NOT'} the CountVectorizer fit's, word for word")
    print("goal: peak <= 2x the stored vectors")


if __name__ == "__main__":
    main()
