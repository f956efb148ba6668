// Contact check: a warning banner with its reasons, the history with the company, related research.

import { api } from "./api.js";
import { $, clear, formValues, h, plural, setStatus, whileBusy } from "./dom.js";
import { chunkButton } from "./panel.js";

function banner(check) {
  const title = check.warning ? "Wait before contacting" : "OK to contact";
  const box = h("div", { class: check.warning ? "banner warning" : "banner ok", role: check.warning ? "alert" : "status" },
    h("p", { class: "banner-title" }, h("strong", { text: title }),
      ` — ${check.company}${check.person ? `, ${check.person}` : ""} on ${check.on}`),
    check.reasons.length > 1 ? h("ul", {}, check.reasons.map((r) => h("li", { text: r }))) : h("p", { text: check.reason }));
  box.append(h("p", { class: "hint", text: `Rules: ${check.rest_days}-day rest period; at most ` +
    `${check.max_per_quarter} interviews per company per quarter (${check.quarter}: ${check.quarter_contacts} so far).` }));
  return box;
}

function history(contacts) {
  if (!contacts.length) return h("p", { class: "empty", text: "No interview with this company yet." });
  const header = ["Date", "Person", "Company", "Team", "Interviewer", "Record"];
  return h("div", { class: "table-wrap" }, h("table", { class: "history" },
    h("caption", { text: `History (${plural(contacts.length, "interview")})` }),
    h("thead", {}, h("tr", {}, header.map((t) => h("th", { scope: "col", text: t })))),
    h("tbody", {}, contacts.map((c) => h("tr", {},
      h("td", { class: "nowrap", text: c.date || "—" }),
      h("td", { text: [c.person, c.role].filter(Boolean).join(", ") || "—" }),
      h("td", { text: c.company || "—" }),
      h("td", { text: c.team || "—" }),
      h("td", { text: c.interviewer || "—" }),
      h("td", {}, chunkButton(c.chunk_id, c.title || c.source, `Show the interview ${c.source}`)))))));
}

function research(items) {
  if (!items.length) return null;
  return h("section", { class: "related", "aria-labelledby": "related-title" },
    h("h3", { id: "related-title", text: "Research that may already answer your questions" }),
    h("ul", { class: "quotes" }, items.map((r) => h("li", { class: "quote" },
      h("p", {}, chunkButton(r.chunk_id, r.title || r.source, `Show ${r.source}`, "link", r.text),
        h("span", { class: "hint", text: ` — ${[r.person, r.company, r.date].filter(Boolean).join(", ")}; ${r.why}` })),
      r.text ? h("blockquote", { text: r.text }) : null))));
}

export function initContacts() {
  const form = $("#contacts-form");
  const out = $("#contacts-out");
  const status = $("#contacts-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = formValues(form);
    whileBusy(form, async () => {
      setStatus(status, "Checking the contact ledger…", "busy");
      clear(out);
      try {
        const check = await api("/v1/contacts/check", { method: "POST", json: body });
        out.append(banner(check), history(check.contacts));
        const related = research(check.related_research);
        if (related) out.append(related);
        setStatus(status, check.warning ? "Checked: there is a reason to wait." : "Checked: no reason to wait.",
          check.warning ? "error" : "ok");
      } catch (error) {
        setStatus(status, `Couldn't check: ${error.message}`, "error");
      }
    });
  });
}
