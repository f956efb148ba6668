"""The customer-contact ledger: who was interviewed, when, by which team, and whether to wait before asking again.

Customers get tired of being interviewed by three teams in a month, and research already done often answers a
new study's questions. The ledger is built from interview metadata (one entry per interview, from the first
chunk of each interview source, which carries the source-level fields), only for sources the caller may
read. A check for a planned contact applies two documented rules from settings: a rest period after any
contact with the person or the company, and a per-quarter cap on a company's interviews.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Field

from assistant.access import chunk_readable
from assistant.periods import quarter_of
from assistant.reports import Format, render
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.safety import shown_text
from assistant.schemas import Chunk, Kind, SearchFilters
from assistant.store.filters import chroma_where

RELATED_HITS = 5


class Contact(BaseModel):
    """One interview: the customer person and company, the Fernhill side, and where it is recorded."""

    date: dt.date | None
    company: str | None
    person: str | None = Field(description="The interview's participant (the customer).")
    role: str | None = None
    interviewer: str | None = None
    team: str | None = None
    source: str
    title: str = ""
    chunk_id: str = Field(description="The interview's first chunk, to cite it.")


class ContactLedger(BaseModel):
    contacts: list[Contact] = Field(default_factory=list)
    company: str | None = None
    person: str | None = None
    companies: int = Field(default=0, description="Distinct companies among the contacts listed.")


class Research(BaseModel):
    """Existing research that may already answer a planned interview's questions."""

    source: str
    chunk_id: str
    title: str = ""
    date: dt.date | None = None
    company: str | None = None
    person: str | None = None
    text: str = Field(default="", description="The matching passage (topic hits) or empty (same-company hits).")
    why: str


class ContactCheck(BaseModel):
    """The answer to "can I talk to this customer on this date?"."""

    company: str
    person: str | None = None
    team: str | None = None
    on: dt.date
    warning: bool
    reason: str
    reasons: list[str] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list, description="Every interview with the company.")
    quarter: str
    quarter_contacts: int
    rest_days: int
    max_per_quarter: int
    related_research: list[Research] = Field(default_factory=list)


class ContactsReport(BaseModel):
    """What `prodops contacts` renders: the ledger and, for a check, its verdict."""

    ledger: ContactLedger
    check: ContactCheck | None = None


