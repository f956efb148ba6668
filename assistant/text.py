"""Small text utilities shared by synthesis, grounding and themes: sentences, content terms, numbers.

Kept dependency-free and fast: they run on every answer sentence, inside the chat latency budget.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself yourselves also us get got
    one ones much many may might must shall per via""".split()
)
NEGATIONS = frozenset("not no never none nobody nothing neither nor without cannot can't won't don't doesn't didn't "
                      "isn't aren't wasn't weren't hasn't haven't shouldn't wouldn't couldn't".split())
FILLERS = frozenset(
    """yeah yes okay ok really just like think know want need lot lots thing things kind sort actually honestly
    probably maybe pretty quite right good great sure thanks thank way time times people guys stuff said say says
    tell going gonna got gets make makes made use used using work works day days week weeks month months year
    years today""".split()
)  # words people say in conversation that carry no topic: never a theme label
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*%?")
# Tokens the FTS5 index sees (its unicode61 tokenizer splits on everything but letters and digits).
FTS_TOKEN = re.compile(r"\w+", re.UNICODE)
# Tokens of a claim for the grounding checker: no hyphen joins, ordinals kept whole ("3rd"), as calibrated on WiCE.
CLAIM_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*|\d+(?:[.,]\d+)*%?(?:st|nd|rd|th)?")
SENTENCE_END = re.compile(r"[.!?…]+[\"')\]”’]*(?=\s)")  # where a sentence may end inside running text
_NUMBER = re.compile(r"(?<![\w.])[-+]?\$?\d[\d,]*(?:\.\d+)?%?")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_STEMMERS = threading.local()  # a Snowball stemmer keeps the word it is stemming on itself: one per thread


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem: "onboarding"/"onboarded" -> "onboard", "creating"/"create" -> "creat"."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def content_terms(text: str) -> list[str]:
    """Stemmed words that carry meaning (no stopwords), in order, with repeats."""
    return list(_content_terms(text))


@lru_cache(maxsize=8192)
def _content_terms(text: str) -> tuple[str, ...]:
    """Remembered per text: answering a question compares the same retrieved sentences with it and with each
    other many times over (and the same passages answer many questions)."""
    return tuple(stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1 or w.isdigit())


def numbers(text: str) -> set[str]:
    """Numbers normalised for comparison: "1,840" == "1840", "31.0%" == "31%"."""
    found = set()
    for raw in _NUMBER.findall(text):
        value = raw.replace(",", "").replace("$", "").rstrip("%").lstrip("+")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        if value and value not in {"-", "."}:
            found.add(value)
    return found


_ID_MEANINGS = (
    (re.compile(r"\bKR\s?\d", re.I), ("key", "results")),
    (re.compile(r"\bOKRs?\b"), ("objective", "key", "results")),
    (re.compile(r"\bO\d{1,2}\b"), ("objective",)),
    (re.compile(r"\b[A-Z]{2,5}-\d{1,4}\b"), ("initiative",)),
)


def id_terms(text: str) -> frozenset[str]:
    """Stems that planning ids stand for: "KR1.2" means a key result, "O3" an objective, "GRO-4" an initiative."""
    found: set[str] = set()
    for pattern, meaning in _ID_MEANINGS:
        if pattern.search(text):
            found.update(stem(w) for w in meaning)
    return frozenset(found)


def has_negation(text: str) -> bool:
    return any(w in NEGATIONS for w in words(text))


_MARKUP = re.compile(r"(\*\*|__|`|~~)")


def strip_markup(text: str) -> str:
    """Markdown emphasis and code marks removed, for display; the words stay verbatim."""
    return _MARKUP.sub("", text).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph (or of each line), trimmed; bullets and headings count as sentences."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-*• ").strip()
        if not line or set(line) <= {"#", "-", "=", "|", " "}:
            continue
        sentences.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return sentences


