"""Curation as the CLI and the service run it: check an upload against the whole project, then write it durably;
export the project's sources as tables; write the blank template.

An upload (template tables or Turtle) becomes `data/sources/{id}.ttl` only if the whole project with it
conforms: the file is converted, serialised canonically, parsed back (what is validated is byte for byte what
will be written), added as its own named graph to the other files of the project, and run through the same
validation as `coopgraph validate` (SHACL shapes and QA checks). Any Violation anywhere refuses it, and nothing
is written. Checking and writing happen under one exclusive lock on data/sources/, so two curators publishing
at once are served one after the other, each validated against what the other wrote.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax

from app.core.config import Settings
from app.core.curation.durable_write import exclusive_lock, remove_stale_temporaries, write_atomically
from app.core.curation.exporter import RoundTrip, check_round_trip, export_graph
from app.core.curation.importer import ImportResult, RowRef, import_tables
from app.core.curation.matching import SLUG, index_entities, read_vocabulary
from app.core.curation.tables import ReadTables, TableProblem, csv_text, read_tables, workbook_bytes
from app.core.curation.template import KIND_HEADER, SHEETS, SHEETS_BY_NAME
from app.core.namespaces import COOP, source_graph
from app.core.sources import RdfSource, SourceRole, discover_sources, load_dataset
from app.core.turtle_format import canonical_turtle
from app.core.validation import Severity, ValidationIssue, union_of, validate_dataset

TURTLE_SUFFIXES = (".ttl", ".turtle")
TABLE_SUFFIXES = (".csv", ".xlsx", ".zip")


class SourceIdError(ValueError):
    """The source id cannot name a file and a graph (it must be a lowercase, hyphenated ASCII slug)."""


class SourceExistsError(Exception):
    """A source with this id is already in data/sources/; replacing it must be asked for explicitly."""


class UploadFormatError(Exception):
    """The upload is neither template tables (CSV, XLSX, zip) nor Turtle, or mixes the two."""


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name (which tells its format and, for a CSV, its sheet) and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CurationIssue:
    """One problem with an upload, located in the table (file, sheet, row, column) and/or the graph (focus, path)."""

    severity: str
    message: str
    focus: str | None = None
    path: str | None = None
    value: str | None = None
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    check: str | None = None
    shape: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def describe(self) -> str:
        """One line a curator can act on: where, then what."""
        where = [part for part in (self.file, self.sheet and f"sheet {self.sheet}") if part]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        if self.focus:
            where.append(self.focus)
        if self.path:
            where.append(f"path {self.path}")
        if self.check:
            where.append(f"check {self.check}")
        value = f" [{self.value}]" if self.value else ""
        return f"{self.severity}: {', '.join(where) or 'upload'}: {self.message}{value}"


class CurationRejectedError(Exception):
    """The upload cannot be published; `issues` lists every problem (nothing was written)."""

    def __init__(self, source_id: str, issues: list[CurationIssue]) -> None:
        self.source_id = source_id
        self.issues = issues
        first = issues[0].describe() if issues else "no detail"
        super().__init__(f"source {source_id} was not published: {len(issues)} problem(s); the first: {first}")


@dataclass(frozen=True)
class CheckedSource:
    """An upload that conforms: the file it becomes, its canonical text, and what the curator should know."""

    source_id: str
    path: Path
    text: str
    triples: int
    minted: dict[str, RowRef] = field(default_factory=dict)
    warnings: list[CurationIssue] = field(default_factory=list)
    replaced: bool = False


def source_path(settings: Settings, source_id: str) -> Path:
    """data/sources/{id}.ttl, after checking the id can name a file and a graph."""
    if not SLUG.match(source_id):
        raise SourceIdError(
            f"{source_id!r} is not a source id: use lowercase ASCII letters, digits and hyphens (e.g. 005-fimme-mou)"
        )
    return settings.data_dir / "sources" / f"{source_id}.ttl"


def publish(settings: Settings, source_id: str, uploads: Sequence[Upload], *, replace: bool = False) -> CheckedSource:
    """Check the upload against the whole project and, if everything conforms, write it durably (under the lock)."""
    target = source_path(settings, source_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(target.parent):
        remove_stale_temporaries(target.parent)
        checked = check(settings, source_id, uploads, replace=replace)
        write_atomically(target, checked.text)
    return checked


def check(settings: Settings, source_id: str, uploads: Sequence[Upload], *, replace: bool = False) -> CheckedSource:
    """Everything `publish` does but the write: convert, serialise, validate the project with it; raise if refused."""
    target = source_path(settings, source_id)
    if target.exists() and not replace:
        raise SourceExistsError(f"{target} already exists: choose a new id, or replace it on purpose (--replace)")
    sources = [s for s in discover_sources(settings) if s.path.resolve() != target.resolve()]
    dataset = load_dataset(sources)
    graph, conversion = _convert(source_id, uploads, dataset, sources)
    text = canonical_turtle(graph)
    written = Graph().parse(data=text, format="turtle")
    new_source = RdfSource(target, source_graph(source_id), SourceRole.DATA)
    named = dataset.graph(new_source.graph)
    for triple in written:
        named.add(triple)
    report = validate_dataset(dataset, [*sources, new_source], settings.queries_dir / "checks")
    located = [_locate(issue, conversion) for issue in report.issues]
    if not report.conforms:
        raise CurationRejectedError(source_id, [i for i in located if i.severity == Severity.VIOLATION.value])
    mine = str(target)
    warnings = [i for i, issue in zip(located, report.issues, strict=True) if mine in issue.files]
    minted = {str(iri): where for iri, where in conversion.minted.items()} if conversion else {}
    return CheckedSource(source_id, target, text, len(written), minted, warnings, replaced=target.exists())


def _convert(
    source_id: str, uploads: Sequence[Upload], dataset: Dataset, sources: list[RdfSource]
) -> tuple[Graph, ImportResult | None]:
    """The graph of the upload (Turtle as it is; tables through the importer), or every problem met on the way."""
    suffixes = {PurePosixPath(u.name).suffix.lower() for u in uploads}
    if not uploads:
        raise UploadFormatError("nothing was uploaded: send template tables (.csv, .xlsx, .zip) or one Turtle file")
    if suffixes <= set(TURTLE_SUFFIXES):
        return _parse_turtle(source_id, uploads), None
    if not suffixes <= set(TABLE_SUFFIXES):
        raise UploadFormatError(
            f"cannot read {sorted(suffixes)} together: send template tables (.csv, .xlsx, .zip) or Turtle (.ttl), "
            "not both"
        )
    read = ReadTables()
    for upload in uploads:
        read.extend(read_tables(upload.name, upload.content))
    data = union_of(dataset, sources, SourceRole.DATA)
    vocabulary = read_vocabulary(union_of(dataset, sources, SourceRole.ONTOLOGY), data)
    result = import_tables(read.tables, source_id, index_entities(data), vocabulary)
    problems = read.problems + result.problems
    if problems:
        raise CurationRejectedError(source_id, [_table_issue(p) for p in problems])
    return result.graph, result


def _parse_turtle(source_id: str, uploads: Sequence[Upload]) -> Graph:
    """The uploaded Turtle files in one graph, or every file's parse error with its line."""
    graph = Graph()
    issues = []
    for upload in uploads:
        try:
            graph.parse(data=upload.content.decode("utf-8"), format="turtle")
        except UnicodeDecodeError as error:
            issues.append(CurationIssue("Violation", f"not UTF-8 text (byte {error.start})", file=upload.name))
        except BadSyntax as error:
            message = f"does not parse as Turtle, line {error.lines + 1}: {error._why}"
            issues.append(CurationIssue("Violation", message, file=upload.name, row=error.lines + 1))
        except Exception as error:  # rdflib raises many types for bad input; all mean "does not parse"
            issues.append(CurationIssue("Violation", f"does not parse as Turtle: {error}", file=upload.name))
    if issues:
        raise CurationRejectedError(source_id, issues)
    return graph


