import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import jsontext
from shared.jsontext import MAX_DEPTH, TooDeep, depth, loads


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_depth_counts_arrays_and_objects_not_brackets_in_strings() -> None:
    assert depth('{"a": [1, {"b": "[[[[{{"}], "c": "\\"]]"}') == 3
    assert depth("1") == depth('"[[["') == 0


def test_up_to_the_limit_parses_past_it_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert loads(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))
    parsed: list[str] = []
    monkeypatch.setattr(jsontext.json, "loads", parsed.append)
    with pytest.raises(TooDeep, match="nested deeper than 64 levels"):
        loads(nested(MAX_DEPTH + 1))
    with pytest.raises(TooDeep):
        loads(nested(5000).encode())  # the 10 KB body that crashed Pyodide
    assert parsed == []


def test_errors_are_value_errors_as_json_loads_raises() -> None:
    for bad in (b"\xff", "{nope", nested(100)):
        with pytest.raises(ValueError):  # noqa: PT011 (each of UnicodeDecodeError, JSONDecodeError, TooDeep)
            loads(bad)


def test_an_unterminated_string_full_of_escaped_quotes_is_scanned_once() -> None:
    # Retrying the string pattern from every quote made this quadratic (5 s at 40 KB).
    text = "[" * 70 + '"' + '\\"' * 200_000
    assert depth(text) == 70


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=30,
)


def true_depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(true_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(true_depth, value.values()), default=0)
    return 0


@given(json_values)
def test_depth_of_any_document_is_its_nesting(value: object) -> None:
    assert depth(json.dumps(value)) == true_depth(value)
    assert loads(json.dumps(value)) == value
