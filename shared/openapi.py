"""How a worker describes its public operations: a table of Operation values whose request bodies
and query strings are the very shared.schema specs its handlers validate with. Each internal worker
answers `GET /internal/openapi` with its table's paths (`describe`); core merges them with its own
and serves the whole document at /api/v1/openapi.json (core/openapi.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.error_codes import ERROR_CODES
from shared.http import Response, json_response
from shared.routing import Call, Router
from shared.schema import REASONS, Field, object_schema, query_parameters

DESCRIBE_PATH = "/internal/openapi"
ERROR = {"$ref": "#/components/responses/Error"}
_PARAM = re.compile(r"\{(\w+)\*?\}")


def _listed(title: str, table: Mapping[str, str]) -> str:
    return title + "\n\n" + "\n".join(f"- `{key}`: {meaning}" for key, meaning in table.items())


# The error object every API answers with; the extra keys say more where they apply. Clients map
# `code` (and a field error's `reason`) to their own words: the English `message` may change.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "request_id"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": _listed(
                        "Stable: what went wrong, for a client to say in its own words.", ERROR_CODES
                    ),
                    "examples": list(ERROR_CODES),
                },
                "message": {"type": "string", "description": "the same in English, for people reading logs"},
                "request_id": {"type": "string"},
                "field": {"type": "string", "description": "the invalid field's path, e.g. blocks[2].items[0].title"},
                "reason": {
                    "enum": list(REASONS),
                    "description": _listed("Why the field (`field`) was refused (stable).", REASONS),
                },
                "max_length": {"type": "integer", "description": "`too_long`: the most characters the field takes"},
                "min_items": {"type": "integer", "description": "`wrong_count`: the fewest items"},
                "max_items": {"type": "integer", "description": "`wrong_count`: the most items"},
                "minimum": {"type": "integer", "description": "`out_of_range`: the smallest number"},
                "maximum": {"type": "integer", "description": "`out_of_range`: the largest number"},
                "suggestion": {"type": "string", "description": "`low_contrast`: the nearest colour that reads well"},
                "too": {"enum": ["light", "dark"], "description": "`low_contrast`: which way the colour fails"},
                "pair": {"type": "string", "description": "`low_contrast`: which text would not read well, in words"},
                "contrast": {"type": "number", "description": "`low_contrast`: its contrast ratio (to 1)"},
                "needed": {"type": "number", "description": "`low_contrast`: the ratio needed (WCAG AA)"},
                "options": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "`not_an_option`: the values the field takes",
                },
                "required_plan": {"type": "string", "description": "the cheapest plan that unlocks it (402)"},
                "feature": {"type": "string", "description": "the plan feature concerned (402)"},
                "limit": {"type": "integer", "description": "the plan's limit that was reached"},
            },
            "additionalProperties": True,
        }
    },
}


def record(properties: Mapping[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON Schema of a response object: these properties, all present but the `optional` ones."""
    required = [name for name in properties if name not in optional]
    return {"type": "object", "required": required, "properties": dict(properties)}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    ok: int = 200
    body: Mapping[str, Field] | None = None  # a JSON object body checked with check_fields(body, …)
    partial: bool = False  # the body is a PATCH: every field optional
    # Where the handler checks the body with more than check_fields (blocks, merged objects): its
    # JSON Schema, composed from the same specs.
    body_schema: dict[str, Any] | None = None
    raw_body: str | None = None  # instead of JSON: the media type of a body taken as bytes
    query: Mapping[str, Field] | None = None
    response: dict[str, Any] | None = None  # the JSON Schema of the success body
    content: str = "application/json"  # the success body's media type
    also: Mapping[int, str] = field(default_factory=dict)  # other success statuses and what they mean
    errors: tuple[int, ...] = ()  # the error statuses worth naming (any other answers the Error shape too)
    security: tuple[str, ...] = ()  # names of components.securitySchemes, any one of which is enough
    if_match: bool = False  # a versioned write: If-Match (the ETag it is based on) is required, 428 without

    def described(self) -> dict[str, Any]:
        op: dict[str, Any] = {"summary": self.summary, "responses": {}}
        ok: dict[str, Any] = {"description": "Success"}
        if self.content == "application/json":
            ok["content"] = {self.content: {"schema": self.response or {}}}
        elif self.content:
            ok["content"] = {self.content: {"schema": {"type": "string"}}}
        op["responses"][str(self.ok)] = ok
        for status, meaning in self.also.items():
            op["responses"][str(status)] = {"description": meaning}
        validated = self.body is not None or self.body_schema is not None or self.query
        errors = set(self.errors) | ({400} if validated else set()) | ({412, 428} if self.if_match else set())
        for status in sorted(errors):
            op["responses"][str(status)] = ERROR
        op["responses"]["default"] = ERROR
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
            for name in _PARAM.findall(self.path)
        ]
        parameters += query_parameters(self.query or {})
        if self.if_match:
            parameters.append(
                {
                    "name": "If-Match",
                    "in": "header",
                    "required": True,
                    "description": "The ETag of the version this change is based on (`*`: whatever is there)",
                    "schema": {"type": "string", "minLength": 1},
                }
            )
        if parameters:
            op["parameters"] = parameters
        if self.body is not None or self.body_schema is not None:
            schema = self.body_schema or object_schema(self.body or {}, partial=self.partial)
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
        elif self.raw_body:
            binary = {"type": "string", "format": "binary"}
            op["requestBody"] = {"required": True, "content": {self.raw_body: {"schema": binary}}}
        if self.security:
            op["security"] = [{name: []} for name in self.security]
        return op


def paths(operations: Iterable[Operation]) -> dict[str, dict[str, Any]]:
    """OpenAPI's `paths` object for the operations."""
    described: dict[str, dict[str, Any]] = {}
    for op in operations:
        described.setdefault(_PARAM.sub(r"{\1}", op.path), {})[op.method.lower()] = op.described()
    return described


def describe(router: Router, operations: tuple[Operation, ...]) -> None:
    """Registers `GET /internal/openapi`: the worker's public operations, for core to serve."""

    async def answer(c: Call) -> Response:
        return json_response({"paths": paths(operations)})

    router.add("GET", DESCRIBE_PATH, answer)
