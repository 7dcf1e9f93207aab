"""HubSpot's CRM v3 contacts API over the HttpClient port: one contact per address, upserted.

    PATCH /crm/v3/objects/contacts/{email}?idProperty=email   update (404: no such contact)
    POST  /crm/v3/objects/contacts                            create (409: the address exists)
    POST  /crm/v3/objects/contacts/gdpr-delete                delete for good (the account was deleted)

`upsert` tries the update first (the common case once the contact exists), creates on 404, and
updates again if a create lost a race (409). Errors come as `{status, message, correlationId,
category}`. Transient: network errors, 429 (`RATE_LIMITS`; private apps get 100-190 calls per
10 s) and 5xx, which the CRM queue retries with backoff; any other 4xx is a bug of ours (an
unknown property, a bad token) that retrying cannot fix."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

from shared import jsontext
from shared.http import Request, Response
from shared.ports import HttpClient

API_BASE = "https://api.hubapi.com"
CONTACTS = "/crm/v3/objects/contacts"
USER_AGENT = "smartpages-mailer/1.0"
# Attribution keys (shared/attribution.py) as contact properties. The utm_* names and the three
# `smartpages_*` ones are custom contact properties the HubSpot account must define (docs/billing.md).
PROPERTY_NAMES = {"plan": "smartpages_entry_plan", "ref": "smartpages_ref", "landing_page": "smartpages_landing_page"}
CUSTOMER_STAGE = "customer"


class HubSpotError(Exception):
    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def contact_properties(email: str, kept: dict[str, str]) -> dict[str, str]:
    return {"email": email, **{PROPERTY_NAMES.get(key, key): value for key, value in kept.items()}}


def describe(response: Response) -> str:
    """`429 RATE_LIMITS: You have reached your secondly limit. (correlation …)`."""
    try:
        data = jsontext.loads(response.body)
    except ValueError:
        data = None
    if isinstance(data, dict) and "message" in data:
        where = f" (correlation {data['correlationId']})" if data.get("correlationId") else ""
        return f"{response.status} {data.get('category', 'error')}: {data['message']}{where}"[:500]
    return f"{response.status}: {response.body[:200].decode('utf-8', 'replace')}"


@dataclass
class HubSpotClient:
    http: HttpClient
    token: str
    api_base: str = API_BASE

    async def upsert(self, email: str, properties: dict[str, str]) -> str:
        """The contact's id, after its properties are set (created if it did not exist)."""
        updated = await self._call("PATCH", f"{CONTACTS}/{quote(email, safe='@')}", "idProperty=email", properties)
        if updated.status == 404:
            created = await self._call("POST", CONTACTS, "", properties)
            if created.status == 409:  # created meanwhile by another delivery: update it
                updated = await self._call(
                    "PATCH", f"{CONTACTS}/{quote(email, safe='@')}", "idProperty=email", properties
                )
            else:
                updated = created
        self._check(updated)
        return str(jsontext.loads(updated.body).get("id", ""))

    async def gdpr_delete(self, email: str) -> None:
        """Deletes the contact for good (HubSpot's GDPR delete, 204; an unknown address is blocklisted)."""
        self._check(
            await self._call("POST", f"{CONTACTS}/gdpr-delete", "", None, {"idProperty": "email", "objectId": email})
        )

    async def _call(
        self,
        method: str,
        path: str,
        query: str,
        properties: dict[str, str] | None,
        body: dict[str, str] | None = None,
    ) -> Response:
        url = self.api_base.rstrip("/") + path
        request = Request(
            method,
            url,
            query,
            {
                "authorization": f"Bearer {self.token}",
                "content-type": "application/json",
                "user-agent": USER_AGENT,
            },
            json.dumps({"properties": properties} if body is None else body).encode(),
        )
        try:
            return await self.http.fetch(request)
        except Exception as exc:  # network, or the deadline
            raise HubSpotError(f"HubSpot unreachable: {exc}", transient=True) from exc

    @staticmethod
    def _check(response: Response) -> None:
        if response.status < 300:
            return
        transient = response.status == 429 or response.status >= 500
        raise HubSpotError(describe(response), transient)
