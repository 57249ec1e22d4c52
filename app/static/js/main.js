// The query page: wires the editor, the gallery, the results and their views, the language and the shareable URL.

import { download, formatsFor } from "./downloads.js";
import { el } from "./dom.js";
import { createEditor, relabelEditor, setVocabulary } from "./editor.js";
import { LANGUAGE_PARAMETER, findQuery, loadCatalogue, openForm, openQueryName, renderGallery, resetPickers } from "./gallery.js";
import { initialLanguage, lang, onLanguageChange, setLanguage, t } from "./i18n.js";
import { fetchLabels } from "./labels.js";
import { prepareMap, renderMap } from "./map-view.js";
import { prepareNetwork, renderNetwork } from "./network-view.js";
import { DISPLAY_ACCEPT, QueryError, getCanned, postQuery, readResult } from "./sparql-client.js";
import { createTableState, renderTable } from "./table-view.js";
import { configure, iriValues } from "./terms.js";
import { prepareTimeline, renderTimeline } from "./timeline-view.js";
import { parseState, writeState } from "./url-state.js";

const config = JSON.parse(document.getElementById("coop-config").textContent);
configure(config);

const EXAMPLE_COMMENTS = {
  en: `# Partnerships and their parties. The project's prefixes (coop:, o:, pl:, …) are pre-declared.
# Ctrl+Enter (Cmd+Enter on a Mac) runs the query; Ctrl+Space completes names.`,
  fr: `# Les partenariats et leurs parties. Les préfixes du projet (coop:, o:, pl:, …) sont prédéclarés.
# Ctrl+Entrée (Cmd+Entrée sur Mac) exécute la requête ; Ctrl+Espace complète les noms.`,
};

const EXAMPLE_BODY = `SELECT ?partnership ?party ?country ?date WHERE {
  ?partnership a coop:Partnership ;
    coop:hasParty ?party .
  OPTIONAL { ?party coop:basedIn/coop:locatedIn* ?country . ?country a coop:Country }
  OPTIONAL { ?partnership coop:date ?date }
}
ORDER BY ?date ?partnership
LIMIT 500
`;

/** The example query, commented in the page's language. */
function exampleQuery() {
  return `${EXAMPLE_COMMENTS[lang()] || EXAMPLE_COMMENTS.en}\n${EXAMPLE_BODY}`;
}

const VIEWS = {
  map: { prepare: prepareMap, render: renderMap },
  timeline: { prepare: prepareTimeline, render: renderTimeline },
  network: { prepare: prepareNetwork, render: renderNetwork },
};

const $ = (id) => document.getElementById(id);
const elements = {
  run: $("run"),
  share: $("share"),
  shareBox: $("share-box"),
  shareUrl: $("share-url"),
  status: $("result-status"),
  message: $("result-message"),
  notice: $("result-notice"),
  view: $("view"),
  galleryList: $("gallery-list"),
  galleryStatus: $("gallery-status"),
  formArea: $("canned-form-area"),
};

const state = {
  source: null, // {type: "sparql", query} | {type: "canned", name, url, params}
  result: null,
  labels: new Map(),
  elapsedMs: 0,
  view: "table",
  viewData: new Map(),
  table: createTableState(),
  generation: 0,
  catalogueReady: Promise.resolve(),
};

let editor;

// --- messages ------------------------------------------------------------------------------------------------

function showError(error) {
  const kind = error instanceof QueryError ? error.kind : "other";
  const status = error instanceof QueryError ? error.status : 0;
  const titles = {
    syntax: ["errorSyntax", "errorSyntaxHint"],
    timeout: ["errorTimeout", "errorTimeoutHint"],
    busy: ["errorBusy", "errorBusyHint"],
    crashed: ["errorCrashed", "errorCrashedHint"],
    refused: ["errorRefused", "errorRefusedHint"],
    "too-large": ["errorTooLarge", null],
    parameter: ["errorParameter", null],
    network: ["errorNetwork", "errorNetworkHint"],
  };
  let [title, hint] = titles[kind] || ["errorOther", null];
  if (kind === "syntax" && state.source && state.source.type === "canned") [title, hint] = ["errorParameter", null];
  const message = elements.message;
  message.replaceChildren(
    el("h3", {}, t(title, { status })),
    hint ? el("p", {}, t(hint, { seconds: config.timeoutSeconds })) : null,
    el("pre", { class: "server-message" }, error.message || String(error)),
  );
  message.dataset.kind = kind;
  message.hidden = false;
}

