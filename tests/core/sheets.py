"""Malicious spreadsheets, built in the tests themselves (zipfile + XML): a sparse sheet that declares
or fills the whole 1,048,576 × 16,384 grid in under 2 KB, and a zip bomb."""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx_with_sheet(sheet_data: str, *, dimension: str | None = None, padding: int = 0) -> bytes:
    """A minimal valid .xlsx whose only sheet holds ``sheet_data`` (the XML inside <sheetData>)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    pad = f"<!--{' ' * padding}-->" if padding else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}{pad}<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def header_row(headers: list[str]) -> str:
    from yanglao.core.tabular import column_letter

    cells = "".join(_cell(f"{column_letter(i)}1", h) for i, h in enumerate(headers, start=1))
    return f'<row r="1">{cells}</row>'


def sparse_xlsx(headers: list[str], *, declared: bool = True, far_cell: bool = True) -> bytes:
    """The file of issue 18 item 6: a header row, then (optionally) a declared used range of the whole
    grid and one cell at XFD1048576. Under 2 KB; a reader that sizes its grid from either wants
    1,048,576 × 16,384 cells (hundreds of GB)."""
    far = f'<row r="1048576">{_cell("XFD1048576", "x")}</row>' if far_cell else ""
    return xlsx_with_sheet(header_row(headers) + far, dimension="A1:XFD1048576" if declared else None)


def zip_bomb_xlsx(headers: list[str], *, unzipped_mb: int) -> bytes:
    """A small .xlsx whose sheet decompresses to ``unzipped_mb`` MB (mostly one comment of spaces)."""
    return xlsx_with_sheet(header_row(headers), padding=unzipped_mb * 1024 * 1024)
