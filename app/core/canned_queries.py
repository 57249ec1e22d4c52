"""The catalogue of canned queries: `queries/*.rq`, each described once by the YAML block in its header.

That one description drives the list at /api/queries, the run endpoint and its OpenAPI operation, the query page's
gallery and the RDF description in the service description. Parameters arrive as text, are validated by their
declared type (a ParameterError names the bad one) and become RDF terms that the engine binds to the query's
variables (pyoxigraph `substitutions`): the query text is never touched, so no value can change what it asks.

Header format (grlc's `#+` convention, the lines read as YAML once the `#+ ` is removed)::

    #+ name: partners-of
    #+ title: {en: Partners of an organisation, fr: Partenaires d'un organisme}
    #+ description: {en: …, fr: …}
    #+ view: table                    # or {type: map, lat: lat, long: long, label: label}
    #+ parameters:
    #+   - name: organisation          # also the SPARQL variable ?organisation
    #+     type: iri                   # iri, string, langstring, date, year, integer, enum
    #+     required: true              # or a default:
    #+     example: o:imt-atlantique
    #+     title: {en: Organisation, fr: Organisme}
    #+     values_from: {query: organisations, value: organisation, label: label}
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import takewhile
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel
from rdflib import XSD
from rdflib import Literal as RdfLiteral
from rdflib.term import Node, URIRef

from app.core.namespaces import PREFIXES
from app.core.query_guard import (
    GuardPolicy,
    QueryForm,
    QueryRejectedError,
    first_keyword,
    inspect_query,
    typed_service_count,
)
from app.core.store import EmbeddedStore

HEADER_MARK = "#+"
# libyaml's safe loader where PyYAML was built with it (~6x faster than the pure-Python one: the headers are read at
# every start, issue 7), else the pure-Python one; both accept the same YAML and raise yaml.YAMLError
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NAME_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
PARAMETER_PATTERN = r"^[a-z][a-z0-9_]*$"
RESERVED_PARAMETERS = frozenset({"format"})
"""`format=` overrides content negotiation, as on /sparql."""
MAX_TEXT_LENGTH = 1000

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`]+$")
_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_\-.~%]*$")
_LANGSTRING = re.compile(r"^(?P<text>.+)@(?P<lang>[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$", re.DOTALL)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


class CatalogueError(Exception):
    """A canned query file is malformed (bad header, bad SPARQL, a parameter the query does not project)."""


class UnknownQueryError(Exception):
    """No canned query has that name."""


class ParameterError(Exception):
    """A request parameter is missing, unknown, repeated or not of its declared type; the message names it."""


class ParameterType(StrEnum):
    """What a parameter's text must look like, and the RDF term it becomes."""

    IRI = "iri"
    STRING = "string"
    LANGSTRING = "langstring"
    DATE = "date"
    YEAR = "year"
    INTEGER = "integer"
    ENUM = "enum"


ViewType = Literal["table", "map", "timeline", "network"]


