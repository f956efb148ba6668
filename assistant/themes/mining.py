"""The numeric parts of theme synthesis: clustering turn vectors, c-TF-IDF labels, quote picking, polarity.

Kept apart from :mod:`assistant.themes.report` (which deals in chunks, customers and reports) so each piece can be
tested on plain arrays and strings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.feature_extraction.text import CountVectorizer

from assistant.safety import looks_like_injection, neutralize_markers, shown_text
from assistant.schemas import Chunk
from assistant.text import FILLERS, STOPWORDS, split_sentences

AGGLOMERATIVE_LIMIT = 4000  # above this, average-linkage memory (n^2) gives way to k-means
DISTANCE_THRESHOLD = 0.6  # cosine distance at which two groups of turns stop being one theme
STOP_WORDS = sorted(STOPWORDS | FILLERS)
_POSITIVE = re.compile(
    r"\b(love[sd]?(?!\s+to\b)|works? (well|fine|great)|great|fine|prefer(able|red)?|happy|easy|predictable|"
    r"helps?|helped|like it|good for us|no complaints?|worth it|defend)\b",
    re.I,
)
_NEGATIVE = re.compile(
    r"\b(pain(ful)?|frustrat\w*|hate[sd]?|slow|expensive|problem\w*|annoy\w*|waste\w*|broken|fail\w*|"
    r"time[sd]? out|can't|cannot|won't|complain\w*|hard|difficult|costs? (us|me)|gets me|embarrass\w*|"
    r"worr\w*|risk\w*|struggl\w*|manual(ly)?|by hand|stuck|blocker|dealbreaker)\b",
    re.I,
)


def cluster_turns(vectors: np.ndarray, threshold: float = DISTANCE_THRESHOLD) -> list[list[int]]:
    """Groups of row indices; deterministic for the same input order."""
    n = len(vectors)
    if n < 2:
        return [[i] for i in range(n)]
    if n <= AGGLOMERATIVE_LIMIT:
        labels = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
        ).fit_predict(vectors)
    else:
        k = max(2, int(math.sqrt(n / 2)))
        labels = KMeans(n_clusters=k, random_state=0, n_init=3).fit_predict(vectors)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda g: g[0])


def label_clusters(
    all_texts: Sequence[str], clusters: Sequence[Sequence[int]], top: int = 5, names: Sequence[str] = ()
) -> list[tuple[str, list[str]]]:
    """(label, keywords) per cluster of ``all_texts`` indices, by class-based TF-IDF: words frequent in the
    cluster and rare elsewhere, said in at least two of the cluster's turns (not one talkative answer)."""
    if not clusters:
        return []
    # People's and companies' names say who spoke, not what about.
    name_words = {w.lower() for name in names for w in re.findall(r"[A-Za-z][A-Za-z-]+", name)}
    vectorizer = CountVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted(set(STOP_WORDS) | name_words),
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z-]{2,}\b",
    )
    counts = vectorizer.fit_transform(all_texts).tocsr()
    vocab = vectorizer.get_feature_names_out()
    per_cluster = np.vstack([np.asarray(counts[list(c)].sum(axis=0)).ravel() for c in clusters]).astype(float)
    spread = np.vstack([np.asarray((counts[list(c)] > 0).sum(axis=0)).ravel() for c in clusters])
    overall = np.asarray(counts.sum(axis=0)).ravel().astype(float)
    average_words = max(per_cluster.sum() / len(clusters), 1.0)
    tf = per_cluster / np.maximum(per_cluster.sum(axis=1, keepdims=True), 1.0)
    scores = tf * np.log1p(average_words / np.maximum(overall, 1.0))
    needed = np.minimum(2, np.array([[len(c)] for c in clusters]))
    scores = scores * (spread >= needed)
    labels: list[tuple[str, list[str]]] = []
    for row in scores:
        keywords: list[str] = []
        for i in np.argsort(-row, kind="stable"):
            if row[i] <= 0 or len(keywords) == top:
                break
            word = str(vocab[i])
            if not any(word in k or k in word for k in keywords):  # "csv" beside "csv export" adds nothing
                keywords.append(word)
        labels.append((" · ".join(keywords[:3]) or "miscellaneous", keywords))
    return labels


def polarity(text: str) -> int:
    """+1, 0 or -1: is the customer happy or unhappy with what they talk about (a small lexicon)."""
    score = len(_POSITIVE.findall(text)) - len(_NEGATIVE.findall(text))
    return (score > 0) - (score < 0)


def _best_sentence(text: str, keywords: Sequence[str]) -> str:
    sentences = [
        s
        for s in split_sentences(text)
        if 6 <= len(s.split()) <= 60 and not s.endswith("?") and not looks_like_injection(s)
    ]
    if not sentences:
        return shown_text(text).strip()
    lowered = [s.lower() for s in sentences]
    scores = [sum(1 for k in keywords if k in s) for s in lowered]
    return neutralize_markers(sentences[int(np.argmax(scores))])


def pick_quotes(
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    centre: np.ndarray,
    keywords: Sequence[str],
    customer_of: Callable[[Chunk], str],
    limit: int = 5,
) -> list[tuple[Chunk, str]]:
    """Up to ``limit`` verbatim sentences from the turns nearest the theme's centre, one customer at a time."""
    if not len(chunks):
        return []
    centre = centre / (np.linalg.norm(centre) or 1.0)
    order = np.argsort(-(vectors @ centre), kind="stable")
    chosen: list[tuple[Chunk, str]] = []
    seen: set[str] = set()
    for pass_number in (0, 1):
        for i in order:
            chunk = chunks[int(i)]
            customer = customer_of(chunk)
            if len(chosen) >= limit or (pass_number == 0 and customer in seen):
                continue
            if any(c.id == chunk.id for c, _ in chosen):
                continue
            chosen.append((chunk, _best_sentence(chunk.text, keywords)))
            seen.add(customer)
        if len(chosen) >= min(limit, 2):
            break
    return chosen
