"""Spreadsheet exports: the writer on a table of every kind, and the four listing commands'
``--xlsx``/``--csv`` files read back with openpyxl and csv."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from edigate.reports.tables import Column, Kind, Table, write_csv, write_parquet, write_table, write_xlsx
from edigate.errors import UsageError
from tests.support.cli import BIGBOX, cli_runner, example_root, put_file

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

RECEIVED = dt.datetime(2026, 3, 1, 14, 5, 9, tzinfo=dt.UTC)
TABLE = Table("orders: March", (Column("PO"), Column("received", Kind.DATETIME), Column("PO date", Kind.DATE),
                                Column("lines", Kind.INTEGER), Column("amount", Kind.MONEY),
                                Column("OTIF", Kind.PERCENT), Column("seconds", Kind.NUMBER)),
              [("PO-1", RECEIVED, dt.date(2026, 2, 27), 3, Decimal("1234.50"), 0.875, 12.25),
               ("PO-2 with a much longer number", None, None, None, None, None, None)])


def sheet_of(path: Path) -> Worksheet:
    from openpyxl import load_workbook  # here: collecting the suite in every xdist worker need not import it
    from openpyxl.worksheet.worksheet import Worksheet

    sheet = load_workbook(path).active
    assert isinstance(sheet, Worksheet)
    return sheet


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_xlsx_cells_keep_their_types_and_formats(tmp_path: Path) -> None:
    write_xlsx(TABLE, tmp_path / "t.xlsx")
    sheet = sheet_of(tmp_path / "t.xlsx")
    assert sheet.title == "orders_ March"
    assert [c.value for c in sheet[1]] == ["PO", "received", "PO date", "lines", "amount", "OTIF", "seconds"]
    assert all(c.font.b for c in sheet[1])
    po, received, day, lines, amount, otif, seconds = sheet[2]
    assert received.value == dt.datetime(2026, 3, 1, 14, 5, 9) and received.is_date
    assert received.number_format == "yyyy-mm-dd hh:mm:ss"
    assert day.is_date and day.value.date() == dt.date(2026, 2, 27) and day.number_format == "yyyy-mm-dd"
    assert lines.data_type == "n" and lines.value == 3 and lines.number_format == "#,##0"
    assert amount.data_type == "n" and amount.value == pytest.approx(1234.5) and amount.number_format == "#,##0.00"
    assert otif.value == pytest.approx(0.875) and otif.number_format == "0.0%"
    assert seconds.data_type == "n" and po.data_type == "s"
    assert [c.value for c in sheet[3]][1:] == [None] * 6


def test_xlsx_freezes_the_header_filters_and_fits_widths(tmp_path: Path) -> None:
    write_table(TABLE, tmp_path / "t.xlsx")
    sheet = sheet_of(tmp_path / "t.xlsx")
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["A"] >= len("PO-2 with a much longer number") and widths["B"] >= 19
    assert widths["D"] < widths["A"]


def test_csv_writes_iso_dates_and_plain_numbers(tmp_path: Path) -> None:
    write_csv(TABLE, tmp_path / "t.csv")
    rows = read_csv(tmp_path / "t.csv")
    assert rows[0][:2] == ["PO", "received"]
    assert rows[1] == ["PO-1", "2026-03-01 14:05:09", "2026-02-27", "3", "1234.50", "0.875", "12.25"]
    assert rows[2] == ["PO-2 with a much longer number", "", "", "", "", "", ""]


def test_parquet_keeps_column_types(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    write_parquet(TABLE, tmp_path / "t.parquet")
    data = pq.read_table(tmp_path / "t.parquet")
    assert str(data.schema.field("amount").type) == "decimal128(18, 2)"
    assert data.column("received")[0].as_py() == RECEIVED
    assert data.column("PO date")[0].as_py() == dt.date(2026, 2, 27)
    assert data.column("lines").to_pylist() == [3, None]


def test_unknown_suffix_and_unwritable_path_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="xlsx, .csv or .parquet"):
        write_table(TABLE, tmp_path / "t.ods")
    with pytest.raises(UsageError, match="cannot write"):
        write_xlsx(TABLE, tmp_path / "missing" / "t.xlsx")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A workspace with the BigBox sample order ingested."""
    root = example_root(tmp_path, f"sqlite:///{tmp_path / 'edigate.db'}")
    done = cli_runner(root)("ingest", put_file(root, "po.x12", BIGBOX))
    assert done.returncode == 0, done.stderr
    return root


def test_the_listing_commands_write_typed_sheets_and_csv(root: Path) -> None:
    run = cli_runner(root)
    for argv in (["tx", "list"], ["orders", "list"], ["acks", "overdue"], ["kpi"]):
        done = run(*argv, "--xlsx", "out.xlsx", "--csv", "out.csv")
        assert done.returncode == 0, done.stderr
        assert "out.xlsx: " in done.stdout and "out.csv: " in done.stdout
        sheet = sheet_of(root / "out.xlsx")
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
        header = [c.value for c in sheet[1]]
        assert read_csv(root / "out.csv")[0] == header
        if argv == ["tx", "list"]:
            row = {h: c for h, c in zip(header, sheet[2])}
            assert row["id"].value == 1 and row["received (UTC)"].is_date and row["partner"].value == "bigbox"
        if argv == ["orders", "list"]:
            row = {h: c for h, c in zip(header, sheet[2])}
            assert row["PO date"].is_date and row["lines"].data_type == "n"
            assert row["amount"].data_type == "n" and row["amount"].number_format == "#,##0.00"
        if argv == ["kpi"]:
            assert sheet["A2"].value == "all" and sheet["B2"].value == 2  # the sample's two POs


def test_kpi_writes_parquet_tables(root: Path) -> None:
    import pyarrow.parquet as pq

    done = cli_runner(root)("kpi", "--parquet", "bi")
    assert done.returncode == 0, done.stderr
    kpis = pq.read_table(root / "bi" / "kpi.parquet")
    assert kpis.column("orders").to_pylist()[0] == 2
    daily = pq.read_table(root / "bi" / "kpi_daily.parquet")
    assert sum(daily.column("orders").to_pylist()) == 2
