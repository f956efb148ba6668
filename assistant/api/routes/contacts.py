"""The customer-contact ledger and rest-period checks, for the caller's scope."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, model_validator

from assistant.api.deps import CallerDep, RuntimeDep
from assistant.contacts import Contact, ContactCheck, check, ledger

router = APIRouter(prefix="/v1", tags=["contacts"])


class ContactsResponse(BaseModel):
    contacts: list[Contact]
    companies: int = Field(description="Distinct companies among the contacts listed.")


class ContactCheckRequest(BaseModel):
    company: str | None = Field(default=None, max_length=200)
    person: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=100, description="The team planning the contact.")
    date: dt.date | None = Field(default=None, description="Planned date; default today.")
    topics: str | None = Field(default=None, max_length=2000, description="What you plan to ask; finds "
                               "interviews that may already answer it.")

    @model_validator(mode="after")
    def _someone(self) -> ContactCheckRequest:
        if not any(v and v.strip() for v in (self.company, self.person, self.email)):
            raise ValueError("give the company, person or email you plan to contact")
        return self


@router.get("/contacts", response_model=ContactsResponse)
def list_contacts(
    caller: CallerDep,
    runtime: RuntimeDep,
    company: Annotated[str | None, Query(max_length=200, description="Partial, case-insensitive.")] = None,
    person: Annotated[str | None, Query(max_length=200, description="Partial, case-insensitive.")] = None,
) -> ContactsResponse:
    found = ledger(runtime, company=company, person=person, scope=caller.scope)
    return ContactsResponse(contacts=found.contacts, companies=found.companies)


@router.post("/contacts/check", response_model=ContactCheck)
def check_contact(body: ContactCheckRequest, caller: CallerDep, runtime: RuntimeDep) -> ContactCheck:
    """History with the company, a warning with its reason when the rest period or quarterly cap applies,
    and related research."""
    return check(runtime, body.company, person=body.person, team=body.team, on=body.date, topics=body.topics,
                 scope=caller.scope, email=body.email)
