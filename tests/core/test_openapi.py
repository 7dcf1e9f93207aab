"""The OpenAPI document stays in step with core's router and the gateway's route table."""

from core import gateway, openapi
from core.app import Ports, own_routes
from devstack.stack import Stack
from tests.conftest import get

DEV_ONLY = {"/dev/outbox", "/dev/outbox.json", "/dev/outbox/{rest*}"}


def documented_operations() -> set[tuple[str, str]]:
    doc = openapi.document()
    return {
        (method.upper(), path)
        for path, ops in doc["paths"].items()
        if not ops.get("x-smartpages-prefix")
        for method in ops
        if method in ("get", "post", "put", "patch", "delete") and "x-smartpages-worker" not in ops[method]
    }


def routed_operations(stack: Stack) -> set[tuple[str, str]]:
    ports = Ports(*(object() for _ in range(8)))  # type: ignore[arg-type]
    gw = gateway.Gateway({}, ports.db, ports.clock, ports.crypto, "")
    routes = own_routes(stack.settings["core"], ports, gw).routes
    return {(r.method, r.pattern) for r in routes if r.pattern not in DEV_ONLY}


async def test_every_core_route_is_documented_and_nothing_else(stack: Stack) -> None:
    assert documented_operations() == routed_operations(stack)


def test_every_gateway_prefix_is_documented_with_its_worker() -> None:
    paths = openapi.document()["paths"]
    for route in gateway.ROUTES:
        assert paths[route.prefix]["get"]["x-smartpages-worker"] == route.worker
        assert ("401" in paths[route.prefix]["get"]["responses"]) == route.session


async def test_served_document_is_openapi_3_1(stack: Stack) -> None:
    response = await stack.core.handle(get("/api/v1/openapi.json"))
    assert response.status == 200
    assert response.json()["openapi"] == "3.1.0"


def test_forwarded_operations_say_which_worker_and_that_updates_are_partial() -> None:
    paths = openapi.document()["paths"]
    patch = paths["/api/v1/sites/{site_id}"]["patch"]
    assert patch["x-smartpages-worker"] == "customer"
    assert "merged field by field" in patch["summary"]
    assert set(paths["/api/v1/sites/{site_id}/publish"]["post"]["responses"]) >= {"200", "201"}