function clearMessages() {
  elements.message.hidden = true;
  elements.message.replaceChildren();
  elements.notice.hidden = true;
  elements.notice.replaceChildren();
}

function showTruncation(result) {
  const truncated = result.truncated;
  if (!truncated) return;
  const kept = truncated.kept ?? result.rows.length;
  const limit = truncated.limit ?? (truncated.reason === "row-limit" ? config.maxRows : "?");
  const key = truncated.reason === "size-limit" ? "truncatedSize" : "truncatedRows";
  elements.notice.replaceChildren(el("h3", {}, t("truncatedTitle")), el("p", {}, t(key, { kept, limit })));
  elements.notice.dataset.reason = truncated.reason;
  elements.notice.hidden = false;
}

function renderStatus() {
  const result = state.result;
  if (!result) {
    elements.status.textContent = t("noResultsYet");
    return;
  }
  const count = result.rows.length;
  let text;
  if (result.kind === "ask") text = "ASK";
  else if (result.kind === "graph") text = count === 1 ? t("triple") : t("triples", { count });
  else text = count === 1 ? t("row") : t("rows", { count });
  elements.status.replaceChildren(el("strong", { "data-count": count }, text), ` ${t("inTime", { ms: Math.round(state.elapsedMs) })}`);
}

function updateDownloads() {
  const formats = state.result ? formatsFor(state.result.kind) : {};
  for (const button of document.querySelectorAll("[data-download]")) {
    const key = button.dataset.download;
    button.disabled = !(key in formats);
    button.textContent = key === "json" && state.result && state.result.kind === "graph" ? "JSON-LD" : key === "turtle" ? "Turtle" : key.toUpperCase();
  }
}

// --- views ---------------------------------------------------------------------------------------------------

function viewContext() {
  const query = state.source && state.source.type === "canned" ? findQuery(state.source.name) : null;
  return {
    endpoint: config.endpoint,
    result: state.result,
    labels: () => state.labels,
    ensureLabels: async (iris) => {
      state.labels = await fetchLabels(config.endpoint, iris, state.labels);
    },
    hints: query ? query.view || {} : {},
    parameterNames: new Set(query ? query.parameters.map((p) => p.name) : []),
  };
}

function setViewButtons() {
  for (const button of document.querySelectorAll("[data-view]")) {
    if (button.tagName === "BUTTON") button.setAttribute("aria-pressed", String(button.dataset.view === state.view));
  }
  elements.view.dataset.view = state.view;
}

async function renderView() {
  setViewButtons();
  const container = elements.view;
  const generation = state.generation;
  if (!state.result) {
    container.replaceChildren(el("p", { class: "empty" }, t("noResultsYet")));
    return;
  }
  if (state.view === "table" || !VIEWS[state.view]) {
    renderTable(container, state.result, state.labels, state.table, () => renderView());
    return;
  }
  const view = VIEWS[state.view];
  const name = state.view;
  container.setAttribute("aria-busy", "true");
  if (!state.viewData.has(name)) {
    container.replaceChildren(el("p", { class: "empty" }, t("viewLoading")));
    const promise = view.prepare(viewContext());
    state.viewData.set(name, promise);
    promise.catch(() => state.viewData.delete(name));
  }
  try {
    const data = await state.viewData.get(name);
    if (generation !== state.generation || state.view !== name) return;
    view.render(container, viewContext(), data);
  } catch (error) {
    if (generation !== state.generation) return;
    console.error(error);
    container.replaceChildren(el("p", { class: "message" }, t("viewFailed", { message: error.message || String(error) })));
  } finally {
    if (generation === state.generation) container.removeAttribute("aria-busy");
  }
}

