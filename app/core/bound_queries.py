"""Write a canned query's bound parameters into its text, so Oxigraph plans with the values (6–13× faster).

pyoxigraph's `substitutions` bind variables *around* the evaluation: the plan is made without the values, so
`partners-of` joins every pair of parties of every partnership and filters on the organisation at the end (5.7 s at
100k triples; 9 ms with the IRI in the text). Substitution means "this variable has this value everywhere"
(SEP-0007), which is what replacing the variable by the term does — with care in three places:

- in SELECT, `?x` becomes `(TERM AS ?x)`, so the column is still there;
- in GROUP BY, `?x` is dropped (a constant does not split groups; SELECT still projects it as above);
- tokens are matched outside strings, IRIs and comments, so text that merely mentions `?x` is left alone.

The terms come from `canned_queries.to_term` (typed and checked) and are written with rdflib's N-Triples syntax, so
no value can change the query's shape. Where the rewriting cannot be sure — `BOUND(?x)`, `$x`, a variable the
SELECT does not project, a sub-query that uses one (it has its own scope) — `inline_parameters` returns None and the
caller keeps `substitutions`. A sub-query that uses no bound variable is left as it is (issue 7: the canned queries
aggregate or deduplicate in sub-queries and keep their parameters in the outer query).
The rewritten text still goes through the guard in the worker, like any query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from rdflib.term import Literal, Node, URIRef

from app.core.result_cache import IRI_TOKEN, string_end

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_VARIABLE_START = re.compile(r"[?$]")


def _tokens(sparql: str) -> list[tuple[str, str]]:
    """(kind, text) tokens: "var" (?name or $name), "word", "opaque" (strings, IRIs, comments), "other"."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(sparql)
    while i < n:
        char = sparql[i]
        if char in "\"'":
            end = string_end(sparql, i)
            out.append(("opaque", sparql[i:end]))
        elif char == "<" and (match := IRI_TOKEN.match(sparql, i)):
            end = match.end()
            out.append(("opaque", sparql[i:end]))
        elif char == "#":
            newline = sparql.find("\n", i)
            end = n if newline < 0 else newline
            out.append(("opaque", sparql[i:end]))
        elif char in "?$" and (name := re.compile(r"[A-Za-z0-9_]+").match(sparql, i + 1)):
            end = name.end()
            out.append(("var" if char == "?" else "dollar", sparql[i:end]))
        elif char.isalpha() and (word := _WORD.match(sparql, i)):
            end = word.end()
            out.append(("word", sparql[i:end]))
        else:
            end = i + 1
            out.append(("other", char))
        i = end
    return out


def _n3(term: Node) -> str | None:
    if isinstance(term, URIRef | Literal):
        return term.n3()
    return None


def inline_parameters(sparql: str, bindings: Mapping[str, Node]) -> str | None:
    """The query with each bound variable replaced by its term, or None when that would not mean the same.

    Memoised: a canned query is asked again and again with the same values (a tenth of a request's CPU otherwise).
    """
    if not bindings:
        return sparql
    return _inline(sparql, tuple(bindings.items()))


@lru_cache(maxsize=4096)
def _inline(sparql: str, bindings: tuple[tuple[str, Node], ...]) -> str | None:
    terms = {name: _n3(term) for name, term in bindings}
    if any(text is None for text in terms.values()):
        return None
    tokens = _tokens(sparql)
    upper = [text.upper() if kind == "word" else "" for kind, text in tokens]
    if any(kind == "dollar" for kind, _ in tokens) or "SELECT" not in upper:
        return None  # $x variables: keep substitution
    inner = _sub_query_tokens(tokens, upper)
    if any(kind == "var" and text[1:] in terms for i, (kind, text) in enumerate(tokens) if i in inner):
        return None  # a sub-query uses a bound variable (its own scope): keep substitution
    for index, word in enumerate(upper):
        if word == "BOUND":
            following = [t for t in tokens[index + 1 : index + 4] if t[0] != "other" or t[1].strip()]
            if any(kind == "var" and text[1:] in terms for kind, text in following[:2]):
                return None
    select = upper.index("SELECT")
    where = next((i for i, word in enumerate(upper) if word == "WHERE" and i > select), None)
    if where is None or where in inner:
        return None
    projected = {text[1:] for kind, text in tokens[select:where] if kind == "var"}
    if not set(terms) <= projected:
        return None  # Oxigraph only substitutes projected variables; so should we
    out: list[str] = []
    section, depth, group_items = "head", 0, 0
    for index, (kind, text) in enumerate(tokens):
        if index in inner:  # a sub-query without any bound variable: as it is
            out.append(text)
            continue
        if index == where:
            section = "body"
        if kind == "other" and section == "head":
            depth += {"(": 1, ")": -1}.get(text, 0)
        if kind == "word":
            if upper[index] == "GROUP":
                section = "group"
            elif upper[index] in ("HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES") and section == "group":
                section = "after"
        bound = kind == "var" and text[1:] in terms
        if section == "group" and not bound and text.strip() and upper[index] not in ("GROUP", "BY"):
            group_items += 1
        if bound:
            term = terms[text[1:]]
            if section == "head":
                if depth:
                    return None  # inside an expression of the SELECT clause
                out.append(f"({term} AS {text})")
            elif section != "group":
                out.append(str(term))
            continue
        out.append(text)
    if any(word == "GROUP" for i, word in enumerate(upper) if i not in inner) and not group_items:
        return None  # every grouping variable was bound: GROUP BY would be left empty
    return "".join(out)


def _sub_query_tokens(tokens: list[tuple[str, str]], upper: list[str]) -> set[int]:
    """Indexes of the tokens of sub-queries: from each SELECT after the first to the brace closing its group."""
    inside: set[int] = set()
    depth, first = 0, True
    for index, (kind, text) in enumerate(tokens):
        if kind == "other" and text in "{}":
            depth += 1 if text == "{" else -1
        if upper[index] != "SELECT" or index in inside:
            continue
        if first:
            first = False
            continue
        level, end = depth, index + 1
        while end < len(tokens) and level >= depth:
            kind_end, text_end = tokens[end]
            if kind_end == "other" and text_end in "{}":
                level += 1 if text_end == "{" else -1
            end += 1
        inside.update(range(index, end - 1))  # up to the closing brace of the enclosing group, excluded
    return inside
