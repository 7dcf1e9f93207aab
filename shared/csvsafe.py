"""CSV files that spreadsheets open safely (issue 23, L3): every field quoted, and no cell starts a
formula. A cell is also split at a separator by spreadsheets set to another locale (`;`, tab, `|`)
or by one that ignores the quoting, so a formula start right after any separator or line break is
neutralised too: an apostrophe goes before it, which spreadsheets show as text and do not keep."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_AFTER_SEPARATOR = re.compile(r"([,;|\t\r\n])(?=[=+\-@\t\r])")


def cell(value: object) -> str:
    text = _AFTER_SEPARATOR.sub(r"\1'", str(value))
    return f"'{text}" if text.startswith(FORMULA_START) else text


def write(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
