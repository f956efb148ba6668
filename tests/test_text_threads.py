"""Text utilities are called from every API worker thread at once: their answers must not depend on that.

Found under the load benchmark's warm-up: one stemmer shared by all threads keeps the word it is working on in
itself, so two requests stemming at once read each other's word (an IndexError, i.e. an HTTP 500, or a wrong
stem silently).
"""

from __future__ import annotations

import random
import string
from concurrent.futures import ThreadPoolExecutor

import snowballstemmer

from assistant.text import content_terms, stem

SUFFIXES = ("ational", "ization", "fulness", "iveness", "ements", "ingly", "ations", "ousness", "alism", "s", "ed")


def _fresh_words(count: int, seed: int) -> list[str]:
    """Made-up words (so none is in stem's cache yet) long enough to walk the stemmer through every step."""
    rng = random.Random(seed)
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 12))) + rng.choice(SUFFIXES)
            for _ in range(count)]


def test_stemming_from_many_threads_gives_the_stems_of_one_thread() -> None:
    words = _fresh_words(40_000, seed=7)
    reference = snowballstemmer.stemmer("english")
    expected = [reference.stemWord(w) for w in words]
    chunks = [words[i::8] for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda part: [stem(w) for w in part], chunks))
    got = {w: s for part, stems in zip(chunks, results, strict=True) for w, s in zip(part, stems, strict=True)}
    wrong = [(w, got[w], e) for w, e in zip(words, expected, strict=True) if got[w] != e]
    assert wrong == [], f"{len(wrong)} words stemmed wrongly under threads, e.g. {wrong[:3]}"


def test_content_terms_of_concurrent_answers_match_a_single_thread() -> None:
    fresh = _fresh_words(6_000, seed=11)
    sentences = [" ".join(fresh[i : i + 12]) for i in range(0, len(fresh), 12)]
    expected = [[snowballstemmer.stemmer("english").stemWord(w) for w in s.split()] for s in sentences]
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(content_terms, sentences))
    assert got == expected
