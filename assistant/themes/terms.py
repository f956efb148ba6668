"""Document-term counts in memory that follows the counts themselves, not the tokens behind them.

sklearn's ``CountVectorizer.fit_transform`` gives the right counts but builds them wastefully: an index array
holding one entry per token of the whole corpus, int64 values, then sorted copies of both. On 12,000 interview
turns that was about 44 MiB, most of the theme keywords' peak and more than twice the turns' stored vectors.

:func:`count_terms` produces the same matrix (the same analyzer, so the same tokens; columns in alphabetical
order; entries sorted within each row; ``min_df`` applied the same way) from one text at a time: each text's
tokens are counted on their own and appended to growing int32 buffers, so the corpus is never held as tokens.
The buffers become the matrix without a copy, and the alphabetical renumbering is done in place, a slice at a
time. What remains is the counts (8 bytes per stored entry) and one copy of each distinct word.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

_SLICE = 1 << 16  # entries renumbered per step: bounds the temporary arrays of the in-place pass


@dataclass(frozen=True)
class TermCounts:
    """Counts of each term (column) in each text (row), and the term of each column, in alphabetical order
    (so that ties broken by column are broken alphabetically, as with ``CountVectorizer``)."""

    counts: sparse.csr_matrix  # int32 indices and values
    words: list[str]


def count_terms(texts: Iterable[str], analyze: Callable[[str], Sequence[str]], min_df: int = 1) -> TermCounts:
    """The counts ``CountVectorizer(..., min_df=min_df).fit_transform(texts)`` gives for the vectorizer whose
    ``build_analyzer()`` is ``analyze``, and its feature names. Where it raises ValueError when no term is left,
    this returns a matrix with no columns and leaves the caller to decide what that means."""
    index: dict[str, int] = {}  # word -> column in order of first use; renumbered alphabetically at the end
    columns, values = array("i"), array("i")  # grown in place: no per-token list, no concatenated copies
    ends = array("q", [0])
    for text in texts:
        said = Counter(analyze(text))
        columns.extend(index.setdefault(word, len(index)) for word in said)
        values.extend(said.values())
        ends.append(len(columns))
    words = list(index)
    del index  # the dictionary is the largest part of the vocabulary: only the words themselves are kept
    indices = np.frombuffer(columns, dtype=np.intc) if len(columns) else np.zeros(0, dtype=np.intc)  # C int:
    data = np.frombuffer(values, dtype=np.intc) if len(values) else np.zeros(0, dtype=np.intc)  # int32
    indptr = np.frombuffer(ends, dtype=np.int64)
    if indptr[-1] < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    df = np.zeros(len(words), dtype=np.int64)  # texts saying each term: each text holds a term once
    for start in range(0, len(indices), _SLICE):  # bincount copies its input to int64: a slice at a time
        df += np.bincount(indices[start:start + _SLICE], minlength=len(words))
    alphabetical, kept = _alphabetical(words, df, min_df)
    dropped = _renumber(indices, data, alphabetical)
    counts = sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(kept)), copy=False)
    if dropped:
        counts.eliminate_zeros()  # in place: the dropped terms' entries were zeroed by _renumber
    counts.sort_indices()  # in place
    return TermCounts(counts, [words[i] for i in kept])


def _alphabetical(words: list[str], df: np.ndarray, min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """Each first-use column's new column (-1 when said in fewer than ``min_df`` texts), and the first-use
    columns kept, in alphabetical order. Sorting an object array compares the words themselves (code points, as
    ``sorted`` does) without building a fixed-width string array as long as the longest word."""
    order = np.argsort(np.array(words, dtype=object), kind="stable") if words else np.zeros(0, dtype=np.intp)
    kept = order[df[order] >= min_df]
    new = np.full(len(words), -1, dtype=np.int32)
    new[kept] = np.arange(len(kept), dtype=np.int32)
    return new, kept


def _renumber(indices: np.ndarray, data: np.ndarray, new: np.ndarray) -> bool:
    """Replaces each first-use column in ``indices`` by its new column, in place, a slice at a time; entries of
    dropped terms get value 0 (and a valid column) so that ``eliminate_zeros`` removes them. Whether any did."""
    dropped = False
    for start in range(0, len(indices), _SLICE):
        part = new[indices[start:start + _SLICE]]
        gone = part < 0
        if gone.any():
            dropped = True
            part[gone] = 0
            data[start:start + _SLICE][gone] = 0
        indices[start:start + _SLICE] = part
    return dropped
