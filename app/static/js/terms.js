// RDF terms on the page: prefixed names, links to this server's resource pages, labels, N-Triples, dates.

import { lang } from "./i18n.js";

const XSD = "http://www.w3.org/2001/XMLSchema#";
const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger", "positiveInteger"].map((n) => XSD + n));

let config = { prefixes: {}, idBase: "https://w3id.org/coopgraph/", publicBase: "" };

export function configure(pageConfig) {
  config = pageConfig;
}

export function pageConfig() {
  return config;
}

/** `coop:University` for an IRI under a project prefix (the longest namespace wins), else null. */
export function compact(iri) {
  let best = null;
  for (const [prefix, namespace] of Object.entries(config.prefixes)) {
    if (iri.startsWith(namespace) && (!best || namespace.length > best[1].length)) best = [prefix, namespace];
  }
  if (!best) return null;
  const local = iri.slice(best[1].length);
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(local) && !local.endsWith(".") ? `${best[0]}:${local}` : null;
}

/**
 * Where a person reads about `iri`: the graph's own IRIs (…/id/…, …/def#…) on this server's public base;
 * other http(s) IRIs as they are; anything else (urn:, javascript:, …) gets no link.
 */
export function resourceHref(iri) {
  const idBase = config.idBase;
  if (iri.startsWith(idBase + "id/")) return `${config.publicBase}/id/${iri.slice((idBase + "id/").length)}`;
  if (iri.startsWith(idBase + "def#")) return `${config.publicBase}/def#${iri.slice((idBase + "def#").length)}`;
  if (iri === idBase + "def") return `${config.publicBase}/def`;
  if (/^https?:\/\//i.test(iri)) return iri;
  return null;
}

/** The label of `iri` in the page's language (then English, French, any), else its prefixed name or the IRI. */
export function labelOf(iri, labels) {
  const texts = labels && labels.get(iri);
  if (texts) {
    const chosen = texts[lang()] ?? texts.en ?? texts.fr ?? texts[""] ?? texts.any;
    if (chosen) return chosen;
  }
  return compact(iri) ?? iri;
}

export function isNumericLiteral(term) {
  return term && term.type !== "uri" && term.type !== "bnode" && NUMERIC.has(term.datatype);
}

/** Text a cell shows for a term (labels for IRIs). */
export function displayText(term, labels) {
  if (!term) return "";
  if (term.type === "uri") return labelOf(term.value, labels);
  if (term.type === "bnode") return `_:${term.value}`;
  return term.value;
}

/** Every IRI in a list of rows (each a {var: term} object), once. */
export function iriValues(rows, vars) {
  const seen = new Set();
  for (const row of rows) {
    for (const name of vars) {
      const term = row[name];
      if (term && term.type === "uri") seen.add(term.value);
    }
  }
  return [...seen];
}

/** `<iri>` for a SPARQL query, or null when the IRI cannot be written safely (never pasted raw). */
export function iriRef(iri) {
  return /^[^\u0000-\u0020<>"{}|^`\\]*$/.test(iri) ? `<${iri}>` : null;
}

export function valuesClause(variable, iris) {
  const refs = iris.map(iriRef).filter(Boolean);
  return `VALUES ?${variable} { ${refs.join(" ")} }`;
}

// --- N-Triples (the page asks for it for CONSTRUCT/DESCRIBE results: one triple a line, easy to read safely) ---

const IRI = String.raw`<((?:[^>\\]|\\.)*)>`;
const BNODE = String.raw`_:(\S+)`;
const LITERAL = String.raw`"((?:[^"\\]|\\.)*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<((?:[^>\\]|\\.)*)>)?`;
const TRIPLE = new RegExp(`^\\s*(?:${IRI}|${BNODE})\\s+${IRI}\\s+(?:${IRI}|${BNODE}|${LITERAL})\\s*\\.\\s*$`);

function unescapeNt(text) {
  return text.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g, (whole, u4, u8, c) => {
    if (u4 || u8) return String.fromCodePoint(parseInt(u4 || u8, 16));
    return { t: "\t", b: "\b", n: "\n", r: "\r", f: "\f", '"': '"', "'": "'", "\\": "\\" }[c] ?? c;
  });
}

/** Triples as rows {subject, predicate, object} of SPARQL-JSON-like terms. */
export function parseNTriples(text) {
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    const m = TRIPLE.exec(line);
    if (!m) continue;
    const [, sIri, sBnode, pIri, oIri, oBnode, oLit, oLang, oType] = m;
    const subject = sIri !== undefined ? { type: "uri", value: unescapeNt(sIri) } : { type: "bnode", value: sBnode };
    const predicate = { type: "uri", value: unescapeNt(pIri) };
    let object;
    if (oIri !== undefined) object = { type: "uri", value: unescapeNt(oIri) };
    else if (oBnode !== undefined) object = { type: "bnode", value: oBnode };
    else {
      object = { type: "literal", value: unescapeNt(oLit) };
      if (oLang) object["xml:lang"] = oLang;
      if (oType) object.datatype = unescapeNt(oType);
    }
    rows.push({ subject, predicate, object });
  }
  return rows;
}

// --- Dates: what span of days a literal stands for (a year is a year, not 1 January) ---

const DAY_MS = 86400000;

function utc(year, month, day) {
  return new Date(Date.UTC(year, month - 1, day));
}

/** {start, end, precision} of a date-like literal (end inclusive), or null. */
export function spanOfLiteral(term) {
  if (!term || term.type === "uri" || term.type === "bnode") return null;
  const value = term.value.trim();
  const type = term.datatype || "";
  let m;
  if ((type === XSD + "date" || type === XSD + "dateTime") && (m = /^(-?\d{4,})-(\d{2})-(\d{2})/.exec(value))) {
    const day = utc(+m[1], +m[2], +m[3]);
    return { start: day, end: day, precision: "day" };
  }
  if (type === XSD + "gYearMonth" && (m = /^(-?\d{4,})-(\d{2})/.exec(value))) {
    return { start: utc(+m[1], +m[2], 1), end: new Date(utc(+m[1], +m[2] + 1, 1) - DAY_MS), precision: "month" };
  }
  if (type === XSD + "gYear" && (m = /^(-?\d{4,})/.exec(value))) {
    return { start: utc(+m[1], 1, 1), end: utc(+m[1], 12, 31), precision: "year" };
  }
  return null;
}

export function parseDay(value) {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})/.exec(value || "");
  return m ? utc(+m[1], +m[2], +m[3]) : null;
}

export { DAY_MS };