class _Model(BaseModel):
    """Header models: strict about unknown keys (a typo fails at startup), camelCase in JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)


class LocalisedText(_Model):
    """The same text in English and French (both required: the service is bilingual)."""

    en: str = Field(min_length=1)
    fr: str = Field(min_length=1)


class ValuesFrom(_Model):
    """Where a picker finds the values of a parameter: a column of another canned query, with a label column."""

    query: str
    value: str
    label: str


class EnumValue(_Model):
    """One allowed value of an enum parameter and the RDF term it stands for (a plain literal if no term)."""

    value: str = Field(min_length=1)
    term: str | None = None
    title: LocalisedText | None = None


class Parameter(_Model):
    """A query parameter: also the name of the SPARQL variable it binds."""

    name: str = Field(pattern=PARAMETER_PATTERN)
    type: ParameterType
    title: LocalisedText
    description: LocalisedText | None = None
    required: bool = False
    default: str | None = None
    example: str | None = None
    values: tuple[EnumValue, ...] = ()
    values_from: ValuesFrom | None = None
    minimum: int | None = None
    maximum: int | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _plain_values(cls, value: Any) -> Any:
        """`values: [en, fr]` is short for `[{value: en}, {value: fr}]`."""
        if isinstance(value, list):
            return [{"value": str(item)} if isinstance(item, str | int) else item for item in value]
        return value

    @field_validator("default", "example", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        if self.name in RESERVED_PARAMETERS:
            raise ValueError(f"the parameter name {self.name!r} is reserved")
        if (self.type is ParameterType.ENUM) != bool(self.values):
            raise ValueError("an enum parameter lists its values, and only an enum parameter does")
        if self.required and self.default is not None:
            raise ValueError("a required parameter has no default")
        return self


class View(_Model):
    """The default result view and, for map/timeline/network/chart, which columns it reads."""

    model_config = ConfigDict(extra="allow", frozen=True, alias_generator=to_camel, populate_by_name=True)

    type: ViewType

    def options(self) -> dict[str, str]:
        """The column hints (lat, long, start, end, source, target, label, …)."""
        return {key: str(value) for key, value in (self.model_extra or {}).items()}


class QueryHeader(_Model):
    """The YAML header of a .rq file."""

    name: str = Field(pattern=NAME_PATTERN)
    title: LocalisedText
    description: LocalisedText
    view: View
    parameters: tuple[Parameter, ...] = ()

    @field_validator("view", mode="before")
    @classmethod
    def _short_view(cls, value: Any) -> Any:
        """`view: table` is short for `view: {type: table}`."""
        return {"type": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _unique_parameters(self) -> QueryHeader:
        names = [p.name for p in self.parameters]
        if len(names) != len(set(names)):
            raise ValueError("two parameters have the same name")
        return self


@dataclass(frozen=True)
class CannedQuery:
    """A loaded canned query: its header, its SPARQL (header removed), its form and result columns."""

    header: QueryHeader
    sparql: str
    form: str
    columns: tuple[str, ...]
    path: Path

    @property
    def name(self) -> str:
        return self.header.name

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.header.parameters if p.name == name), None)


class Catalogue:
    """Every canned query, by name, in file order."""

    def __init__(self, queries: Sequence[CannedQuery]) -> None:
        self._queries = {q.name: q for q in queries}

    def __iter__(self) -> Iterator[CannedQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def names(self) -> list[str]:
        return list(self._queries)

    def get(self, name: str) -> CannedQuery:
        """The query of that name, or UnknownQueryError listing the names there are."""
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQueryError(
                f"no canned query is named {name!r}; GET /api/queries lists them: {', '.join(self._queries)}"
            ) from None


# --- loading ----------------------------------------------------------------------------------------------------


def split_header(text: str) -> tuple[str, str]:
    """(YAML of the leading `#+` lines, the SPARQL after them)."""
    lines = text.splitlines(keepends=True)
    marked = list(takewhile(lambda line: line.startswith(HEADER_MARK), lines))
    header = [line[len(HEADER_MARK) :].removeprefix(" ") for line in marked]
    return "".join(header), "".join(lines[len(marked) :]).lstrip("\n")


def load_catalogue(queries_dir: Path, *, guard: bool = True) -> Catalogue:
    """Read and check every `queries_dir/*.rq` (not checks/): a malformed one is a CatalogueError at startup.

    `guard=False` leaves out the safety check's parse (rdflib's grammar, ~0.15 s a query), for a caller that has it
    run elsewhere meanwhile (knowledge_cache.py): the header, the engine's parse and the columns are still checked.
    """
    queries = [load_query(path, guard=guard) for path in sorted(queries_dir.glob("*.rq"))]
    catalogue = Catalogue(queries)
    if len(catalogue) != len(queries):
        raise CatalogueError(f"two canned queries in {queries_dir} have the same name")
    for query in catalogue:
        _check_values_from(query, catalogue)
    return catalogue


def load_query(path: Path, *, guard: bool = True) -> CannedQuery:
    """Parse one .rq file's header and check its SPARQL with the guard (unless `guard` is False) and the engine."""
    yaml_text, sparql = split_header(path.read_text(encoding="utf-8"))
    if not yaml_text.strip():
        raise CatalogueError(f"{path}: no header; start the file with `#+ name: …` lines (see queries/README.md)")
    try:
        header = QueryHeader.model_validate(yaml.load(yaml_text, Loader=YAML_LOADER))  # noqa: S506 - a safe loader
    except (yaml.YAMLError, ValidationError) as error:
        raise CatalogueError(f"{path}: invalid header: {error}") from error
    if header.name != path.stem:
        raise CatalogueError(f"{path}: the header names the query {header.name!r}; name the file {header.name}.rq")
    for parameter in header.parameters:
        for choice in parameter.values:
            if choice.term is not None and expand_iri(choice.term) is None:
                raise CatalogueError(f"{path}: enum value {choice.value!r}: {choice.term!r} is not an IRI")
        for value in (parameter.default, parameter.example):
            if value is not None:
                try:
                    to_term(parameter, value)
                except ParameterError as error:
                    raise CatalogueError(f"{path}: {error}") from error
    form = None
    if guard or typed_service_count(sparql):  # the engine's column check below must never meet a SERVICE
        try:
            form = str(inspect_query(sparql, GuardPolicy(frozenset(), prefixes=PREFIXES)).form)
        except QueryRejectedError as error:
            raise CatalogueError(f"{path}: {error}") from error
    columns = _columns(path, sparql, header)
    form = form or written_form(sparql)
    if form is None:
        raise CatalogueError(f"{path}: no SELECT, ASK, CONSTRUCT or DESCRIBE after the prologue")
    return CannedQuery(header, sparql, form, columns, path)


