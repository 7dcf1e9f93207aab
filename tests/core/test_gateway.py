"""The gateway: route table, session check, signed forwarding."""

from core import gateway, sessions
from devstack.stack import Stack
from shared import internal_auth
from shared.http import Request, Response, json_response
from tests.conftest import SECRET, FakeClock, error_code, get
from tests.core.conftest import ORIGIN

WRITE = {"origin": ORIGIN, "sec-fetch-site": "same-origin", "content-type": "application/json"}

TOKEN = "t" * 43


async def add_session(stack: Stack, clock: FakeClock, crypto, token: str = TOKEN, account: str = "acct_1") -> None:
    db = stack.databases["core"]
    await db.run(
        "INSERT INTO accounts (id, email, created_at) VALUES (?, ?, ?)", (account, f"{account}@x.test", clock.t)
    )
    digest = (await crypto.sha256(token.encode())).hex()
    await db.run(
        "INSERT INTO sessions (id, account_id, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
        (f"sess_{account}", account, digest, clock.t, clock.t),
    )


def test_every_route_targets_an_internal_worker_and_prefixes_do_not_shadow_each_other() -> None:
    assert {r.worker for r in gateway.ROUTES} <= {"customer", "billing", "mailer"}
    for route in gateway.ROUTES:
        assert gateway.find(route.prefix) == route
        assert gateway.find(route.prefix + "/anything") == route
    assert gateway.find("/api/v1/sitesX") is None


async def test_session_route_without_a_session_is_401(stack: Stack) -> None:
    response = await stack.core.handle(get("/api/v1/sites"))
    assert (response.status, error_code(response)) == (401, "unauthenticated")


async def test_session_route_with_an_unknown_token_is_401(stack: Stack) -> None:
    response = await stack.core.handle(get("/api/v1/sites", {"cookie": f"{sessions.COOKIE}=nope"}))
    assert response.status == 401


class Recorder:
    """Stands in for an internal worker's routes: records what core forwarded, answers 200."""

    def __init__(self) -> None:
        self.seen: list[Request] = []

    async def __call__(self, request: Request) -> Response:
        self.seen.append(request)
        return Response(200, [("content-type", "application/json")], b'{"ok":true}')


def record(app) -> Recorder:
    recorder = Recorder()
    app.dispatch = recorder
    return recorder


def on_plan(stack: Stack, plan: str) -> None:
    """Billing answers `plan` for every entitlement lookup (billing's own tests cover billing)."""

    async def entitlements(request: Request) -> Response:
        return json_response({"plan": plan})

    stack.billing.dispatch = entitlements


async def identity_of(crypto, clock, forwarded: Request) -> internal_auth.Identity:
    return await internal_auth.verify(crypto, clock, SECRET, forwarded)


async def test_a_valid_session_is_forwarded_with_a_signed_identity_and_plan(stack: Stack, clock, crypto) -> None:
    await add_session(stack, clock, crypto)
    on_plan(stack, "starter")
    customer = record(stack.customer)
    response = await stack.core.handle(
        get("/api/v1/sites?x=1", {"cookie": f"{sessions.COOKIE}={TOKEN}", "x-smartpages-internal": "forged"})
    )
    assert response.status == 200
    forwarded = customer.seen[0]
    assert "cookie" not in forwarded.headers
    assert forwarded.query == "x=1"
    assert await identity_of(crypto, clock, forwarded) == internal_auth.Identity(
        account_id="acct_1", session_id="sess_acct_1", email="acct_1@x.test", plan="starter"
    )
    assert forwarded.header("x-request-id") == response.header("x-request-id")


async def test_a_revoked_or_idle_session_is_401(stack: Stack, clock: FakeClock, crypto) -> None:
    await add_session(stack, clock, crypto)
    customer = record(stack.customer)
    cookie = {"cookie": f"{sessions.COOKIE}={TOKEN}"}
    clock.advance(sessions.IDLE_SECONDS + 1)
    assert (await stack.core.handle(get("/api/v1/sites", cookie))).status == 401
    clock.advance(-sessions.IDLE_SECONDS - 1)
    await stack.databases["core"].run("UPDATE sessions SET revoked_at = ?", (clock.t,))
    assert (await stack.core.handle(get("/api/v1/sites", cookie))).status == 401
    assert customer.seen == []


