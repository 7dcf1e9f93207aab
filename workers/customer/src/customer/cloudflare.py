"""Cloudflare for SaaS custom hostnames over the HttpClient port (fetch; no SDK).

    POST   {base}/zones/{zone}/custom_hostnames        {"hostname", "ssl": {"method": "txt", "type": "dv"}}
    GET    {base}/zones/{zone}/custom_hostnames/{id}
    DELETE {base}/zones/{zone}/custom_hostnames/{id}

Every answer is Cloudflare's envelope {"success", "errors": [{"code", "message"}], "messages", "result"}."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared.errors import HttpError
from shared.http import Request
from shared.log import log
from shared.ports import HttpClient


@dataclass(frozen=True)
class CustomHostname:
    id: str
    hostname: str
    status: str  # pending, active, moved, blocked, …
    ssl_status: str  # initializing, pending_validation, pending_issuance, pending_deployment, active, …
    records: list[dict[str, str]]  # TXT records the customer must add (ownership, certificate validation)

    @property
    def active(self) -> bool:
        return self.status == "active" and self.ssl_status == "active"

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> CustomHostname:
        records: list[dict[str, str]] = []
        ownership = result.get("ownership_verification") or {}
        if ownership.get("name") and ownership.get("value"):
            records.append(
                {
                    "type": str(ownership.get("type", "txt")).upper(),
                    "name": str(ownership["name"]),
                    "value": str(ownership["value"]),
                    "purpose": "ownership",
                }
            )
        ssl = result.get("ssl") or {}
        for record in ssl.get("validation_records") or []:
            if record.get("txt_name") and record.get("txt_value"):
                records.append(
                    {
                        "type": "TXT",
                        "name": str(record["txt_name"]),
                        "value": str(record["txt_value"]),
                        "purpose": "certificate",
                    }
                )
        return cls(
            str(result["id"]),
            str(result["hostname"]),
            str(result.get("status", "pending")),
            str(ssl.get("status", "initializing")),
            records,
        )


@dataclass
class CloudflareClient:
    http: HttpClient
    base: str
    token: str
    zone_id: str

    def _url(self, suffix: str = "") -> str:
        return f"{self.base.rstrip('/')}/zones/{self.zone_id}/custom_hostnames{suffix}"

    async def _call(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"authorization": f"Bearer {self.token}", "accept": "application/json"}
        raw = b""
        if body is not None:
            headers["content-type"] = "application/json"
            raw = json.dumps(body).encode()
        try:
            reply = await self.http.fetch(Request(method, url, headers=headers, body=raw))
            envelope = reply.json()
        except Exception as exc:
            log("cloudflare_unreachable", exc, method=method)
            raise HttpError(502, "cloudflare_unavailable", "We could not reach Cloudflare; try again.") from None
        if reply.status == 404 and method != "POST":
            return None
        if not isinstance(envelope, dict) or not envelope.get("success"):
            errors = envelope.get("errors") if isinstance(envelope, dict) else None
            first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
            code = first.get("code")
            if code == 1406:  # Duplicate custom hostname found.
                raise HttpError(409, "domain_taken", "That hostname is already connected to a site.")
            if reply.status == 400 or code in (1400, 1401, 1402, 1403, 1404, 1405, 1407, 1411, 1412, 1413, 1414):
                raise HttpError(
                    400,
                    "invalid_hostname",
                    f"Cloudflare refused the hostname: {first.get('message', 'invalid')}.",
                    details={"field": "hostname"},
                )
            raise HttpError(502, "cloudflare_error", "Cloudflare refused the request; try again later.")
        return envelope.get("result")

    async def create(self, hostname: str) -> CustomHostname:
        result = await self._call("POST", self._url(), {"hostname": hostname, "ssl": {"method": "txt", "type": "dv"}})
        return CustomHostname.from_result(result)

    async def get(self, cf_id: str) -> CustomHostname | None:
        result = await self._call("GET", self._url(f"/{cf_id}"))
        return CustomHostname.from_result(result) if result else None

    async def delete(self, cf_id: str) -> None:
        await self._call("DELETE", self._url(f"/{cf_id}"))
