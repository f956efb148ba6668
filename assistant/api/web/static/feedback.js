// Answer feedback: helpful / not helpful with an optional note, stored with the conversation.

import { api, enc } from "./api.js";
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const THUMB = "M2 10h4v11H2zM7 21h10.3a2 2 0 0 0 2-1.6l1.6-7.5A2 2 0 0 0 19 9.5h-5.2l.8-4.1a1.7 1.7 0 0 0-3-1.4L7 9.3z";

function thumb(down) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", down ? "thumb down" : "thumb");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", THUMB);
  svg.append(path);
  return svg;
}

/**
 * The rating bar under an answer. `target()` gives {conversationId, position} (known once the answer is stored);
 * `saved` is an earlier rating ({rating, note}) to show as chosen.
 */
export function feedbackBar(target, saved = null) {
  const status = h("span", { class: "feedback-status", role: "status" });
  const note = h("textarea", { rows: "2", maxlength: "2000", class: "feedback-note",
    "aria-label": "What was wrong or missing? (optional)", placeholder: "What was wrong or missing? (optional)" });
  const send = h("button", { type: "submit", class: "secondary", text: "Send note" });
  const form = h("form", { class: "feedback-form", hidden: true }, note, send);
  const buttons = {};
  let rating = saved?.rating || null;

  async function save() {
    const { conversationId, position } = target();
    if (!conversationId) return;
    try {
      await api(`/v1/conversations/${enc(conversationId)}/feedback`, { method: "POST",
        json: { position, rating, note: note.value.trim() } });
      status.textContent = note.value.trim() ? "Thanks: rating and note saved." : "Thanks: rating saved.";
      status.dataset.kind = "ok";
    } catch (error) {
      status.textContent = `Couldn't save the rating: ${error.message}`;
      status.dataset.kind = "error";
    }
  }

  function choose(value) {
    rating = value;
    for (const [key, button] of Object.entries(buttons)) button.setAttribute("aria-pressed", String(key === value));
    form.hidden = false;
    save();
  }

  for (const [value, label] of [["up", "Helpful"], ["down", "Not helpful"]]) {
    buttons[value] = h("button", { type: "button", class: `vote ${value}`, "aria-pressed": String(rating === value),
      onclick: () => choose(value) }, thumb(value === "down"), h("span", { text: label }));
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  if (saved) {
    note.value = saved.note || "";
    form.hidden = false;
    status.textContent = "You rated this answer.";
  }
  return h("div", { class: "feedback", role: "group", "aria-label": "Rate this answer" },
    h("span", { class: "hint", text: "Was this answer helpful?" }), buttons.up, buttons.down, status, form);
}
