"""The customer-contact ledger: who was interviewed, when, by which team, and whether to wait before asking again.

Customers get tired of being interviewed by three teams in a month, and research already done often answers a
new study's questions. The ledger is built from interview metadata (one entry per person interviewed, from the first
chunk of each interview source, which carries the source-level fields: a two-guest interview lists both
people), only for sources the caller may read. A check for a planned contact applies two documented rules from
settings: a rest period after any contact with the person or the company, and a per-quarter cap on a
company's interviews.

People are identified by name (and email when both sides have one), not by company: the same person
re-contacted under another company name still gets the warning. A blank company matches no company (it
used to match everyone), and an interview without a date is reported as such ("no date: cannot check the rest
period"), never passed silently.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Field

from assistant.access import chunk_readable
from assistant.errors import ProdopsError
from assistant.periods import quarter_of
from assistant.reports import Format, render
from assistant.retrieval.hybrid import HybridRetriever
from assistant.runtime import Runtime
from assistant.safety import shown_text
from assistant.schemas import Chunk, Kind, SearchFilters
from assistant.segments import customer_evidence_filters
from assistant.store.filters import chroma_where

RELATED_HITS = 5


class Contact(BaseModel):
    """One person in one interview: the customer person and company, the Fernhill side, and where it is
    recorded."""

    date: dt.date | None
    company: str | None
    person: str | None = Field(description="A participant of the interview (the customer).")
    email: str | None = None
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

    company: str | None = None
    person: str | None = None
    email: str | None = None
    team: str | None = None
    on: dt.date
    warning: bool
    reason: str
    reasons: list[str] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list, description="Every interview with the person or company.")
    undated: list[Contact] = Field(default_factory=list, description="Of those, the ones without a date.")
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
    """Case-insensitive partial match; an empty query matches everything (a listing filter)."""
    wanted = _norm(query)
    return not wanted or wanted in _norm(value)


def same_company(query: str | None, value: str | None) -> bool:
    """A planned contact's company against a recorded one: partial, case-insensitive; blank matches nothing."""
    wanted, have = _norm(query), _norm(value)
    return bool(wanted and have) and (wanted in have or have in wanted)


def same_person(name: str | None, email: str | None, contact: Contact) -> bool:
    """Person identity: equal emails when both are known, else the name (partial, case-insensitive: "renata"
    finds Renata Solberg); a blank name and email match nobody."""
    if email and contact.email:
        return email.strip().lower() == contact.email.strip().lower()
    wanted, have = _norm(name), _norm(contact.person)
    return bool(wanted and have) and (wanted in have or have in wanted)


def _contacts(chunk: Chunk) -> list[Contact]:
    """One contact per person the interview lists (one with no person when it names none)."""
    meta = chunk.meta
    day = dt.date.fromisoformat(meta.date[:10]) if meta.date else None
    people: list[str | None] = [*(meta.participants or ([meta.participant] if meta.participant else []))] or [None]
    return [Contact(date=day, company=meta.company, person=person, email=meta.email if len(people) == 1 else None,
                    role=meta.role, interviewer=meta.interviewer, team=meta.team, source=meta.source,
                    title=meta.title, chunk_id=chunk.id) for person in people]


def all_contacts(runtime: Runtime, scope: list[str] | None = None) -> list[Contact]:
    """One entry per person per fully ingested interview the caller may read, oldest first."""
    complete = {r.path for r in runtime.store.sources() if r.kind is Kind.INTERVIEW and r.complete}
    where = chroma_where(SearchFilters(kinds=[Kind.INTERVIEW]), scope)
    first_chunks = {"$and": [where, {"position": 0}]} if where else {"position": 0}
    contacts = [contact for c in runtime.store.iter_chunks(where=first_chunks)
                if chunk_readable(c, scope) and c.meta.source in complete for contact in _contacts(c)]
    return sorted(contacts, key=lambda c: (c.date or dt.date.max, c.source, c.person or ""))


def ledger(runtime: Runtime, company: str | None = None, person: str | None = None,
           scope: list[str] | None = None) -> ContactLedger:
    """The contacts in scope, optionally narrowed to a company and/or person (partial, case-insensitive)."""
    found = [c for c in all_contacts(runtime, scope) if matches(company, c.company) and matches(person, c.person)]
    return ContactLedger(contacts=found, company=company, person=person,
                         companies=len({_norm(c.company) for c in found if c.company}))


