// DOM helpers. Document text is untrusted: it only ever reaches the page as text nodes (textContent),
// never as HTML. There is deliberately no helper here that parses markup.

/**
 * Build an element. `attrs` keys: class, text, hidden, dataset (object), on<Event> (listener),
 * any other key is set as an attribute (aria-*, role, type, ...). `children` are nodes or strings (text).
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/**
 * Show a message in a view's status line; kind: "info" | "busy" | "error" | "warn" | "ok".
 * "busy" adds an animated spinner and the seconds elapsed (updated every second, hidden from screen readers so
 * the live region announces the message once), until the next setStatus on the same line.
 */
export function setStatus(node, message, kind = "info") {
  clearInterval(timers.get(node));
  timers.delete(node);
  node.dataset.kind = kind;
  if (kind !== "busy") {
    node.textContent = message || "";
    return;
  }
  const started = Date.now();
  const elapsed = h("span", { class: "elapsed", "aria-hidden": "true", text: "0 s" });
  node.replaceChildren(h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { text: message }), " ",
    elapsed);
  timers.set(node, setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    elapsed.textContent = seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  }, 1000));
}

const timers = new WeakMap();

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return Number(value).toLocaleString("en-US", { maximumFractionDigits: digits });
}

export function percent(value) {
  if (value === null || value === undefined) return "—";
  return `${Math.round(value * 100)}%`;
}

export function plural(count, word, many = `${word}s`) {
  return `${formatNumber(count)} ${count === 1 ? word : many}`;
}

/** A small labelled badge, e.g. badge("12 customers", "count"). */
export function badge(text, kind = "") {
  return h("span", { class: `badge ${kind}`.trim(), text });
}

/** Read a form's non-empty fields into an object (strings trimmed). */
export function formValues(form) {
  const values = {};
  for (const [key, value] of new FormData(form).entries()) {
    if (typeof value === "string" && value.trim() !== "") values[key] = value.trim();
  }
  return values;
}

/** Disable a form's submit button while `task` runs, so a double Enter doesn't send twice. */
export async function whileBusy(form, task) {
  const buttons = form.querySelectorAll("button[type=submit]");
  buttons.forEach((b) => { b.disabled = true; });
  form.setAttribute("aria-busy", "true");
  try {
    return await task();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    form.removeAttribute("aria-busy");
  }
}