def written_form(sparql: str) -> str | None:
    """The form of a query the engine parsed (SELECT, ASK, CONSTRUCT or DESCRIBE): its first keyword after the
    prologue. The guard reads the same from its parse tree (catalogue_cache.py compares the two)."""
    keyword = first_keyword(sparql)
    return keyword if keyword in {form.value for form in QueryForm} else None


def _columns(path: Path, sparql: str, header: QueryHeader) -> tuple[str, ...]:
    """The SELECT's variables, evaluating over an empty store with sample values for every parameter.

    Oxigraph binds a variable by substitution only when the SELECT projects it: checked here, not at request time.
    """
    sample = {p.name: to_term(p, sample_value(p)) for p in header.parameters}
    try:
        result = EmbeddedStore().raw_query(sparql, prefixes=dict(PREFIXES), substitutions=sample)
    except (SyntaxError, RuntimeError, ValueError) as error:
        raise CatalogueError(
            f"{path}: the engine refuses the query with its parameters bound ({error}); every parameter must be a "
            "variable the SELECT projects"
        ) from error
    variables = getattr(result, "variables", None)
    return tuple(v.value for v in variables) if variables is not None else ()


def sample_value(parameter: Parameter) -> str:
    """A valid value of the parameter (its example, default or first value, else one of its type)."""
    if parameter.example is not None:
        return parameter.example
    if parameter.default is not None:
        return parameter.default
    if parameter.values:
        return parameter.values[0].value
    return {
        ParameterType.IRI: "https://w3id.org/coopgraph/id/org/example",
        ParameterType.STRING: "example",
        ParameterType.LANGSTRING: "example@en",
        ParameterType.DATE: "2018-01-01",
        ParameterType.YEAR: "2018",
        ParameterType.INTEGER: str(parameter.minimum or 0),
    }[parameter.type]


def _check_values_from(query: CannedQuery, catalogue: Catalogue) -> None:
    for parameter in query.header.parameters:
        hint = parameter.values_from
        if hint is None:
            continue
        try:
            source = catalogue.get(hint.query)
        except UnknownQueryError as error:
            raise CatalogueError(f"{query.path}: values_from of {parameter.name!r}: {error}") from error
        missing = {hint.value, hint.label} - set(source.columns)
        if missing:
            raise CatalogueError(
                f"{query.path}: values_from of {parameter.name!r}: {hint.query} has no column {sorted(missing)}"
            )


# --- binding ----------------------------------------------------------------------------------------------------


def bind_parameters(query: CannedQuery, pairs: Sequence[tuple[str, str]]) -> dict[str, Node]:
    """Validate request parameters (name, value pairs; `format` excluded) into variable → RDF term.

    An empty value counts as absent. Absent optional parameters with no default stay unbound.
    """
    given: dict[str, str] = {}
    for name, value in pairs:
        parameter = query.parameter(name)
        if parameter is None:
            known = ", ".join(p.name for p in query.header.parameters) or "none"
            raise ParameterError(f"unknown parameter {name!r} for the query {query.name!r}; its parameters: {known}")
        if name in given:
            raise ParameterError(f"parameter {name!r} is given more than once; give it once")
        given[name] = value
    bindings: dict[str, Node] = {}
    for parameter in query.header.parameters:
        value = given.get(parameter.name, "")
        if value == "" and parameter.default is not None:
            value = parameter.default
        if value == "":
            if parameter.required:
                raise ParameterError(
                    f"parameter {parameter.name!r} ({describe_type(parameter)}) is required"
                    + (f", e.g. {parameter.name}={parameter.example}" if parameter.example else "")
                )
            continue
        bindings[parameter.name] = to_term(parameter, value)
    return bindings