METRIC_GLOSSARY = {
    "fts": "first-time sessions", "dau": "daily active users", "wau": "weekly active users",
    "mau": "monthly active users", "mrr": "monthly recurring revenue", "arr": "annual recurring revenue",
    "nrr": "net revenue retention", "grr": "gross revenue retention", "nps": "net promoter score",
    "csat": "customer satisfaction score", "cac": "customer acquisition cost", "ltv": "customer lifetime value",
    "arpu": "average revenue per user", "p50": "median (p50)", "p95": "95th percentile (p95)",
    "p99": "99th percentile (p99)", "ms": "in milliseconds", "pct": "percent", "qoq": "quarter over quarter",
    "mom": "month over month", "yoy": "year over year",
}


def _metric_words(raw: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", raw.strip())
    return [w for w in re.split(r"[^A-Za-z0-9.%]+", spaced) if w]


def humanize_metric(name: str) -> str:
    """``weekly_active_users`` -> "weekly active users"; ``fts`` -> "first-time sessions"."""
    words = [METRIC_GLOSSARY.get(w.lower(), w.lower()) for w in _metric_words(name)]
    return " ".join(words) or name.strip()


def format_number(value: float, percent: bool = False) -> str:
    """Thousands separators; decimals kept only where they carry information (0.312, 4.25, 1,840).

    Metric summaries and computed metric answers both use this, so the figures an answer states appear
    verbatim in the chunk it cites.
    """
    if abs(value - round(value)) < 1e-9 and abs(value) < 1e15:
        text = f"{round(value):,}"
    elif abs(value) >= 1:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.4g}"
    return text + ("%" if percent else "")


_PLACEHOLDER = re.compile(
    r"\b[A-Z][a-z]+ [XYZ]\b(?![\w'])|\bX{2,}\b|\b(?:TBD|TBA|TODO|FIXME)\b|(?i:lorem ipsum)|<[a-z][\w ]*>|"
    r"\{\{.*?\}\}|\[(?i:name|owner|date|insert[^\]]*|link|tbd|x+)\]"
)


def is_placeholder(text: str) -> bool:
    """Template text not filled in: "Teammate X", "VP of XXX", "TBD", "<name>", "{{owner}}", "[insert date]".

    Such a sentence states nothing, so it is never an answer or a draft sentence."""
    return bool(_PLACEHOLDER.search(text))


STATUS_WORDS = {
    "🟢": "on track", "✅": "done", "✔️": "done", "✔": "done", "☑️": "done", "🟡": "at risk", "⚠️": "at risk",
    "🟠": "at risk", "🔴": "off track", "❌": "not done", "⛔": "blocked", "🚫": "blocked", "⚪": "not started",
    "⏳": "in progress", "🚧": "in progress", "🔵": "in progress", "⏸️": "paused",
}
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def status_words(text: str) -> str:
    """Status emoji spelled out ("🟢" -> "on track"), so a status shown only as a symbol can be read and matched."""
    for symbol, words in STATUS_WORDS.items():
        text = text.replace(symbol, f" {words} ")
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def table_cells(line: str) -> list[str]:
    """The cells of a Markdown table row, links reduced to their text and markup removed."""
    inner = line.strip().strip("|")
    return [strip_markup(_LINK.sub(r"\1", cell)).strip() for cell in inner.split("|")]


def is_table_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") and stripped.count("|") >= 2 and not set(stripped) <= set("|-: ")


def render_row(row: str, header: str | None) -> str:
    """A table row as "Column: value; Column: value" (status emoji in words); without a header, the cells."""
    cells = [status_words(c) for c in table_cells(row)]
    names = table_cells(header) if header else []
    if len(names) == len(cells):
        return "; ".join(f"{n}: {c}" for n, c in zip(names, cells, strict=True) if c and n)
    return "; ".join(c for c in cells if c)


def term_in(term: str, terms: set[str] | frozenset[str]) -> bool:
    """A stemmed term found in ``terms`` exactly or as one part of a compound or abbreviation of the other
    ("teammat" ~ "team", "repo" ~ "repositori"): people write the same thing in both shapes."""
    return term in terms or (len(term) >= 4 and any(len(t) >= 4 and (t.startswith(term) or term.startswith(t))
                                                    for t in terms))
