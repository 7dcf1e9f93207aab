"""The CRM sync: /internal/crm queues a HubSpot upsert; the CRM_QUEUE consumer makes it against
the stand-in, retries 429/5xx with backoff, gives up through the dead-letter queue, and does
nothing at all while HUBSPOT_TOKEN is unset."""

from __future__ import annotations

import json
from typing import Any

from devstack.hubspot_standin import TOKEN, HubSpotStandin
from devstack.queues import MemoryQueue
from devstack.resend_standin import ResendStandin
from mailer.app import bootstrap_consumer
from mailer.crm import CRM_QUEUE, DEAD_LETTER_QUEUE
from shared.http import Request, Response
from tests.mailer.conftest import Mailer, MakeMailer, retry_delays

ATTRIBUTION = {"plan": "pro", "utm_source": "hubspot", "utm_campaign": "spring", "landing_page": "/pricing"}


class Internet:
    """Mailer's outbound HTTP: HubSpot's host to its stand-in, anything else to Resend's."""

    def __init__(self, hubspot: HubSpotStandin, resend: ResendStandin) -> None:
        self.hubspot, self.resend = hubspot, resend

    async def fetch(self, request: Request) -> Response:
        if request.path.startswith("https://api.hubapi.com/"):
            return await self.hubspot.fetch(request)
        return await self.resend.fetch(request)


def crm_mailer(
    make_mailer: MakeMailer, clock: Any, token: str = TOKEN, **overrides: Any
) -> tuple[Mailer, HubSpotStandin]:
    hubspot = HubSpotStandin(clock=clock)
    probe = make_mailer()
    mailer = make_mailer(http=Internet(hubspot, probe.resend), hubspot_token=token, **overrides)
    return mailer, hubspot


async def tell(mailer: Mailer, **body: Any) -> Response:
    return await mailer.post("/internal/crm", json.dumps(body).encode(), {"content-type": "application/json"})


async def test_sign_up_then_payment_makes_one_customer_contact_with_its_attribution(make_mailer, clock) -> None:
    mailer, hubspot = crm_mailer(make_mailer, clock)
    signed_up = await tell(mailer, event="signed_up", email="ada@example.com", attribution=ATTRIBUTION)
    assert (signed_up.status, json.loads(signed_up.body)) == (202, {"crm": "sent"})
    contact = hubspot.by_email("ada@example.com")
    assert contact is not None
    assert {k: contact["properties"].get(k) for k in ("utm_source", "utm_campaign")} == {
        "utm_source": "hubspot",
        "utm_campaign": "spring",
    }
    assert contact["properties"]["smartpages_entry_plan"] == "pro"
    assert contact["properties"]["smartpages_landing_page"] == "/pricing"
    assert "lifecyclestage" not in contact["properties"]
    assert (await tell(mailer, event="paid", email="ada@example.com")).status == 202
    assert len(hubspot.contacts) == 1
    assert hubspot.by_email("ada@example.com")["properties"]["lifecyclestage"] == "customer"  # type: ignore[index]


async def test_payment_before_the_sign_up_reached_hubspot_still_makes_a_customer(make_mailer, clock) -> None:
    mailer, hubspot = crm_mailer(make_mailer, clock)
    await tell(mailer, event="paid", email="bo@example.com")
    await tell(mailer, event="signed_up", email="bo@example.com", attribution={"utm_source": "ads"})
    (contact,) = hubspot.contacts.values()
    assert (contact["properties"]["lifecyclestage"], contact["properties"]["utm_source"]) == ("customer", "ads")


async def test_off_without_a_token(make_mailer, clock) -> None:
    mailer, hubspot = crm_mailer(make_mailer, clock, token="")
    answer = await tell(mailer, event="signed_up", email="ada@example.com")
    assert (answer.status, json.loads(answer.body)) == (202, {"crm": "off"})
    assert hubspot.calls == []


async def test_a_malformed_request_is_a_clear_400(make_mailer, clock) -> None:
    mailer, hubspot = crm_mailer(make_mailer, clock)
    for body in ({"event": "upgraded", "email": "a@b.co"}, {"event": "paid", "email": "nope"}, {"event": "paid"}):
        answer = await tell(mailer, **body)
        assert answer.status == 400
        assert json.loads(answer.body)["error"]["code"] == "invalid_field"
    bad = await tell(mailer, event="signed_up", email="a@b.co", attribution={"colour": "red"})
    assert "attribution.colour" in json.loads(bad.body)["error"]["message"]
    assert hubspot.calls == []