async def test_webhook_routes_need_no_session_and_keep_the_body_byte_for_byte(stack: Stack, clock, crypto) -> None:
    billing = record(stack.billing)
    raw = b'{"id": "evt_1",\n  "object":"event"}  '
    response = await stack.core.handle(
        Request("POST", "/api/v1/webhooks/stripe", headers={"stripe-signature": "t=1,v1=x"}, body=raw)
    )
    assert response.status == 200
    assert billing.seen[0].body == raw
    assert billing.seen[0].header("stripe-signature") == "t=1,v1=x"
    assert (await identity_of(crypto, clock, billing.seen[0])).account_id is None


async def test_a_free_plan_is_refused_a_gated_route_with_402_naming_the_plan(stack: Stack, clock, crypto) -> None:
    await add_session(stack, clock, crypto)
    on_plan(stack, "free")
    customer = record(stack.customer)
    headers = {"cookie": f"{sessions.COOKIE}={TOKEN}", **WRITE}
    response = await stack.core.handle(Request("POST", "/api/v1/domains", headers=headers, body=b"{}"))
    assert (response.status, error_code(response)) == (402, "requires_starter_plan")
    assert response.json()["error"]["required_plan"] == "starter"
    assert "Starter" in response.json()["error"]["message"]
    assert customer.seen == []


async def test_a_plan_with_the_entitlement_passes_the_paywall(stack: Stack, clock, crypto) -> None:
    await add_session(stack, clock, crypto)
    on_plan(stack, "pro")
    customer = record(stack.customer)
    response = await stack.core.handle(get("/api/v1/domains", {"cookie": f"{sessions.COOKIE}={TOKEN}"}))
    assert response.status == 200
    assert (await identity_of(crypto, clock, customer.seen[0])).plan == "pro"


async def test_gated_routes_fail_closed_when_billing_cannot_answer(stack: Stack, clock, crypto) -> None:
    await add_session(stack, clock, crypto)

    async def down(request: Request) -> Response:
        raise ConnectionError("billing is down")

    stack.billing.dispatch = down
    customer = record(stack.customer)
    response = await stack.core.handle(get("/api/v1/domains", {"cookie": f"{sessions.COOKIE}={TOKEN}"}))
    assert (response.status, error_code(response)) == (503, "billing_unavailable")
    assert customer.seen == []


async def test_unknown_route_is_a_json_404_with_security_headers(stack: Stack) -> None:
    response = await stack.core.handle(get("/api/v1/nope"))
    assert (response.status, error_code(response)) == (404, "not_found")
    assert response.json()["error"]["request_id"] == response.header("x-request-id")
    csp = response.header("content-security-policy")
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.header("x-content-type-options") == "nosniff"
    assert response.header("strict-transport-security").startswith("max-age=31536000")


async def test_body_over_the_limit_is_413(stack: Stack) -> None:
    response = await stack.core.handle(Request("POST", "/api/v1/webhooks/stripe", body=b"x" * (1024 * 1024 + 1)))
    assert (response.status, error_code(response)) == (413, "body_too_large")


async def test_a_downgraded_owner_can_still_see_and_remove_domains(stack: Stack, clock, crypto) -> None:
    """Every /api/v1/domains call used to answer 402 on Free, so a domain that keeps serving could
    be neither seen nor removed."""
    await add_session(stack, clock, crypto)
    on_plan(stack, "free")
    customer = record(stack.customer)
    headers = {"cookie": f"{sessions.COOKIE}={TOKEN}", **WRITE}
    listed = await stack.core.handle(get("/api/v1/domains", headers))
    removed = await stack.core.handle(Request("DELETE", "/api/v1/domains/www.example.com", headers=headers))
    assert [r.method for r in customer.seen] == ["GET", "DELETE"]
    assert 402 not in (listed.status, removed.status)
    assert (await identity_of(crypto, clock, customer.seen[0])).plan == "free"
