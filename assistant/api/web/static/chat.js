// Chat: the question box, the streamed answer, then the grounded answer with clickable citations.

import { streamEvents } from "./api.js";
import { $, h, setStatus } from "./dom.js";
import { chunkButton } from "./panel.js";

const state = { conversationId: null, controller: null };

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
      list.append(h("li", {}, citeButton(c), " ",
        chunkButton(c.chunk_id, c.title || c.source, `Show source ${c.n}: ${c.source}`), " ",
        h("span", { class: "path", text: c.source })));
    }
    body.append(h("h3", { class: "sources-title", text: "Sources" }), list);
  }
  if (answer.invalid_citations.length) {
    body.append(h("p", { class: "warning-note",
      text: `Removed citations to passages that weren't retrieved: ${answer.invalid_citations.join(", ")}` }));
  }
  return body;
}

function turn(role, ...children) {
  const label = role === "user" ? "You" : "prodops";
  return h("article", { class: `turn ${role}` }, h("h3", { class: "who", text: label }), ...children);
}

async function ask(question, filters) {
  const log = $("#chat-log");
  log.querySelector(".empty")?.remove();
  log.append(turn("user", h("p", { text: question })));
  const streamed = h("p", { class: "streaming" });
  const reply = turn("assistant", streamed);
  reply.setAttribute("aria-busy", "true");
  log.append(reply);
  reply.scrollIntoView({ block: "end" });

  const body = { messages: [{ role: "user", content: question }], stream: true, filters };
  if (state.conversationId) body.conversation_id = state.conversationId;
  state.controller = new AbortController();
  let final = null;
  try {
    for await (const { event, data } of streamEvents("/v1/chat", body, state.controller.signal)) {
      if (event === "delta") {
        streamed.textContent += data.text;
        reply.scrollIntoView({ block: "end" });
      } else if (event === "final") {
        final = data;
      } else if (event === "error") {
        throw new Error(data.detail || "the answer failed");
      } else if (event === "done") {
        break;
      }
    }
  } finally {
    reply.removeAttribute("aria-busy");
    state.controller = null;
  }
  if (!final) throw new Error("the answer stream ended early; try again");
  state.conversationId = final.conversation_id;
  reply.classList.toggle("abstained", final.abstained);
  streamed.replaceWith(renderAnswer(final));
  reply.scrollIntoView({ block: "nearest" });
  return final;
}

function filtersFrom(form) {
  const filters = {};
  const kind = form.elements.kind.value;
  const team = form.elements.team.value.trim();
  if (kind) filters.kind = [kind];
  if (team) filters.team = [team];
  return filters;
}

export function initChat() {
  const form = $("#chat-form");
  const box = $("#chat-question");
  const status = $("#chat-status");
  const send = $("#chat-send");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = box.value.trim();
    if (!question || state.controller) return;
    box.value = "";
    send.disabled = true;
    setStatus(status, "Answering…", "busy");
    try {
      const answer = await ask(question, filtersFrom(form));
      setStatus(status, answer.abstained ? "The sources don't answer this." :
        `Answered with ${answer.citations.length} cited source${answer.citations.length === 1 ? "" : "s"}.`, "ok");
    } catch (error) {
      if (error.name !== "AbortError") setStatus(status, `Couldn't answer: ${error.message}`, "error");
      box.value = box.value || question;
    } finally {
      send.disabled = false;
      box.focus();
    }
  });

  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  $("#chat-new").addEventListener("click", () => {
    state.controller?.abort();
    state.conversationId = null;
    const log = $("#chat-log");
    log.replaceChildren(h("p", { class: "empty hint", text: "New conversation. Ask a question." }));
    setStatus(status, "Started a new conversation.", "info");
    box.focus();
  });
}
