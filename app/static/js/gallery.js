// The gallery of canned queries (GET /api/queries): one button per question, opening a form for its typed parameters
// (pickers filled from the data, date and year inputs), a "show SPARQL" toggle, and a run button.

import { clear, el } from "./dom.js";
import { lang, pick, t } from "./i18n.js";
import { getCanned, readResult } from "./sparql-client.js";
import { compact } from "./terms.js";

/** The parameter the page fills from its own language (labels in the results follow the page). */
export const LANGUAGE_PARAMETER = "lang";

let catalogue = [];
let openName = null;
let pickerCache = new Map();

export function findQuery(name) {
  return catalogue.find((q) => q.name === name) || null;
}

function pathOf(url) {
  try {
    const parsed = new URL(url, location.origin);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

/** GET /api/queries; an absent catalogue (404) is an empty gallery, not an error. */
export async function loadCatalogue(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const document = await response.json();
  const list = Array.isArray(document) ? document : document.queries || [];
  catalogue = list.map((query) => ({
    ...query,
    url: pathOf(query.url || `${url}/${query.name}`),
    view: typeof query.view === "string" ? { type: query.view } : query.view || { type: "table" },
    parameters: query.parameters || [],
  }));
  return catalogue;
}

/** The values a picker offers: the `value` and `label` columns of the query its parameter names (valuesFrom). */
async function pickerChoices(parameter) {
  const hint = parameter.valuesFrom;
  if (!hint) return null;
  const key = `${hint.query}|${lang()}`;
  if (!pickerCache.has(key)) {
    const params = findQuery(hint.query)?.parameters.some((p) => p.name === LANGUAGE_PARAMETER) ? { [LANGUAGE_PARAMETER]: lang() } : {};
    const promise = getCanned(pathOf(hint.url), params, "application/sparql-results+json")
      .then(readResult)
      .then((result) => {
        const seen = new Map();
        for (const row of result.rows) {
          const value = row[hint.value];
          if (!value || seen.has(value.value)) continue;
          const label = row[hint.label] ? row[hint.label].value : compact(value.value) || value.value;
          seen.set(value.value, label);
        }
        return [...seen.entries()].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label));
      });
    pickerCache.set(key, promise);
    promise.catch(() => pickerCache.delete(key));
  }
  return pickerCache.get(key);
}

function fieldId(query, parameter) {
  return `param-${query.name}-${parameter.name}`;
}

/** The input for one parameter, by type; returns [field element, getter, setter]. */
function parameterInput(query, parameter, initial) {
  const id = fieldId(query, parameter);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const title = pick(parameter.title) || parameter.name;
  const label = el("label", { for: id }, title, parameter.required ? " *" : ` (${t("formOptional")})`);
  const hints = [];
  if (parameter.description) hints.push(pick(parameter.description));
  const type = String(parameter.type || "string").toLowerCase();
  let input;
  let get = () => input.value.trim();
  let set = (value) => {
    input.value = value;
  };
  const common = { id, name: parameter.name, "aria-describedby": `${hintId} ${errorId}`, "data-param": parameter.name, "data-type": type };
  if (type === "enum" || (type === "iri" && parameter.valuesFrom)) {
    input = el("select", common);
    if (!parameter.required) input.append(el("option", { value: "" }, parameter.default ? t("formChoose") : t("formAny")));
    if (type === "enum") {
      for (const choice of parameter.values || []) input.append(el("option", { value: choice.value }, pick(choice.title) || choice.value));
    } else {
      input.append(el("option", { value: "", disabled: true }, t("formLoadingChoices")));
      input.setAttribute("aria-busy", "true");
    }
  } else if (type === "date") {
    input = el("input", { ...common, type: "date" });
  } else if (type === "year") {
    input = el("input", { ...common, type: "number", min: parameter.minimum ?? 1000, max: parameter.maximum ?? 9999, step: 1, inputmode: "numeric", placeholder: parameter.example || "2018" });
    hints.push(t("formYearHint"));
  } else if (type === "integer") {
    input = el("input", { ...common, type: "number", step: 1, min: parameter.minimum ?? undefined, max: parameter.maximum ?? undefined, placeholder: parameter.example || "" });
  } else if (type === "langstring") {
    input = el("input", { ...common, type: "text", placeholder: parameter.example || "Maroc" });
    const languageSelect = el("select", { "aria-label": `${title}: ${t("language")}` }, el("option", { value: "fr" }, "fr"), el("option", { value: "en" }, "en"));
    languageSelect.value = lang();
    get = () => (input.value.trim() ? `${input.value.trim()}@${languageSelect.value}` : "");
    set = (value) => {
      const m = /^(.*)@([A-Za-z-]+)$/s.exec(value || "");
      input.value = m ? m[1] : value || "";
      if (m) languageSelect.value = m[2].toLowerCase().startsWith("en") ? "en" : "fr";
    };
    const row = el("div", { class: "field-row" }, input, languageSelect);
    const field = el("div", { class: "field" }, label, row, el("p", { class: "hint", id: hintId }, hints.join(" ")), el("p", { class: "hint error-text", id: errorId, role: "alert" }));
    set(initial ?? parameter.default ?? "");
    return { field, get, set, input, parameter };
  } else {
    input = el("input", { ...common, type: "text", placeholder: parameter.example || "" });
  }
  if (parameter.required) input.setAttribute("required", "");
  const field = el("div", { class: "field" }, label, input, el("p", { class: "hint", id: hintId }, hints.join(" ")), el("p", { class: "hint error-text", id: errorId, role: "alert" }));
  const control = { field, get, set, input, parameter };
  const start = initial ?? parameter.default ?? (parameter.required ? parameter.exampleIri || parameter.example : "") ?? "";
  if (type === "iri" && parameter.valuesFrom) {
    control.ready = pickerChoices(parameter)
      .then((choices) => {
        const wanted = control.pending ?? start;
        for (const option of [...input.options]) if (option.disabled) option.remove();
        for (const choice of choices || []) input.append(el("option", { value: choice.value }, choice.label));
        if (wanted) {
          if (![...input.options].some((o) => o.value === wanted)) input.append(el("option", { value: wanted }, compact(wanted) || wanted));
          input.value = wanted;
        }
        input.removeAttribute("aria-busy");
      })
      .catch(() => {
        input.removeAttribute("aria-busy");
      });
    control.set = (value) => {
      control.pending = value;
      if ([...input.options].some((o) => o.value === value)) input.value = value;
    };
  } else if (start) {
    set(start);
  }
  return control;
}

