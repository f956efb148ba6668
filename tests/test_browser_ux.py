"""The web page as people return to it (headless Chromium): the newest answer in view, no empty bubbles, cited
sentences highlighted in safe HTML, conversations across a reload, feedback, a phone, offline API docs.

Screenshots go to ``test-artifacts/browser/`` (gitignored).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from typer.testing import CliRunner

from assistant.api.auth import digest
from assistant.cli.app import app as cli
from assistant.config import ApiKey, get_settings
from assistant.runtime import Runtime
from evals.dataset import load_dataset
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, SHOTS, WAIT_MS, _app, serve, shot, sync_api

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")

QUESTIONS = [
    "Which objective does the SSO and SCIM work serve?",
    "Why do enterprise deals stall in security review?",
    "Who owns the efficiency objective in the H2 plan?",
    "What is our office lease renewal plan in Singapore?",  # not covered: an abstention
]


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
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """A fresh context per call (viewport configurable); fails the test on any uncaught script error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def opener(url: str, width: int = 1366, height: int = 768, ready: bool = True, **options: Any) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        if ready:
            page.wait_for_selector("#health-status[data-kind=ok]")
        return page

    yield opener
    for context in contexts:
        context.close()
    assert not errors, errors


def ask(page: Any, question: str, answers_before: int) -> Any:
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    answer = page.locator(".turn.assistant .answer-body").nth(answers_before)
    answer.wait_for()
    page.locator("#chat-status[data-kind=busy]").wait_for(state="detached")
    return page.locator(".turn.assistant").nth(answers_before)


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, "not rendered"
    return found


def test_the_newest_answer_is_in_view_after_four_questions(site: str, new_page: Callable[..., Any]) -> None:
    page = new_page(site)
    for index, question in enumerate(QUESTIONS):
        turn = ask(page, question, index)
        form_top = box(page.locator("#chat-form"))["y"]
        rect = box(turn)
        assert rect["y"] >= 0, f"answer {index + 1} starts above the window"
        assert rect["y"] < form_top, f"answer {index + 1} is hidden under the question box"
        if rect["height"] < form_top:
            assert rect["y"] + rect["height"] <= form_top + 1, f"answer {index + 1} ends under the question box"
    # status colours follow the outcome: the last question is not covered, so the line is a warning, not green
    status = page.locator("#chat-status")
    assert status.get_attribute("data-kind") == "warn" and "don't answer" in status.inner_text()
    assert status.evaluate("n => getComputedStyle(n).color") != page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--ok')")
    shot(page, "chat-four-questions")


def test_no_empty_bubbles_after_a_401(new_page: Callable[..., Any], sample_runtime: Runtime) -> None:
    settings = sample_runtime.settings.model_copy(
        update={"api_keys": [ApiKey(name="growth-pm", team="growth", key_sha256=digest("right-key"))]})
    runtime = Runtime(settings, embedder_factory=lambda: sample_runtime.embedder)
    with serve(_app(runtime)) as url:
        page = new_page(url)
        assert "admin gave you" in page.locator("#key-help").inner_text()  # plain-language key prompt
        page.get_by_label("Access key").fill("wrong-key")
        page.get_by_role("button", name="Use key").click()
        page.locator("#conversation-list li").first.wait_for()  # the page settled: its list request was answered
        page.get_by_label("Your question").fill(QUESTIONS[0])
        page.get_by_role("button", name="Ask").click()
        status = page.locator("#chat-status[data-kind=error]")
        status.wait_for()
        assert "access key" in status.inner_text() and "Bearer" not in status.inner_text()
        assert page.locator(".turn").count() == 0, "an empty bubble stayed behind"
        assert page.get_by_label("Your question").input_value() == QUESTIONS[0]  # the question is kept
        assert "access key" in page.locator("#key-state").inner_text()
        shot(page, "chat-401")
        page.get_by_label("Access key").fill("right-key")
        page.get_by_role("button", name="Use key").click()
        page.locator("#conversation-list li.hint", has_text="None yet").wait_for()  # listed with the right key
        page.get_by_role("button", name="Ask").click()
        page.locator(".turn.assistant .answer-body").wait_for()
        assert page.locator(".turn").count() == 2


