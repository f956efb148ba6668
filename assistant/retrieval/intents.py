"""What a question is about, from its wording, to steer retrieval toward the right kind of source.

A PM asking "which objective does X serve?" wants strategy docs and roadmaps even when interviews mention X more
often; "what do customers say about X?" wants what customers said, not what interviewers asked. Each detected
intent adds one extra ranking (restricted to the matching sources) to the fusion; it never removes candidates.
"""

from __future__ import annotations

import re

from assistant.schemas import Kind, SearchFilters

_ALIGNMENT = re.compile(
    r"\b(objectives?|okrs?|key results?|krs?|kr\d|o\d|initiatives?|roadmaps?|strateg(y|ic|ies)|goals?|priorit(y|ies)|"
    r"bets?|serves?|serving|aligned?|alignment|owns?|owner)\b",
    re.I,
)
_CUSTOMER = re.compile(
    r"\b(customers?|clients?|users?|interview(s|ees?)?|prospects?|accounts? said|say|says|said|complain\w*|"
    r"feedback|pain( points?)?|asked for|requests?|quotes?|heard|mention\w*|frustrat\w*|love|hate)\b",
    re.I,
)
_METRIC = re.compile(
    r"\b(how (much|many)|metrics?|numbers?|kpis?|trend\w*|change[sd]?|move[sd]?|moving|latest|current(ly)?|"
    r"grow(th|n)?|grew|increase[sd]?|decrease[sd]?|dropp?\w*|decline[sd]?|rose|fell|number of|percent(age)?|rate|"
    r"trajectory|weekly|monthly|quarterly)\b",
    re.I,
)


def is_metric_question(question: str) -> bool:
    """Whether the question asks about a quantity: the one test behind both the metric-report boost and the
    computed metric answer."""
    return bool(_METRIC.search(question))


def boost_filters(question: str, known: dict[str, set[str]] | None = None) -> list[SearchFilters]:
    """Extra rankings to fuse for this question (possibly none).

    ``known`` maps "company" / "participant" to the lower-cased names in the index; a question naming one gets
    a ranking restricted to that customer's interviews.
    """
    boosts: list[SearchFilters] = []
    lowered = question.lower()
    for field, names in (known or {}).items():
        named = sorted(n for n in names if len(n) > 2 and re.search(rf"\b{re.escape(n)}\b", lowered))
        if named and field == "company":
            boosts.append(SearchFilters(companies=named))
        elif named and field == "participant":
            boosts.append(SearchFilters(participants=named))
    if _ALIGNMENT.search(question):
        boosts.append(SearchFilters(kinds=[Kind.STRATEGY]))
    if _CUSTOMER.search(question):
        boosts.append(SearchFilters(kinds=[Kind.INTERVIEW], customer_turns_only=True))
    if is_metric_question(question):
        boosts.append(SearchFilters(kinds=[Kind.METRICS]))
    return boosts


def combine(user: SearchFilters, boost: SearchFilters) -> SearchFilters | None:
    """The boost narrowed by the user's own filters, or None when they exclude each other."""
    if user.kinds and boost.kinds and not set(user.kinds) & set(boost.kinds):
        return None
    kinds = [k for k in boost.kinds if not user.kinds or k in user.kinds] or user.kinds
    return user.model_copy(
        update={
            "kinds": kinds,
            "customer_turns_only": user.customer_turns_only or boost.customer_turns_only,
            "companies": user.companies or boost.companies,
            "participants": user.participants or boost.participants,
        }
    )