def _table_issue(problem: TableProblem) -> CurationIssue:
    return CurationIssue(
        Severity.VIOLATION.value,
        problem.message,
        value=problem.value,
        file=problem.file or None,
        sheet=problem.sheet,
        row=problem.row,
        column=problem.column,
    )


def _locate(issue: ValidationIssue, conversion: ImportResult | None) -> CurationIssue:
    """A validation issue, pointed at the row that described its focus node and the column holding its path."""
    located = CurationIssue(
        issue.severity.value,
        issue.message,
        focus=issue.focus or None,
        path=issue.path,
        value=issue.value,
        check=issue.check,
        shape=issue.shape,
    )
    origin = conversion.origins.get(URIRef(issue.focus)) if conversion and issue.focus else None
    if origin is None:
        return located
    return dataclasses.replace(
        located,
        file=origin.file,
        sheet=origin.sheet,
        row=origin.row,
        column=column_for(origin.sheet, issue.path, issue.message),
    )


def column_for(sheet_name: str, path: str | None, message: str = "") -> str | None:
    """The header(s) of the column that fills a report's path on that sheet (rdfs:label → "label_en, label_fr").

    A complex SHACL path (an alternative or inverse path) reaches us as a blank node; then the coop: terms the
    shape's message names are used instead ("… (coop:hasParty / coop:partyTo)" → parties).
    """
    if path == str(RDF.type):
        return KIND_HEADER
    columns = SHEETS_BY_NAME[sheet_name].columns
    headers = [c.header for c in columns if path is not None and any(str(p) == path for p in c.predicates)]
    if not headers:
        named = {f"coop:{term}" for term in re.findall(r"coop:(\w+)", message)}
        headers = [c.header for c in columns if {_short(p) for p in (*c.predicates, c.inverse) if p} & named]
    return ", ".join(headers) or None