def _norm(text: str | None) -> str:
    """Lowercase words only, "&" read as "and": "Summit Lift & Elevator" matches "summit lift and elevator"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower().replace("&", " and ")).split())


def matches(query: str | None, value: str | None) -> bool:
    """Case-insensitive partial match; an empty query matches everything."""
    wanted = _norm(query)
    return not wanted or wanted in _norm(value)


def _contact(chunk: Chunk) -> Contact:
    meta = chunk.meta
    day = dt.date.fromisoformat(meta.date[:10]) if meta.date else None
    return Contact(date=day, company=meta.company, person=meta.participant, role=meta.role,
                   interviewer=meta.interviewer, team=meta.team, source=meta.source, title=meta.title,
                   chunk_id=chunk.id)


def all_contacts(runtime: Runtime, scope: list[str] | None = None) -> list[Contact]:
    """One entry per fully ingested interview the caller may read, oldest first."""
    complete = {r.path for r in runtime.store.sources() if r.kind is Kind.INTERVIEW and r.complete}
    where = chroma_where(SearchFilters(kinds=[Kind.INTERVIEW]), scope)
    first_chunks = {"$and": [where, {"position": 0}]} if where else {"position": 0}
    contacts = [_contact(c) for c in runtime.store.iter_chunks(where=first_chunks)
                if chunk_readable(c, scope) and c.meta.source in complete]
    return sorted(contacts, key=lambda c: (c.date or dt.date.max, c.source))


def ledger(runtime: Runtime, company: str | None = None, person: str | None = None,
           scope: list[str] | None = None) -> ContactLedger:
    """The contacts in scope, optionally narrowed to a company and/or person (partial, case-insensitive)."""
    found = [c for c in all_contacts(runtime, scope) if matches(company, c.company) and matches(person, c.person)]
    return ContactLedger(contacts=found, company=company, person=person,
                         companies=len({_norm(c.company) for c in found if c.company}))


def _describe(c: Contact) -> str:
    who = f"{c.person} ({c.company})" if c.person else c.company or c.source
    return f"{who} on {c.date} by {c.team or 'an unknown team'}"


def check(runtime: Runtime, company: str, person: str | None = None, team: str | None = None,
          on: dt.date | None = None, topics: str | None = None, scope: list[str] | None = None) -> ContactCheck:
    """Whether a planned contact respects the rest period and quarterly cap, with history and related research.

    Rules (``settings.contact_rest_days`` = R, ``settings.contact_max_per_quarter`` = M): warn when the person,
    or anyone at the company, was interviewed between R days before ``on`` and ``on``; and when the company's
    interviews in ``on``'s calendar quarter, plus this planned one, would be more than M. ``on`` defaults to
    today's date.
    """
    settings = runtime.settings
    on = on or dt.date.today()
    history = [c for c in all_contacts(runtime, scope) if matches(company, c.company)]
    reasons = []
    recent = [c for c in history if c.date and 0 <= (on - c.date).days <= settings.contact_rest_days]
    for c in recent:
        days = (on - c.date).days if c.date else 0
        who = "this person" if person and matches(person, c.person) else "this company"
        reasons.append(f"{who} was interviewed {days} days before {on}: {_describe(c)} "
                       f"(rest period {settings.contact_rest_days} days)")
    quarter = quarter_of(on)
    in_quarter = [c for c in history if c.date and quarter_of(c.date) == quarter]
    if len(in_quarter) + 1 > settings.contact_max_per_quarter:
        dates = ", ".join(str(c.date) for c in in_quarter)
        reasons.append(f"the company already had {len(in_quarter)} interviews in {quarter} ({dates}); one more "
                       f"would exceed the limit of {settings.contact_max_per_quarter} per quarter")
    if reasons:
        reason = "; ".join(reasons)
        reason = reason[0].upper() + reason[1:] + "."
    else:
        reason = (f"No interview with {company} in the {settings.contact_rest_days} days before {on}, and "
                  f"{len(in_quarter)} in {quarter} (limit {settings.contact_max_per_quarter}).")
    return ContactCheck(company=company, person=person, team=team, on=on, warning=bool(reasons), reason=reason,
                        reasons=reasons, contacts=history, quarter=quarter, quarter_contacts=len(in_quarter),
                        rest_days=settings.contact_rest_days, max_per_quarter=settings.contact_max_per_quarter,
                        related_research=related_research(runtime, history, topics, scope))


def related_research(runtime: Runtime, history: list[Contact], topics: str | None = None,
                     scope: list[str] | None = None, k: int = RELATED_HITS) -> list[Research]:
    """Earlier interviews with the company, then the best customer answers on ``topics`` (one per interview)."""
    found = [Research(source=c.source, chunk_id=c.chunk_id, title=c.title, date=c.date, company=c.company,
                      person=c.person, why="earlier interview with this company") for c in history]
    if not topics or not topics.strip():
        return found
    filters = SearchFilters(kinds=[Kind.INTERVIEW], customer_turns_only=True)
    seen: set[str] = set()
    for hit in HybridRetriever(runtime).search(topics, k=k * 3, filters=filters, scope=scope, diversify=False):
        meta = hit.chunk.meta
        text = shown_text(hit.chunk.text)
        if meta.source in seen or not text:
            continue
        seen.add(meta.source)
        found.append(Research(source=meta.source, chunk_id=hit.chunk.id, title=meta.title,
                              date=dt.date.fromisoformat(meta.date[:10]) if meta.date else None,
                              company=meta.company, person=meta.participant, text=text,
                              why=f"customer answer on: {topics.strip()}"))
        if len(seen) >= k:
            break
    return found


def check_json(result: ContactCheck) -> dict[str, object]:
    """The `prodops contacts check --json` contract: warning, reason, contacts[date, team, person, source]."""
    return {
        "warning": result.warning,
        "reason": result.reason,
        "contacts": [{"date": c.date.isoformat() if c.date else None, "team": c.team, "person": c.person,
                      "source": c.source, "company": c.company, "interviewer": c.interviewer,
                      "chunk_id": c.chunk_id} for c in result.contacts],
        "reasons": result.reasons,
        "quarter": result.quarter,
        "quarter_contacts": result.quarter_contacts,
        "related_research": [r.model_dump(mode="json") for r in result.related_research],
    }


def render_contacts(report: ContactsReport, fmt: Format = "md") -> str:
    """The ledger (and check) as Markdown, HTML or JSON (templates ``contacts.<fmt>.j2``)."""
    return render("contacts", report, fmt)
