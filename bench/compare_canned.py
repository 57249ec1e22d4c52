"""Prove that rewritten canned queries answer what the old texts answered, on the served stores.

    python bench/compare_canned.py --before /tmp/old-queries --data data --data bench/_data/10k-seed1 \
        --data bench/_data/100k-seed1
    python bench/compare_canned.py --before /tmp/old-queries --store path/to/oxigraph-…   # an existing store

For every query whose SPARQL differs between `--before` and `--after` (default queries/), both texts run on each
store with the same parameters, prepared as the /api/queries route prepares them (values written into the text
when app/core/bound_queries.py can, else substitution): the defaults; each enum value; each IRI parameter with its
example and with values taken from the data; the year and date parameters at a few values. The answers must be
equal as multisets of rows; with ORDER BY, also in order — rows whose ORDER BY keys tie may come in any order
(the engine sorts unstably), so the check is: the same sequence of keys, and the same multiset of rows per run of
equal keys. A GROUP_CONCAT(DISTINCT …) column is compared as written; when that is the only difference, the answer is
compared again with each such value's items sorted and, if equal, reported as ORDER (SPARQL does not define the order
of GROUP_CONCAT: it follows the evaluation order, which a rewrite changes), not as a failure. Exit status 1 on any
other difference.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from time_canned import STORES, build_store, evaluate, open_store, prepared_query  # noqa: E402

from app.core.canned_queries import CannedQuery, Parameter, ParameterType, load_catalogue  # noqa: E402
from app.core.namespaces import PREFIXES  # noqa: E402

# IRI parameters: a few values from the data besides the example (the busiest and the first, so both the common and
# the sparse case are seen).
SAMPLES = {
    "country": "SELECT ?x (COUNT(*) AS ?n) WHERE { ?o coop:locatedIn ?x . ?x a coop:Country } GROUP BY ?x "
    "ORDER BY DESC(?n) ?x LIMIT 3",
    "organisation": "SELECT ?x (COUNT(*) AS ?n) WHERE { ?x coop:partnerOf ?y } GROUP BY ?x "
    "ORDER BY DESC(?n) ?x LIMIT 2",
    "organisation_units": "SELECT ?x (COUNT(*) AS ?n) WHERE { ?u coop:subOrganizationOf ?x } GROUP BY ?x "
    "ORDER BY DESC(?n) ?x LIMIT 2",
    "kind": "SELECT DISTINCT ?x WHERE { ?x rdfs:subClassOf coop:Organisation FILTER (?x != coop:Organisation) } "
    "ORDER BY ?x LIMIT 3",
    "status": "SELECT DISTINCT ?x WHERE { ?p coop:status ?x } ORDER BY ?x LIMIT 2",
    "resource": "SELECT ?x WHERE { ?x a coop:Agreement } ORDER BY ?x LIMIT 1",
}
YEARS = ("2010", "2018", "2023")


def samples(store: Any, union: bool) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, query in SAMPLES.items():
        rows = store.query(query, prefixes=dict(PREFIXES), use_default_graph_as_union=union)
        out[name] = [row["x"].value for row in rows]
    out["organisation"] = out["organisation"] + out.pop("organisation_units")
    return out


def candidate_values(parameter: Parameter, from_data: dict[str, list[str]]) -> list[str]:
    if parameter.type == ParameterType.ENUM:
        return [choice.value for choice in parameter.values]
    if parameter.type == ParameterType.IRI:
        values = [parameter.example] if parameter.example else []
        return values + from_data.get(parameter.name, [])
    if parameter.type == ParameterType.YEAR:
        return list(YEARS)
    if parameter.type == ParameterType.DATE:
        return [f"{year}-06-30" for year in YEARS]
    return [parameter.example] if parameter.example else []


def parameter_sets(query: CannedQuery, from_data: dict[str, list[str]]) -> list[list[tuple[str, str]]]:
    """The required parameters at their first value; then each parameter varied alone over its values."""
    base = {}
    for parameter in query.header.parameters:
        if parameter.required:
            values = candidate_values(parameter, from_data)
            base[parameter.name] = values[0] if values else ""
    sets = [dict(base)]
    for parameter in query.header.parameters:
        for value in candidate_values(parameter, from_data):
            if base.get(parameter.name) != value:
                sets.append({**base, parameter.name: value})
    years = [p.name for p in query.header.parameters if p.type in (ParameterType.YEAR, ParameterType.DATE)]
    if len(years) == 2:  # a range: both ends given
        for low, high in ((YEARS[0], YEARS[1]), (YEARS[1], YEARS[1]), (YEARS[1], YEARS[2])):
            kind = query.parameter(years[0])
            if kind is not None and kind.type == ParameterType.DATE:
                low, high = f"{low}-01-01", f"{high}-12-31"
            sets.append({**base, years[0]: low, years[1]: high})
    return [list(s.items()) for s in sets]


def order_variables(sparql: str) -> list[str] | None:
    """The ORDER BY keys when each is a plain variable (or ASC/DESC of one), else None."""
    match = re.search(r"\bORDER\s+BY\b(.*?)(\bLIMIT\b|\bOFFSET\b|$)", sparql, re.S | re.I)
    if match is None:
        return None
    keys = []
    for token in re.findall(r"(?:ASC|DESC)?\s*\(?\s*[?$]?[^\s()]+\s*\)?", match.group(1).strip(), re.I):
        found = re.fullmatch(r"(?:ASC|DESC)?\s*\(?\s*\?(\w+)\s*\)?", token.strip(), re.I)
        if found is None:
            return None
        keys.append(found.group(1))
    return keys


def same_answer(before: list[tuple[Any, ...]], after: list[tuple[Any, ...]], variables: list[str], sparql: str) -> str:
    """'' when equal as the module docstring says, else what differs."""
    as_text = lambda rows: [tuple("" if t is None else str(t) for t in row) for row in rows]  # noqa: E731
    old, new = as_text(before), as_text(after)
    if Counter(old) != Counter(new):
        missing, extra = Counter(old) - Counter(new), Counter(new) - Counter(old)
        return (
            f"rows differ: {len(old)} before, {len(new)} after; "
            f"only before: {list(missing)[:2]}; only after: {list(extra)[:2]}"
        )
    if not re.search(r"\bORDER\s+BY\b", sparql, re.I) or old == new:
        return ""
    keys = order_variables(sparql)
    if keys is None or not set(keys) <= set(variables):
        return "same rows, another order (ORDER BY keys not all projected: cannot tell ties apart)"
    index = [variables.index(k) for k in keys]

    def runs(rows: list[tuple[str, ...]]) -> list[tuple[tuple[str, ...], Counter[tuple[str, ...]]]]:
        out: list[tuple[tuple[str, ...], Counter[tuple[str, ...]]]] = []
        for row in rows:
            key = tuple(row[i] for i in index)
            if out and out[-1][0] == key:
                out[-1][1][row] += 1
            else:
                out.append((key, Counter([row])))
        return out

    return "" if runs(old) == runs(new) else "same rows, another order of the ORDER BY keys"


CONCAT = re.compile(r'GROUP_CONCAT\s*\(\s*DISTINCT[^;]*;\s*separator\s*=\s*"([^"]*)"\s*\)\s*AS\s*\?(\w+)', re.I)


def concat_items_sorted(rows: list[tuple[Any, ...]], variables: list[str], sparql: str) -> list[tuple[Any, ...]]:
    """The rows with each GROUP_CONCAT(DISTINCT …) value's items sorted (its language tag kept)."""
    columns = {variables.index(name): separator for separator, name in CONCAT.findall(sparql) if name in variables}
    out = []
    for row in rows:
        cells = list(row)
        for index, separator in columns.items():
            term = cells[index]
            if term is not None:
                items = " | ".join(sorted(term.value.split(separator)))
                cells[index] = f"{items} @{getattr(term, 'language', None) or ''}"
        out.append(tuple(cells))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="folder of the old *.rq")
    parser.add_argument("--after", type=Path, default=ROOT / "queries", help="folder of the new *.rq")
    parser.add_argument("--store", type=Path, action="append", default=[], help="an oxigraph-* store folder")
    parser.add_argument("--data", type=Path, action="append", default=[], help="a data folder (store built or reused)")
    parser.add_argument("--only", help="comma-separated query names (default: every query whose text changed)")
    parser.add_argument("--all", action="store_true", help="compare every query, changed or not")
    args = parser.parse_args()
    before = {q.name: q for q in load_catalogue(args.before)}
    after = {q.name: q for q in load_catalogue(args.after)}
    names = sorted(n for n in after if n in before and (args.all or before[n].sparql != after[n].sparql))
    if args.only:
        names = [n for n in names if n in set(args.only.split(","))]
    stores = list(args.store) + [build_store(d, STORES / d.resolve().name) for d in args.data]
    failures = concat_order = 0
    for store_dir in stores:
        store, union = open_store(store_dir)
        from_data = samples(store, union)
        for name in names:
            old, new = before[name], after[name]
            if old.columns != new.columns:
                print(f"FAIL {name}: columns {old.columns} → {new.columns}")
                failures += 1
                continue
            checked = 0
            for pairs in parameter_sets(new, from_data):
                old_text, old_subs = prepared_query(old, pairs)
                new_text, new_subs = prepared_query(new, pairs)
                if bool(new_subs) != bool(old_subs):
                    print(f"NOTE {name} {pairs}: values written in before={not old_subs} after={not new_subs}")
                rows_before = evaluate(store, union, old_text, old_subs)
                rows_after = evaluate(store, union, new_text, new_subs)
                problem = same_answer(rows_before, rows_after, list(new.columns), new.sparql)
                checked += 1
                if problem and not same_answer(
                    concat_items_sorted(rows_before, list(new.columns), old.sparql),
                    concat_items_sorted(rows_after, list(new.columns), new.sparql),
                    list(new.columns),
                    new.sparql,
                ):
                    concat_order += 1
                    print(f"ORDER {name} {pairs}: the same rows once the items of GROUP_CONCAT are sorted ({problem})")
                elif problem:
                    failures += 1
                    print(f"FAIL {name} {pairs} on {store_dir}: {problem}")
            print(
                f"{name:26} {checked:3} parameter sets on {store_dir.parent.parent.name}/{store_dir.name}", flush=True
            )
    if concat_order:
        print(
            f"{concat_order} answer(s) equal except for the order of the items of a GROUP_CONCAT "
            "(which SPARQL leaves open)"
        )
    print("identical" if not failures else f"{failures} difference(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
