"""shared/openapi.py: an Operation is described from the specs its handler validates with."""

from shared.openapi import ERROR, Operation, paths, record
from shared.schema import Choice, Email, Field, object_schema

BODY: dict[str, Field] = {"email": Email()}
QUERY: dict[str, Field] = {"format": Choice(("json", "csv"), default="json")}


def test_an_operation_is_described_from_its_specs() -> None:
    op = Operation(
        "POST", "/api/v1/things/{thing_id}", "Do it", 201, body=BODY, query=QUERY, errors=(409,), security=("session",)
    )
    described = paths([op])["/api/v1/things/{thing_id}"]["post"]
    assert described["requestBody"]["content"]["application/json"]["schema"] == object_schema(BODY)
    assert [(p["name"], p["in"]) for p in described["parameters"]] == [("thing_id", "path"), ("format", "query")]
    assert described["responses"]["400"] == ERROR  # it validates, so it can refuse
    assert described["responses"]["409"] == ERROR
    assert described["responses"]["default"] == ERROR  # any other status is an error of the same shape
    assert set(described["responses"]) == {"201", "400", "409", "default"}
    assert described["security"] == [{"session": []}]


def test_a_patch_body_has_no_required_fields_and_raw_bodies_are_bytes() -> None:
    patch = paths([Operation("PATCH", "/x", "Change", body=BODY, partial=True)])["/x"]["patch"]
    assert "required" not in patch["requestBody"]["content"]["application/json"]["schema"]
    upload = paths([Operation("POST", "/u", "Upload", raw_body="image/png", content="")])["/u"]["post"]
    assert upload["requestBody"]["content"]["image/png"]["schema"]["format"] == "binary"
    assert "content" not in upload["responses"]["200"]
    assert "400" not in upload["responses"]


def test_router_patterns_become_openapi_paths() -> None:
    assert list(paths([Operation("GET", "/files/{rest*}", "A file")])) == ["/files/{rest}"]


def test_record_requires_all_but_the_optional() -> None:
    assert record({"a": {}, "b": {}}, optional=("b",))["required"] == ["a"]
