"""HTTP API and web page: the app factory, auth, upload jobs (an edge: it may start ingestion)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.lazy import lazy_exports

if TYPE_CHECKING:
    from assistant.api.app import create_app
    from assistant.api.auth import Caller, authenticate, digest
    from assistant.api.jobs import Job, JobRegistry
    from assistant.api.serving import serve_in_thread

__getattr__ = lazy_exports(
    __name__,
    {
        "create_app": "app",
        "Caller": "auth",
        "authenticate": "auth",
        "digest": "auth",
        "Job": "jobs",
        "JobRegistry": "jobs",
        "serve_in_thread": "serving",
    },
)
__all__ = ["Caller", "Job", "JobRegistry", "authenticate", "create_app", "digest", "serve_in_thread"]
