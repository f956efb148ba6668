"""The web page: one server-rendered shell (Jinja2) and small local ES modules that call the JSON API.

The page holds no document text itself: every view fetches through the same API routes with the caller's key
(kept in the browser's sessionStorage), so the team scope applies to the page exactly as to any API client.
The scripts insert document text with ``textContent`` only, and a strict Content-Security-Policy (scripts,
styles and connections from this origin alone) backs that up.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from assistant import __version__
from assistant.api.deps import SettingsDep
from assistant.schemas import Kind

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
STATIC_DIR = WEB_DIR / "static"
STATIC_URL = "/static"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["web"], include_in_schema=False)


@lru_cache(maxsize=1)
def _page() -> Template:
    env = Environment(
        loader=FileSystemLoader(WEB_DIR / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("index.html.j2")


@router.get("/", response_class=HTMLResponse)
def index(settings: SettingsDep) -> HTMLResponse:
    """The single page; its views (chat, themes, draft, alignment, contacts, ingestion) are tabs."""
    html = _page().render(
        version=__version__,
        auth="api-keys" if settings.api_keys else "open (loopback only)",
        needs_key=bool(settings.api_keys),
        kinds=[k.value for k in Kind],
        static=STATIC_URL,
    )
    return HTMLResponse(html, headers=SECURITY_HEADERS)


def mount_static(app: FastAPI) -> None:
    """Serve the page's scripts and styles under ``/static`` (idempotent: a second call does nothing)."""
    if any(getattr(route, "path", None) == STATIC_URL for route in app.routes):
        return
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")


def install(app: FastAPI) -> None:
    """Add the page and its static files to ``app``."""
    app.include_router(router)
    mount_static(app)