def describe_type(parameter: Parameter) -> str:
    """How a user should write a value of this parameter, in a few words."""
    return {
        ParameterType.IRI: "an IRI, or a prefixed name such as o:imt-atlantique",
        ParameterType.STRING: "a text",
        ParameterType.LANGSTRING: "a text with its language tag, such as Maroc@fr",
        ParameterType.DATE: "a date YYYY-MM-DD",
        ParameterType.YEAR: "a year YYYY",
        ParameterType.INTEGER: "an integer",
        ParameterType.ENUM: "one of " + ", ".join(v.value for v in parameter.values),
    }[parameter.type]


def to_term(parameter: Parameter, value: str) -> Node:
    """The RDF term a valid value stands for, or a ParameterError naming the parameter and what was expected."""

    def bad(reason: str) -> ParameterError:
        shown = value if len(value) <= 80 else value[:80] + "…"
        return ParameterError(f"parameter {parameter.name!r}: {shown!r} {reason}; expected {describe_type(parameter)}")

    if len(value) > MAX_TEXT_LENGTH:
        raise bad(f"is longer than {MAX_TEXT_LENGTH} characters")
    kind = parameter.type
    if kind is ParameterType.IRI:
        iri = expand_iri(value)
        if iri is None:
            raise bad("is not an absolute IRI nor a prefixed name with a known prefix")
        return URIRef(iri)
    if kind is ParameterType.STRING:
        return RdfLiteral(value)
    if kind is ParameterType.LANGSTRING:
        match = _LANGSTRING.match(value)
        if match is None:
            raise bad("has no language tag")
        return RdfLiteral(match["text"], lang=match["lang"].lower())
    if kind is ParameterType.DATE:
        try:
            if not _DATE.match(value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise bad("is not a date") from None
        return RdfLiteral(value, datatype=XSD.date)
    if kind in (ParameterType.YEAR, ParameterType.INTEGER):
        pattern = _YEAR if kind is ParameterType.YEAR else _INTEGER
        if not pattern.match(value):
            raise bad(f"is not {'a year' if kind is ParameterType.YEAR else 'an integer'}")
        number = int(value)
        if parameter.minimum is not None and number < parameter.minimum:
            raise bad(f"is less than {parameter.minimum}")
        if parameter.maximum is not None and number > parameter.maximum:
            raise bad(f"is more than {parameter.maximum}")
        return RdfLiteral(number, datatype=XSD.integer)
    choice = next((v for v in parameter.values if v.value == value), None)
    if choice is None:
        raise bad("is not one of the allowed values")
    if choice.term is None:
        return RdfLiteral(choice.value)
    return URIRef(expand_iri(choice.term) or choice.term)  # checked when the catalogue was loaded


def expand_iri(value: str) -> str | None:
    """An absolute IRI as given, or a project prefixed name (o:imt-atlantique) expanded; None if neither."""
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES and _LOCAL_NAME.match(local):
        value = PREFIXES[prefix] + local
    return value if _ABSOLUTE_IRI.match(value) else None


def compact_iri(iri: str) -> str:
    """The prefixed form of an IRI when a project prefix covers it (for examples people read)."""
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None or not _LOCAL_NAME.match(iri[len(best) :]):
        return iri
    return f"{next(p for p, ns in PREFIXES.items() if ns == best)}:{iri[len(best) :]}"


def parameters_from_json(document: Any) -> list[tuple[str, str]]:
    """A JSON object body ({"organisation": "o:imt-atlantique", "from_year": 2018}) as name, value pairs."""
    if not isinstance(document, Mapping):
        raise ParameterError("a JSON body must be an object of parameter names to values")
    pairs = []
    for name, value in document.items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ParameterError(f"parameter {name!r}: give a string or an integer in the JSON body")
        pairs.append((str(name), str(value)))
    return pairs
