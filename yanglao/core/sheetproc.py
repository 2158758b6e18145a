"""Parse one spreadsheet in a child process whose memory is capped.

``python -m yanglao.core.sheetproc MEMORY_MB`` reads the file from standard input, sets its own
address-space limit (``RLIMIT_AS``) *before* loading the spreadsheet library, parses the first
visible worksheet with python-calamine and writes ``("ok", sheet_name, rows, merged_ranges)`` or
``("error", message)`` as a pickle to standard output.  A file that makes the parser ask for more
memory than allowed ends this process (allocation failure, MemoryError or abort), never the web
server or the worker that called it: ``yanglao.core.tabular`` turns that into a Chinese TableError.

This module imports nothing from Django or the rest of the project, so the child starts fast.
"""

from __future__ import annotations

import pickle
import resource
import sys
from typing import Any


def parse(content: bytes) -> tuple[Any, ...]:
    import io

    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        index = next(
            (
                i
                for i, meta in enumerate(workbook.sheets_metadata)
                if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
            ),
            0,
        )
        sheet = workbook.get_sheet_by_index(index)
        data = sheet.to_python(skip_empty_area=False)
        merged = list(sheet.merged_cell_ranges or [])
    except CalamineError as exc:
        return ("error", str(exc))
    return ("ok", sheet.name, data, merged)


def main() -> None:
    limit = int(sys.argv[1]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    content = sys.stdin.buffer.read()
    result = parse(content)
    pickle.dump(result, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
