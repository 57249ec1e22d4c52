// The timeline view: agreements, programmes and events of the results on a time axis. A date known to the year or
// the month is drawn as a bar from coop:earliest to coop:latest (never as a false exact day); exact days as dots;
// things with no date are listed apart.

import { clear, el, safeHref, svgEl } from "./dom.js";
import { HEADER } from "./labels.js";
import { lang, t } from "./i18n.js";
import { selectRows } from "./sparql-client.js";
import { DAY_MS, iriValues, labelOf, parseDay, resourceHref, spanOfLiteral, valuesClause } from "./terms.js";

const LANE = 38;
const MARGIN = { top: 34, right: 16, bottom: 30, left: 12 };
const KINDS = ["Partnership", "Programme", "Event"];

async function fetchDates(endpoint, iris) {
  const query = `${HEADER}SELECT ?x ?earliest ?latest ?date ?dateText ?kind WHERE {
  ${valuesClause("x", iris)}
  OPTIONAL { ?x coop:earliest ?earliest }
  OPTIONAL { ?x coop:latest ?latest }
  OPTIONAL { ?x coop:date ?date }
  OPTIONAL { ?x coop:dateText ?dateText }
  OPTIONAL { VALUES ?kind { ${KINDS.map((k) => `coop:${k}`).join(" ")} } ?x a ?kind }
  FILTER(BOUND(?earliest) || BOUND(?date) || BOUND(?kind))
}`;
  return selectRows(endpoint, query);
}

/** One item per dated (or datable) IRI: its span, precision and the source's own words for the date. */
function itemsFrom(rows) {
  const items = new Map();
  for (const row of rows) {
    const iri = row.x.value;
    let item = items.get(iri);
    if (!item) items.set(iri, (item = { iri, start: null, end: null, precision: null, dateText: {}, kind: null }));
    if (row.kind) item.kind = row.kind.value.split("#").pop().toLowerCase();
    if (row.earliest && !item.start) item.start = parseDay(row.earliest.value);
    if (row.latest && !item.end) item.end = parseDay(row.latest.value);
    if (row.date && !item.fromDate) item.fromDate = spanOfLiteral(row.date);
    if (row.dateText) item.dateText[(row.dateText["xml:lang"] || "en").slice(0, 2)] = row.dateText.value;
  }
  for (const item of items.values()) {
    if (!item.start && item.fromDate) [item.start, item.end] = [item.fromDate.start, item.fromDate.end];
    if (item.start && !item.end) item.end = item.fromDate ? item.fromDate.end : item.start;
    if (item.start) item.precision = item.end - item.start < DAY_MS ? "day" : item.fromDate ? item.fromDate.precision : "span";
  }
  return [...items.values()];
}

/** Date literals in the results themselves (a query that selects ?date): one item per row, named by its first IRI. */
function itemsFromLiterals(result) {
  const items = [];
  for (const row of result.rows) {
    const terms = result.vars.map((v) => row[v]).filter(Boolean);
    const span = terms.map(spanOfLiteral).find(Boolean);
    if (!span) continue;
    const subject = terms.find((term) => term.type === "uri");
    items.push({ iri: subject ? subject.value : null, text: subject ? null : terms[0].value, start: span.start, end: span.end, precision: span.precision, dateText: {}, kind: null });
  }
  return items;
}

/**
 * Items from the columns a canned query names for its timeline (view: {start, end, label}): one per row subject,
 * the subject being the row's first IRI that is not a parameter echoed back.
 */
