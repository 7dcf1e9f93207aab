"""Internal workers refuse anything but a signed call from core."""

import pytest

from devstack.stack import Stack
from shared import internal_auth
from tests.conftest import FakeClock, error_code, get, signed

INTERNAL = ["customer", "billing", "mailer"]


@pytest.mark.parametrize("worker", INTERNAL)
async def test_no_header_is_403(stack: Stack, worker: str) -> None:
    response = await getattr(stack, worker).handle(get("/internal/health"))
    assert (response.status, error_code(response)) == (403, "internal_auth_failed")


@pytest.mark.parametrize("worker", INTERNAL)
async def test_expired_header_is_403(stack: Stack, worker: str, crypto, clock: FakeClock) -> None:
    headers = await signed(crypto, clock, "GET", "/internal/health")
    clock.advance(internal_auth.LIFETIME_SECONDS + 1)
    response = await getattr(stack, worker).handle(get("/internal/health", headers))
    assert response.status == 403


@pytest.mark.parametrize("worker", INTERNAL)
async def test_forged_header_is_403(stack: Stack, worker: str, crypto, clock) -> None:
    headers = await signed(crypto, clock, "GET", "/internal/health", secret="an-attackers-guess-at-the-secret-0000")
    response = await getattr(stack, worker).handle(get("/internal/health", headers))
    assert response.status == 403


@pytest.mark.parametrize("worker", INTERNAL)
async def test_valid_header_reaches_health(stack: Stack, worker: str, crypto, clock) -> None:
    response = await getattr(stack, worker).handle(
        get("/internal/health", await signed(crypto, clock, "GET", "/internal/health"))
    )
    assert response.status == 200
    assert response.json()["worker"] == worker
    assert response.json()["status"] == "ok", response.json()


async def test_customers_health_opens_a_site_store(stack: Stack, crypto, clock) -> None:
    headers = await signed(crypto, clock, "GET", "/internal/health")
    response = await stack.customer.handle(get("/internal/health", headers))
    assert response.json()["stores"] == {"d1": "ok", "r2": "ok", "site_stores": "ok"}


async def test_unknown_route_behind_the_guard_is_404_only_for_core(stack: Stack, crypto, clock) -> None:
    anonymous = await stack.customer.handle(get("/nope"))
    assert anonymous.status == 403  # an outsider learns nothing about routes
    response = await stack.customer.handle(get("/nope", await signed(crypto, clock, "GET", "/nope")))
    assert (response.status, error_code(response)) == (404, "not_found")
