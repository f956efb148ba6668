"""Research themes: prodops beside BERTopic on the same participant texts and the same MiniLM vectors.

Usage::

    PYTHONPATH=. python benchmarks/themes.py [DATA_DIR] [--episodes a,b,...] [--top 10]

DATA_DIR is a prodops store where the podcast episodes were ingested under their corpus-relative paths
(``lennys-podcast/episodes/<name>/transcript.md``); without ``--episodes`` the 12 episodes of the dev set's
``themes:`` section are used (read from ``../shared/evals/realdata-dev.yaml``). Both systems get every
participant turn of those episodes (all segments: filtering out intros, ads and scripted rounds is part of what
is measured) with the vectors stored for them: no model is downloaded or run for BERTopic. Printed side by
side, for each system's top themes (prodops' ranking; BERTopic's largest topics):

* topic coherence: NPMI of each topic's top-10 words, co-occurring in the turns (higher is better),
* topic diversity: distinct words among all topics' top-10 words (higher is better),
* unassigned: share of the text (words) in no topic shown (BERTopic's outliers and smaller topics;
  prodops' "other"),
* non-conversation quotes: share of each topic's representative quotes that come from turns segmented as
  intro, sponsor read, scripted round, outro or cold open.

BERTopic (with umap-learn and hdbscan) is in the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import yaml
from scipy import sparse

from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.schemas import Chunk
from assistant.segments import in_conversation
from assistant.themes.labels import TOP_WORDS, vectorizer
from assistant.themes.report import synthesize_themes

DEV_SET = Path(os.environ.get("PRODOPS_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared") / "evals" / (
    "realdata-dev.yaml")
SOURCE = "lennys-podcast/episodes/{}/transcript.md"


def participant_turns(runtime: Runtime, sources: list[str]) -> list[Chunk]:
    turns = [c for s in sources for c in runtime.store.iter_chunks(where={"source": s})
             if c.meta.speaker_is_participant]
    return sorted(turns, key=lambda c: c.id)


def npmi(topics: list[list[str]], docs: sparse.csc_matrix, vocab: dict[str, int]) -> float:
    """Mean NPMI over topics of their top words' pairs, with documents as the co-occurrence window."""
    n = docs.shape[0]
    per_topic = []
    for words in topics:
        ids = [vocab[w] for w in words if w in vocab]
        pairs = []
        for a, b in itertools.combinations(ids, 2):
            pa, pb = docs[:, a].nnz / n, docs[:, b].nnz / n
            pab = docs[:, a].multiply(docs[:, b]).nnz / n
            pairs.append(-1.0 if pab == 0 else math.log(pab / (pa * pb)) / -math.log(pab))
        if pairs:
            per_topic.append(float(np.mean(pairs)))
    return float(np.mean(per_topic)) if per_topic else math.nan


def diversity(topics: list[list[str]]) -> float:
    words = [w for t in topics for w in t[:TOP_WORDS]]
    return len(set(words)) / len(words) if words else math.nan


