// The SPARQL editor: CodeMirror 5 with SPARQL highlighting, Ctrl/Cmd+Enter to run, and completion of CoopGraph's own
// classes and properties (from /api/vocabulary), of the pre-declared prefixes, and of the graph's resources (o:, pl:, …).

import { lang, pick, t } from "./i18n.js";
import { HEADER } from "./labels.js";
import { selectRows } from "./sparql-client.js";
import { compact, pageConfig } from "./terms.js";

let vocabulary = Promise.resolve([]);
let instances = null; // loaded on first completion of an instance prefix

/** The ontology's terms, or a promise of them (completion waits for it rather than offer nothing). */
export function setVocabulary(terms) {
  vocabulary = Promise.resolve(terms);
}

async function loadInstances() {
  if (instances) return instances;
  const base = pageConfig().idBase + "id/";
  const rows = await selectRows(
    pageConfig().endpoint,
    `${HEADER}SELECT ?x ?label WHERE { ?x rdfs:label ?label FILTER(isIRI(?x) && STRSTARTS(STR(?x), "${base}")) }`,
  );
  const byIri = new Map();
  for (const row of rows) {
    const curie = compact(row.x.value);
    if (!curie) continue;
    if (!byIri.has(row.x.value)) byIri.set(row.x.value, { curie, label: {} });
    const language = (row.label["xml:lang"] || "en").slice(0, 2);
    byIri.get(row.x.value).label[language] = row.label.value;
  }
  instances = [...byIri.values()];
  return instances;
}

function hintItem(curie, label, kindKey, from, to) {
  return {
    text: curie,
    displayText: `${curie} — ${label}`,
    from,
    to,
    render(element) {
      element.append(document.createTextNode(curie));
      if (label) element.append(document.createTextNode(` — ${label}`));
      const kind = document.createElement("span");
      kind.className = "hint-kind";
      kind.textContent = t(kindKey);
      element.append(kind);
    },
  };
}

function matches(needle, ...haystacks) {
  const n = needle.toLowerCase();
  return haystacks.some((h) => h && h.toLowerCase().includes(n));
}

/** The completions at the cursor: prefixes, coop: terms (classes first after `a`), or resources of a prefix. */
async function sparqlHints(cm) {
  const CodeMirror = window.CodeMirror;
  const cursor = cm.getCursor();
  const before = cm.getLine(cursor.line).slice(0, cursor.ch);
  const m = /([A-Za-z][\w-]*)?(:?)([\w.-]*)$/.exec(before);
  if (!m || (!m[1] && !m[2])) return null;
  const [whole, prefix = "", colon, local] = m;
  const from = CodeMirror.Pos(cursor.line, cursor.ch - whole.length);
  const to = cursor;
  const prefixes = pageConfig().prefixes;
  let list = [];
  if (!colon) {
    list = Object.keys(prefixes)
      .filter((p) => p.startsWith(prefix.toLowerCase()))
      .map((p) => ({ text: `${p}:`, displayText: `${p}: <${prefixes[p]}>`, from, to }));
  } else if (prefix === "coop") {
    const afterA = /(^|\s)a\s+[\w-]*:?[\w.-]*$/.test(before);
    list = (await vocabulary)
      .filter((term) => matches(local, term.curie.slice(5), pick(term.label), term.label.en, term.label.fr))
      .sort((x, y) => (afterA ? (x.kind === "class" ? 0 : 1) - (y.kind === "class" ? 0 : 1) : 0) || x.curie.localeCompare(y.curie))
      .map((term) => hintItem(term.curie, pick(term.label), term.kind === "class" ? "kindClass" : "kindProperty", from, to));
  } else if (prefixes[prefix] && prefixes[prefix].startsWith(pageConfig().idBase + "id/")) {
    const all = await loadInstances();
    list = all
      .filter((item) => item.curie.startsWith(`${prefix}:`) && matches(local, item.curie.slice(prefix.length + 1), item.label.en, item.label.fr))
      .sort((x, y) => x.curie.localeCompare(y.curie))
      .slice(0, 200)
      .map((item) => hintItem(item.curie, item.label[lang()] || item.label.en || "", "kindInstance", from, to));
  }
  if (!list.length) return null;
  return { list, from, to };
}

/** Make the editor over the textarea; `onRun` is called on Ctrl/Cmd+Enter. Tab leaves the editor (no keyboard trap). */
export function createEditor(textarea, onRun) {
  const CodeMirror = window.CodeMirror;
  const run = () => onRun();
  const editor = CodeMirror.fromTextArea(textarea, {
    mode: "application/sparql-query",
    lineNumbers: true,
    lineWrapping: true,
    matchBrackets: true,
    indentUnit: 2,
    viewportMargin: Infinity,
    screenReaderLabel: t("queryLabel"),
    extraKeys: {
      "Ctrl-Enter": run,
      "Cmd-Enter": run,
      "Ctrl-Space": "autocomplete",
      Tab: false,
      "Shift-Tab": false,
    },
    hintOptions: { hint: sparqlHints, completeSingle: false },
  });
  editor.on("inputRead", (cm, change) => {
    if (cm.state.completionActive) return;
    const typed = change.text.join("");
    if (!/^[\w:-]$/.test(typed)) return;
    const line = cm.getLine(change.from.line).slice(0, change.from.ch + 1);
    if (/[A-Za-z][\w-]*:[\w.-]*$/.test(line)) cm.showHint({ completeSingle: false });
  });
  return editor;
}

export function relabelEditor(editor) {
  editor.setOption("screenReaderLabel", t("queryLabel"));
  editor.getInputField().setAttribute("aria-label", t("queryLabel"));
}
