"""The web page in headless Chromium (Debian's package, driven by Playwright): every view, end to end.

Each test drives the real app (uvicorn on a free loopback port, the ingested sample workspace) the way a user
would, by labels and buttons, and saves a screenshot per view under ``test-artifacts/browser/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from assistant.api.app import create_app
from assistant.api.auth import digest
from assistant.api.routes import web
from assistant.api.serving import serve_in_thread
from assistant.config import ApiKey
from assistant.runtime import Runtime

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
WAIT_MS = 60_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium "
                                "(`apt-get install chromium`; `.ci/run` installs it)")
sync_api = pytest.importorskip("playwright.sync_api", reason="the `playwright` package is missing (dev extra)")

# Records what the chat's streaming paragraph showed before the final answer replaced it.
STREAM_PROBE = """
window.__streamed = [];
new MutationObserver((records) => {
  for (const r of records) {
    if (r.target.classList && r.target.classList.contains("streaming") && r.target.textContent) {
      window.__streamed.push(r.target.textContent);
    }
  }
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def serves(app: FastAPI, method: str, path: str) -> bool:
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)


def _app(runtime: Runtime) -> FastAPI:
    app = create_app(runtime=runtime)
    if not serves(app, "GET", "/"):
        web.install(app)  # until create_app wires the page; test_create_app_serves_the_page checks that it does
    return app


def serve(app: FastAPI) -> AbstractContextManager[str]:
    """The app under uvicorn in a background thread; yields its base URL."""
    return serve_in_thread(app, timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(sample_runtime: Runtime) -> Iterator[str]:
    with serve(_app(sample_runtime)) as url:
        yield url


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[[str], Any]]:
    """Open a URL in a fresh 1366x768 context; fails the test on any uncaught script error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def opener(url: str) -> Any:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.add_init_script(STREAM_PROBE)
        page.goto(url)
        page.wait_for_selector("#health-status[data-kind=ok]")
        return page

    yield opener
    for context in contexts:
        context.close()
    assert not errors, errors


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_create_app_serves_the_page(sample_runtime: Runtime) -> None:
    with TestClient(create_app(runtime=sample_runtime)) as client:
        page = client.get("/")
        assert page.status_code == 200, "wire the page in create_app: web.install(app)"
        assert "open (loopback only)" in page.text and "default-src 'self'" in page.headers["content-security-policy"]
        assert client.get("/static/app.js").status_code == 200


def test_chat_streams_an_answer_with_working_citations(site: str, open_page: Callable[[str], Any],
                                                       sample_runtime: Runtime) -> None:
    page = open_page(site)
    sent: list[dict[str, Any]] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data or "{}")) if r.url.endswith("/v1/chat") else None)
    page.get_by_label("Your question").fill("Why do enterprise deals stall in security review?")
    page.get_by_label("Your question").press("Enter")
    answer = page.locator(".turn.assistant .answer-body").first
    answer.wait_for()
    streamed = page.evaluate("window.__streamed")
    assert streamed and "security review" in streamed[-1]  # the text showed while the stream was open
    assert "security review" in answer.inner_text()

    cite = answer.locator(".sentence button.cite").first
    chunk_id = cite.get_attribute("data-chunk-id")
    cite.click()
    panel = page.locator("#source-panel")
    panel.locator(".chunk-text").wait_for()
    chunk = sample_runtime.store.get_chunks([chunk_id])[0]
    shown = " ".join(panel.locator(".chunk-body").inner_text().split())
    assert all(word.strip("*_#`") in shown for word in chunk.text.split()[:12] if word.strip("*_#`-|"))
    assert chunk.meta.source in panel.locator("#source-path").inner_text()
    shot(page, "chat")

    page.keyboard.press("Escape")  # closes the panel, focus goes back to the citation
    assert panel.is_hidden() and page.evaluate("document.activeElement.dataset.chunkId") == chunk_id
    page.get_by_label("Your question").fill("Which ones did we lose to Routewell?")
    page.get_by_label("Your question").press("Enter")
    page.locator(".turn.assistant .answer-body").nth(1).wait_for()
    assert "conversation_id" not in sent[0]
    conversation = httpx.get(f"{site}/v1/conversations/{sent[1]['conversation_id']}").json()
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant", "user", "assistant"]


def test_chat_marks_unsupported_sentences_and_shows_markup_as_text(site: str,
                                                                   open_page: Callable[[str], Any]) -> None:
    hostile = 'Deals stall <img src=x onerror="window.__pwned=1"> in review.'
    final = {"answer": hostile, "abstained": False, "query": "q", "conversation_id": "c1", "invalid_citations": [],
             "citations": [{"n": 1, "chunk_id": "notes/x.md#0:1", "source": "notes/x.md", "text": hostile,
                            "title": "<b>x</b>"}],
             "sentences": [{"text": hostile, "citations": [1], "supported": True, "score": 0.9},
                           {"text": "Revenue will triple next year.", "citations": [1], "supported": False,
                            "score": 0.2}]}
    stream = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n"
                     for name, data in [("delta", {"text": hostile}), ("final", final), ("done", {})])
    page = open_page(site)
    page.route("**/v1/chat", lambda route: route.fulfill(body=stream, content_type="text/event-stream"))
    page.get_by_label("Your question").fill("anything")
    page.get_by_role("button", name="Ask").click()
    answer = page.locator(".answer-body")
    answer.wait_for()
    assert page.locator(".sentence.unsupported").inner_text().startswith("Revenue will triple next year.")
    assert "unsupported" in page.locator(".sentence.unsupported .flag").inner_text().lower()
    assert hostile in answer.inner_text() and "<b>x</b>" in answer.inner_text()
    assert page.evaluate("window.__pwned") is None and page.locator(".answer-body img").count() == 0


def test_themes_show_counts_and_quotes(site: str, open_page: Callable[[str], Any]) -> None:
    page = open_page(site)
    page.get_by_role("tab", name="Chat").focus()
    page.keyboard.press("ArrowRight")  # tabs follow the arrow keys
    assert page.get_by_role("tab", name="Themes").get_attribute("aria-selected") == "true"
    page.get_by_role("button", name="Find themes").click()
    cards = page.locator("article.theme")
    cards.first.wait_for()
    assert cards.count() >= 3
    for index in range(3):
        card = cards.nth(index)
        assert card.locator(".badge.count").inner_text().endswith(("customer", "customers"))
        assert card.locator("blockquote").first.inner_text().strip()
        assert card.locator(".quote-meta button").first.inner_text().startswith("interviews/")
    shot(page, "themes")


def test_strategy_draft_flags_a_figure_the_metrics_contradict(site: str, open_page: Callable[[str], Any]) -> None:
    page = open_page(f"{site}/#draft")
    page.get_by_label("From").fill("notes/")
    page.get_by_role("button", name="Write draft").click()
    page.locator("article.draft").wait_for()
    assert page.locator(".draft-section").count() >= 3
    flagged = page.locator(".claim.flagged")
    assert flagged.count() >= 1
    assert "38%" in flagged.first.inner_text() and "activation_rate" in flagged.first.inner_text()
    shot(page, "draft")


def test_alignment_lists_the_uncovered_objective(site: str, open_page: Callable[[str], Any]) -> None:
    page = open_page(site)
    open_tab(page, "Alignment")
    page.locator("article.objective").first.wait_for()
    assert "O4" in page.locator("#uncovered").inner_text()
    assert "O4" in page.locator("article.objective.uncovered h3").inner_text()
    shot(page, "alignment")


def test_contact_check_warns_about_a_busy_customer(site: str, open_page: Callable[[str], Any]) -> None:
    page = open_page(site)
    open_tab(page, "Contact check")
    page.get_by_label("Company").fill("Tallgrass Freight")
    page.get_by_label("Topics you plan to ask about").fill("SCIM provisioning")
    page.get_by_label("Company").press("Enter")
    banner = page.locator(".banner.warning")
    banner.wait_for()
    assert "Wait before contacting" in banner.inner_text()
    assert page.locator("table.history tbody tr").count() >= 2
    assert page.locator(".related blockquote").count() >= 1
    shot(page, "contacts")


def test_upload_is_ingested_and_listed(open_page: Callable[[str], Any], make_runtime: Callable[..., Runtime],
                                       tmp_path: Path) -> None:
    app = _app(make_runtime())  # a fresh store: the shared sample one stays as other tests expect it
    if not serves(app, "POST", "/v1/documents"):
        pytest.skip("POST /v1/documents is not in the app yet")
    note = tmp_path / "browser-upload-note.md"
    note.write_text("# Dispatch feedback from the field\n\nCrews asked for offline photo upload on job sites "
                    "with no signal. <img src=x onerror=\"window.__pwned=1\"> Several mentioned it twice.\n",
                    encoding="utf-8")
    with serve(app) as url:
        page = open_page(f"{url}/#ingest")
        page.get_by_label("Documents").set_input_files(str(note))
        page.locator("#upload-team").fill("field-ops")  # open mode: the chosen team is kept
        page.get_by_role("button", name="Upload and ingest").click()
        page.locator(".job[data-state=done]").wait_for()
        assert page.locator(".job progress").get_attribute("value") == "1"
        row = page.locator("#sources-table tbody tr", has_text=note.name)
        row.wait_for()
        assert "field-ops" in row.inner_text()
        assert page.locator("#upload-team").input_value() == "field-ops"  # still chosen for the next upload
        shot(page, "ingest")
        row.get_by_role("button").click()  # the whole source in the panel: its markup shown as text, not run
        page.locator("#source-body .chunk-text").first.wait_for()
        assert "<img src=x" in page.locator("#source-body").inner_text()
        assert page.evaluate("window.__pwned") is None


def test_api_key_field_when_the_server_uses_keys(open_page: Callable[[str], Any], sample_runtime: Runtime) -> None:
    key = "key-growth-browser"
    settings = sample_runtime.settings.model_copy(
        update={"api_keys": [ApiKey(name="growth-pm", team="growth", key_sha256=digest(key))]})
    runtime = Runtime(settings, embedder_factory=lambda: sample_runtime.embedder)
    with serve(_app(runtime)) as url:
        page = open_page(f"{url}/#ingest")
        assert page.locator("#auth-mode").inner_text() == "api-keys"
        page.locator("#sources-count", has_text="access key").wait_for()  # refused without a key, in plain words
        page.get_by_label("Access key").fill(key)
        page.get_by_role("button", name="Use key").click()
        page.get_by_role("button", name="Refresh", exact=True).click()
        page.locator("#sources-table tbody tr").first.wait_for()
        assert page.evaluate("sessionStorage.getItem('prodops.apiKey')") == key
        shot(page, "api-key")
