"""The `coopgraph` command: the CLI face over the same core as the service."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from app.cli_progress import build_progress
from app.core.config import Settings, SettingsError, env_var, get_settings
from app.core.inference import InconsistentDataError
from app.core.knowledge import InvalidDataError, Knowledge, build_knowledge
from app.core.sources import (
    RdfSource,
    RdfSyntaxError,
    SourceRole,
    discover_sources,
    load_dataset,
    sources_for_paths,
)
from app.core.validation import Severity, ValidationReport, validate_dataset

EXIT_OK, EXIT_INVALID, EXIT_UNPARSEABLE = 0, 1, 2
EXIT_BAD_SETTINGS = 2  # operations (issue 8): an invalid COOPGRAPH_* variable or .env entry
EXIT_BACKEND = 3  # issue 7: the backend did not answer, or refused a write

cli = typer.Typer(
    help="CoopGraph: the knowledge graph of Franco-African academic cooperation.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def main() -> None:
    """Console-script entry point."""
    cli()


def is_reference(source: RdfSource, settings: Settings) -> bool:
    """Ontology, shapes, places and concept schemes: what any data file is validated against."""
    if source.role is not SourceRole.DATA:
        return True
    return not source.path.resolve().is_relative_to((settings.data_dir / "sources").resolve())


def _settings() -> Settings:
    """The process's settings; if any is invalid, print one line per problem and exit 2 (nothing else runs)."""
    try:
        return get_settings()
    except SettingsError as error:
        err.print(str(error), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_SETTINGS) from None


def _knowledge_or_exit(settings: Settings) -> Knowledge:
    """Build the knowledge, or print why not and exit with the matching code."""
    with _build_errors_exit(), build_progress(err):  # issue 7: the stages of a long build, live on stderr
        return build_knowledge(settings)