def run_bertopic(texts: list[str], vectors: np.ndarray, top: int) -> tuple[list[list[str]], list[list[int]], float]:
    """Top words and representative documents of BERTopic's ``top`` largest topics, and its fit time."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    start = time.perf_counter()
    model = BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
                     hdbscan_model=HDBSCAN(min_cluster_size=10, metric="euclidean", prediction_data=True),
                     vectorizer_model=vectorizer((1, 1)), calculate_probabilities=False)
    topics, _ = model.fit_transform(texts, embeddings=vectors)
    elapsed = time.perf_counter() - start
    info = model.get_topic_info()
    ids = [int(t) for t in info["Topic"] if int(t) != -1][:top]
    words = [[w for w, _ in (model.get_topic(t) or [])][:TOP_WORDS] for t in ids]
    representative = model.get_representative_docs()
    index = {text: i for i, text in enumerate(texts)}
    quotes = [[index[d] for d in representative.get(t, []) if d in index] for t in ids]
    assigned = [[i for i, t in enumerate(topics) if t in ids]]  # last: every turn in a topic shown
    return words, quotes + assigned, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", default=".prodops")
    parser.add_argument("--episodes", default="", help="comma-separated episode folder names")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    if args.episodes:
        episodes = args.episodes.split(",")
    else:
        episodes = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["themes"]["episodes"]
    sources = [SOURCE.format(e) for e in episodes]
    runtime = Runtime(Settings(data_dir=Path(args.data_dir)))
    turns = participant_turns(runtime, sources)
    if not turns:
        print(f"no participant turns of those episodes in {args.data_dir}; ingest them first", file=sys.stderr)
        return 1
    texts = [t.text for t in turns]
    vectors = np.asarray(runtime.store.vectors([t.id for t in turns]), dtype=np.float32)
    counter = vectorizer((1, 1))
    docs = (counter.fit_transform(texts) > 0).tocsc()
    vocab = {w: i for i, w in enumerate(counter.get_feature_names_out())}
    sizes = np.array([len(t.split()) for t in texts], dtype=float)
    by_id = {t.id: i for i, t in enumerate(turns)}

    start = time.perf_counter()
    report = synthesize_themes(runtime, sources=sources, max_themes=args.top)
    ours_time = time.perf_counter() - start
    ours_words = [t.keywords[:TOP_WORDS] for t in report.themes]
    ours_quotes = [q for t in report.themes for q in t.quotes]
    ours_off = sum(not in_conversation(turns[by_id[q.chunk_id]]) for q in ours_quotes if q.chunk_id in by_id)
    ours_members = {i for t in report.themes for i in t.chunk_ids}
    ours_unassigned = float(sizes[[i for i, t in enumerate(turns) if t.id not in ours_members]].sum() / sizes.sum())

    bt_words, bt_sets, bt_time = run_bertopic(texts, vectors, args.top)
    bt_quotes = [i for group in bt_sets[:-1] for i in group]
    bt_off = sum(not in_conversation(turns[i]) for i in bt_quotes)
    assigned = set(bt_sets[-1]) if bt_sets else set()
    bt_unassigned = float(sizes[[i for i in range(len(texts)) if i not in assigned]].sum() / sizes.sum())

    rows = [
        ("topics shown", f"{len(ours_words)}", f"{len(bt_words)}"),
        ("NPMI of top-10 words (higher is better)", f"{npmi(ours_words, docs, vocab):.3f}",
         f"{npmi(bt_words, docs, vocab):.3f}"),
        ("topic diversity (higher is better)", f"{diversity(ours_words):.3f}", f"{diversity(bt_words):.3f}"),
        ("text unassigned", f"{ours_unassigned:.1%}", f"{bt_unassigned:.1%}"),
        ("quotes from non-conversation segments",
         f"{ours_off}/{len(ours_quotes)} = {ours_off / max(len(ours_quotes), 1):.1%}",
         f"{bt_off}/{len(bt_quotes)} = {bt_off / max(len(bt_quotes), 1):.1%}"),
        ("time (s)", f"{ours_time:.1f}", f"{bt_time:.1f}"),
    ]
    print(f"{len(turns)} participant turns of {len(episodes)} episodes, {args.top} top topics each\n")
    print(f"| {'measure':42s} | {'prodops':>18s} | {'BERTopic':>18s} |")
    print(f"|{'-' * 44}|{'-' * 20}|{'-' * 20}|")
    for name, ours, theirs in rows:
        print(f"| {name:42s} | {ours:>18s} | {theirs:>18s} |")
    print("\nprodops themes:")
    for theme in report.themes:
        words = ", ".join(theme.keywords[:6])
        print(f"  - {theme.label} ({theme.people} people, {theme.interviews} interviews): {words}")
    print("BERTopic topics:")
    for words in bt_words:
        print(f"  - {', '.join(words[:6])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