def _describe(c: Contact) -> str:
    who = f"{c.person} ({c.company})" if c.person and c.company else c.person or c.company or c.source
    when = f" on {c.date}" if c.date else ""
    return f"{who}{when} by {c.team or 'an unknown team'}"


def check(runtime: Runtime, company: str | None = None, person: str | None = None, team: str | None = None,
          on: dt.date | None = None, topics: str | None = None, scope: list[str] | None = None,
          email: str | None = None) -> ContactCheck:
    """Whether a planned contact respects the rest period and quarterly cap, with history and related research.

    Rules (``settings.contact_rest_days`` = R, ``settings.contact_max_per_quarter`` = M): warn when the person
    (by email or name, whatever company they were at), or anyone at the company, was interviewed between R days
    before ``on`` and ``on``; when the company's interviews in ``on``'s calendar quarter, plus this planned one,
    would be more than M; and when a matching interview has no date, since the rest period cannot be checked.
    ``on`` defaults to today's date.

    Raises:
        ProdopsError: neither a company, a person nor an email is given.
    """
    if not any(v and v.strip() for v in (company, person, email)):
        raise ProdopsError("say who you plan to contact: a company, a person or an email")
    settings = runtime.settings
    on = on or dt.date.today()
    history = [c for c in all_contacts(runtime, scope)
               if same_person(person, email, c) or same_company(company, c.company)]
    reasons = []
    for c in history:
        if c.date is None:
            reasons.append(f"no date: cannot check the rest period for the interview with {_describe(c)} "
                           f"(`{c.source}`); add a date to its metadata")
            continue
        days = (on - c.date).days
        if not 0 <= days <= settings.contact_rest_days:
            continue
        if same_person(person, email, c):
            elsewhere = c.company and company and not same_company(company, c.company)
            who = f"this person (then at {c.company})" if elsewhere else "this person"
        else:
            who = "this company"
        reasons.append(f"{who} was interviewed {days} days before {on}: {_describe(c)} "
                       f"(rest period {settings.contact_rest_days} days)")
    quarter = quarter_of(on)
    at_company = [c for c in history if same_company(company, c.company)]
    interviews = {c.source: c for c in at_company if c.date and quarter_of(c.date) == quarter}
    if company and len(interviews) + 1 > settings.contact_max_per_quarter:
        dates = ", ".join(sorted(str(c.date) for c in interviews.values()))
        reasons.append(f"the company already had {len(interviews)} interviews in {quarter} ({dates}); one more "
                       f"would exceed the limit of {settings.contact_max_per_quarter} per quarter")
    who = company or person or email or ""
    if reasons:
        reason = "; ".join(reasons)
        reason = reason[0].upper() + reason[1:] + "."
    else:
        reason = (f"No interview with {who} in the {settings.contact_rest_days} days before {on}, and "
                  f"{len(interviews)} in {quarter} (limit {settings.contact_max_per_quarter}).")
    return ContactCheck(company=company, person=person, email=email, team=team, on=on, warning=bool(reasons),
                        reason=reason, reasons=reasons, contacts=history,
                        undated=[c for c in history if c.date is None], quarter=quarter,
                        quarter_contacts=len(interviews), rest_days=settings.contact_rest_days,
                        max_per_quarter=settings.contact_max_per_quarter,
                        related_research=related_research(runtime, history, topics, scope))


def related_research(runtime: Runtime, history: list[Contact], topics: str | None = None,
                     scope: list[str] | None = None, k: int = RELATED_HITS) -> list[Research]:
    """Earlier interviews with the company, then the best customer answers on ``topics`` (one per interview)."""
    found = [Research(source=c.source, chunk_id=c.chunk_id, title=c.title, date=c.date, company=c.company,
                      person=c.person, why="earlier interview with this person or company")
             for c in {c.source: c for c in history}.values()]
    if not topics or not topics.strip():
        return found
    filters = customer_evidence_filters()
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
                      "source": c.source, "company": c.company, "interviewer": c.interviewer, "email": c.email,
                      "chunk_id": c.chunk_id} for c in result.contacts],
        "undated": [c.source for c in result.undated],
        "reasons": result.reasons,
        "quarter": result.quarter,
        "quarter_contacts": result.quarter_contacts,
        "related_research": [r.model_dump(mode="json") for r in result.related_research],
    }


def render_contacts(report: ContactsReport, fmt: Format = "md") -> str:
    """The ledger (and check) as Markdown, HTML or JSON (templates ``contacts.<fmt>.j2``)."""
    return render("contacts", report, fmt)
