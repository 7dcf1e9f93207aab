"""Helpers for the tests that drive the product over HTTP, on the lane or the CPython stack
(tests/served.py): a browser-like HTTP client (it keeps the session cookie, which httpx's jar would
not send over plain http, and reads the dev outbox), and the steps several of those tests share."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from devstack.stack import read_dev_vars
from tests import loopback
from tests.etags import versioned_resource
from tests.lane.harness import Lane
from tests.served import Served

PASSWORD = "correct horse battery staple"


class PortalClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.cookie = ""
        self.device = ""  # __Host-device (issue 23, L2), kept apart from the session cookie

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, if_match: str | None = None
    ) -> httpx.Response:
        """As the portal calls: an editor write names the resource's current ETag unless `if_match`
        is given ("" sends none)."""
        headers = {"origin": self.base, "sec-fetch-site": "same-origin"}
        jar = "; ".join(c for c in (self.cookie, self.device) if c)
        if jar:
            headers["cookie"] = jar
        resource = versioned_resource(method, path)
        if if_match is None and resource is not None:
            if_match = self.call("GET", resource).headers.get("etag", "")
        if if_match:
            headers["if-match"] = if_match
        reply = loopback.request(method, self.base + path, json=body, headers=headers, timeout=60)
        for value in reply.headers.get_list("set-cookie"):
            pair = value.split(";")[0]
            if pair.startswith("__Host-device="):
                self.device = pair
                continue
            self.cookie = "" if pair.endswith("=") else pair
        return reply

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.call("POST", path, body if body is not None else {})

    def outbox(self) -> list[dict[str, Any]]:
        reply = loopback.get(f"{self.base}/dev/outbox.json", timeout=60)
        assert reply.status_code == 200, reply.text
        return list(reply.json()["messages"])

    def last_token(self, template: str, to: str) -> str:
        # Account mail is sent after the answer (waitUntil), so it may land a moment later.
        deadline = time.monotonic() + 10
        while True:
            for message in self.outbox():  # newest first
                if message["template"] == template and message["to"] == to:
                    return parse_qs(urlsplit(message["links"][0]).query)["token"][0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no {template} mail to {to}")
            time.sleep(0.2)


def signed_in(served: Served, email: str) -> PortalClient:
    browser = PortalClient(served.core)
    assert browser.post("/api/v1/auth/signup", {"email": email, "password": PASSWORD}).status_code == 202
    verified = browser.post("/api/v1/auth/verify", {"token": browser.last_token("verify_email", email)})
    assert verified.status_code == 200, verified.text
    # Verifying discards the sign-up password (issue 23, M2): the owner chooses hers.
    assert browser.post("/api/v1/account/password", {"new_password": PASSWORD}).status_code == 200
    return browser


def view(
    served: Served, host: str, path: str = "/", want: bytes | None = None, unwanted: bytes | None = None
) -> httpx.Response:
    """GET through the domain worker; waits out the pointer cache (1 s locally) when told what to expect."""
    deadline = time.monotonic() + 10
    while True:
        reply = loopback.get(f"{served.domain}{path}", headers={"host": host}, timeout=60)
        done = (want is None or want in reply.content) and (unwanted is None or unwanted not in reply.content)
        if done or time.monotonic() > deadline:
            return reply
        time.sleep(0.3)


def signed_delivery(lane: Lane, event: dict, age: int = 0, secret: str | None = None) -> httpx.Response:
    secret = secret or read_dev_vars("billing")["STRIPE_WEBHOOK_SECRET"]
    body = json.dumps(event).encode()
    t = int(time.time()) - age
    v1 = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return loopback.post(
        f"{lane.core}/api/v1/webhooks/stripe",
        content=body,
        timeout=60,
        headers={"stripe-signature": f"t={t},v1={v1}", "content-type": "application/json"},
    )


def may_add_domains(browser: PortalClient) -> bool:
    """The paywall's answer for adding a domain (an empty body: 402 on Free, else 400)."""
    return bool(browser.post("/api/v1/domains", {}).status_code != 402)


def subscribed(served: Served, email: str, plan: str = "starter") -> PortalClient:
    browser = PortalClient(served.core)
    browser.post("/api/v1/auth/signup", {"email": email, "password": PASSWORD})
    assert browser.post("/api/v1/auth/verify", {"token": browser.last_token("verify_email", email)}).status_code == 200
    assert browser.post("/api/v1/account/password", {"new_password": PASSWORD}).status_code == 200
    refused = browser.post("/api/v1/domains", {})
    assert (refused.status_code, refused.json()["error"]["code"]) == (402, "requires_starter_plan")

    checkout = browser.post("/api/v1/billing/checkout", {"plan": plan})
    assert checkout.status_code == 200, checkout.text
    page = loopback.get(checkout.json()["url"], timeout=30)
    action = re.search(r'action="([^"]+/pay)"', page.text)
    assert action is not None
    paid = loopback.post(served.stripe + action.group(1), timeout=60)  # the Pay button
    assert paid.status_code in (200, 303)
    deadline = time.monotonic() + 30
    while not may_add_domains(browser):
        assert time.monotonic() < deadline, "the entitlement never became active"
        time.sleep(0.3)
    return browser
