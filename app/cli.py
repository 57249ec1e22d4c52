"""The `coopgraph` command: the CLI face over the same core as the service."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from app.core.config import Settings, get_settings
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
    return get_settings()


def _knowledge_or_exit(settings: Settings) -> Knowledge:
    """Build the knowledge, or print why not and exit with the matching code."""
    try:
        return build_knowledge(settings)
    except RdfSyntaxError as error:
        err.print(f"[red]unparseable:[/red] {error}", markup=True, highlight=False)
        raise typer.Exit(EXIT_UNPARSEABLE) from error
    except InvalidDataError as error:
        print_report(error.report)
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
    store: Annotated[Path | None, typer.Option(help="On-disk store folder (default: in memory)")] = None,
) -> None:
    """Serve the graph over HTTP (SPARQL endpoint, resource pages, downloads)."""
    import uvicorn

    from app.api.main import create_app

    overrides = {k: v for k, v in {"host": host, "port": port, "store_path": store}.items() if v is not None}
    settings = _settings().model_copy(update=overrides)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level)
