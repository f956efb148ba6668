"""Theme labels and keywords: readable phrases that people actually said, never word fragments.

Candidates are word n-grams (1-3 words) of the theme's own turns that begin and end with a content word, with
contractions spelled out first so "isn't" can never leave "isn" behind. Keywords are ranked by class-based
TF-IDF (frequent in the theme, rare in the others, said in at least two turns), on a sparse count matrix
counted text by text (:mod:`assistant.themes.terms`: its peak stays under twice the turns' stored vectors). The
label is the candidate closest in meaning to the theme's centre (MiniLM similarity to the centroid of the
turns' vectors), among the most distinctive ones, and it must occur verbatim in the theme's quotes. A label
written by a language model is kept only when its words are found in those quotes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from assistant.text import FILLERS, STOPWORDS, stem
from assistant.themes.terms import count_terms

FRAGMENTS = frozenset(
    "isn aren wasn weren hasn haven hadn doesn don didn won wouldn couldn shouldn mustn needn ain ll ve re "
    "s t d m o y em".split()
)  # what a tokenizer leaves of a contraction: never part of a label
_CONTRACTION = re.compile(r"(?i)\b(\w+)['’](t|s|re|ve|ll|d|m)\b")
_SPELLED = {"t": "not", "s": "", "re": "are", "ve": "have", "ll": "will", "d": "would", "m": "am"}
_IRREGULAR = {"won't": "will not", "can't": "can not", "ain't": "is not", "shan't": "shall not"}
TOKEN_PATTERN = r"(?u)\b[a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z0-9]+)*\b"
_VAGUE = frozenset(
    """able also always around back bit come comes coming different done else ever every everything example
    feel felt find first give given go goes going good hard idea important interesting keep kinds large least
    less let look looking lots mean means might much never new next often part place point put quite rather
    really saying see seen seem seems set start started still take talk talked talking thought three together
    trying two understand whole wanted whatever yes well hopefully quickly making definitely usually little
    basically literally especially obviously certainly totally exactly absolutely generally somebody someone
    something anything nothing thinking doing getting came become became""".split()
)
LABEL_STOP = STOPWORDS | FILLERS | FRAGMENTS | _VAGUE
TOP_WORDS = 10


def spell_out(text: str) -> str:
    """Contractions written in full ("isn't" -> "is not", "we've" -> "we have"), possessive 's dropped."""
    def expand(match: re.Match[str]) -> str:
        whole = match.group(0).lower().replace("’", "'")
        if whole in _IRREGULAR:
            return _IRREGULAR[whole]
        stem_, suffix = match.group(1), match.group(2).lower()
        if suffix == "t" and stem_.lower().endswith("n"):
            return f"{stem_[:-1]} not"
        return f"{stem_} {_SPELLED[suffix]}".rstrip()

    return _CONTRACTION.sub(expand, text)


def vectorizer(ngrams: tuple[int, int] = (1, 1), names: Sequence[str] = (), min_df: int = 1) -> CountVectorizer:
    """The one tokenizer of theme words: contractions spelled out, stop words, fillers and people's names out."""
    name_words = {w.lower() for n in names for w in re.findall(r"[A-Za-z][A-Za-z-]+", n)}
    return CountVectorizer(ngram_range=ngrams, preprocessor=lambda t: spell_out(t).lower(),
                           token_pattern=TOKEN_PATTERN, stop_words=sorted(LABEL_STOP | name_words), min_df=min_df)


def class_tfidf(counts: sparse.csr_matrix, clusters: Sequence[Sequence[int]]) -> sparse.csr_matrix:
    """c-TF-IDF of every term per cluster (rows: clusters); only positive scores are stored, so terms said in
    fewer than two of the cluster's turns are zero. Memory follows the text, not clusters x vocabulary (178
    clusters x 115k terms was over a gigabyte dense), and the work is done one cluster at a time on its own
    rows: no cluster x term products of the whole matrix (counts, binary copy, coordinates) are held at once.
    Scores are computed in float64 with the same operations as ever, so rankings and ties do not move."""
    counts = sparse.csr_matrix(counts)  # no copy when it is one already
    overall, lengths = _totals(counts)
    sizes = np.array([float(lengths[list(c)].sum()) for c in clusters])
    average = max(float(sizes.sum()) / max(len(clusters), 1), 1.0)
    columns: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for k, cluster in enumerate(clusters):
        rows = counts[np.asarray(cluster, dtype=np.intp)]
        terms, where = np.unique(rows.indices, return_inverse=True)
        tf = np.bincount(where, weights=rows.data, minlength=len(terms))
        said = np.bincount(where, minlength=len(terms))  # turns saying it: a turn holds a term once
        idf = np.log1p(average / np.maximum(overall[terms], 1.0))
        score = tf / max(sizes[k], 1.0) * idf * (said >= min(2.0, float(len(cluster))))
        columns.append(terms[score > 0])
        values.append(score[score > 0])
    indptr = np.concatenate([[0], np.cumsum([len(c) for c in columns])]).astype(np.int64)
    return sparse.csr_matrix((np.concatenate([np.zeros(0), *values]),
                              np.concatenate([np.zeros(0, dtype=np.int64), *columns]), indptr),
                             shape=(len(clusters), counts.shape[1]))