async def test_queued_rate_limited_and_retried_with_backoff_then_dead_lettered(make_mailer, clock) -> None:
    dlq = MemoryQueue(DEAD_LETTER_QUEUE + "-staging", clock)
    crm = MemoryQueue(CRM_QUEUE + "-staging", clock, max_retries=3, dead_letter=dlq)
    mailer, hubspot = crm_mailer(make_mailer, clock, crm_queue=crm, crm_retry_seconds=60)
    consumer = bootstrap_consumer(mailer.settings, mailer.ports)
    answer = await tell(mailer, event="signed_up", email="ada@example.com", attribution=ATTRIBUTION)
    assert json.loads(answer.body) == {"crm": "queued"}
    assert hubspot.calls == []
    # Two rate-limited answers, then HubSpot takes it.
    hubspot.fail_next(2, 429)
    delays = await retry_delays(crm, consumer, clock)
    assert delays == [60, 120]
    assert hubspot.by_email("ada@example.com") is not None
    # An outage longer than the retries ends on the dead-letter queue, logged, and not retried.
    hubspot.down = True
    await tell(mailer, event="paid", email="ada@example.com")
    while crm.messages:
        await crm.deliver(consumer)
        clock.advance(3600)
    assert len(dlq.messages) == 1
    calls = len(hubspot.calls)
    await dlq.deliver(consumer)
    assert len(hubspot.calls) == calls
    assert dlq.messages == []


async def test_a_refusal_is_not_retried(make_mailer, clock) -> None:
    crm = MemoryQueue(CRM_QUEUE, clock)
    mailer, hubspot = crm_mailer(make_mailer, clock, crm_queue=crm)
    hubspot.properties = frozenset({"email"})  # the account lacks the custom properties: 400
    await tell(mailer, event="signed_up", email="ada@example.com", attribution=ATTRIBUTION)
    await crm.deliver(bootstrap_consumer(mailer.settings, mailer.ports))
    assert crm.messages == []
    assert hubspot.contacts == {}


async def forget(mailer: Mailer, address: str) -> Response:
    body = json.dumps({"address": address}).encode()
    return await mailer.post("/internal/forget", body, {"content-type": "application/json"})


async def test_deleting_the_account_deletes_the_crm_contact(make_mailer, clock) -> None:
    # Before: deletion left the HubSpot contact though no database held the address any more.
    mailer, hubspot = crm_mailer(make_mailer, clock)
    await tell(mailer, event="signed_up", email="ada@example.com", attribution=ATTRIBUTION)
    assert hubspot.by_email("ada@example.com") is not None
    assert (await forget(mailer, "ada@example.com")).status == 204
    assert hubspot.by_email("ada@example.com") is None
    assert hubspot.calls[-1].path.endswith("/crm/v3/objects/contacts/gdpr-delete")
    rows = await mailer.rows("SELECT * FROM crm_forgotten")
    assert len(rows) == 1
    assert "ada" not in json.dumps(rows)  # a hash, never the address


async def test_an_upsert_queued_before_the_deletion_cannot_bring_the_contact_back(make_mailer, clock) -> None:
    crm = MemoryQueue(CRM_QUEUE, clock)
    mailer, hubspot = crm_mailer(make_mailer, clock, crm_queue=crm)
    consumer = bootstrap_consumer(mailer.settings, mailer.ports)
    await tell(mailer, event="signed_up", email="ada@example.com", attribution=ATTRIBUTION)
    await crm.deliver(consumer)
    hubspot.fail_next(1, 503)
    await tell(mailer, event="paid", email="ada@example.com")  # fails once: retried after the deletion
    await crm.deliver(consumer)
    clock.advance(5)
    await forget(mailer, "ada@example.com")
    await retry_delays(crm, consumer, clock)  # the deletion and the retried upsert, in whatever order
    assert hubspot.by_email("ada@example.com") is None
    # Signing up again later is a new contact.
    clock.advance(60)
    await tell(mailer, event="signed_up", email="ada@example.com", attribution=ATTRIBUTION)
    await crm.deliver(consumer)
    assert hubspot.by_email("ada@example.com") is not None


async def test_deleted_is_only_mailers_own_event(make_mailer, clock) -> None:
    mailer, hubspot = crm_mailer(make_mailer, clock)
    refused = await tell(mailer, event="deleted", email="ada@example.com")
    assert (refused.status, json.loads(refused.body)["error"]["field"]) == (400, "event")
    assert hubspot.calls == []