def test_a_citation_opens_safe_html_with_the_cited_sentence_highlighted(site: str,
                                                                      new_page: Callable[..., Any]) -> None:
    page = new_page(site)
    turn = ask(page, "Where does SCIM provisioning stand on the enterprise roadmap, and when is it due?", 0)
    sentence = turn.locator(".sentence").filter(has=page.locator("button.cite")).first
    sentence_text = sentence.evaluate("n => n.firstChild.textContent")
    sentence.locator("button.cite").first.click()
    mark = page.locator("#source-panel mark.cited").first
    mark.wait_for()
    words = set(re.findall(r"[a-z0-9]{3,}", sentence_text.lower()))
    marked = set(re.findall(r"[a-z0-9]{3,}", mark.inner_text().lower()))
    assert len(words & marked) >= len(words) / 2, (sentence_text, mark.inner_text())
    panel = box(page.locator("#source-panel"))
    spot = box(mark)
    assert panel["y"] <= spot["y"] <= panel["y"] + panel["height"], "the panel did not scroll to the sentence"
    body = page.locator("#source-body .chunk-body")
    assert body.locator("script, img, iframe, [onerror]").count() == 0
    assert "**" not in body.inner_text()  # Markdown is rendered, not shown raw
    shot(page, "citation-highlight")


def test_a_transcript_citation_shows_the_speaker(site: str, new_page: Callable[..., Any],
                                                 sample_runtime: Runtime) -> None:
    turn_chunk = next(c for c in sample_runtime.store.iter_chunks(where={"kind": "interview"}) if c.meta.speaker)
    page = new_page(site)
    page.evaluate("id => import('/static/panel.js').then(m => m.showChunk(id, '[1]', ''))", turn_chunk.id)
    label = page.locator("#source-body .turn-label .speaker")
    label.wait_for()
    assert label.inner_text() == turn_chunk.meta.speaker
    if turn_chunk.meta.timestamp:
        assert turn_chunk.meta.timestamp in page.locator("#source-body .turn-label").inner_text()


def test_conversations_are_listed_reopened_after_a_reload_and_deletable(site: str,
                                                                        new_page: Callable[..., Any]) -> None:
    page = new_page(site)
    question = "Who is driving the holiday-themed templates work?"
    ask(page, question, 0)
    item = page.locator("#conversation-list li.active")
    item.wait_for()
    assert question in item.inner_text()
    conversation_id = item.get_attribute("data-conversation-id")

    page.reload()
    page.wait_for_selector("#health-status[data-kind=ok]")
    page.locator(".turn.assistant .answer-body").wait_for()  # reopened, answer re-rendered
    assert page.locator(".turn.user").first.inner_text().endswith(question)
    assert page.locator(".turn.assistant button.cite").count() >= 1
    active = page.locator("#conversation-list li.active")
    assert active.get_attribute("data-conversation-id") == conversation_id
    shot(page, "conversation-list")

    active.get_by_role("button", name=re.compile("^Delete")).click()
    page.locator(f"#conversation-list li[data-conversation-id='{conversation_id}']").wait_for(state="detached")
    assert page.locator(".turn").count() == 0
    page.reload()
    page.wait_for_selector("#health-status[data-kind=ok]")
    page.locator("#conversation-list li").first.wait_for()
    assert page.locator(f"#conversation-list li[data-conversation-id='{conversation_id}']").count() == 0


