"""The HubSpot stand-in enforces the CRM v3 contacts contract: auth, shapes, 409 on a duplicate
address, 404, property names, lifecycle options, the rolling rate limit, and it remembers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from devstack.hubspot_standin import CONTACTS, TOKEN, HubSpotStandin, Served
from devstack.persist import Persisted
from shared.http import Request, Response
from tests.conftest import FakeClock

BASE = "https://api.hubapi.com"


def call(method: str, path: str, body: Any = None, query: str = "", token: str | None = TOKEN) -> Request:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return Request(method, BASE + path, query, headers, json.dumps(body).encode() if body is not None else b"")


def problem(response: Response) -> tuple[int, str]:
    data = json.loads(response.body)
    assert set(data) >= {"status", "message", "correlationId", "category"}
    assert data["status"] == "error"
    return response.status, data["category"]


async def test_create_then_a_duplicate_address_is_a_conflict(clock: FakeClock) -> None:
    hubspot = HubSpotStandin(clock=clock)
    created = await hubspot.fetch(call("POST", CONTACTS, {"properties": {"email": "Ada@Example.com"}}))
    assert created.status == 201
    contact = json.loads(created.body)
    assert contact["properties"]["email"] == "ada@example.com"
    assert contact["archived"] is False
    again = await hubspot.fetch(call("POST", CONTACTS, {"properties": {"email": "ada@example.com"}}))
    assert problem(again) == (409, "CONFLICT")
    assert f"Existing ID: {contact['id']}" in json.loads(again.body)["message"]


async def test_update_by_email_and_404_for_an_unknown_one(clock: FakeClock) -> None:
    hubspot = HubSpotStandin(clock=clock)
    path = f"{CONTACTS}/ada@example.com"
    missing = await hubspot.fetch(call("PATCH", path, {"properties": {"utm_source": "x"}}, "idProperty=email"))
    assert problem(missing) == (404, "OBJECT_NOT_FOUND")
    await hubspot.fetch(call("POST", CONTACTS, {"properties": {"email": "ada@example.com"}}))
    body = {"properties": {"utm_source": "hubspot", "lifecyclestage": "customer"}}
    updated = await hubspot.fetch(call("PATCH", path, body, "idProperty=email"))
    assert updated.status == 200
    fetched = json.loads((await hubspot.fetch(call("GET", path, query="idProperty=email"))).body)
    assert fetched["properties"]["utm_source"] == "hubspot"
    assert fetched["properties"]["lifecyclestage"] == "customer"


async def test_auth_property_names_and_options_are_checked(clock: FakeClock) -> None:
    hubspot = HubSpotStandin(clock=clock)
    body = {"properties": {"email": "ada@example.com"}}
    assert problem(await hubspot.fetch(call("POST", CONTACTS, body, token=None))) == (401, "INVALID_AUTHENTICATION")
    assert problem(await hubspot.fetch(call("POST", CONTACTS, body, token="pat-wrong"))) == (
        401,
        "INVALID_AUTHENTICATION",
    )
    unknown = await hubspot.fetch(call("POST", CONTACTS, {"properties": {"email": "a@b.co", "utm_sauce": "x"}}))
    assert problem(unknown) == (400, "VALIDATION_ERROR")
    assert "PROPERTY_DOESNT_EXIST" in json.loads(unknown.body)["message"]
    stage = await hubspot.fetch(call("POST", CONTACTS, {"properties": {"email": "a@b.co", "lifecyclestage": "vip"}}))
    assert problem(stage) == (400, "VALIDATION_ERROR")
    assert "INVALID_OPTION" in json.loads(stage.body)["message"]
    assert problem(await hubspot.fetch(call("POST", CONTACTS, {"email": "a@b.co"}))) == (400, "VALIDATION_ERROR")
    assert hubspot.contacts == {}  # nothing half-written


async def test_the_rolling_rate_limit_answers_429_with_its_headers(clock: FakeClock) -> None:
    hubspot = HubSpotStandin(clock=clock, rate_limit=3)
    path = f"{CONTACTS}/nobody@example.com"
    statuses = [(await hubspot.fetch(call("GET", path, query="idProperty=email"))).status for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    limited = await hubspot.fetch(call("GET", path, query="idProperty=email"))
    assert problem(limited) == (429, "RATE_LIMITS")
    assert limited.header("x-hubspot-ratelimit-max") == "3"
    assert limited.header("x-hubspot-ratelimit-interval-milliseconds") == "10000"
    clock.advance(10)
    assert (await hubspot.fetch(call("GET", path, query="idProperty=email"))).status == 404


async def test_contacts_survive_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    state = tmp_path / "hubspot.json"
    served = Persisted(Served(HubSpotStandin(clock=clock)), state)
    await served.handle(call("POST", CONTACTS, {"properties": {"email": "ada@example.com"}}))
    restarted = Served(HubSpotStandin(clock=clock))
    Persisted(restarted, state)
    assert restarted.standin.by_email("ada@example.com") is not None
