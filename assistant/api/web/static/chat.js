// Chat: the question box, the streamed answer, then the grounded answer with clickable citations.

import { api, enc, streamEvents } from "./api.js";
import { initConversations, openConversation, refreshConversations } from "./conversations.js";
import { $, h, setStatus } from "./dom.js";
import { feedbackBar } from "./feedback.js";
import { chunkButton } from "./panel.js";

const state = { conversationId: null, controller: null, count: 0 };

function citeButton(citation, sentence = "") {
  const marker = `[${citation.n}]`;
  return chunkButton(citation.chunk_id, marker, `Show source ${citation.n}: ${citation.source}`, "cite", sentence);
}

/** The final answer: sentences with their citation markers; unsupported ones marked in words, not only colour. */
function renderAnswer(answer) {
  const byNumber = new Map(answer.citations.map((c) => [c.n, c]));
  const body = h("div", { class: "answer-body" });
  if (answer.fallback) {
    // the model's answer was replaced by the offline one: say so, in words
    body.append(h("p", { class: "warning-note", role: "note", text: answer.fallback.message }));
  }
  if (answer.abstained) {
    body.append(h("p", { class: "abstain-label", text: "No grounded answer" }), h("p", { text: answer.answer }));
    return body;
  }
  const paragraph = h("p");
  if (answer.sentences.length) {
    for (const sentence of answer.sentences) {
      const span = h("span", { class: sentence.supported ? "sentence" : "sentence unsupported" }, sentence.text);
      if (!sentence.supported) {
        span.title = `The cited passages don't support this sentence (score ${sentence.score.toFixed(2)})`;
        span.append(" ", h("span", { class: "flag", text: "unsupported" }));
      }
      for (const n of sentence.citations) {
        const citation = byNumber.get(n);
        if (citation) span.append(" ", citeButton(citation, sentence.text));
      }
      paragraph.append(span, " ");
    }
  } else {
    // no sentence breakdown: split the text on its [n] markers
    for (const piece of answer.answer.split(/(\[\d+\])/)) {
      const citation = /^\[(\d+)\]$/.test(piece) && byNumber.get(Number(piece.slice(1, -1)));
      paragraph.append(citation ? citeButton(citation) : piece);
    }
  }
  body.append(paragraph);
  if (answer.citations.length) {
    const list = h("ol", { class: "source-list", "aria-label": "Sources cited" });
    for (const c of answer.citations) {
      const quotes = answer.sentences.filter((s) => s.citations.includes(c.n)).map((s) => s.text);
      list.append(h("li", {}, citeButton(c, quotes), " ",
        chunkButton(c.chunk_id, c.title || c.source, `Show source ${c.n}: ${c.source}`, "link", quotes), " ",
        h("span", { class: "path", text: c.source })));
    }
    body.append(h("h3", { class: "sources-title", text: "Sources" }), list);
  }
  if (answer.invalid_citations?.length) {
    body.append(h("p", { class: "warning-note",
      text: `Removed citations to passages that weren't retrieved: ${answer.invalid_citations.join(", ")}` }));
  }
  return body;
}

function turn(role, ...children) {
  const label = role === "user" ? "You" : "prodops";
  return h("article", { class: `turn ${role}` }, h("h3", { class: "who", text: label }), ...children);
}

/**
 * Scroll so `node` sits in the visible part of the page, above the sticky question box: its end when it fits,
 * its start when it is taller than the room (so a long answer is read from the top).
 */
function reveal(node) {
  const top = 8;
  const bottom = Math.min(window.innerHeight, $("#chat-form").getBoundingClientRect().top) - 8;
  const rect = node.getBoundingClientRect();
  let delta = 0;
  if (rect.height > bottom - top || rect.top < top) delta = rect.top - top;
  else if (rect.bottom > bottom) delta = rect.bottom - bottom;
  if (delta) window.scrollBy({ top: delta, behavior: "instant" });
}

function assistantTurn(answer, position, saved = null) {
  const reply = turn("assistant", renderAnswer(answer));
  reply.classList.toggle("abstained", answer.abstained);
  const conversationId = state.conversationId;
  reply.append(feedbackBar(() => ({ conversationId, position }), saved));
  return reply;
}

function emptyLog(text) {
  $("#chat-log").replaceChildren(h("p", { class: "empty hint", text }));
}

