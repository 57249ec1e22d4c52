// The page's state in its URL, so that a link reopens the same query (or canned query and its parameters), view and
// language: `/?query=…&view=map&lang=fr` or `/?canned=partners-of&p.organisation=…&view=table&lang=en`.
// The same keys are read from the fragment too (`/#query=…`), for links written by hand or by other tools.

const PARAMETER_PREFIX = "p.";

export function parseState(location) {
  const state = { query: null, canned: null, params: {}, view: null, lang: null };
  const sources = [new URLSearchParams(location.search), new URLSearchParams(location.hash.replace(/^#/, ""))];
  for (const search of sources) {
    for (const [key, value] of search) {
      if (key === "query" && value.trim()) state.query = value;
      else if (key === "canned") state.canned = value;
      else if (key === "view") state.view = value;
      else if (key === "lang") state.lang = value;
      else if (key.startsWith(PARAMETER_PREFIX)) state.params[key.slice(PARAMETER_PREFIX.length)] = value;
    }
  }
  return state;
}

export function stateSearch(state) {
  const search = new URLSearchParams();
  if (state.canned) {
    search.set("canned", state.canned);
    for (const [name, value] of Object.entries(state.params || {})) {
      if (value !== "" && value != null) search.set(PARAMETER_PREFIX + name, value);
    }
  } else if (state.query) {
    search.set("query", state.query);
  }
  if (state.view) search.set("view", state.view);
  if (state.lang) search.set("lang", state.lang);
  return search.toString();
}

/** Replace the URL (no new history entry per run) with the given state. */
export function writeState(state) {
  const search = stateSearch(state);
  history.replaceState(null, "", `/${search ? `?${search}` : ""}`);
}