/** The form of one canned query. `onRun(query, params)` runs it; `onOpenInEditor(sparql)` copies its text. */
function renderForm(area, query, initialParams, handlers) {
  clear(area);
  const form = el("form", { class: "canned-form", "data-query": query.name, novalidate: true });
  const headingId = `form-title-${query.name}`;
  form.setAttribute("aria-labelledby", headingId);
  form.append(el("h3", { id: headingId }, pick(query.title)), el("p", { class: "hint" }, pick(query.description)));
  const controls = [];
  for (const parameter of query.parameters) {
    if (parameter.name === LANGUAGE_PARAMETER && parameter.type === "enum") continue; // follows the page's language
    const control = parameterInput(query, parameter, initialParams[parameter.name]);
    controls.push(control);
    form.append(control.field);
  }
  const sparqlId = `sparql-${query.name}`;
  const toggle = el("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": sparqlId }, t("formShowSparql"));
  const pre = el("pre", { class: "canned-sparql", id: sparqlId, hidden: true }, query.sparql || t("formNoSparql"));
  toggle.addEventListener("click", () => {
    const open = pre.hidden;
    pre.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = t(open ? "formHideSparql" : "formShowSparql");
  });
  const actions = el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, t("formRun")), toggle);
  if (query.sparql) {
    const open = el("button", { type: "button", class: "secondary" }, t("formOpenInEditor"));
    open.addEventListener("click", () => handlers.onOpenInEditor(query.sparql));
    actions.append(open);
  }
  form.append(actions, pre);
  /** The parameters as filled in, or null (the first invalid field focused, its error said) when one is missing. */
  function collect() {
    let firstInvalid = null;
    const params = {};
    for (const control of controls) {
      const value = control.get();
      const error = control.field.querySelector(".error-text");
      error.textContent = "";
      control.input.removeAttribute("aria-invalid");
      if (control.parameter.required && !value) {
        error.textContent = t("formRequired", { name: pick(control.parameter.title) || control.parameter.name });
        control.input.setAttribute("aria-invalid", "true");
        firstInvalid ??= control.input;
      }
      if (value) params[control.parameter.name] = value;
    }
    if (firstInvalid) {
      firstInvalid.focus();
      return null;
    }
    return params;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = collect();
    if (params) handlers.onRun(query, params);
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  area.append(form);
  return { form, controls, collect, ready: Promise.all(controls.map((c) => c.ready).filter(Boolean)) };
}

/** Draw the gallery list; clicking an item opens its form below the list. */
export function renderGallery(listElement, area, handlers) {
  clear(listElement);
  for (const query of catalogue) {
    const button = el(
      "button",
      { type: "button", class: "gallery-item", "data-query": query.name, "aria-expanded": String(openName === query.name), "aria-controls": "canned-form-area" },
      el("span", { class: "title" }, pick(query.title)),
      el("span", { class: "description" }, pick(query.description)),
    );
    button.addEventListener("click", () => {
      openForm(listElement, area, query.name, {}, handlers);
      area.querySelector("input, select, button[type=submit]")?.focus();
    });
    listElement.append(el("li", {}, button));
  }
}

/** Open the form of `name` with `params` filled in; resolves when its pickers are filled. */
export function openForm(listElement, area, name, params, handlers) {
  const query = findQuery(name);
  if (!query) return null;
  openName = name;
  for (const button of listElement.querySelectorAll(".gallery-item")) {
    button.setAttribute("aria-expanded", String(button.dataset.query === name));
  }
  return renderForm(area, query, params, handlers);
}

export function openQueryName() {
  return openName;
}

/** Forget picker values (their labels are in the old language). */
export function resetPickers() {
  pickerCache = new Map();
}
