"""schemathesis over every operation of /api/v1/openapi.json, signed in as a fresh account with a
site, on two runtimes: the CPython stack served by uvicorn (tests/served.py) and the
runtime lane (Pyodide, the deploy bundles; Stripe's stand-in beside it), so a crash only Pyodide has
(a wasm stack overflow, say) is found here too.

Bounded: MAX_EXAMPLES generated cases per operation and mode (schema-valid and schema-breaking),
derandomized so a run is repeatable. A case fails on any 5xx (Stripe's stand-in answers, so a
502/503 is a fault too), a status, content type or body the document does not declare (every error
must be the Error shape), or schema-breaking input that is not refused with a 4xx."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests import loopback
from tests.core.conftest import PASSWORD
from tests.lane.client import signed_in
from tests.lane.harness import Lane
from tests.served import cpython_stack

MAX_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EMAIL = "schemathesis@example.com"


@dataclass
class Served:
    url: str
    origin: str  # the portal origin core's CSRF check compares
    site_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def browser(self) -> dict[str, str]:
        return {"origin": self.origin, "sec-fetch-site": "same-origin"}

    def prepare(self) -> None:
        """A live session and a site (an earlier case may have logged out, ended the other sessions
        or deleted the site). The session is kept while it still works: a login per operation cost a
        password derivation each, about 250 a run."""
        with httpx.Client(base_url=self.url, verify=loopback.TLS, headers=self.browser, timeout=30) as client:
            path = f"/api/v1/sites/{self.site_id or 'none'}"
            site = client.get(path, headers=self.headers)
            if site.status_code == 401:
                login = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
                assert login.status_code == 200, login.text
                self.headers = {**self.browser, "cookie": f"__Host-session={login.cookies['__Host-session']}"}
                site = client.get(path, headers=self.headers)
            if site.status_code == 404:
                created = client.post("/api/v1/sites", json={"name": "Contract bakery"}, headers=self.headers)
                assert created.status_code == 201, created.text
                self.site_id = created.json()["id"]
            else:
                assert site.status_code == 200, site.text


@pytest.fixture(scope="module", params=["cpython", pytest.param("lane", marks=pytest.mark.lane)])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if request.param == "lane":
        yield on_the_lane(request.getfixturevalue("lane"))
    else:
        yield from on_cpython(tmp_path_factory)


def on_the_lane(lane: Lane) -> Served:
    """The session's lane: the account signs up and verifies through the dev outbox."""
    signed_in(lane, EMAIL)
    return Served(lane.core, lane.core)


def on_cpython(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The CPython stack behind uvicorn (tests/served.py): the account signs up and verifies through the
    dev outbox, as on the lane."""
    with cpython_stack(tmp_path_factory.mktemp("state")) as stack:
        signed_in(stack, EMAIL)
        yield Served(stack.core, stack.core)


@pytest.fixture(scope="module")
def api(served: Served) -> schemathesis.BaseSchema:
    # The session cookie is always sent (see Served.sign_in): no cases that drop it.
    # Any 4xx refuses schema-breaking input: the gateway may answer 402 (paywall) before the body is read.
    config = schemathesis.Config.from_dict(
        {
            "generation": {"with-security-parameters": False},
            "checks": {"negative_data_rejection": {"expected-statuses": ["4xx"]}},
        }
    )
    return schemathesis.openapi.from_url(f"{served.url}/api/v1/openapi.json", config=config)


def operations(schema: schemathesis.BaseSchema) -> list[schemathesis.APIOperation]:
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_lists_every_operation(api: schemathesis.BaseSchema) -> None:
    assert len(operations(api)) >= 60


@dataclass
class Tally:
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    unbreakable: list[str] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)


def exercise(served: Served, operation: schemathesis.APIOperation, mode: Any, tally: Tally) -> None:
    checks = [*CHECKS, negative_data_rejection] if mode == schemathesis.GenerationMode.NEGATIVE else CHECKS

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        if case.path_parameters and "site_id" in case.path_parameters:
            case.path_parameters["site_id"] = served.site_id  # reach past the 404 into the handlers
        response = case.call(base_url=served.url, headers=served.headers, timeout=60)
        tally.examples += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=checks)

    try:
        run()
    except Unsatisfiable:  # no input breaks this operation's schema (e.g. one optional free-text parameter)
        tally.unbreakable.append(operation.label)


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_every_operation_answers_as_documented(
    served: Served, api: schemathesis.BaseSchema, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tally = Tally()
    started = time.monotonic()
    generation = schemathesis.GenerationMode(mode)
    for operation in operations(api):
        if generation == schemathesis.GenerationMode.NEGATIVE and not _can_break(operation):
            continue
        served.prepare()
        begun = time.monotonic()
        exercise(served, operation, generation, tally)
        tally.slowest.append((time.monotonic() - begun, operation.label))
    with capsys.disabled():
        print(f"\nschemathesis {mode}: {tally.examples} cases in {time.monotonic() - started:.1f} s, {tally.statuses}")
        print("slowest:", sorted(tally.slowest, reverse=True)[:5])
        if tally.unbreakable:
            print(f"no schema-breaking input for: {', '.join(tally.unbreakable)}")
    assert tally.examples > 0


def _can_break(operation: schemathesis.APIOperation) -> bool:
    """Schema-breaking input exists where there is a JSON object body or a query string (a path
    parameter is any non-empty string; raw bodies, webhooks' included, are any bytes)."""
    definition = operation.definition.raw
    body = definition.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    query = any(p["in"] == "query" for p in definition.get("parameters", []))
    return (bool(body) and body.get("format") != "binary") or query


DEEP = b"[" * 5000 + b"]" * 5000  # 10 KB: unguarded, it overflowed Pyodide's stack


def test_every_json_body_refuses_deep_nesting_before_parsing(served: Served, api: schemathesis.BaseSchema) -> None:
    """Each operation that takes a JSON body, sent the body that crashed the runtime: a 4xx in the
    Error shape, and the server still answers."""
    served.prepare()
    tried = 0
    for operation in operations(api):
        content = operation.definition.raw.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        path = re.sub(r"\{([a-z_]+)\}", lambda m: served.site_id if m[1] == "site_id" else "x", operation.path)
        headers = {**served.headers, "content-type": "application/json"}
        reply = loopback.request(operation.method.upper(), served.url + path, content=DEEP, headers=headers, timeout=60)
        assert 400 <= reply.status_code < 500, f"{operation.label}: {reply.status_code} {reply.text[:200]}"
        assert set(reply.json()["error"]) >= {"code", "message", "request_id"}, operation.label
        tried += 1
    assert tried >= 20
    assert loopback.get(f"{served.url}/api/v1/health", timeout=30).status_code == 200
