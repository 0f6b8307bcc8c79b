"""Tables a specialist opens in a spreadsheet: typed columns plus rows, written as XLSX or CSV.

A command builds a `Table` (what each column holds, and the rows) and hands it to
`write_table`; this module alone decides how a date, a number or an amount looks in a
file. In XLSX every cell keeps its type (a date is a date, an amount a number with a money
format), the header row stays frozen, the filter is on and the columns are as wide as what
they hold. CSV writes the same values in ISO form (dates ``2026-03-01``, times in UTC),
numbers unformatted, so a tool that loads files reads them back as they were.

    table = Table("orders", (Column("PO", Kind.TEXT), Column("amount", Kind.MONEY)),
                  [("PO-1", Decimal("12.50"))])
    write_table(table, Path("orders.xlsx"))
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from edigate.errors import UsageError

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["Cell", "Column", "Kind", "Table", "write_csv", "write_parquet", "write_table", "write_xlsx"]

Cell: TypeAlias = "str | int | float | Decimal | dt.date | dt.datetime | None"


class Kind(enum.Enum):
    """What a column holds, and so the cell type and number format it gets."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    """A fraction, 0.25 for 25 %."""
    DATE = "date"
    DATETIME = "datetime"
    """A UTC time; spreadsheets know no zones, so the cell holds the naive UTC time."""


_FORMATS = {Kind.INTEGER: "#,##0", Kind.NUMBER: "#,##0.0##", Kind.MONEY: "#,##0.00",
            Kind.PERCENT: "0.0%", Kind.DATE: "yyyy-mm-dd", Kind.DATETIME: "yyyy-mm-dd hh:mm:ss"}
_WIDEST = 60


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True, slots=True)
class Table:
    """``title`` names the sheet; every row has one cell per column (None for empty)."""

    title: str
    columns: tuple[Column, ...]
    rows: Sequence[Sequence[Cell]]


def write_table(table: Table, path: Path) -> None:
    """Write ``table`` as the file's suffix says: ``.xlsx``, ``.csv`` or ``.parquet``."""
    writers = {".xlsx": write_xlsx, ".csv": write_csv, ".parquet": write_parquet}
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise UsageError(f"{path}: write a .xlsx, .csv or .parquet file")
    writer(table, path)


def write_xlsx(table: Table, path: Path) -> None:
    """One sheet: a frozen, filtered header row, typed and formatted cells, fitted widths."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(table.title)
    sheet.append([c.name for c in table.columns])
    for row in table.rows:
        sheet.append([_xlsx_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    _format(sheet, table)
    _save(path, book.save)


def write_csv(table: Table, path: Path) -> None:
    """A header line, then one line per row; values as `text_of` writes them."""
    def write() -> None:
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow([c.name for c in table.columns])
            out.writerows([text_of(v) for v in row] for row in table.rows)

    _save(path, lambda _: write())


def write_parquet(table: Table, path: Path) -> None:
    """A Parquet file with a typed column per column (money as decimal(18, 2), times as UTC)."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    types = {Kind.TEXT: pa.string(), Kind.INTEGER: pa.int64(), Kind.NUMBER: pa.float64(),
             Kind.MONEY: pa.decimal128(18, 2), Kind.PERCENT: pa.float64(), Kind.DATE: pa.date32(),
             Kind.DATETIME: pa.timestamp("us", tz="UTC")}
    arrays = [pa.array([_parquet_value(row[i], c.kind) for row in table.rows], type=types[c.kind])
              for i, c in enumerate(table.columns)]
    data = pa.Table.from_arrays(arrays, names=[c.name for c in table.columns])
    _save(path, lambda p: pq.write_table(data, p))


def text_of(value: Cell) -> str:
    """A cell as CSV writes it: ISO dates and UTC times, plain numbers, empty for None."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _utc(value).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _xlsx_value(value: Cell, kind: Kind) -> Cell:
    if isinstance(value, dt.datetime):
        return _utc(value)
    if kind is Kind.MONEY and isinstance(value, (int, float)):
        return Decimal(str(value))
    return value


def _parquet_value(value: Cell, kind: Kind) -> object:
    if value is None:
        return None
    if kind is Kind.MONEY:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if kind in (Kind.NUMBER, Kind.PERCENT):
        return float(value)  # type: ignore[arg-type]
    if kind is Kind.DATETIME and isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value


def _utc(value: dt.datetime) -> dt.datetime:
    """The naive UTC time of ``value`` (an aware time is converted; a naive one is UTC already)."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _format(sheet: Worksheet, table: Table) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(table.columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, column in enumerate(table.columns):
        letter = get_column_letter(i + 1)
        fmt = _FORMATS.get(column.kind)
        if fmt is not None:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                cell.number_format = fmt
        widest = max([len(column.name) + 3, *(_shown_width(r[i], column.kind) for r in table.rows)])
        sheet.column_dimensions[letter].width = min(widest + 2, _WIDEST)


def _shown_width(value: Cell, kind: Kind) -> int:
    """About how many characters the cell shows once formatted."""
    if value is None:
        return 0
    if kind is Kind.DATETIME:
        return 19
    if kind in (Kind.MONEY, Kind.INTEGER, Kind.NUMBER) and not isinstance(value, str):
        return len(f"{float(value):,.2f}")  # type: ignore[arg-type]
    if kind is Kind.PERCENT:
        return 6
    return len(text_of(value))


def _sheet_title(title: str) -> str:
    """Excel's sheet names: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "table"
    return cleaned[:31]


def _save(path: Path, save: Callable[[Path], object]) -> None:
    """Run ``save(path)``; a file that cannot be written is one clear line, not a traceback."""
    try:
        save(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from exc