function setView(view, { record = true } = {}) {
  state.view = view in VIEWS || view === "table" ? view : "table";
  renderView();
  if (record) recordState();
}

// --- running -------------------------------------------------------------------------------------------------

async function execute(source, { view = null } = {}) {
  state.generation += 1;
  const generation = state.generation;
  state.source = source;
  document.body.dataset.state = "running";
  clearMessages();
  elements.run.disabled = true;
  elements.status.textContent = t("running");
  elements.view.setAttribute("aria-busy", "true");
  const started = performance.now();
  const ask = () =>
    source.type === "canned"
      ? getCanned(source.url, source.params, DISPLAY_ACCEPT)
      : postQuery(config.endpoint, source.query, DISPLAY_ACCEPT);
  try {
    let response;
    try {
      response = await ask();
    } catch (error) {
      // Every worker busy: the service says when to come back (Retry-After); try once more, then say so.
      if (!(error instanceof QueryError) || error.kind !== "busy") throw error;
      const seconds = Math.min(error.retryAfter || 2, 10);
      elements.status.textContent = t("retrying", { seconds });
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      if (generation !== state.generation) return;
      response = await ask();
    }
    const result = await readResult(response);
    if (generation !== state.generation) return;
    state.elapsedMs = performance.now() - started;
    state.result = result;
    state.viewData = new Map();
    state.table = createTableState();
    elements.status.textContent = t("labelsLoading");
    state.labels = await fetchLabels(config.endpoint, iriValues(result.rows, result.vars), state.labels);
    if (generation !== state.generation) return;
    renderStatus();
    showTruncation(result);
    updateDownloads();
    if (view) state.view = view;
    recordState();
    await renderView();
    if (generation === state.generation) document.body.dataset.state = "done";
  } catch (error) {
    if (generation !== state.generation) return;
    state.result = null;
    state.viewData = new Map();
    elements.status.textContent = "";
    elements.view.replaceChildren();
    updateDownloads();
    showError(error);
    recordState();
    document.body.dataset.state = "error";
  } finally {
    if (generation === state.generation) {
      document.body.dataset.runs = String(Number(document.body.dataset.runs || 0) + 1);
      elements.run.disabled = false;
      elements.view.removeAttribute("aria-busy");
    }
  }
}

function runEditor() {
  return execute({ type: "sparql", query: editor.getValue() });
}

function cannedSource(query, params) {
  const withLanguage = { ...params };
  if (query.parameters.some((p) => p.name === LANGUAGE_PARAMETER)) withLanguage[LANGUAGE_PARAMETER] = lang();
  return { type: "canned", name: query.name, url: query.url, params: withLanguage, userParams: params };
}

function runCanned(query, params, options = {}) {
  const view = options.view ?? (query.view && query.view.type) ?? "table";
  return execute(cannedSource(query, params), { view });
}

// --- URL state -----------------------------------------------------------------------------------------------

function currentShareState() {
  const base = { view: state.view, lang: lang() };
  if (state.source && state.source.type === "canned") {
    return { ...base, canned: state.source.name, params: state.source.userParams };
  }
  return { ...base, query: state.source ? state.source.query : editor.getValue() };
}

function recordState() {
  writeState(currentShareState());
}

async function share() {
  if (!state.source || state.source.type === "sparql") state.source = { type: "sparql", query: editor.getValue() };
  recordState();
  elements.shareBox.hidden = false;
  elements.shareUrl.value = location.href;
  elements.shareUrl.focus();
  elements.shareUrl.select();
  try {
    await navigator.clipboard.writeText(location.href);
    elements.status.textContent = t("shareCopied");
  } catch {
    /* the link is selected in the box for the user to copy */
  }
}

// --- language ------------------------------------------------------------------------------------------------

function formValues() {
  const values = {};
  for (const field of elements.formArea.querySelectorAll("[data-param]")) {
    if (field.value) values[field.dataset.param] = field.value;
  }
  return values;
}

