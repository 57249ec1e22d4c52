// The table view: one column per variable, IRIs by label linked to their pages, sortable columns.

import { clear, el, safeHref } from "./dom.js";
import { t } from "./i18n.js";
import { compact, displayText, isNumericLiteral, resourceHref } from "./terms.js";

const PAGE_ROWS = 500;

/** One cell's content: a link with the label (and the prefixed name under it), or the literal with its tag. */
export function termNode(term, labels) {
  if (!term) return document.createTextNode("");
  if (term.type === "uri") {
    const text = displayText(term, labels);
    const href = safeHref(resourceHref(term.value));
    const name = compact(term.value) ?? term.value;
    const link = href ? el("a", { href, title: term.value }, text) : el("span", { title: term.value }, text);
    const wrapper = el("span", { class: "term-iri", "data-iri": term.value }, link);
    if (name !== text) wrapper.append(el("span", { class: "curie" }, name));
    return wrapper;
  }
  if (term.type === "bnode") return el("span", { class: "term-bnode" }, `_:${term.value}`);
  const literal = el("span", { class: "term-literal" }, term.value);
  if (term["xml:lang"]) literal.append(el("span", { class: "term-tag" }, `@${term["xml:lang"]}`));
  else if (term.datatype && !term.datatype.endsWith("#string")) {
    literal.append(el("span", { class: "term-tag", title: term.datatype }, compact(term.datatype) ?? term.datatype));
  }
  return literal;
}

function compareTerms(a, b, labels) {
  if (!a && !b) return 0;
  if (!a) return 1;
  if (!b) return -1;
  if (isNumericLiteral(a) && isNumericLiteral(b)) return Number(a.value) - Number(b.value);
  return displayText(a, labels).localeCompare(displayText(b, labels), undefined, { numeric: true, sensitivity: "base" });
}

/** Table state kept across re-renders (language switch): the sort column and direction, and "show all". */
export function createTableState() {
  return { sortBy: null, descending: false, showAll: false };
}

export function renderTable(container, result, labels, state, rerender) {
  clear(container);
  if (result.kind === "ask") {
    container.append(
      el("p", { class: `ask-answer ${result.boolean ? "yes" : "no"}`, "data-boolean": String(result.boolean) }, t(result.boolean ? "askYes" : "askNo")),
    );
    return;
  }
  if (!result.rows.length) {
    container.append(el("p", { class: "empty" }, t("noRows")));
    return;
  }
  let rows = result.rows;
  if (state.sortBy) {
    rows = [...rows].sort((x, y) => compareTerms(x[state.sortBy], y[state.sortBy], labels) * (state.descending ? -1 : 1));
  }
  const header = el("tr");
  for (const name of result.vars) {
    const sorted = state.sortBy === name;
    const button = el(
      "button",
      { type: "button", "data-sort": name, title: t("sortBy", { column: name }) },
      `?${name}`,
      el("span", { class: "sort-mark", "aria-hidden": "true" }, sorted ? (state.descending ? "▼" : "▲") : "↕"),
    );
    button.addEventListener("click", () => {
      if (state.sortBy === name) state.descending = !state.descending;
      else Object.assign(state, { sortBy: name, descending: false });
      rerender();
      container.querySelector(`button[data-sort="${CSS.escape(name)}"]`)?.focus();
    });
    header.append(
      el("th", { scope: "col", "aria-sort": sorted ? (state.descending ? "descending" : "ascending") : "none" }, button),
    );
  }
  const body = el("tbody");
  const shown = state.showAll ? rows : rows.slice(0, PAGE_ROWS);
  for (const row of shown) {
    const tr = el("tr");
    for (const name of result.vars) tr.append(el("td", {}, el("div", { class: "cell" }, termNode(row[name], labels))));
    body.append(tr);
  }
  const table = el("table", { class: "results", "data-rows": rows.length }, el("thead", {}, header), body);
  container.append(el("div", { class: "table-scroll" }, table));
  if (shown.length < rows.length) {
    const more = el("button", { type: "button", class: "secondary more-rows" }, t("showAllRows", { count: rows.length }));
    more.addEventListener("click", () => {
      state.showAll = true;
      rerender();
    });
    container.append(more);
  }
}