def _totals(counts: sparse.csr_matrix, rows: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Each term's count over all texts and each text's count of terms, as float64 (exact: whole numbers far
    below 2**53). Summed ``rows`` texts at a time: ``counts.sum(axis=...)`` first copies every value to int64."""
    overall = np.zeros(counts.shape[1])
    lengths = np.zeros(counts.shape[0])
    for start in range(0, counts.shape[0], rows):
        part = counts[start:start + rows]
        overall += np.bincount(part.indices, weights=part.data, minlength=counts.shape[1])
        lengths[start:start + rows] = np.asarray(part.sum(axis=1)).ravel()
    return overall, lengths


def top_words(texts: Sequence[str], clusters: Sequence[Sequence[int]], names: Sequence[str] = (),
              top: int = TOP_WORDS) -> list[list[str]]:
    """The ``top`` most distinctive single words of each cluster (what coherence and diversity are measured on).
    The counts are made by :func:`count_terms` (bounded memory), with the same tokens as :func:`vectorizer`."""
    if not clusters:
        return []
    terms = count_terms(texts, vectorizer((1, 1), names).build_analyzer())
    scores = class_tfidf(terms.counts, clusters)
    words: list[list[str]] = []
    for k in range(scores.shape[0]):
        start, end = scores.indptr[k], scores.indptr[k + 1]
        columns, values = scores.indices[start:end], scores.data[start:end]
        order = np.lexsort((columns, -values))  # highest first; ties in vocabulary (alphabetical) order
        words.append([terms.words[columns[i]] for i in order[:top]])
    return words


def is_fragment(label: str) -> bool:
    """A label that is not a readable phrase: empty, a stop word or filler, or holding a contraction fragment."""
    words = re.findall(r"[a-z0-9]+", label.lower())
    return not words or all(w in LABEL_STOP for w in words) or any(w in FRAGMENTS for w in words)


def candidates(texts: Sequence[str], names: Sequence[str] = (), limit: int = 30) -> list[str]:
    """Phrases of 1-3 words said in at least two of ``texts``, most frequent first (longer phrases first among
    equals), none of them a fragment."""
    if len(texts) < 2:
        return []
    vec = vectorizer((1, 3), names, min_df=2)
    try:
        counts = vec.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return []
    vocab = vec.get_feature_names_out()
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    order = sorted(range(len(vocab)), key=lambda i: (-df[i], -len(str(vocab[i]).split()), str(vocab[i])))
    return [str(vocab[i]) for i in order if not is_fragment(str(vocab[i]))][:limit]


def said_in(phrase: str, texts: Sequence[str]) -> bool:
    """Whether ``phrase`` occurs verbatim (case-insensitive, whole words) in any of ``texts``."""
    pattern = re.compile(r"(?<![\w])" + r"\s+".join(map(re.escape, phrase.split())) + r"(?![\w])", re.I)
    return any(pattern.search(spell_out(t)) or pattern.search(t) for t in texts)


def pick_label(phrases: Sequence[str], keywords: Sequence[str], centre: np.ndarray,
               embed: Callable[[list[str]], np.ndarray], quotes: Sequence[str], max_phrases: int = 2) -> str:
    """The best one or two phrases: distinctive (sharing a stem with the top keywords), close to the centre in
    meaning, said verbatim in the quotes; joined with " · "."""
    stems = {stem(w) for w in keywords[:TOP_WORDS]}
    pool = [p for p in phrases if {stem(w) for w in p.split()} & stems and said_in(p, quotes)]
    pool = pool or [k for k in keywords if said_in(k, quotes)]
    if not pool:
        return ""
    vectors = embed(pool)
    centre = centre / (np.linalg.norm(centre) or 1.0)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = (vectors / np.maximum(norms, 1e-9)) @ centre
    chosen: list[str] = []
    for i in np.argsort(-similarity, kind="stable"):
        phrase = pool[int(i)]
        words = {stem(w) for w in phrase.split()}
        if any(words & {stem(w) for w in c.split()} for c in chosen):
            continue
        chosen.append(phrase)
        if len(chosen) == max_phrases:
            break
    return " · ".join(chosen)


def model_label_ok(label: str, quotes: Sequence[str]) -> bool:
    """A model's label is kept when it is short and every content word of it (by stem) occurs in the quotes."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]*", spell_out(label).lower()) if w not in LABEL_STOP]
    if not words or len(label.split()) > 10 or is_fragment(label):
        return False
    said = {stem(w) for q in quotes for w in re.findall(r"[A-Za-z][A-Za-z-]*", spell_out(q).lower())}
    return all(stem(w) in said for w in words)
