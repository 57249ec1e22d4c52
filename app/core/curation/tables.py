"""Read and write the template's tables: CSV files (one per sheet), XLSX workbooks (one sheet each) and zips of them.

Rows are numbered as a spreadsheet shows them (the header is row 1), so a problem's row and column point at the
cell the curator sees. CSV files may use `,` (the default) or `;` (what a French-locale spreadsheet writes) and may
start with a byte-order mark; XLSX cells typed as numbers or dates are read back as the text a curator typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from app.core.curation.template import SHEETS, SHEETS_BY_NAME, Sheet

CSV_DELIMITERS = ",;\t"
IGNORED_SHEETS = ("readme", "help", "aide", "notes")
MAX_ZIP_MEMBERS = 64
MAX_UNZIPPED_BYTES = 50_000_000


@dataclass(frozen=True)
class TableProblem:
    """A problem found in the tables, located as precisely as the curator can use: file, sheet, row, column."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str
    value: str | None = None


@dataclass(frozen=True)
class TableRow:
    """One non-empty row: its number as the spreadsheet shows it and its cells by header (stripped text)."""

    number: int
    cells: Mapping[str, str]


@dataclass(frozen=True)
class Table:
    """One sheet's rows as read from one file."""

    file: str
    sheet: Sheet
    headers: tuple[str, ...]
    rows: tuple[TableRow, ...]


@dataclass
class ReadTables:
    """Everything read from an upload: the tables and the problems met while reading."""

    tables: list[Table] = field(default_factory=list)
    problems: list[TableProblem] = field(default_factory=list)

    def extend(self, other: ReadTables) -> None:
        self.tables += other.tables
        self.problems += other.problems


def sheet_key(name: str) -> str:
    """A file or sheet name as a sheet name: case, spaces and hyphens do not matter ("People-Positions")."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def read_tables(name: str, content: bytes) -> ReadTables:
    """Read one uploaded file (`.csv`, `.xlsx` or `.zip`); its name tells its format, and for a CSV its sheet."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".csv":
        return _read_csv(name, content)
    if suffix == ".xlsx":
        return _read_workbook(name, content)
    if suffix == ".zip":
        return _read_zip(name, content)
    return ReadTables(
        problems=[TableProblem(name, None, None, None, "not a template file: expected .csv, .xlsx or .zip")]
    )


def _read_csv(name: str, content: bytes) -> ReadTables:
    sheet = SHEETS_BY_NAME.get(sheet_key(PurePosixPath(name).stem))
    if sheet is None:
        return ReadTables(problems=[_unknown_sheet(name, PurePosixPath(name).stem)])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte {error.start}): save the sheet as CSV UTF-8"
        return ReadTables(problems=[TableProblem(name, sheet.name, None, None, message)])
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count) if first_line else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return _table(name, sheet, records)