@contextmanager
def _build_errors_exit() -> Iterator[None]:
    """A build's errors as the CLI reports them: unparseable → 2, invalid or inconsistent → 1."""
    try:
        yield
    except RdfSyntaxError as error:
        err.print(f"[red]unparseable:[/red] {error}", markup=True, highlight=False)
        raise typer.Exit(EXIT_UNPARSEABLE) from error
    except InvalidDataError as error:
        print_report(error.report)
        raise typer.Exit(EXIT_INVALID) from error
    except InconsistentDataError as error:
        err.print(f"inconsistent: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from error


def print_report(report: ValidationReport) -> None:
    """A readable report: one block per issue (severity, focus node, path, message, file)."""
    for issue in report.issues:
        colour = {"Violation": "red", "Warning": "yellow", "Info": "cyan"}[issue.severity.value]
        err.print(f"[{colour}]{issue.severity.value}[/{colour}] {issue.focus}", markup=True, highlight=False)
        if issue.path:
            err.print(f"    path:    {issue.path}", markup=False, highlight=False)
        if issue.value:
            err.print(f"    value:   {issue.value}", markup=False, highlight=False)
        err.print(f"    message: {issue.message}", markup=False, highlight=False)
        if issue.files:
            err.print(f"    file:    {', '.join(issue.files)}", markup=False, highlight=False)
        if issue.check:
            err.print(f"    check:   queries/checks/{issue.check}", markup=False, highlight=False)
    counts = ", ".join(f"{report.count(s)} {s.value.lower()}(s)" for s in Severity)
    verdict = "conforms" if report.conforms else "does NOT conform"
    err.print(f"The data {verdict}: {counts}.", markup=False, highlight=False)


@cli.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Turtle files or folders to validate instead of data/sources/ (always with the ontology, "
            "shapes, places and concept schemes); default: the whole project"
        ),
    ] = None,
) -> None:
    """Parse every RDF file, run the SHACL shapes and QA checks, print a report.

    Exit codes: 0 conforms (warnings allowed), 1 violations, 2 unparseable input.
    """
    settings = _settings()
    sources = discover_sources(settings)
    if paths:
        missing = [p for p in paths if not p.exists()]
        if missing:
            err.print(f"no such file: {missing[0]}", markup=False)
            raise typer.Exit(EXIT_UNPARSEABLE)
        sources = [s for s in sources if is_reference(s, settings)] + sources_for_paths(paths, settings)
        sources = list({s.path.resolve(): s for s in sources}.values())
    try:
        dataset = load_dataset(sources)
    except RdfSyntaxError as error:
        err.print(f"unparseable: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_UNPARSEABLE) from error
    report = validate_dataset(dataset, sources, settings.queries_dir / "checks")
    print_report(report)
    raise typer.Exit(EXIT_OK if report.conforms else EXIT_INVALID)


@cli.command()
def build(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the dumps into")] = Path("dist"),
) -> None:
    """Write the dumps (TriG, N-Quads; Turtle, N-Triples, JSON-LD of asserted/inferred/ontology) and SHA256SUMS."""
    from app.core.dumps import CHECKSUMS_FILE, write_dumps

    knowledge = _knowledge_or_exit(_settings())
    dumps = write_dumps(knowledge, out_dir)
    table = RichTable("file", "part", "triples", "bytes", "sha256", title=f"Dumps in {out_dir}")
    for dump in dumps:
        table.add_row(dump.name, dump.part, str(dump.triples), str(dump.size), dump.sha256[:16] + "…")
    out.print(table)
    out.print(f"Checksums: {out_dir / CHECKSUMS_FILE}", markup=False)


@cli.command()
def stats() -> None:
    """Counts per class, per source article and per country."""
    from app.core.stats import compute_stats
    from app.core.store import EmbeddedStore

    store = EmbeddedStore.from_dataset(_knowledge_or_exit(_settings()).dataset)
    for table in compute_stats(store):
        rich_table = RichTable(*table.columns, title=table.title)
        for row in table.rows:
            rich_table.add_row(*row)
        out.print(rich_table)


@cli.command()
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query, or the path of a .rq file, or - for stdin")],
    output_format: Annotated[
        str,
        typer.Option("--format", "-f", help="table, json, csv, tsv (SELECT/ASK); turtle, ntriples (graphs)"),
    ] = "table",
) -> None:
    """Run a read-only SPARQL query over the built graph (asserted + ontology + inferred); prefixes pre-declared."""
    from app.core.query_runner import QueryRejectedError, run_cli_query

    text = sys.stdin.read() if sparql == "-" else sparql
    if sparql.endswith(".rq") and Path(sparql).is_file():
        text = Path(sparql).read_text(encoding="utf-8")
    knowledge = _knowledge_or_exit(_settings())
    try:
        result = run_cli_query(knowledge, text, output_format)
    except QueryRejectedError as error:
        err.print(f"query rejected: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from error
    if isinstance(result, str):
        out.print(result, markup=False, highlight=False, end="")
        return
    columns, rows = result
    table = RichTable(*columns, show_lines=False)
    for row in rows:
        table.add_row(*row)
    out.print(table)
    out.print(f"{len(rows)} row(s)", markup=False)


@cli.command("format")
def format_turtle(
    check: Annotated[bool, typer.Option("--check", help="Only report files not in canonical form (exit 1)")] = False,
) -> None:
    """Rewrite every Turtle file of ontology/, data/ and shapes/ in its canonical serialisation."""
    from app.core.turtle_format import format_file, needs_formatting

    changed = []
    for source in discover_sources(_settings()):
        try:
            dirty = needs_formatting(source.path) if check else format_file(source.path)
        except RdfSyntaxError as error:
            err.print(f"unparseable: {error}", markup=False)
            raise typer.Exit(EXIT_UNPARSEABLE) from error
        if dirty:
            changed.append(source.path)
            out.print(f"{'would reformat' if check else 'reformatted'} {source.path}", markup=False)
    if check and changed:
        raise typer.Exit(EXIT_INVALID)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default: setting COOPGRAPH_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: setting COOPGRAPH_PORT)")] = None,
    store: Annotated[
        Path | None, typer.Option(help="On-disk store folder (default: setting COOPGRAPH_STORE_PATH)")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Service processes sharing the port (default: setting COOPGRAPH_WORKERS)")
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="Serve from this SPARQL 1.1 query endpoint, filled by `coopgraph load` (COOPGRAPH_BACKEND)"),
    ] = None,
) -> None:
    """Serve the graph over HTTP (SPARQL endpoint, pages, downloads, /health, /ready, /metrics) until SIGTERM.

    Settings come from COOPGRAPH_* variables and .env (`coopgraph config` lists them); the options override them.
    """
    from app.api.server import run_server

    overrides = {"host": host, "port": port, "store_path": store, "workers": workers, "backend": backend}
    for name, value in overrides.items():
        if value is not None:  # through the environment: worker processes read their settings from it
            os.environ[env_var(name)] = str(Path(value).resolve() if isinstance(value, Path) else value)
    get_settings.cache_clear()
    run_server(_settings())