async function ask(question, filters) {
  const log = $("#chat-log");
  log.querySelector(".empty")?.remove();
  const mine = turn("user", h("p", { text: question }));
  const streamed = h("p", { class: "streaming" });
  const reply = turn("assistant", streamed);
  reply.setAttribute("aria-busy", "true");
  log.append(mine, reply);
  reveal(reply);

  const body = { messages: [{ role: "user", content: question }], stream: true, filters };
  if (state.conversationId) body.conversation_id = state.conversationId;
  state.controller = new AbortController();
  let final = null;
  try {
    for await (const { event, data } of streamEvents("/v1/chat", body, state.controller.signal)) {
      if (event === "delta") {
        streamed.textContent += data.text;
        reveal(reply);
      } else if (event === "final") {
        final = data;
      } else if (event === "error") {
        throw new Error(data.detail || "the answer failed");
      } else if (event === "done") {
        break;
      }
    }
    if (!final) throw new Error("the answer stream ended early; try again");
  } catch (error) {
    mine.remove(); // no half-finished exchange stays behind: the question goes back into the box
    reply.remove();
    if (!log.querySelector(".turn")) emptyLog("Ask about the strategy, interviews, metrics or notes.");
    throw error;
  } finally {
    state.controller = null;
  }
  const fresh = state.conversationId !== final.conversation_id;
  state.conversationId = final.conversation_id;
  openConversation.set(state.conversationId);
  const position = state.count + 1;
  state.count += 2;
  const done = assistantTurn(final, position);
  reply.replaceWith(done);
  reveal(done);
  if (fresh) refreshConversations();
  return final;
}

/** Show a stored conversation: questions as text, answers re-rendered with citations and their ratings. */
async function showConversation(id) {
  const status = $("#chat-status");
  state.controller?.abort();
  try {
    const conversation = await api(`/v1/conversations/${enc(id)}`);
    state.conversationId = conversation.id;
    state.count = conversation.messages.length;
    openConversation.set(conversation.id);
    const log = $("#chat-log");
    log.replaceChildren();
    for (const message of conversation.messages) {
      if (message.role === "user") {
        log.append(turn("user", h("p", { text: message.content })));
      } else {
        const answer = message.extra?.answer || { answer: message.content, abstained: false, citations: [],
          sentences: [], invalid_citations: [] };
        log.append(assistantTurn(answer, message.position, message.feedback));
      }
    }
    if (!conversation.messages.length) emptyLog("This conversation is empty.");
    setStatus(status, "", "info");
    const last = log.querySelector(".turn:last-of-type");
    if (last) reveal(last);
    refreshConversations();
  } catch (error) {
    if (error.status === 404) {
      openConversation.set(null);
      startNew();
      refreshConversations();
    }
    setStatus(status, `Couldn't open the conversation: ${error.message}`, "error");
  }
}

function startNew(message = "New conversation. Ask a question.") {
  state.controller?.abort();
  state.conversationId = null;
  state.count = 0;
  openConversation.set(null);
  emptyLog(message);
}

function filtersFrom(form) {
  const filters = {};
  const kind = form.elements.kind.value;
  const team = form.elements.team.value.trim();
  if (kind) filters.kind = [kind];
  if (team) filters.team = [team];
  return filters;
}

/** The status line after an answer: green only for a cited answer; an abstention or no citation is a warning. */
function outcome(answer) {
  if (answer.abstained) return ["The sources don't answer this.", "warn"];
  const n = answer.citations.length;
  if (!n) return ["Answered without a cited source: check it before relying on it.", "warn"];
  const unsupported = answer.sentences.filter((s) => !s.supported).length;
  if (unsupported) return [`Answered with ${n} cited source${n === 1 ? "" : "s"}; ${unsupported} sentence` +
    `${unsupported === 1 ? " isn't" : "s aren't"} supported by what it cites.`, "warn"];
  return [`Answered with ${n} cited source${n === 1 ? "" : "s"}.`, "ok"];
}

export function initChat() {
  const form = $("#chat-form");
  const box = $("#chat-question");
  const status = $("#chat-status");
  const send = $("#chat-send");
  const options = $("#chat-options");
  options.open = window.matchMedia("(min-width: 700px)").matches;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = box.value.trim();
    if (!question || state.controller) return;
    box.value = "";
    send.disabled = true;
    setStatus(status, "Answering…", "busy");
    try {
      const answer = await ask(question, filtersFrom(form));
      setStatus(status, ...outcome(answer));
    } catch (error) {
      if (error.name !== "AbortError") setStatus(status, `Couldn't answer: ${error.message}`, "error");
      else setStatus(status, "", "info");
      box.value = box.value || question;
    } finally {
      send.disabled = false;
      box.focus();
    }
  });

  // On a phone the box is one line and grows with what is typed (never on focus or blur: a layout shift between
  // press and release would swallow the tap).
  const fit = () => {
    if (!window.matchMedia("(max-width: 700px)").matches) return;
    box.style.height = "";
    if (box.scrollHeight > box.clientHeight) box.style.height = `${Math.min(box.scrollHeight + 2, 120)}px`;
  };
  box.addEventListener("input", fit);
  form.addEventListener("submit", () => setTimeout(fit), { capture: true });

  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  $("#chat-new").addEventListener("click", () => {
    startNew();
    setStatus(status, "Started a new conversation.", "info");
    refreshConversations();
    box.focus();
  });

  initConversations({
    open: (id) => showConversation(id),
    deleted: (id) => { if (id === state.conversationId) startNew(); },
  });
}

/** After the key is known: list the conversations and reopen the one this tab had open. */
export async function restoreChat() {
  await refreshConversations();
  const id = openConversation.get();
  if (id && id !== state.conversationId) await showConversation(id);
}
