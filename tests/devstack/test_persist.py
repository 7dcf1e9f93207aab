"""Stand-ins that remember: what a served stand-in knew before a restart, it knows after."""

from __future__ import annotations

from pathlib import Path

from devstack.cloudflare_standin import API_PATH, CloudflareStandin
from devstack.persist import Persisted
from devstack.stripe import API_KEY, StripeStandin
from shared.http import Request

TOKEN, ZONE = "t0k3n", "023e105f4ecef8ad9ca31a8372d0c353"


def stripe_call(method: str, path: str, body: bytes = b"", key: str = "") -> Request:
    headers = {"authorization": f"Bearer {API_KEY}", "stripe-version": "2025-03-31.basil"}
    if method == "POST":
        headers |= {"content-type": "application/x-www-form-urlencoded", "idempotency-key": key}
    return Request(method, path, "", headers, body)


async def test_the_stripe_stand_in_remembers_its_customers_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "stripe.json"
    first = Persisted(StripeStandin(auto_deliver=False), state)
    created = await first.handle(stripe_call("POST", "/v1/customers", b"email=ada%40example.com", "k1"))
    customer = created.json()["id"]
    again = Persisted(StripeStandin(auto_deliver=False), state)  # a restart
    found = await again.handle(stripe_call("GET", f"/v1/customers/{customer}"))
    assert (found.status, found.json()["email"]) == (200, "ada@example.com")


async def test_the_cloudflare_stand_in_remembers_its_hostnames_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "cloudflare.json"
    base = f"http://cf.test{API_PATH}"
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    first = Persisted(CloudflareStandin(TOKEN, ZONE, base=base), state)
    path = f"{API_PATH}/zones/{ZONE}/custom_hostnames"
    body = b'{"hostname": "www.rosa.com", "ssl": {"method": "http", "type": "dv"}}'
    made = await first.handle(Request("POST", path, "", headers, body))
    assert made.status == 201, made.body
    again = Persisted(CloudflareStandin(TOKEN, ZONE, base=base), state)
    listed = await again.handle(Request("GET", path, "", headers))
    assert [h["hostname"] for h in listed.json()["result"]] == ["www.rosa.com"]
