"""Typed dependencies, defined once and used by every route.

Each is ``async def`` because none of them blocks (a lookup on app state, a key's digest): FastAPI runs a plain
``def`` dependency in its thread pool, one hand-off from the event loop and back per dependency, which cost a
chat request five hand-offs before its own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from assistant.api.auth import Caller, authenticate
from assistant.chat import ChatService
from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.store.conversations import ConversationStore

_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.runtime.settings


async def get_chat(request: Request) -> ChatService:
    return request.app.state.chat


async def get_conversations(request: Request) -> ConversationStore:
    return request.app.state.conversations


async def get_caller(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings_dep)],
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Caller:
    """401 without a valid key; in open mode (no keys configured) only loopback clients are served."""
    if not settings.api_keys:
        host = request.client.host if request.client else ""
        if host not in _LOOPBACK:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "open mode serves loopback clients only; configure "
                                "PRODOPS_API_KEYS to serve others")
    presented = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        presented = authorization[7:].strip()
    caller = authenticate(settings, presented)
    if caller is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or unknown API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


async def request_owner(caller: Annotated[Caller, Depends(get_caller)]) -> str:
    """Who owns what this request creates or reads (conversations, ratings, jobs): the key itself, never its name."""
    return caller.owner


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ChatDep = Annotated[ChatService, Depends(get_chat)]
ConversationsDep = Annotated[ConversationStore, Depends(get_conversations)]
CallerDep = Annotated[Caller, Depends(get_caller)]
OwnerDep = Annotated[str, Depends(request_owner)]