def _short(term: URIRef) -> str:
    return "coop:" + str(term).split("#")[-1] if str(term).startswith(str(COOP)) else str(term)


# Export


@dataclass(frozen=True)
class ExportedFiles:
    """What `export_project` wrote for one source, and whether importing it back gives the same graph."""

    source_id: str
    files: list[Path]
    rows: int
    round_trip: RoundTrip
    unexpressed: int


def export_project(
    settings: Settings, out_dir: Path, *, fmt: str = "csv", only: Sequence[str] = ()
) -> list[ExportedFiles]:
    """Write each source of data/sources/ as template tables: out_dir/{id}/{sheet}.csv, or out_dir/{id}.xlsx.

    Each export is checked by importing it again (against the project's entities) and comparing graphs.
    """
    sources = discover_sources(settings)
    dataset = load_dataset(sources)
    data = union_of(dataset, sources, SourceRole.DATA)
    vocabulary = read_vocabulary(union_of(dataset, sources, SourceRole.ONTOLOGY), data)
    project_sources = sorted(p.stem for p in (settings.data_dir / "sources").glob("*.ttl"))
    unknown = sorted(set(only) - set(project_sources))
    if unknown:
        raise SourceIdError(f"no such source in {settings.data_dir / 'sources'}: {', '.join(unknown)}")
    results = []
    for source_id in [s for s in project_sources if not only or s in only]:
        graph = dataset.graph(source_graph(source_id))
        exported = export_graph(graph, source_id)
        round_trip = check_round_trip(exported, graph, index_entities(data), vocabulary)
        files = write_tables(exported.rows, out_dir, source_id, fmt)
        rows = sum(len(r) for r in exported.rows.values())
        results.append(ExportedFiles(source_id, files, rows, round_trip, len(exported.unexpressed)))
    return results


def write_tables(rows: dict[str, list[dict[str, str]]], out_dir: Path, name: str, fmt: str) -> list[Path]:
    """Rows by sheet as out_dir/{name}/{sheet}.csv (every sheet, header-only when empty) or out_dir/{name}.xlsx."""
    if fmt == "xlsx":
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{name}.xlsx"
        path.write_bytes(workbook_bytes(rows))
        return [path]
    if fmt != "csv":
        raise UploadFormatError(f"unknown table format {fmt!r}: csv or xlsx")
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for sheet in SHEETS:
        path = folder / f"{sheet.name}.csv"
        path.write_text(csv_text(sheet, rows.get(sheet.name, [])), encoding="utf-8")
        paths.append(path)
    return paths


def read_upload_paths(paths: Sequence[Path]) -> list[Upload]:
    """The files to import: each file given, and the template files (.csv, .xlsx, .zip, .ttl) of each folder given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in (*TABLE_SUFFIXES, *TURTLE_SUFFIXES))
        else:
            files.append(path)
    return [Upload(file.name, file.read_bytes()) for file in files]
