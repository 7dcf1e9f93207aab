"""The stand-in enforces Cloudflare's auth and shapes, so customer cannot drift from the real API."""

from __future__ import annotations

import json

from devstack.cloudflare_standin import API, CloudflareStandin
from shared.http import Request

ZONE = "023e105f4ecef8ad9ca31a8372d0c353"
URL = f"{API}/zones/{ZONE}/custom_hostnames"
AUTH = {"authorization": "Bearer tok", "content-type": "application/json"}


def post(body: object, headers: dict[str, str] | None = None, url: str = URL) -> Request:
    return Request("POST", url, headers=AUTH if headers is None else headers, body=json.dumps(body).encode())


async def test_auth_zone_and_shapes() -> None:
    cf = CloudflareStandin("tok", ZONE)
    body = {"hostname": "shop.example.com", "ssl": {"method": "txt", "type": "dv"}}
    assert (await cf.fetch(post(body, {}))).status == 400
    wrong = await cf.fetch(post(body, {"authorization": "Bearer nope", "content-type": "application/json"}))
    assert (wrong.status, wrong.json()["errors"][0]["code"]) == (403, 10000)
    assert (await cf.fetch(post(body, url=f"{API}/zones/other/custom_hostnames"))).json()["errors"][0]["code"] == 7003
    assert (await cf.fetch(post({**body, "extra": 1}))).status == 400
    assert (
        await cf.fetch(post({"hostname": "shop.example.com", "ssl": {"method": "dns", "type": "dv"}}))
    ).status == 400
    assert (await cf.fetch(post({"hostname": "not a host", "ssl": {"method": "txt", "type": "dv"}}))).json()["errors"][
        0
    ]["code"] == 1407
    created = await cf.fetch(post(body))
    assert created.status == 201
    assert created.json()["success"] is True
    result = created.json()["result"]
    assert (result["status"], result["ssl"]["status"]) == ("pending", "pending_validation")
    assert result["ownership_verification"]["name"] == "_cf-custom-hostname.shop.example.com"
    assert (await cf.fetch(post(body))).json()["errors"][0]["code"] == 1406
    cf.activate("shop.example.com")
    got = await cf.fetch(Request("GET", f"{URL}/{result['id']}", headers=AUTH))
    assert got.json()["result"]["status"] == "active"
    assert (await cf.fetch(Request("DELETE", f"{URL}/{result['id']}", headers=AUTH))).json()["result"] == {
        "id": result["id"]
    }
    missing = await cf.fetch(Request("GET", f"{URL}/{result['id']}", headers=AUTH))
    assert (missing.status, missing.json()["errors"][0]["code"]) == (404, 1436)
