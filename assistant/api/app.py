"""create_app(): the FastAPI application, with services injected (tests) or built from settings."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from assistant import __version__
from assistant.api.health import dependency_checks
from assistant.api.jobs import JobRegistry
from assistant.api.routes import (
    chat,
    checkins,
    contacts,
    conversations,
    documents,
    metrics,
    search,
    sources,
    web,
    workflows,
)
from assistant.chat import ChatService
from assistant.config import get_settings
from assistant.errors import NotFound, ProdopsError, StoreUnavailable
from assistant.llm import llm_configured
from assistant.runtime import Runtime
from assistant.store.conversations import ConversationStore

log = logging.getLogger("prodops.api")


def create_app(runtime: Runtime | None = None, chat_service: ChatService | None = None) -> FastAPI:
    runtime = runtime or Runtime(get_settings())
    app = FastAPI(
        title="prodops",
        version=__version__,
        description="Grounded answers, search and sources over a company's strategy, interviews and metrics.",
    )
    app.state.runtime = runtime
    app.state.chat = chat_service or ChatService(runtime)
    app.state.conversations = ConversationStore(runtime.settings.conversations_path)
    app.state.jobs = JobRegistry(runtime)
    app.state.jobs.resume()  # uploads accepted before a restart are ingested now
    if not runtime.settings.api_keys:
        log.warning("no PRODOPS_API_KEYS configured: serving OPEN, to loopback clients only")

    @app.exception_handler(NotFound)
    def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(StoreUnavailable)
    def _store_down(request: Request, exc: StoreUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(ProdopsError)
    def _domain(request: Request, exc: ProdopsError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.get("/health", tags=["health"])
    def health() -> JSONResponse:
        """Status of each dependency; 503 (with which one is down and why) when the store cannot be reached."""
        checks, chunks = dependency_checks(runtime)
        down = [name for name, check in checks.items() if not check["ok"]]
        body = {
            "status": "ok" if not down else "unavailable",
            "version": __version__,
            "chunks": chunks,
            "auth": "api-keys" if runtime.settings.api_keys else "open (loopback only)",
            "synthesizer": "llm" if llm_configured(runtime.settings) else "extractive",
            "store": "server" if runtime.settings.chroma_url else "embedded",
            "dependencies": checks,
        }
        if down:
            body["detail"] = "; ".join(f"{name}: {checks[name]['error']}" for name in down)
        return JSONResponse(body, status_code=503 if down else 200)

    for module in (chat, search, sources, conversations, workflows, metrics, contacts, documents, checkins):
        app.include_router(module.router)
    web.install(app)  # the web page and its static assets, served by this same app
    return app
