// The source panel: what a citation, quote or evidence link points at, read from /v1/chunks or /v1/sources.

import { api, enc } from "./api.js";
import { $, clear, h } from "./dom.js";
import { highlight, safeFragment } from "./highlight.js";

const META_FIELDS = [
  ["kind", "Kind"], ["team", "Team"], ["date", "Date"], ["company", "Company"], ["participant", "Participant"],
  ["speaker", "Speaker"], ["timestamp", "Time"], ["metric", "Metric"], ["period", "Period"],
];

let opener = null;
let request = 0;

function parts() {
  return {
    panel: $("#source-panel"), title: $("#source-title"), path: $("#source-path"),
    meta: $("#source-meta"), body: $("#source-body"),
  };
}

function open(heading) {
  const p = parts();
  if (p.panel.hidden || !p.panel.contains(document.activeElement)) opener = document.activeElement;
  p.panel.hidden = false;
  document.body.classList.add("with-panel");
  p.title.textContent = heading;
  clear(p.path);
  clear(p.meta);
  clear(p.body).append(h("p", { class: "hint", text: "Loading…" }));
  p.title.focus();
  return ++request;
}

export function closePanel({ refocus = true } = {}) {
  const { panel } = parts();
  panel.hidden = true;
  document.body.classList.remove("with-panel");
  if (refocus && opener && document.contains(opener)) opener.focus();
  opener = null;
}

function showMeta(meta) {
  const list = parts().meta;
  for (const [key, label] of META_FIELDS) {
    const value = meta[key];
    if (value === undefined || value === null || value === "") continue;
    list.append(h("dt", { text: label }), h("dd", { text: Array.isArray(value) ? value.join(", ") : value }));
  }
}

function sourceLink(path) {
  return h("button", {
    type: "button", class: "link", text: path,
    "aria-label": `Open the whole source ${path}`, onclick: () => showSource(path),
  });
}

/** Who spoke and when, for a transcript turn. */
function turnLabel(meta) {
  if (!meta || !meta.speaker) return null;
  return h("p", { class: "turn-label" }, h("strong", { class: "speaker", text: meta.speaker }),
    meta.timestamp ? h("span", { class: "timestamp", text: ` · ${meta.timestamp}` }) : null);
}

/** One chunk as safe HTML (sanitized Markdown from the server), with its speaker label for transcripts. */
function chunkBlock(chunk) {
  const block = h("div", { class: "chunk-text", "data-chunk-id": chunk.chunk_id });
  const label = turnLabel(chunk.metadata);
  if (label) block.append(label);
  const body = h("div", { class: "chunk-body" });
  if (chunk.html) body.append(safeFragment(chunk.html));
  else body.textContent = chunk.text;
  block.append(body);
  return block;
}

/** Show one chunk (a citation's target). `label` names it in the heading, e.g. "[2]"; `quote` (one sentence or
 * a list) is highlighted where it occurs, and the panel scrolls to it. */
export async function showChunk(chunkId, label = "", quote = "") {
  const ticket = open(label ? `Source ${label}` : "Source");
  const p = parts();
  try {
    const chunk = await api(`/v1/chunks/${enc(chunkId)}`);
    if (ticket !== request) return;
    p.title.textContent = `${label ? `${label} ` : ""}${chunk.title || chunk.source}`;
    p.path.replaceChildren("from ", sourceLink(chunk.source));
    showMeta(chunk.metadata || {});
    const block = chunkBlock(chunk);
    clear(p.body).append(block);
    const mark = highlight(block.querySelector(".chunk-body"), quote);
    (mark || block).scrollIntoView({ block: "nearest" });
  } catch (error) {
    if (ticket !== request) return;
    clear(p.body).append(h("p", { class: "error", role: "alert", text: `Can't show this passage: ${error.message}` }));
  }
}

/** Show a whole source, one block per chunk, scrolled to `focusChunk` when given. */
export async function showSource(path, focusChunk = null) {
  const ticket = open(path);
  const p = parts();
  try {
    const source = await api(`/v1/sources/${path.split("/").map(enc).join("/")}`);
    if (ticket !== request) return;
    p.title.textContent = source.title || source.path;
    p.path.textContent = source.path;
    showMeta(source);
    clear(p.body);
    for (const chunk of source.chunk_list) {
      const block = chunkBlock(chunk);
      if (chunk.chunk_id === focusChunk) block.classList.add("focused");
      p.body.append(block);
    }
    p.body.querySelector(".focused")?.scrollIntoView({ block: "nearest" });
  } catch (error) {
    if (ticket !== request) return;
    clear(p.body).append(h("p", { class: "error", role: "alert", text: `Can't show this source: ${error.message}` }));
  }
}

/**
 * A button that opens a chunk in the panel; `text` is what it shows, `label` what a screen reader hears,
 * `quote` the passage to mark in the chunk (a quote or the sentence that cites it).
 */
export function chunkButton(chunkId, text, label, className = "link", quote = "") {
  return h("button", {
    type: "button", class: className, text, "aria-label": label, title: label,
    dataset: { chunkId }, onclick: () => showChunk(chunkId, /^\[\d+\]$/.test(text) ? text : "", quote),
  });
}

export function initPanel() {
  const { panel } = parts();
  $("#source-close").addEventListener("click", () => closePanel());
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel();
  });
}
