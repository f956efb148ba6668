"""create_app(): the FastAPI application, with services injected (tests) or built from settings."""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant import __version__
from assistant.api.health import dependency_checks
from assistant.api.jobs import JobRegistry
from assistant.api.keepalive import BoundedKeepAlive
from assistant.api.openai_models import error_body
from assistant.api.routes import (
    chat,
    checkins,
    contacts,
    conversations,
    documents,
    metrics,
    openai,
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
DOCS_ASSETS = "/docs-assets"
# The docs pages run their inline start-up script, load their assets from this server and nothing else: even a
# logo their bundles link to on a CDN is never fetched (everything runs offline).
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
            "frame-ancestors 'none'")
DOCS_PAGES = ("/docs", "/redoc")


class DocsPolicy:
    """Adds :data:`DOCS_CSP` to the docs pages' responses. Plain ASGI: every other request passes straight
    through (an ``@app.middleware("http")`` function would run each API call through an extra task and a
    stream of its response, measured as a share of the CPU a request costs under load)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(DOCS_PAGES):
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Content-Security-Policy"] = DOCS_CSP
            await send(message)

        await self.app(scope, receive, with_policy)


def serving_app() -> FastAPI:
    """The app as `prodops serve` runs it, in each of its worker processes: inference threads set for serving
    first (``PRODOPS_SERVE_THREADS``, or the cores shared out among ``PRODOPS_SERVE_WORKERS`` processes), and
    with several processes, kept-alive clients asked to reconnect now and then (:mod:`assistant.api.keepalive`)."""
    from assistant.embeddings.threads import set_inference_threads

    settings = get_settings()
    workers = settings.serve_workers or (os.cpu_count() or 1)
    set_inference_threads(settings.serve_threads or max(1, (os.cpu_count() or 1) // workers))
    runtime = Runtime(settings)
    warm_up(runtime)
    app = create_app(runtime)
    if workers > 1 and settings.serve_keepalive_requests:
        app.add_middleware(BoundedKeepAlive, limit=settings.serve_keepalive_requests)
    return app


def warm_up(runtime: Runtime) -> None:
    """Load the model and build its question path (see :mod:`assistant.embeddings.traced`) before the first
    caller, not during their request: about a second per process, which with several worker processes landed
    on whichever callers each process served first. A failure is logged and left to surface per request."""
    try:
        runtime.embedder.embed_query("warm-up")
    except Exception:  # noqa: BLE001 - the lazy path raises the same error, with context, per request
        log.warning("the embedding model could not be warmed up at start", exc_info=True)


def create_app(runtime: Runtime | None = None, chat_service: ChatService | None = None) -> FastAPI:
    runtime = runtime or Runtime(get_settings())
    # /docs and /redoc are served from Swagger UI and ReDoc files installed with fastapi-offline: no CDN.
    app: FastAPI = FastAPIOffline(
        title="prodops",
        version=__version__,
        description="Grounded answers, search and sources over a company's strategy, interviews and metrics.",
        static_url=DOCS_ASSETS,
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

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}); see the server log"},
                            status_code=500)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(openai.OPENAI_PATHS):  # OpenAI clients read {"error": {...}}
            return JSONResponse(error_body(str(exc.detail), exc.status_code), exc.status_code, headers=exc.headers)
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith(openai.OPENAI_PATHS):
            message = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
            return JSONResponse(error_body(message, 422), 422)
        return await request_validation_exception_handler(request, exc)

    app.add_middleware(DocsPolicy)

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

    for module in (chat, openai, search, sources, conversations, workflows, metrics, contacts, documents, checkins):
        app.include_router(module.router)
    web.install(app)  # the web page and its static assets, served by this same app
    return app
