// Entry point: tabs, the API key, the health line, and each view's setup.

import { api, apiKey } from "./api.js";
import { $, h, plural, setStatus } from "./dom.js";
import { initAlignment, showAlignment } from "./alignment.js";
import { initChat, restoreChat } from "./chat.js";
import { initContacts } from "./contacts.js";
import { initDraft } from "./draft.js";
import { initIngest, loadSources } from "./ingest.js";
import { closePanel, initPanel } from "./panel.js";
import { initThemes } from "./themes.js";

const ON_SHOW = { alignment: showAlignment, ingest: onceThen(loadSources) };

function onceThen(task) {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      task();
    }
  };
}

// --- tabs (WAI-ARIA tabs pattern: arrows move between tabs, Home/End jump, the panel follows) ---

function tabs() {
  return [...document.querySelectorAll("[role=tab]")];
}

function select(tab, { focus = true } = {}) {
  if (tab.getAttribute("aria-selected") !== "true" && !$("#source-panel").hidden) closePanel({ refocus: false });
  for (const other of tabs()) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
  tab.scrollIntoView({ block: "nearest", inline: "nearest" });
  const name = tab.id.replace(/^tab-/, "");
  history.replaceState(null, "", `#${name}`);
  ON_SHOW[name]?.();
}

/** On a narrow screen the tab bar scrolls: a fade and "more ›" show on the side where tabs are hidden. */
function tabCue() {
  const list = $("[role=tablist]");
  const wrap = $("#tabs-wrap");
  const update = () => {
    wrap.classList.toggle("more-right", list.scrollLeft + list.clientWidth < list.scrollWidth - 2);
    wrap.classList.toggle("more-left", list.scrollLeft > 2);
  };
  list.addEventListener("scroll", update, { passive: true });
  window.addEventListener("resize", update);
  update();
}

function initTabs() {
  const list = $("[role=tablist]");
  list.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab) select(tab);
  });
  list.addEventListener("keydown", (event) => {
    const all = tabs();
    const index = all.indexOf(document.activeElement);
    if (index === -1) return;
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: all.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    select(all[(moves[event.key] + all.length) % all.length]);
  });
  const fromHash = () => document.getElementById(`tab-${location.hash.slice(1)}`);
  window.addEventListener("hashchange", () => {
    if (fromHash()) select(fromHash(), { focus: false });
  });
  select(fromHash() || tabs()[0], { focus: false });
  tabCue();
}

// --- the API key (only when the server uses keys) ---

function initKey() {
  const form = $("#key-form");
  const input = $("#api-key");
  const state = $("#key-state");
  const show = () => { state.textContent = apiKey.get() ? "key set for this tab" : "no key yet"; };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) apiKey.set(input.value.trim());
    input.value = "";
    show();
    refreshTeams();
    restoreChat();
  });
  $("#key-forget").addEventListener("click", () => {
    apiKey.clear();
    show();
  });
  window.addEventListener("prodops:auth", (event) => {
    form.hidden = false;
    state.textContent = event.detail.message;
    if (event.detail.status === 401) input.focus();
  });
  show();
}

// --- the health line and the team suggestions ---

async function initHealth() {
  const line = $("#health-status");
  try {
    const health = await api("/health");
    $("#auth-mode").textContent = health.auth;
    if (health.auth === "api-keys") $("#key-form").hidden = false;
    setStatus(line, `${plural(health.chunks, "chunk")} · ${health.synthesizer} answers · ` +
      `${health.store} store`, "ok");
  } catch (error) {
    setStatus(line, `server unavailable: ${error.message}`, "error");
  }
}

async function refreshTeams() {
  try {
    const sources = await api("/v1/sources");
    const teams = [...new Set(sources.map((s) => s.team).filter(Boolean))].sort();
    $("#team-list").replaceChildren(...teams.map((team) => h("option", { value: team })));
  } catch {
    // no key yet, or no access: the team fields still accept free text
  }
}

window.addEventListener("prodops:ingested", () => {
  initHealth();
  refreshTeams();
});

initPanel();
initKey();
initChat();
initThemes();
initDraft();
initAlignment();
initContacts();
initIngest();
initTabs();
initHealth();
if (document.body.dataset.needsKey !== "true" || apiKey.get()) {
  refreshTeams();
  restoreChat();
}
