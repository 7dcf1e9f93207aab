from devstack.stack import Stack
from shared import internal_auth
from shared.http import Request
from tests.billing.conftest import billing_call, entitlement
from tests.conftest import error_code, signed


async def test_an_account_without_a_subscription_is_on_free(stack: Stack, crypto, clock) -> None:
    state = await entitlement(stack, crypto, clock, "acc_nobody")
    assert state["plan"] == "free"
    assert state["status"] == "none"
    assert state["grace_until"] is None
    assert state["entitlements"]["custom_domains"] == 0


async def test_entitlements_are_only_told_about_the_vouched_account(stack: Stack, crypto, clock) -> None:
    path = "/internal/entitlements/acc_victim"
    headers = await signed(crypto, clock, "GET", path, internal_auth.Identity(account_id="acc_attacker"))
    response = await stack.billing.handle(Request("GET", path, headers=headers))
    assert (response.status, error_code(response)) == (403, "forbidden")
    anonymous = await signed(crypto, clock, "GET", path)
    assert (await stack.billing.handle(Request("GET", path, headers=anonymous))).status == 403


async def test_billing_refuses_unsigned_calls(stack: Stack) -> None:
    response = await stack.billing.handle(Request("GET", "/internal/entitlements/acc_1"))
    assert (response.status, error_code(response)) == (403, "internal_auth_failed")


async def test_subscription_lists_the_state_and_the_plans(stack: Stack, crypto, clock) -> None:
    response = await billing_call(stack, crypto, clock, "GET", "/api/v1/billing/subscription")
    assert response.status == 200
    body = response.json()
    assert body["plan"] == "free"
    assert [plan["id"] for plan in body["plans"]] == ["free", "starter", "pro"]


async def test_public_routes_need_an_account(stack: Stack, crypto, clock) -> None:
    path = "/api/v1/billing/subscription"
    headers = await signed(crypto, clock, "GET", path)
    response = await stack.billing.handle(Request("GET", path, headers=headers))
    assert (response.status, error_code(response)) == (401, "session_required")


async def test_health_reports_the_tables(stack: Stack, crypto, clock) -> None:
    headers = await signed(crypto, clock, "GET", "/internal/health")
    response = await stack.billing.handle(Request("GET", "/internal/health", headers=headers))
    assert response.status == 200, response.body
