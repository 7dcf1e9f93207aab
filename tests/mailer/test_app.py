from devstack.stack import Stack
from shared.http import Request
from tests.conftest import error_code, get, signed


async def test_wrong_method_is_405_with_allow(stack: Stack, crypto, clock) -> None:
    headers = await signed(crypto, clock, "GET", "/internal/send")
    response = await stack.mailer.handle(Request("GET", "/internal/send", headers=headers))
    assert (response.status, response.header("allow")) == (405, "POST")


async def test_health_checks_every_table_the_migrations_make(stack: Stack, crypto, clock) -> None:
    response = await stack.mailer.handle(
        get("/internal/health", await signed(crypto, clock, "GET", "/internal/health"))
    )
    assert response.json() == {"worker": "mailer", "status": "ok", "stores": {"d1": "ok"}}


async def test_every_route_needs_cores_signature(stack: Stack) -> None:
    for method, path in [
        ("POST", "/internal/send"),
        ("POST", "/api/v1/webhooks/resend"),
        ("GET", "/internal/outbox"),
        ("GET", "/internal/outbox.json"),
        ("GET", "/internal/outbox/em_1"),
    ]:
        response = await stack.mailer.handle(Request(method, path, body=b"{}"))
        assert (response.status, error_code(response)) == (403, "internal_auth_failed"), path


async def test_the_local_stack_runs_mailer_in_outbox_mode(stack: Stack, crypto, clock) -> None:
    body = (
        b'{"template":"welcome","to":"ada@example.com","data":{"portal":"http://127.0.0.1:8787/"},'
        b'"idempotency_key":"welcome/acct_1"}'
    )
    headers = await signed(crypto, clock, "POST", "/internal/send", body=body)
    request = Request("POST", "/internal/send", headers={**headers, "content-type": "application/json"}, body=body)
    response = await stack.mailer.handle(request)
    assert (response.status, response.json()["status"]) == (202, "outbox")