def test_feedback_round_trip_to_a_golden_set_candidate(site: str, new_page: Callable[..., Any],
                                                       sample_runtime: Runtime, monkeypatch: Any,
                                                       tmp_path: Any) -> None:
    page = new_page(site)
    question = "When do we expect the last five report types to move onto the async export pipeline?"
    turn = ask(page, question, 0)
    turn.get_by_role("button", name="Not helpful").click()
    note = "It should give the quarter, not only the team."
    turn.get_by_label("What was wrong or missing? (optional)").fill(note)
    turn.get_by_role("button", name="Send note").click()
    turn.locator(".feedback-status", has_text="note saved").wait_for()

    page.reload()
    page.wait_for_selector("#health-status[data-kind=ok]")
    reopened = page.locator(".turn.assistant").first
    reopened.locator(".answer-body").wait_for()
    assert reopened.get_by_role("button", name="Not helpful").get_attribute("aria-pressed") == "true"
    assert reopened.get_by_label("What was wrong or missing? (optional)").input_value() == note
    shot(page, "feedback")

    monkeypatch.setenv("PRODOPS_DATA_DIR", str(sample_runtime.settings.data_dir))
    get_settings.cache_clear()
    out = tmp_path / "candidates.yaml"
    try:
        result = CliRunner().invoke(cli, ["feedback", "export", "--out", str(out), "--rating", "down"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    dataset = load_dataset(out)  # valid in the eval dataset schema
    cases = [c for c in yaml.safe_load(out.read_text())["questions"] if c["review"]["note"] == note]
    assert len(cases) == 1 and cases[0]["review"]["rating"] == "down" and cases[0]["question"]
    assert any(q.id == cases[0]["id"] and q.answerable for q in dataset.questions)


def test_phone_layout(site: str, new_page: Callable[..., Any]) -> None:
    page = new_page(site, width=390, height=844, is_mobile=True, has_touch=True)
    tabs = page.locator("[role=tablist]")
    assert tabs.evaluate("n => n.scrollWidth > n.clientWidth")
    assert "more-right" in (page.locator("#tabs-wrap").get_attribute("class") or "")
    assert page.locator(".tabs-more").is_visible()
    assert box(page.locator("#chat-form"))["height"] <= 0.22 * 844, "the question box takes too much of the screen"
    turn = ask(page, QUESTIONS[0], 0)
    turn.locator("button.cite").first.click()
    panel = page.locator("#source-panel")
    panel.locator(".chunk-body").wait_for()
    rect = box(panel)
    assert rect["y"] >= 0 and rect["y"] + rect["height"] <= 844 + 1 and rect["height"] > 100
    assert rect["x"] >= 0 and rect["x"] + rect["width"] <= 390 + 1
    shot(page, "phone")
    page.get_by_role("button", name="Close the source panel").tap()
    assert panel.is_hidden()


def test_long_work_shows_a_moving_progress_indicator(site: str, new_page: Callable[..., Any]) -> None:
    page = new_page(f"{site}/#draft")
    held: list[Any] = []
    page.route("**/v1/drafts/strategy", lambda route: held.append(route))  # hold the request until released
    page.get_by_role("button", name="Write draft").click()
    status = page.locator("#draft-status[data-kind=busy]")
    status.wait_for()
    spinner = status.locator(".spinner")
    assert spinner.evaluate("n => getComputedStyle(n).animationName") in ("spin", "pulse")
    status.locator(".elapsed", has_text=re.compile(r"^[1-9]")).wait_for()  # the seconds move
    assert re.match(r"\d+ s", status.locator(".elapsed").inner_text())
    shot(page, "draft-progress")
    held[0].continue_()
    page.locator("article.draft").wait_for()
    assert page.locator("#draft-status .spinner").count() == 0


def test_api_docs_render_with_the_network_blocked(site: str, new_page: Callable[..., Any]) -> None:
    origin = urlparse(site).netloc
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if urlparse(route.request.url).netloc == origin:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page = new_page(f"{site}/health", ready=False)
    page.context.route("**/*", only_local)
    page.goto(f"{site}/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "prodops" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/v1/chat/completions").first.wait_for()
    shot(page, "docs-offline")
    page.goto(f"{site}/redoc")
    page.locator("h1", has_text="prodops").first.wait_for()
    assert outside == [], f"the docs tried to load {outside}"
