// The conversation list: the caller's conversations (kept by the server per access key), reopen, delete.

import { api, enc } from "./api.js";
import { $, clear, h, setStatus } from "./dom.js";

const OPEN_KEY = "prodops.conversation";
let handlers = { open: () => {}, deleted: () => {} };

/** The conversation open in this tab, remembered across reloads of the tab. */
export const openConversation = {
  get: () => sessionStorage.getItem(OPEN_KEY),
  set: (id) => (id ? sessionStorage.setItem(OPEN_KEY, id) : sessionStorage.removeItem(OPEN_KEY)),
};

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString([], { month: "short", day: "numeric" });
}

function item(summary, activeId) {
  const active = summary.id === activeId;
  return h("li", { class: active ? "active" : "", dataset: { conversationId: summary.id } },
    h("button", { type: "button", class: "link open", "aria-current": active ? "true" : null,
      title: summary.title, onclick: () => handlers.open(summary.id) },
      h("span", { class: "title", text: summary.title || "(untitled)" }),
      h("span", { class: "when", text: when(summary.updated) })),
    h("button", { type: "button", class: "delete", "aria-label": `Delete the conversation “${summary.title}”`,
      title: "Delete", text: "×", onclick: () => remove(summary) }));
}

async function remove(summary) {
  const status = $("#conversation-status");
  try {
    await api(`/v1/conversations/${enc(summary.id)}`, { method: "DELETE" });
    setStatus(status, `Deleted “${summary.title}”.`, "info");
    handlers.deleted(summary.id);
    await refreshConversations();
  } catch (error) {
    setStatus(status, `Couldn't delete: ${error.message}`, "error");
  }
}

/** Reload the list from the server, marking the open conversation. */
export async function refreshConversations() {
  const list = $("#conversation-list");
  try {
    const summaries = await api("/v1/conversations");
    clear(list).append(...summaries.map((s) => item(s, openConversation.get())));
    $("#conversation-count").textContent = summaries.length ? `(${summaries.length})` : "";
    if (!summaries.length) list.append(h("li", { class: "hint", text: "None yet: your questions start one." }));
    return summaries;
  } catch (error) {
    clear(list).append(h("li", { class: "hint", text: `Couldn't list conversations: ${error.message}` }));
    return [];
  }
}

/** `open(id)` shows a conversation; `deleted(id)` is told when one is deleted. */
export function initConversations(callbacks) {
  handlers = { ...handlers, ...callbacks };
  const details = $("#conversations");
  const wide = window.matchMedia("(min-width: 1000px)");
  details.open = wide.matches;
  wide.addEventListener("change", () => { details.open = wide.matches; });
}