@cli.command()
def load(
    backend: Annotated[
        str | None, typer.Option(help="The store's SPARQL 1.1 query endpoint (default: setting COOPGRAPH_BACKEND)")
    ] = None,
    graph_store: Annotated[
        str | None,
        typer.Option(
            help="Its Graph Store Protocol endpoint (default: COOPGRAPH_BACKEND_GRAPH_STORE, else the backend URL "
            "with `store` as its last segment, as Oxigraph serves it)"
        ),
    ] = None,
) -> None:
    """Build the graph (or reuse the built store) and write it to a SPARQL 1.1 server: the scale-out backend.

    Each named graph is replaced by a Graph Store Protocol PUT, the default graph receives their merge, CoopGraph
    graphs no longer in the data are removed, and a load record (the data version) is written last; services
    running with COOPGRAPH_BACKEND pick it up. Exit 1 if the data is invalid, 3 if the backend fails.
    """
    from app.core.backend_load import push_to_backend
    from app.core.graph_store import BackendError
    from app.core.persisted_store import prepare_store
    from app.core.remote_store import RemoteStore

    for name, value in {"backend": backend, "backend_graph_store": graph_store}.items():
        if value is not None:
            os.environ[env_var(name)] = value
    get_settings.cache_clear()
    settings = _settings()
    target = settings.backend
    if target is None:
        err.print("no backend: give --backend URL or set COOPGRAPH_BACKEND", markup=False)
        raise typer.Exit(EXIT_BAD_SETTINGS)
    graph_store_url = settings.graph_store_url
    assert graph_store_url is not None
    embedded = settings.model_copy(update={"backend": None})  # the store is built here, as for serving
    with tempfile.TemporaryDirectory(prefix="coopgraph-load-") as workdir:
        with _build_errors_exit(), build_progress(err):
            prepared = prepare_store(embedded, Path(workdir))
        remote = RemoteStore(target, timeout_s=600.0)
        try:
            summary = push_to_backend(
                prepared.store_dir,
                prepared.version,
                remote,
                graph_store_url,
                lambda line: err.print(line, markup=False, highlight=False),
            )
        except BackendError as error:
            err.print(f"load failed: {error}", markup=False, highlight=False)
            raise typer.Exit(EXIT_BACKEND) from None
        finally:
            remote.close()
    table = RichTable("graph", "triples", title=f"Loaded into {graph_store_url}")
    for graph, triples in summary.triples_by_graph.items():
        table.add_row(graph or "(default graph: the merge)", str(triples))
    out.print(table)
    out.print(f"data version {summary.version} in {summary.seconds:.1f} s", markup=False)


@cli.command("config")
def show_config(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the README's settings table instead")] = False,
) -> None:
    """List every setting: its environment variable, type, default and current value (secrets masked).

    Exit code 2 (with one line per problem) if a COOPGRAPH_* variable or a .env entry is invalid.
    """
    from app.core.config_listing import markdown_table, setting_rows

    rows = setting_rows(_settings())
    if markdown:
        out.print(markdown_table(rows), markup=False, highlight=False)
        return
    from rich.text import Text

    table = RichTable("setting", "environment variable", "type", "default", "current", "what it does")
    for row in rows:
        current = Text(row.current, style="" if row.current == row.default else "bold")
        table.add_row(
            *(Text(cell) for cell in (row.name, row.env_var, row.type, row.default)), current, Text(row.description)
        )
    out.print(table)
    out.print("Values differing from the default are in bold. Lists: JSON or comma-separated.", markup=False)


