// Research themes: counts by distinct customers, teams, verbatim quotes with their sources.

import { api } from "./api.js";
import { $, badge, clear, formValues, h, plural, setStatus, whileBusy } from "./dom.js";
import { chunkButton } from "./panel.js";

function quote(q) {
  const who = [q.participant, q.company].filter(Boolean).join(", ");
  const when = q.date ? ` (${q.date})` : "";
  return h("li", { class: "quote" },
    h("blockquote", { text: q.text }),
    h("p", { class: "quote-meta" }, who ? `— ${who}${when} ` : "",
      chunkButton(q.chunk_id, q.source, `Show the quote in ${q.source}`, "link", q.text)));
}

const QUOTES_SHOWN = 2;

function theme(t, index) {
  const id = `theme-${index}`;
  const card = h("article", { class: "card theme", id: `${id}-card`, "aria-labelledby": id, tabindex: "-1" },
    h("header", { class: "card-head" },
      h("h3", { id, text: t.label }),
      h("p", { class: "badges" },
        badge(plural(t.customers, "customer"), "count"),
        badge(plural(t.interviews, "interview"), ""),
        ...t.teams.map((team) => badge(team, "team")))),
    h("p", { class: "hint", text: [
      t.first_seen && t.last_seen ? `Heard ${t.first_seen} to ${t.last_seen}.` : "",
      t.companies.length ? `Companies: ${t.companies.join(", ")}.` : "",
    ].filter(Boolean).join(" ") }),
    h("ul", { class: "quotes", "aria-label": `Quotes for ${t.label}` }, t.quotes.slice(0, QUOTES_SHOWN).map(quote)));
  const more = t.quotes.slice(QUOTES_SHOWN);
  if (more.length) {
    card.append(h("details", {}, h("summary", { text: `${plural(more.length, "more quote")}` }),
      h("ul", { class: "quotes" }, more.map(quote))));
  }
  if (t.contradicting.length) {
    card.append(h("details", { class: "against" },
      h("summary", { text: `Quotes that go against it (${t.contradicting.length})` }),
      h("ul", { class: "quotes" }, t.contradicting.map(quote))));
  }
  return card;
}

/** One row per theme, so the whole set fits on a laptop screen; the label jumps to the theme's card. */
function overview(themes) {
  const jump = (index) => () => {
    const card = document.getElementById(`theme-${index}-card`);
    card.scrollIntoView({ block: "start" });
    card.focus({ preventScroll: true });
  };
  return h("div", { class: "table-wrap" }, h("table", { class: "overview" },
    h("caption", { class: "visually-hidden", text: "Themes at a glance" }),
    h("thead", {}, h("tr", {}, ["Theme", "Customers", "Interviews", "Teams", "Heard"].map((text, i) =>
      h("th", { scope: "col", class: i === 1 || i === 2 ? "num" : null, text })))),
    h("tbody", {}, themes.map((t, index) => h("tr", {},
      h("th", { scope: "row" }, h("button", { type: "button", class: "link", text: t.label, onclick: jump(index) })),
      h("td", { class: "num", text: t.customers }),
      h("td", { class: "num", text: t.interviews }),
      h("td", { text: t.teams.join(", ") }),
      h("td", { class: "nowrap", text: t.first_seen ? `${t.first_seen} – ${t.last_seen}` : "—" }))))));
}

function byTeam(report) {
  const teams = Object.keys(report.by_team || {});
  if (!teams.length) return null;
  const rows = teams.map((team) => h("tr", {},
    h("th", { scope: "row", text: team }),
    h("td", { text: report.by_team[team].map(([label, n]) => `${label} (${n})`).join("; ") })));
  return h("details", { class: "by-team" }, h("summary", { text: "Themes by team (customers)" }),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Team" }), h("th", { scope: "col", text: "Themes" }))),
      h("tbody", {}, rows))));
}

export function initThemes() {
  const form = $("#themes-form");
  const out = $("#themes-out");
  const status = $("#themes-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    const body = { format: "json", min_customers: Number(values.min_customers || 2) };
    for (const key of ["team", "since", "until"]) if (values[key]) body[key] = values[key];
    whileBusy(form, async () => {
      setStatus(status, "Finding themes across the interviews…", "busy");
      clear(out);
      try {
        const report = await api("/v1/themes", { method: "POST", json: body });
        setStatus(status, `${plural(report.themes.length, "theme")} from ${plural(report.interviews, "interview")}` +
          ` with ${plural(report.customers, "customer")}.`, "ok");
        if (!report.themes.length) {
          out.append(h("p", { class: "empty", text: "No theme reaches the minimum number of customers." }));
        }
        if (report.themes.length) out.append(overview(report.themes));
        out.append(...report.themes.map(theme));
        const table = byTeam(report);
        if (table) out.append(table);
      } catch (error) {
        setStatus(status, `Couldn't find themes: ${error.message}`, "error");
      }
    });
  });
}
