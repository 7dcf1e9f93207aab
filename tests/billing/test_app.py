from devstack.stack import Stack
from shared.http import Request
from tests.conftest import error_code, signed


async def test_billing_routes_are_a_clear_501_until_the_billing_issue(stack: Stack, crypto, clock) -> None:
    headers = await signed(crypto, clock, "POST", "/api/v1/billing/checkout")
    response = await stack.billing.handle(Request("POST", "/api/v1/billing/checkout", headers=headers))
    assert (response.status, error_code(response)) == (501, "billing_not_implemented")
