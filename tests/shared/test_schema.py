"""shared/schema.py: the one validator. Errors name the field by its path (details.field), and each
spec's JSON Schema accepts what the spec accepts and refuses what it refuses."""

import re
from typing import Any

import jsonschema_rs
import pytest

from shared import attribution
from shared.errors import HttpError, error_response
from shared.http import Request
from shared.schema import (
    REASONS,
    Asset,
    Bool,
    Choice,
    Date,
    Email,
    Field,
    FieldInvalid,
    Int,
    Link,
    List,
    Obj,
    Secret,
    Str,
    check_fields,
    color,
    query_parameters,
    read_body,
    read_query,
)

SHA = "a" * 64
SAMPLES: list[Any] = [
    None, True, False, 0, 7, -1, 2**60, 1.5, "", " ", "x", "hello world", "line\nbreak", "tab\there", "bell\x07",
    "#1a2b3c", "#12345", "09:30", "24:00", "ada@example.com", "Ada@Example.COM", "not-an-email", "a@b",
    "https://example.com/x", "http://", "/about", "//evil.example", "#top", "#", "mailto:ada@example.com",
    "javascript:alert(1)", "tel:+49 30", SHA, "A" * 64, "2026-02-28", "2026-02-30", "x" * 201, [], ["a"],
    ["a"] * 3, [1], {}, {"title": "t"}, {"title": ""}, {"other": 1}, {"utm_source": "news"}, {"utm_x": "1"},
]  # fmt: skip
SPECS: list[Field] = [
    Str(max_length=200),
    Str(max_length=200, required=True),
    Str(max_length=200, multiline=True),
    color(),
    Secret(max_length=20),
    Email(),
    Bool(),
    Int(minimum=0, maximum=100),
    Choice(("json", "csv")),
    Date(),
    Link(),
    Link(required=True),
    Asset(),
    Asset(required=True),
    List(Str(max_length=5), 1, 2),
    Obj({"title": Str(max_length=10, required=True)}),
    attribution.Attribution(),
]


def accepts(spec: Field, value: Any) -> bool:
    try:
        spec.check(value, "f")
    except HttpError:
        return False
    return True


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: type(s).__name__)
def test_the_json_schema_accepts_exactly_what_the_spec_accepts(spec: Field) -> None:
    validator = jsonschema_rs.validator_for(spec.json_schema(), validate_formats=True)
    for value in SAMPLES:
        if isinstance(spec, Email) and isinstance(value, str) and value.strip() != value:
            continue  # the spec trims; JSON Schema's email format does not
        assert validator.is_valid(value) == accepts(spec, value), (spec, value)


def test_errors_name_the_field_by_its_path() -> None:
    spec = {"blocks": List(Obj({"items": List(Obj({"title": Str(max_length=5, required=True)}))}))}
    with pytest.raises(HttpError) as caught:
        check_fields(spec, {"blocks": [{"items": [{"title": 3}]}]})
    assert caught.value.status == 400
    assert caught.value.details == {"field": "blocks[0].items[0].title", "reason": "not_text"}
    assert caught.value.message == "blocks[0].items[0].title: must be a string"
    payload = error_response(caught.value, "rid").json()["error"]
    assert payload["field"] == "blocks[0].items[0].title"
    assert set(payload) == {"field", "reason", "code", "message", "request_id"}


@pytest.mark.parametrize(
    ("spec", "value", "reason", "limits"),
    [
        (Str(required=True), None, "required", {}),
        (Str(required=True), "  ", "empty", {}),
        (Str(max_length=3), "long", "too_long", {"max_length": 3}),
        (Str(), "a\nb", "control_characters", {}),
        (Str(), 3, "not_text", {}),
        (Email(), "nobody", "not_email", {}),
        (Int(minimum=1, maximum=9), 10, "out_of_range", {"minimum": 1, "maximum": 9}),
        (Choice(("a", "b")), "c", "not_an_option", {"options": ["a", "b"]}),
        (Link(), "javascript:alert(1)", "not_link", {}),
        (List(min_items=1, max_items=2), [], "wrong_count", {"min_items": 1, "max_items": 2}),
        (Date(), "2026-02-30", "not_date", {}),
        (Bool(), "yes", "not_boolean", {}),
    ],
)
def test_every_field_error_says_why_with_a_stable_reason_and_its_limit(
    spec: Field, value: object, reason: str, limits: dict[str, object]
) -> None:
    """The portal says it in its own words from `reason` and the limit, never from the English message."""
    body = {} if value is None else {"x": value}
    with pytest.raises(FieldInvalid) as caught:
        check_fields({"x": spec}, body)
    assert caught.value.details == {"field": "x", "reason": reason, **limits}
    assert reason in REASONS


def test_unknown_fields_are_refused_and_absent_ones_defaulted() -> None:
    spec: dict[str, Field] = {"name": Str(required=True), "tags": List(), "on": Bool(default=True)}
    with pytest.raises(HttpError, match="colour: unknown field"):
        check_fields(spec, {"name": "x", "colour": "red"})
    with pytest.raises(HttpError, match="name: required"):
        check_fields(spec, {})
    first = check_fields(spec, {"name": "x"})
    assert first == {"name": "x", "tags": [], "on": True}
    first["tags"].append("changed")
    assert check_fields(spec, {"name": "y"})["tags"] == []  # defaults are never shared
    assert check_fields(spec, {"on": False}, partial=True) == {"on": False}


def test_email_is_trimmed_with_its_domain_lower_cased() -> None:
    assert Email().check("  Ada@Example.COM ", "email") == "Ada@example.com"


def test_read_body_checks_a_json_object() -> None:
    request = Request("POST", "/x", "", {"content-type": "application/json"}, b'{"n": 3}')
    assert read_body(request, {"n": Int(maximum=5)}) == {"n": 3}
    with pytest.raises(HttpError) as caught:
        read_body(request, {"n": Int(maximum=2)})
    assert caught.value.details["field"] == "n"


def test_query_strings_are_checked_like_bodies() -> None:
    spec: dict[str, Field] = {"from": Date(required=True), "format": Choice(("json", "csv"), default="json")}
    assert read_query(Request("GET", "/r", "from=2026-01-31"), spec) == {"from": "2026-01-31", "format": "json"}
    for query, field in (("from=2026-02-30", "from"), ("from=2026-01-01&from=2026-01-02", "from"), ("x=1", "x")):
        with pytest.raises(HttpError) as caught:
            read_query(Request("GET", "/r", query), spec)
        assert caught.value.details["field"] == field, query
    assert [p["name"] for p in query_parameters(spec)] == ["from", "format"]
    assert query_parameters(spec)[0]["required"] is True


def test_patterns_are_valid_in_both_dialects() -> None:
    for spec in SPECS:
        pattern = spec.json_schema().get("pattern")
        if pattern:
            re.compile(pattern)
