"""Grouping turns into themes: k-means on what each turn means and the words it uses, with no catch-all.

A turn is represented by its own-words MiniLM vector beside a 100-dimensional reduction (truncated SVD of the
sparse TF-IDF matrix) of its words: sentence vectors alone group turns by register ("career advice", "how PMs
work"), while shared specific words (roadmap, OKRs, experiments) are what a researcher calls a theme. k-means
keeps memory linear in the number of turns (average-linkage clustering needs n² distances), and is
deterministic with a fixed seed. A cluster holding more than ``max_share`` of all turns is split again until
none does, so a vague "everything" cluster cannot dominate; clusters whose turns are not close to each other
(low mean similarity to their centre) are reported as "other", not as themes. A cluster that holds a small,
specific subject beside unrelated turns is split on the subject's own word (:func:`split_by_keyword`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer

from assistant.text import content_terms, stem
from assistant.themes.labels import top_words, vectorizer
from assistant.themes.ranking import Background, cohesion_beyond_chance
from assistant.themes.terms import count_terms

MAX_SHARE = 0.12  # of all turns in one theme
MIN_COHESION = 0.30  # mean cosine of a theme's turns to its centre: below it, the group says nothing in common
_MINIBATCH_FROM = 20000
ADOPT_AT = 0.6  # centroid cosine from which a one-interview group joins its nearest group
MERGE_AT = 0.8  # centroid cosine (in the joint space) from which two groups are one subject
WORD_WEIGHT = 2.0  # weight of the words' reduction beside the sentence vector
_WORD_DIMS = 100
CLUSTERS_PER_ROOT = 1.2  # k-means k = this x sqrt(turns), before splitting and merging
OWNED_SHARE = 0.5  # of all turns saying a cluster's top word, held by it, for the cluster to split on that word
MIN_PART = 4  # turns in each part of such a split
MIXED_AT = 0.4  # a cluster agreeing less than this times its keyword turns is two subjects (calibrated: see _mixed)


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


def _kmeans(vectors: np.ndarray, k: int) -> np.ndarray:
    if len(vectors) >= _MINIBATCH_FROM:
        return MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3, batch_size=4096).fit_predict(vectors)
    return KMeans(n_clusters=k, random_state=0, n_init=4).fit_predict(vectors)


def _groups(labels: np.ndarray, members: np.ndarray) -> list[np.ndarray]:
    return [members[labels == label] for label in np.unique(labels)]


def features(vectors: np.ndarray, texts: Sequence[str], groups: Sequence[str] = ()) -> np.ndarray:
    """Each turn's unit sentence vector beside its weighted, unit-length word reduction. Words said in one
    interview only (``groups``: each turn's interview) are left out: they would pull an interview's turns
    together (its places, products, people), and a theme is what recurs across interviews."""
    unit = normalise(np.asarray(vectors, dtype=np.float32))
    counts = count_terms(texts, vectorizer((1, 1)).build_analyzer(), min_df=2).counts.tocsc()
    if counts.shape[1] == 0:  # too few words in common: the sentence vectors alone
        return unit
    if len(groups) == len(texts):
        names = sorted(set(groups))
        index = {g: i for i, g in enumerate(names)}
        member = sparse.csr_matrix((np.ones(len(groups)), ([index[g] for g in groups], range(len(groups)))),
                                   shape=(len(names), len(groups)))
        spread = np.asarray(((member @ (counts > 0).astype(float)) > 0).sum(axis=0)).ravel()
        counts = counts[:, np.flatnonzero(spread >= 2)]
        if counts.shape[1] < 3:
            return unit
    dims = min(_WORD_DIMS, counts.shape[1] - 1, len(texts) - 1)
    if dims < 2:
        return unit
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    words = normalise(TruncatedSVD(dims, random_state=0).fit_transform(tfidf).astype(np.float32))
    return normalise(np.hstack([unit, WORD_WEIGHT * words]))


def breadth(people: Sequence[str]) -> float:
    """The effective number of people behind a group of turns (exp of the entropy of turns per person): ten
    turns from one talkative guest and one each from two others count as about 1.6 people, not 3."""
    counts = np.array(list(Counter(people).values()), dtype=float)
    if not len(counts):
        return 0.0
    shares = counts / counts.sum()
    return float(np.exp(-(shares * np.log(shares)).sum()))


def cluster_turns(vectors: np.ndarray, max_share: float = MAX_SHARE, texts: Sequence[str] = (),
                  groups: Sequence[str] = ()) -> list[list[int]]:
    """Groups of row indices (each sorted), in order of their first row; deterministic for the same input.
    With ``texts`` (and each turn's interview in ``groups``), words shared across interviews join the vectors."""
    n = len(vectors)
    unit = features(vectors, texts, groups) if len(texts) == n else normalise(np.asarray(vectors, dtype=np.float32))
    if n < 4:  # too few turns for k-means: only near-identical subjects are joined
        return sorted(_merge_similar([[i] for i in range(n)], unit, 4), key=lambda g: g[0])
    k = int(min(max(2, round(math.sqrt(n) * CLUSTERS_PER_ROOT)), max(2, n // 3), 120))
    pending = _groups(_kmeans(unit, k), np.arange(n))
    cap = max(4, int(max_share * n))
    done: list[np.ndarray] = []
    while pending:
        group = pending.pop()
        if len(group) <= cap:
            done.append(group)
            continue
        parts = _groups(_kmeans(unit[group], max(2, math.ceil(len(group) / cap))), group)
        if len(parts) < 2:  # identical vectors: split by position rather than loop
            parts = [group[: len(group) // 2], group[len(group) // 2 :]]
        pending.extend(parts)
    merged = _merge_similar([sorted(int(i) for i in g) for g in done], unit, cap)
    if len(groups) == n:
        merged = _adopt_single_interview_groups(merged, unit, cap, groups)
        merged = split_by_keyword(merged, np.asarray(vectors, dtype=np.float32), texts, groups)
    return sorted(merged, key=lambda g: g[0])


def _mixed(vectors: np.ndarray, inside: list[int], cluster: list[int], background: Background) -> bool:
    """Whether the rest of a cluster dilutes the turns saying its word: the whole agrees (beyond chance) less
    than MIXED_AT times as much as those turns alone. One subject with varied wording (SSO turns that say "Okta"
    or "Entra") stays above it; a subject filed with unrelated turns falls well below."""
    return cohesion_beyond_chance(vectors[cluster], background) < MIXED_AT * cohesion_beyond_chance(vectors[inside],
                                                                                                    background)


def split_by_keyword(clusters: list[list[int]], vectors: np.ndarray, texts: Sequence[str],
                     interviews: Sequence[str]) -> list[list[int]]:
    """k-means often files a small, specific subject together with unrelated turns (nine turns on AI beside
    nine on coaching): too mixed to rank, though the subject is plain in the words. A cluster is split into the
    turns saying its most distinctive word and the rest when that word is mostly said there (at least
    OWNED_SHARE of all turns saying it), the turns saying it come from at least two interviews, both parts
    have MIN_PART turns, and the rest dilutes them (:func:`_mixed`)."""
    if len(clusters) < 2:
        return clusters
    said = [set(content_terms(t)) for t in texts]
    background = Background.of(texts, vectors)
    out: list[list[int]] = []
    for cluster, words in zip(clusters, top_words(texts, clusters), strict=True):
        word = stem(words[0]) if words else ""
        inside = [i for i in cluster if word in said[i]]
        rest = [i for i in cluster if word not in said[i]]
        owned = len(inside) / max(1, sum(word in s for s in said))
        if (word and min(len(inside), len(rest)) >= MIN_PART and owned >= OWNED_SHARE
                and len({interviews[i] for i in inside}) >= 2
                and _mixed(vectors, inside, cluster, background)):
            out += [inside, rest]
        else:
            out.append(cluster)
    return out


def _adopt_single_interview_groups(groups: list[list[int]], unit: np.ndarray, cap: int,
                                   interviews: Sequence[str]) -> list[list[int]]:
    """A group from one interview only can never be a theme (a theme recurs across people); on small corpora
    k-means often cuts by interview. Such a group joins its most similar group when their centres are close
    (ADOPT_AT) and the result stays under the cap; otherwise it stays apart (and is reported as "other")."""
    changed = True
    while changed and len(groups) > 1:
        changed = False
        centres = normalise(np.vstack([unit[g].mean(axis=0) for g in groups]))
        for a, group in enumerate(groups):
            if len({interviews[i] for i in group}) > 1:
                continue
            sims = centres @ centres[a]
            sims[a] = -1.0
            for b in np.argsort(-sims):
                if sims[b] < ADOPT_AT:
                    break
                if len(groups[b]) + len(group) <= cap:
                    groups[b] = sorted(groups[b] + group)
                    del groups[a]
                    changed = True
                    break
            if changed:
                break
    return groups


def _merge_similar(groups: list[list[int]], unit: np.ndarray, cap: int) -> list[list[int]]:
    """Join the two most similar groups (centroid cosine at least MERGE_AT) while the result stays under the
    cap: k-means cuts a big subject into pieces ("seat price", "seasonal staff", "cheaper seats")."""
    while len(groups) > 1:
        centres = normalise(np.vstack([unit[g].mean(axis=0) for g in groups]))
        sims = centres @ centres.T
        np.fill_diagonal(sims, -1.0)
        sizes = np.array([len(g) for g in groups])
        sims[(sizes[:, None] + sizes[None, :]) > cap] = -1.0
        a, b = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[a, b] < MERGE_AT:
            break
        groups[a] = sorted(groups[a] + groups[b])
        del groups[b]
    return groups


def cohesion(vectors: np.ndarray) -> float:
    """Mean cosine similarity of a group's vectors to their centre."""
    unit = normalise(np.asarray(vectors, dtype=np.float32))
    centre = unit.mean(axis=0)
    centre /= np.linalg.norm(centre) or 1.0
    return float((unit @ centre).mean())