function itemsFromColumns(result, hints, parameterNames) {
  const items = new Map();
  result.rows.forEach((row, index) => {
    const subjectVar = result.vars.find((v) => row[v] && row[v].type === "uri" && !parameterNames.has(v));
    const iri = subjectVar ? row[subjectVar].value : null;
    const key = iri || `row-${index}`;
    let item = items.get(key);
    if (!item) {
      const label = hints.label && row[hints.label] ? row[hints.label].value : null;
      items.set(key, (item = { iri, text: label || `#${index + 1}`, start: null, end: null, precision: null, dateText: {}, kind: null }));
    }
    const start = row[hints.start] ? parseDay(row[hints.start].value) : null;
    const end = hints.end && row[hints.end] ? parseDay(row[hints.end].value) : null;
    if (start && !item.start) [item.start, item.end] = [start, end || start];
    const words = row.dateText;
    if (words && words.type !== "uri") item.dateText[(words["xml:lang"] || "en").slice(0, 2)] = words.value;
  });
  for (const item of items.values()) if (item.start) item.precision = item.end - item.start < DAY_MS ? "day" : "span";
  return [...items.values()];
}

export async function prepareTimeline(ctx) {
  const hints = ctx.hints || {};
  let items;
  if (hints.start && ctx.result.vars.includes(hints.start)) {
    items = itemsFromColumns(ctx.result, hints, ctx.parameterNames || new Set());
  } else {
    const iris = iriValues(ctx.result.rows, ctx.result.vars);
    const rows = iris.length ? await fetchDates(ctx.endpoint, iris) : [];
    items = itemsFrom(rows);
    // Agreements, programmes and events (dated or not); other things only when they carry dates themselves.
    const kinded = items.filter((item) => item.kind);
    items = kinded.length ? kinded : items.filter((item) => item.start);
    if (!items.some((item) => item.start)) items = [...items, ...itemsFromLiterals(ctx.result)];
  }
  await ctx.ensureLabels(items.map((item) => item.iri).filter(Boolean));
  return { items };
}