@cli.command("import")
def import_source(
    files: Annotated[
        list[Path],
        typer.Argument(help="Template tables (.csv named by sheet, .xlsx, .zip, or a folder of them) or Turtle files"),
    ],
    source: Annotated[str, typer.Option("--source", help="Id of the source article: writes data/sources/{ID}.ttl")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace data/sources/{ID}.ttl if it exists")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing")] = False,
) -> None:
    """Convert a filled-in template (or Turtle) into data/sources/{ID}.ttl, only if the whole graph then conforms.

    Exit codes: 0 written (or would be, with --dry-run), 1 refused (every problem printed, nothing written),
    2 unreadable input or project.
    """
    from app.core.curation import workflow

    settings = _settings()
    missing = [p for p in files if not p.exists()]
    if missing:
        err.print(f"no such file: {missing[0]}", markup=False)
        raise typer.Exit(EXIT_UNPARSEABLE)
    uploads = workflow.read_upload_paths(files)
    try:
        run = workflow.check if dry_run else workflow.publish
        checked = run(settings, source, uploads, replace=replace)
    except workflow.CurationRejectedError as error:
        for issue in error.issues:
            err.print(issue.describe(), markup=False, highlight=False)
        err.print(f"Refused: {len(error.issues)} problem(s); nothing was written.", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from error
    except (workflow.SourceIdError, workflow.SourceExistsError, workflow.UploadFormatError) as error:
        err.print(f"refused: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from error
    except RdfSyntaxError as error:
        err.print(f"the project does not parse: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_UNPARSEABLE) from error
    for issue in checked.warnings:
        err.print(issue.describe(), markup=False, highlight=False)
    for iri, where in checked.minted.items():
        out.print(f"minted {iri}  ({where.sheet} row {where.row})", markup=False, highlight=False)
    verb = "would write" if dry_run else ("replaced" if checked.replaced else "wrote")
    out.print(f"{verb} {checked.path} ({checked.triples} triples); the graph conforms.", markup=False)


@cli.command("export-table")
def export_table(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into: {out}/{source id}/{sheet}.csv")],
    table_format: Annotated[str, typer.Option("--format", help="csv (a folder per source) or xlsx")] = "csv",
    source: Annotated[list[str] | None, typer.Option("--source", help="Only this source (repeatable)")] = None,
) -> None:
    """Write each source article's graph in the curation template, and check that importing it gives it back.

    Exit codes: 0 every export re-imports to the same graph, 1 some triples cannot be expressed (listed).
    """
    from app.core.curation import workflow

    try:
        exports = workflow.export_project(_settings(), out_dir, fmt=table_format, only=source or ())
    except (workflow.SourceIdError, workflow.UploadFormatError) as error:
        err.print(f"refused: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from error
    except RdfSyntaxError as error:
        err.print(f"unparseable: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_UNPARSEABLE) from error
    exact = True
    for export in exports:
        trip = export.round_trip
        verdict = "round trip exact" if trip.exact else f"NOT exact: {len(trip.missing)} lost, {len(trip.added)} added"
        out.print(f"{export.source_id}: {export.rows} rows in {len(export.files)} file(s); {verdict}", markup=False)
        for triple in trip.missing[:20]:
            err.print(f"    cannot express: {' '.join(t.n3() for t in triple)}", markup=False, highlight=False)
        exact = exact and trip.exact
    raise typer.Exit(EXIT_OK if exact else EXIT_INVALID)


@cli.command()
def template(
    destination: Annotated[Path, typer.Option("--out", help="Folder for the CSV files, or an .xlsx file to write")],
) -> None:
    """Write the blank curation template: one CSV per sheet into a folder, or one workbook if --out ends in .xlsx."""
    from app.core.curation import workflow

    empty: dict[str, list[dict[str, str]]] = {}
    if destination.suffix.lower() == ".xlsx":
        files = workflow.write_tables(empty, destination.parent, destination.stem, "xlsx")
    else:
        files = workflow.write_tables(empty, destination.parent, destination.name, "csv")
    for file in files:
        out.print(f"wrote {file}", markup=False)
