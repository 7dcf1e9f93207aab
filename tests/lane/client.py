"""A browser-like HTTP client for lane tests: keeps the session cookie (httpx's jar would not send a
Secure cookie over plain http) and reads the dev outbox."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx


class PortalClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.cookie = ""

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"origin": self.base, "sec-fetch-site": "same-origin"}
        if self.cookie:
            headers["cookie"] = self.cookie
        reply = httpx.request(method, self.base + path, json=body, headers=headers, timeout=60)
        for value in reply.headers.get_list("set-cookie"):
            pair = value.split(";")[0]
            self.cookie = "" if pair.endswith("=") else pair
        return reply

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.call("POST", path, body if body is not None else {})

    def outbox(self) -> list[dict[str, Any]]:
        reply = httpx.get(f"{self.base}/dev/outbox.json", timeout=60)
        assert reply.status_code == 200, reply.text
        return list(reply.json()["messages"])

    def last_token(self, template: str, to: str) -> str:
        for message in self.outbox():  # newest first
            if message["template"] == template and message["to"] == to:
                return parse_qs(urlsplit(message["links"][0]).query)["token"][0]
        raise AssertionError(f"no {template} mail to {to}")