/** The label shortened with an ellipsis to fit `room` pixels (about 6 px a character at 11 px). */
function fitText(text, room) {
  const max = Math.max(8, Math.floor(room / 6.2));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const TIME_LOCALES = {
  en: {
    dateTime: "%x, %X", date: "%-m/%-d/%Y", time: "%-I:%M:%S %p", periods: ["AM", "PM"],
    days: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    shortDays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    months: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    shortMonths: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
  },
  fr: {
    dateTime: "%A %e %B %Y à %X", date: "%d/%m/%Y", time: "%H:%M:%S", periods: ["AM", "PM"],
    days: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    shortDays: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
    months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
    shortMonths: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
  },
};

/** Axis ticks in the page's language: the year on 1 January, else the month, else the day. */
function tickFormat() {
  const d3 = window.d3;
  const locale = d3.timeFormatLocale(TIME_LOCALES[lang()] || TIME_LOCALES.en);
  const [day, month, year] = [locale.utcFormat("%-d %b"), locale.utcFormat("%b"), locale.utcFormat("%Y")];
  return (date) => (d3.utcMonth(date) < date ? day(date) : d3.utcYear(date) < date ? month(date) : year(date));
}

function formatDay(date) {
  return date.toISOString().slice(0, 10);
}

function describeSpan(item) {
  const words = item.dateText[lang()] || item.dateText.en || item.dateText.fr;
  const range = item.precision === "day" ? formatDay(item.start) : `${formatDay(item.start)} – ${formatDay(item.end)}`;
  return words ? `${range} (“${words}”)` : range;
}

export function renderTimeline(container, ctx, data) {
  clear(container);
  const labels = ctx.labels();
  const dated = data.items.filter((item) => item.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const undated = data.items.filter((item) => !item.start);
  if (!dated.length) {
    container.append(el("p", { class: "empty" }, t("timelineNothing")));
  } else {
    container.append(drawTimeline(container, dated, labels));
    container.append(
      el(
        "ul",
        { class: "legend" },
        el("li", {}, el("span", { class: "swatch span" }), t("timelineLegendSpan")),
        el("li", {}, el("span", { class: "swatch point" }), t("timelineLegendPoint")),
      ),
    );
  }
  if (undated.length) {
    const list = el("ul", { class: "side-list undated", "data-count": undated.length });
    const nameOf = (item) => (item.iri ? labelOf(item.iri, labels) : item.text);
    for (const item of undated.sort((a, b) => nameOf(a).localeCompare(nameOf(b)))) {
      const href = item.iri ? safeHref(resourceHref(item.iri)) : null;
      const name = nameOf(item);
      list.append(el("li", { "data-iri": item.iri || "" }, href ? el("a", { href }, name) : name));
    }
    container.append(el("h3", { class: "sub" }, `${t("timelineUndated")} (${undated.length})`), list);
  }
}

function drawTimeline(container, items, labels) {
  const d3 = window.d3;
  const width = Math.max(320, Math.min(1400, container.clientWidth || 800));
  const height = MARGIN.top + MARGIN.bottom + LANE * items.length;
  const first = d3.min(items, (d) => d.start);
  const last = d3.max(items, (d) => d.end);
  const padding = Math.max(30 * DAY_MS, (last - first) * 0.04);
  const x = d3
    .scaleUtc()
    .domain([new Date(+first - padding), new Date(+last + DAY_MS + padding)])
    .range([MARGIN.left, width - MARGIN.right]);
  const svg = svgEl("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": "timeline-title",
    "data-view": "timeline",
    "data-items": items.length,
  });
  svg.append(svgEl("title", { id: "timeline-title" }, t("timelineTitle")));
  const ticks = Math.max(2, Math.floor(width / 110));
  const axisTop = svgEl("g", { class: "axis", transform: `translate(0,${MARGIN.top - 8})` });
  const axisBottom = svgEl("g", { class: "axis", transform: `translate(0,${height - MARGIN.bottom + 4})` });
  svg.append(axisTop, axisBottom);
  const format = tickFormat();
  d3.select(axisTop).call(d3.axisTop(x).ticks(ticks).tickFormat(format));
  d3.select(axisBottom).call(d3.axisBottom(x).ticks(ticks).tickFormat(format));

  items.forEach((item, index) => {
    const y = MARGIN.top + index * LANE;
    const x0 = x(item.start);
    const x1 = Math.max(x(new Date(+item.end + DAY_MS)), x0 + 3);
    const name = item.iri ? labelOf(item.iri, labels) : item.text;
    const when = describeSpan(item);
    const lane = svgEl("g", {
      class: `lane kind-${item.kind || "other"}`,
      "data-iri": item.iri || "",
      "data-precision": item.precision,
      "data-earliest": formatDay(item.start),
      "data-latest": formatDay(item.end),
    });
    lane.append(svgEl("title", {}, `${name}: ${when}`));
    lane.append(svgEl("line", { class: "guide", x1: MARGIN.left, x2: width - MARGIN.right, y1: y + 28, y2: y + 28 }));
    if (item.precision === "day") {
      const cx = x(item.start);
      lane.append(svgEl("path", { class: "point-mark", d: `M${cx},${y + 20} l7,8 l-7,8 l-7,-8 z` }));
    } else {
      lane.append(svgEl("rect", { class: "span-mark", x: x0.toFixed(1), y: y + 22, width: (x1 - x0).toFixed(1), height: 12, rx: 2 }));
    }
    const anchorStart = x0 < width * 0.6;
    const room = anchorStart ? width - MARGIN.right - x0 : x1 - MARGIN.left;
    const text = svgEl(
      "text",
      { x: anchorStart ? x0.toFixed(1) : x1.toFixed(1), y: y + 16, "text-anchor": anchorStart ? "start" : "end" },
      fitText(name, room),
    );
    const href = item.iri ? safeHref(resourceHref(item.iri)) : null;
    lane.append(href ? svgEl("a", { href, "aria-label": `${name}: ${when}` }, text) : text);
    svg.append(lane);
  });
  const figure = el("figure", { class: "figure" }, svg);
  figure.append(el("figcaption", {}, t("timelineCaption", { dated: items.length })));
  return figure;
}
