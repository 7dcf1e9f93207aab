"""The OpenAPI document stays in step with every router and the gateway's route table, and is made
from the specs the handlers validate with."""

from typing import Any

import jsonschema_rs

from core import accounts, gateway, openapi
from core.app import Ports, own_routes
from customer import sites
from devstack.stack import Stack
from shared import openapi as shared_openapi
from shared.http import Request, Response
from shared.schema import object_schema
from tests.conftest import get
from tests.core.conftest import Browser

DEV_ONLY = {"/dev/outbox", "/dev/outbox.json", "/dev/outbox/{rest*}"}
METHODS = ("get", "post", "put", "patch", "delete")


def operations(doc: dict[str, Any], worker: str | None = None) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS and op.get("x-smartpages-worker") == worker
    }


async def served(stack: Stack) -> dict[str, Any]:
    response = await stack.core.handle(get("/api/v1/openapi.json"))
    assert response.status == 200, response.body
    document: dict[str, Any] = response.json()
    return document


def public_routes(stack: Stack, worker: str) -> set[tuple[str, str]]:
    router = getattr(stack, worker).dispatch.router  # the InternalGuard's router
    return {(r.method, r.pattern) for r in router.routes if r.pattern.startswith("/api/")}


async def test_every_core_route_is_documented_and_nothing_else(stack: Stack) -> None:
    ports = Ports(
        **{name: object() for name in ("db", "customer", "billing", "mailer", "domain", "clock", "crypto", "http")}
    )  # type: ignore[arg-type]
    routes = own_routes(
        stack.settings["core"], ports, gateway.Gateway({}, ports.db, ports.clock, ports.crypto, "")
    ).routes
    assert operations(await served(stack)) == {(r.method, r.pattern) for r in routes if r.pattern not in DEV_ONLY}


async def test_every_public_route_of_every_internal_worker_is_documented_and_nothing_else(stack: Stack) -> None:
    doc = await served(stack)
    for worker in ("customer", "billing", "mailer"):
        assert operations(doc, worker) == public_routes(stack, worker), worker
    # and every forwarded operation is one the gateway sends to that worker
    for path, item in doc["paths"].items():
        for op in item.values():
            if "x-smartpages-worker" in op:
                route = gateway.find(path)
                assert route is not None
                assert route.worker == op["x-smartpages-worker"]


async def test_every_gateway_route_has_its_operations(stack: Stack) -> None:
    doc = await served(stack)
    for route in gateway.ROUTES:
        assert any(route.matches(path) for path in doc["paths"]), route.prefix


async def test_request_schemas_are_the_validators_specs(stack: Stack) -> None:
    paths = (await served(stack))["paths"]

    def body(path: str, method: str) -> dict[str, Any]:
        schema: dict[str, Any] = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        return schema

    assert body("/api/v1/auth/signup", "post") == object_schema(accounts.SIGNUP)
    assert body("/api/v1/sites", "post") == object_schema(sites.NEW_SITE_FIELDS)
    kinds = {
        b["properties"]["type"]["const"]
        for b in body("/api/v1/sites/{site_id}/pages", "post")["properties"]["blocks"]["items"]["oneOf"]
    }
    assert "lead_form" in kinds


async def test_gateway_adds_session_paywall_and_csrf(stack: Stack) -> None:
    paths = (await served(stack))["paths"]
    add_domain, list_domains = paths["/api/v1/domains"]["post"], paths["/api/v1/domains"]["get"]
    assert add_domain["security"] == [{"session": []}]
    assert {"401", "402", "403"} <= set(add_domain["responses"])
    assert add_domain["x-smartpages-entitlement"] == "custom_domains"
    assert "402" not in list_domains["responses"]  # GET stays open after a downgrade
    stripe = paths["/api/v1/webhooks/stripe"]["post"]
    assert stripe["security"] == [{"stripe_signature": []}]
    assert "401" not in stripe["responses"]


async def test_forwarded_updates_say_they_are_partial(stack: Stack) -> None:
    paths = (await served(stack))["paths"]
    patch = paths["/api/v1/sites/{site_id}"]["patch"]
    assert patch["x-smartpages-worker"] == "customer"
    assert "merged field by field" in patch["summary"]
    assert set(paths["/api/v1/sites/{site_id}/publish"]["post"]["responses"]) >= {"200", "201"}


async def test_a_validation_error_has_the_documented_shape_with_the_field(stack: Stack) -> None:
    doc = await served(stack)
    response = await Browser(stack).post("/api/v1/auth/signup", {"email": "nope", "password": "x" * 12})
    assert response.status == 400
    jsonschema_rs.validate(doc["components"]["schemas"]["Error"], response.json())
    assert response.json()["error"]["field"] == "email"


async def test_error_codes_and_field_reasons_are_documented_for_clients_to_word(stack: Stack) -> None:
    error = (await served(stack))["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
    too_long = await Browser(stack).post("/api/v1/auth/signup", {"email": "a" * 300 + "@x.test", "password": "x"})
    got = too_long.json()["error"]
    assert (got["code"], got["reason"], got["max_length"]) == ("invalid_field", "too_long", 254)
    assert got["code"] in error["code"]["examples"]
    assert "`invalid_field`: " in error["code"]["description"]
    assert got["reason"] in error["reason"]["enum"]
    assert "`too_long`: " in error["reason"]["description"]


async def test_the_document_is_an_error_when_a_worker_cannot_describe_itself(stack: Stack) -> None:
    original = stack.billing.dispatch

    async def broken(request: Request) -> Response:
        if request.path == shared_openapi.DESCRIBE_PATH:
            return Response(500)
        return await original(request)

    stack.billing.dispatch = broken  # type: ignore[method-assign]
    response = await stack.core.handle(get("/api/v1/openapi.json"))
    assert response.status == 503
    assert response.json()["error"]["code"] == "openapi_unavailable"


def test_security_schemes_cover_every_operation_security() -> None:
    schemes = set(openapi.SECURITY_SCHEMES)
    for op in openapi.OWN:
        assert set(op.security) <= schemes