function onLanguage() {
  relabelEditor(editor);
  resetPickers();
  const open = openQueryName();
  const values = open ? formValues() : {};
  renderGallery(elements.galleryList, elements.formArea, galleryHandlers);
  if (open) openForm(elements.galleryList, elements.formArea, open, values, galleryHandlers);
  updateDownloads();
  const source = state.source;
  if (source && source.type === "canned" && LANGUAGE_PARAMETER in source.params && state.result) {
    const query = findQuery(source.name);
    if (query) {
      execute(cannedSource(query, source.userParams), { view: state.view });
      return;
    }
  }
  renderStatus();
  if (state.result) showTruncationAgain();
  renderView();
  recordState();
}

function showTruncationAgain() {
  elements.notice.hidden = true;
  showTruncation(state.result);
}

const galleryHandlers = {
  onRun: (query, params) => runCanned(query, params),
  onOpenInEditor: (sparql) => {
    editor.setValue(sparql);
    editor.focus();
  },
};

// --- start ---------------------------------------------------------------------------------------------------

function fillPrefixes() {
  const list = $("prefix-list");
  const entries = Object.entries(config.prefixes);
  $("prefix-count").textContent = String(entries.length);
  for (const [prefix, namespace] of entries) list.append(el("dt", {}, `${prefix}:`), el("dd", {}, namespace));
  $("insert-prefixes").addEventListener("click", () => {
    const text = editor.getValue();
    const declared = new Set([...text.matchAll(/PREFIX\s+([\w-]*):/gi)].map((m) => m[1]));
    const lines = entries.filter(([p]) => !declared.has(p)).map(([p, ns]) => `PREFIX ${p}: <${ns}>`);
    if (lines.length) editor.setValue(`${lines.join("\n")}\n${text}`);
    editor.focus();
  });
}

async function loadGallery() {
  elements.galleryStatus.textContent = t("galleryLoading");
  try {
    const list = await loadCatalogue(config.queriesApi);
    elements.galleryStatus.textContent = list.length ? "" : t("galleryEmpty");
    renderGallery(elements.galleryList, elements.formArea, galleryHandlers);
  } catch (error) {
    elements.galleryStatus.textContent = t("galleryError", { message: error.message || String(error) });
  }
}

function loadVocabulary() {
  const terms = fetch(config.vocabularyApi, { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : { terms: [] }))
    .then((document) => document.terms || [])
    .catch((error) => {
      console.warn("vocabulary not loaded", error);
      return [];
    });
  setVocabulary(terms);
}

async function start() {
  const initial = parseState(location);
  setLanguage(initialLanguage(initial.lang));
  editor = createEditor($("query"), runEditor);
  editor.setValue(initial.query ?? exampleQuery());
  fillPrefixes();
  onLanguageChange(onLanguage);
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => setLanguage(button.dataset.lang));
  }
  for (const button of document.querySelectorAll("button[data-view]")) {
    button.addEventListener("click", () => setView(button.dataset.view));
  }
  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", async () => {
      if (!state.result || !state.source) return;
      try {
        const name = await download(state.source, state.result.kind, button.dataset.download, config.endpoint);
        elements.status.dataset.downloaded = name;
      } catch (error) {
        showError(error);
      }
    });
  }
  elements.run.addEventListener("click", runEditor);
  elements.share.addEventListener("click", share);
  $("reset-query").addEventListener("click", () => {
    editor.setValue(exampleQuery());
    editor.focus();
  });
  state.view = initial.view || "table";
  setViewButtons();
  updateDownloads();
  renderStatus();
  renderView();
  loadVocabulary();
  await loadGallery();
  if (initial.canned && findQuery(initial.canned)) {
    const form = openForm(elements.galleryList, elements.formArea, initial.canned, initial.params, galleryHandlers);
    await form.ready;
    const params = form.collect();
    if (params) await runCanned(findQuery(initial.canned), params, { view: initial.view || undefined });
  } else if (initial.query) {
    await execute({ type: "sparql", query: initial.query }, { view: initial.view || null });
  }
  document.body.dataset.ready = "true";
}

start();