def _read_workbook(name: str, content: bytes) -> ReadTables:
    from openpyxl import load_workbook  # 0.2 s to import: only when a curator sends a workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file; all mean "cannot be read"
        return ReadTables(problems=[TableProblem(name, None, None, None, f"not a readable XLSX workbook: {error}")])
    result = ReadTables()
    try:
        for worksheet in workbook.worksheets:
            key = sheet_key(worksheet.title)
            if key.startswith("_") or key in IGNORED_SHEETS:
                continue
            sheet = SHEETS_BY_NAME.get(key)
            if sheet is None:
                result.problems.append(_unknown_sheet(name, worksheet.title))
                continue
            records = [[_cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
            result.extend(_table(name, sheet, records))
    finally:
        workbook.close()
    return result


def _read_zip(name: str, content: bytes) -> ReadTables:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        return ReadTables(problems=[TableProblem(name, None, None, None, f"not a readable zip: {error}")])
    members = [m for m in archive.infolist() if not m.is_dir() and not _is_clutter(m.filename)]
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        limit = f"at most {MAX_ZIP_MEMBERS} files and {MAX_UNZIPPED_BYTES // 1_000_000} MB unpacked"
        return ReadTables(problems=[TableProblem(name, None, None, None, f"the zip is too large: {limit}")])
    result = ReadTables()
    for member in members:
        suffix = PurePosixPath(member.filename).suffix.lower()
        if suffix in (".csv", ".xlsx"):
            result.extend(read_tables(f"{name}/{member.filename}", archive.read(member)))
    if not result.tables and not result.problems:
        result.problems.append(TableProblem(name, None, None, None, "the zip holds no .csv or .xlsx file"))
    return result


def _is_clutter(filename: str) -> bool:
    """Files an archiver adds that are not the curator's (macOS resource forks, hidden files)."""
    parts = PurePosixPath(filename).parts
    return any(part.startswith((".", "__MACOSX")) for part in parts)


def _cell_text(value: object) -> str:
    """The text of an XLSX cell as typed: 2019 not 2019.0, 2018-04-12 not a datetime."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(file: str, sheet: Sheet, records: Sequence[Sequence[str]]) -> ReadTables:
    """Rows of one sheet: the first non-empty record is the header; empty rows are skipped."""
    numbered = [(number, [c.replace("\r\n", "\n").strip() for c in record]) for number, record in enumerate(records, 1)]
    numbered = [(number, cells) for number, cells in numbered if any(cells)]
    if not numbered:
        return ReadTables([Table(file, sheet, (), ())])
    header_number, raw_headers = numbered[0]
    headers = [sheet_key(h) if h else "" for h in raw_headers]
    problems = _header_problems(file, sheet, header_number, headers)
    rows = []
    for number, cells in numbered[1:]:
        values = {headers[i]: cell for i, cell in enumerate(cells) if i < len(headers) and headers[i]}
        stray = [i for i, cell in enumerate(cells) if cell and (i >= len(headers) or not headers[i])]
        problems += [
            TableProblem(file, sheet.name, number, f"column {i + 1}", "a value under no header", cells[i])
            for i in stray
        ]
        rows.append(TableRow(number, values))
    return ReadTables([Table(file, sheet, tuple(h for h in headers if h), tuple(rows))], problems)


def _header_problems(file: str, sheet: Sheet, number: int, headers: list[str]) -> list[TableProblem]:
    known = set(sheet.headers)
    problems = [
        TableProblem(
            file, sheet.name, number, header, f"unknown column; this sheet's columns: {', '.join(sheet.headers)}"
        )
        for header in headers
        if header and header not in known
    ]
    seen: set[str] = set()
    for header in headers:
        if header and header in seen:
            problems.append(TableProblem(file, sheet.name, number, header, "the column appears twice"))
        seen.add(header)
    return problems


def _unknown_sheet(file: str, name: str) -> TableProblem:
    names = ", ".join(sheet.name for sheet in SHEETS)
    return TableProblem(file, None, None, None, f"{name!r} is not a sheet of the template; the sheets: {names}")


Rows = Mapping[str, Sequence[Mapping[str, str]]]


def csv_text(sheet: Sheet, rows: Iterable[Mapping[str, str]]) -> str:
    """One sheet as CSV text (comma-separated, every cell quoted when needed, LF line ends)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=sheet.headers, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({header: row.get(header, "") for header in sheet.headers})
    return buffer.getvalue()


def workbook_bytes(rows_by_sheet: Rows) -> bytes:
    """Every sheet of the template in one XLSX workbook (bold frozen header, wrapped cells), after a README sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    guide = workbook.active
    assert guide is not None
    guide.title = "README"  # ignored on import: the column help, where a curator looks for it
    guide.append(["sheet", "column", "what to write"])
    for sheet in SHEETS:
        guide.append([sheet.name, "id", "blank = minted from the label; or o:slug, a full IRI, or a bare slug"])
        if sheet.fixed_kind is None:
            guide.append([sheet.name, "kind", "class of the ontology (local name or label)"])
        for column in sheet.columns:
            guide.append([sheet.name, column.header, column.help])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet.name)
        worksheet.append(sheet.headers)
        for row in rows_by_sheet.get(sheet.name, ()):
            worksheet.append([row.get(header, "") for header in sheet.headers])
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for row_cells in worksheet.iter_rows(min_row=2):
            for cell in row_cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if cell.data_type == "f":  # text that starts with "=" stays text, never a formula
                    cell.data_type = "s"
        worksheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
