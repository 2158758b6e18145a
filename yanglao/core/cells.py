"""Cells written to spreadsheets and CSV files: text is always text, never a formula.

Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel, WPS
and LibreOffice as a formula (CSV/formula injection: an address ``=HYPERLINK("http://…","点击")``
becomes a live link, ``=cmd|…`` a command).  Every export, payment file and error report writes
its cells through this module:

* ``sheet_row(ws, values)`` appends a row to an openpyxl worksheet (normal or write-only): such text
  becomes a string cell (``data_type "s"``) with Excel's "quote prefix" style, so it shows exactly as
  typed and stays text even when the cell is edited.
* ``csv_row(values)`` / ``csv_cell(value)`` prefix such text with an apostrophe ``'`` for CSV, which
  has no cell types.

Only text is neutralised: numbers (``int``, ``Decimal``, ``float``) stay numbers, so a legitimate
-5 is still -5, and text that is just a number (``"-5"``, ``"+86"``) is left alone too (no
spreadsheet reads it as a formula).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = ["csv_cell", "csv_row", "is_formula_like", "sheet_row"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def is_formula_like(value: Any) -> bool:
    """Text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value)


def csv_cell(value: Any) -> Any:
    """A CSV field: formula-like text prefixed with ``'``; anything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def sheet_row(ws: Any, values: Iterable[Any]) -> None:
    """Append ``values`` to ``ws``, formula-like text as a quoted string cell (never a formula)."""
    write_only = isinstance(ws, WriteOnlyWorksheet)
    row: list[Any] = []
    for value in values:
        if is_formula_like(value):
            cell = WriteOnlyCell(ws, value=value) if write_only else Cell(ws, value=value)
            cell.data_type = "s"  # openpyxl made it "f" (a formula) because of the leading "="
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    ws.append(row)
