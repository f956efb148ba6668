// Safe source HTML and highlighting: the server sends sanitized Markdown HTML; here it is checked once more
// against an allowlist, and the sentences an answer cites are marked wherever they occur in it.

import { h } from "./dom.js";

const ALLOWED = new Set(["P", "H1", "H2", "H3", "H4", "H5", "H6", "UL", "OL", "LI", "STRONG", "EM", "CODE", "PRE",
  "BLOCKQUOTE", "A", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "BR", "HR", "DEL", "S"]);
const ATTRIBUTES = { A: ["href", "title"], OL: ["start"], TH: ["style"], TD: ["style"] };

/** Parse server-rendered HTML into a fragment, dropping any element or attribute outside the allowlist. */
export function safeFragment(html) {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  for (const node of [...doc.body.querySelectorAll("*")]) {
    if (!ALLOWED.has(node.tagName)) {
      node.replaceWith(doc.createTextNode(node.textContent || ""));
      continue;
    }
    for (const attr of [...node.attributes]) {
      const keep = (ATTRIBUTES[node.tagName] || []).includes(attr.name) &&
        !(attr.name === "href" && !/^(https?:|mailto:|#|\/)/i.test(attr.value)) &&
        !(attr.name === "style" && !/^text-align:(left|right|center)$/.test(attr.value));
      if (!keep) node.removeAttribute(attr.name);
    }
    if (node.tagName === "A") node.setAttribute("rel", "noopener noreferrer");
  }
  const fragment = document.createDocumentFragment();
  fragment.append(...doc.body.childNodes);
  return fragment;
}

/** Letters and digits only, lower-cased, with each kept character's index in the original string. */
function normalized(text) {
  let norm = "";
  const at = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i].toLowerCase();
    if (/[\p{L}\p{N}]/u.test(c)) {
      norm += c;
      at.push(i);
    }
  }
  return { norm, at };
}

function textNodes(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  return nodes;
}

/** Wrap characters [start, end) of root's text in <mark class="cited"> (across element boundaries). */
function markRange(root, start, end) {
  let offset = 0;
  const pieces = [];
  for (const node of textNodes(root)) {
    const from = offset;
    offset += node.data.length;
    const s = Math.max(start, from);
    const e = Math.min(end, offset);
    if (s < e && node.data.slice(s - from, e - from).trim()) pieces.push([node, s - from, e - from]);
  }
  for (const [node, s, e] of pieces.reverse()) {
    const middle = node.splitText(s);
    middle.splitText(e - s);
    middle.replaceWith(h("mark", { class: "cited", text: middle.data }));
  }
  return pieces.length > 0;
}

function words(text) {
  return new Set((text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) || []));
}

function exact(index, text) {
  const wanted = normalized(text).norm;
  if (wanted.length < 6) return null;
  const found = index.norm.indexOf(wanted);
  return found === -1 ? null : [index.at[found], index.at[found + wanted.length - 1] + 1];
}

/** Where `quote` is in `full`, as [start, end] ranges: exactly (ignoring punctuation, case and Markdown marks);
 * else its parts (a sentence composed from a heading and a list item, "ENT-2 ... — Status: at risk", is
 * found part by part); else the one sentence of `full` that shares most of its words (at least half). */
function locate(full, index, quote) {
  const whole = exact(index, quote);
  if (whole) return [whole];
  const parts = quote.split(/\s+[—–]\s+|;\s+/).map((part) => exact(index, part)).filter(Boolean);
  if (parts.length) return parts;
  const target = words(quote);
  if (!target.size) return [];
  let best = [];
  let bestScore = 0.5;
  const sentence = /(?:[^.!?\n]|[.!?](?=\S))+[.!?]*/g; // "2.0" and "e.g." do not end a sentence
  let match;
  while ((match = sentence.exec(full))) {
    const have = words(match[0]);
    let shared = 0;
    for (const w of target) if (have.has(w)) shared++;
    const score = shared / target.size;
    if (score > bestScore) {
      bestScore = score;
      best = [[match.index, match.index + match[0].length]];
    }
  }
  return best;
}

/** Mark every quote found in `root`; returns the first <mark> (to scroll to) or null. */
export function highlight(root, quotes) {
  const list = (Array.isArray(quotes) ? quotes : [quotes]).filter((q) => q && q.trim());
  if (!list.length) return null;
  const full = textNodes(root).map((n) => n.data).join("");
  const index = normalized(full);
  const ranges = list.flatMap((q) => locate(full, index, q)).sort((a, b) => b[0] - a[0]);
  let last = Infinity;
  for (const [start, end] of ranges) {
    if (end > last) continue; // overlapping: keep the later one already marked
    markRange(root, start, end);
    last = start;
  }
  return root.querySelector("mark.cited");
}
