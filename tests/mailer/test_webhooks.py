"""Resend's Svix-signed webhooks: verification, de-duplication, delivery status and suppressions."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from devstack.adapters import HashlibCrypto
from mailer import svix
from tests.conftest import FakeClock, error_code
from tests.mailer.conftest import WEBHOOK_SECRET, Mailer, MakeMailer


def event(kind: str, email_id: str = "re-1", to: str = "ada@example.com", **data: Any) -> dict[str, Any]:
    payload = {"email_id": email_id, "created_at": "2027-01-15T08:00:00Z", "from": "x", "to": [to], "subject": "s"}
    return {"type": kind, "created_at": "2027-01-15T08:00:01Z", "data": {**payload, **data}}


async def sent(mailer: Mailer) -> tuple[str, str]:
    """Sends one message; returns (our id, Resend's id)."""
    ours = (await mailer.send()).json()["id"]
    return ours, mailer.resend.emails[-1]["id"]


async def status_of(mailer: Mailer, email_id: str) -> str:
    return str((await mailer.email(email_id))["status"])


async def suppressions(mailer: Mailer) -> list[dict[str, Any]]:
    return await mailer.rows("SELECT address, reason FROM suppressions")


async def test_delivered_updates_the_status(mailer: Mailer) -> None:
    ours, theirs = await sent(mailer)
    response = await mailer.webhook(event("email.delivered", theirs))
    assert (response.status, response.json()) == (200, {"status": "processed", "type": "email.delivered"})
    assert await status_of(mailer, ours) == "delivered"


async def test_a_bounce_suppresses_the_address_and_later_sends_are_not_made(mailer: Mailer) -> None:
    ours, theirs = await sent(mailer)
    bounce = {"type": "Permanent", "subType": "General", "message": "no such user", "diagnosticCode": []}
    assert (await mailer.webhook(event("email.bounced", theirs, bounce=bounce))).status == 200
    assert await status_of(mailer, ours) == "bounced"
    assert await suppressions(mailer) == [{"address": "ada@example.com", "reason": "bounced: Permanent/General"}]

    later = (await mailer.send(idempotency_key="password-reset/tok_9", template="password_reset")).json()
    assert later["status"] == "suppressed"
    assert len(mailer.resend.calls) == 1


def soft(sub_type: str = "MailboxFull") -> dict[str, Any]:
    return {"type": "Transient", "subType": sub_type, "message": "mailbox full", "diagnosticCode": []}


async def test_a_soft_bounce_does_not_suppress_and_the_next_mail_is_sent(mailer: Mailer) -> None:
    # Before: one Transient/MailboxFull suppressed the address forever (a later reset never sent).
    ours, theirs = await sent(mailer)
    assert (await mailer.webhook(event("email.bounced", theirs, bounce=soft()))).status == 200
    assert (await mailer.email(ours))["status"] == "soft_bounced"
    assert (await mailer.email(ours))["error"] == "soft bounce: Transient/MailboxFull"
    assert await suppressions(mailer) == []
    later = (await mailer.send(idempotency_key="password-reset/tok_9", template="password_reset")).json()
    assert later["status"] == "sent"
    assert len(mailer.resend.calls) == 2


async def test_repeated_soft_bounces_suppress_for_a_day_and_a_delivery_lifts_it(mailer: Mailer) -> None:
    for n in range(3):
        await mailer.send(idempotency_key=f"verify-email/tok_{n}")
        theirs = mailer.resend.emails[-1]["id"]
        await mailer.webhook(event("email.bounced", theirs, bounce=soft()), f"msg_{n}")
        mailer.clock.advance(3600)
    assert await suppressions(mailer) == [
        {"address": "ada@example.com", "reason": "soft bounces: Transient/MailboxFull"}
    ]
    held = (await mailer.send(idempotency_key="verify-email/tok_held")).json()
    assert held["status"] == "suppressed"
    mailer.clock.advance(24 * 3600)  # the suppression expires
    again = (await mailer.send(idempotency_key="password-reset/tok_after", template="password_reset")).json()
    assert again["status"] == "sent"
    await mailer.webhook(event("email.delivered", mailer.resend.emails[-1]["id"]), "msg_delivered")
    assert await suppressions(mailer) == []  # the mailbox takes mail again


async def test_a_hard_bounce_after_soft_ones_suppresses_for_good(mailer: Mailer) -> None:
    for n in range(3):
        await mailer.send(idempotency_key=f"verify-email/tok_{n}")
        await mailer.webhook(event("email.bounced", mailer.resend.emails[-1]["id"], bounce=soft()), f"msg_{n}")
    hard = {"type": "Permanent", "subType": "NoEmail", "message": "gone", "diagnosticCode": []}
    await mailer.send(idempotency_key="verify-email/tok_hard")
    await mailer.webhook(event("email.bounced", mailer.resend.emails[-1]["id"], bounce=hard), "msg_hard")
    mailer.clock.advance(30 * 24 * 3600)
    assert (await mailer.send(idempotency_key="verify-email/tok_late")).json()["status"] == "suppressed"
    assert await mailer.rows("SELECT reason, expires_at FROM suppressions") == [
        {"reason": "bounced: Permanent/NoEmail", "expires_at": None}
    ]


async def test_email_failed_is_recorded_with_resends_reason(mailer: Mailer) -> None:
    # Before: email.failed was ignored and the message stayed `sent`.
    ours, theirs = await sent(mailer)
    reply = await mailer.webhook(event("email.failed", theirs, failed={"reason": "reached_daily_quota"}))
    assert reply.json() == {"status": "processed", "type": "email.failed"}
    row = await mailer.email(ours)
    assert (row["status"], row["error"]) == ("failed", "Resend could not send it: reached_daily_quota")
    await mailer.webhook(event("email.delivered", theirs), "msg_late")
    assert await status_of(mailer, ours) == "failed"  # a late event never hides the failure


async def test_a_complaint_suppresses_the_address(mailer: Mailer) -> None:
    ours, theirs = await sent(mailer)
    await mailer.webhook(event("email.delivered", theirs), "msg_a")
    await mailer.webhook(event("email.complained", theirs), "msg_b")
    assert await status_of(mailer, ours) == "complained"
    assert await suppressions(mailer) == [{"address": "ada@example.com", "reason": "complained"}]


async def test_the_message_is_found_by_our_tag_when_resends_id_was_never_recorded(mailer: Mailer) -> None:
    mailer.resend.fail_next(3, 502)
    ours = (await mailer.send()).json()["id"]
    assert await status_of(mailer, ours) == "queued"
    await mailer.webhook(event("email.delivered", "re-unknown", tags={"email_id": ours}))
    row = await mailer.email(ours)
    assert (row["status"], row["provider_id"]) == ("delivered", "re-unknown")


async def test_a_late_delivered_never_hides_a_bounce(mailer: Mailer) -> None:
    ours, theirs = await sent(mailer)
    await mailer.webhook(event("email.bounced", theirs), "msg_a")
    await mailer.webhook(event("email.delivered", theirs), "msg_b")
    assert await status_of(mailer, ours) == "bounced"


async def test_a_duplicate_svix_id_is_processed_once(mailer: Mailer) -> None:
    ours, theirs = await sent(mailer)
    first = await mailer.webhook(event("email.delivered", theirs), "msg_same")
    # A second delivery under the same svix-id, even with other content, changes nothing.
    again = await mailer.webhook(event("email.bounced", theirs), "msg_same")
    assert first.json()["status"] == "processed"
    assert (again.status, again.json()["status"]) == (200, "duplicate")
    assert await status_of(mailer, ours) == "delivered"
    assert await suppressions(mailer) == []
    assert len(await mailer.rows("SELECT * FROM webhook_events")) == 1


async def test_other_event_types_are_acknowledged_and_ignored(mailer: Mailer) -> None:
    ours, theirs = await sent(mailer)
    response = await mailer.webhook(event("email.opened", theirs))
    assert (response.status, response.json()) == (200, {"status": "ignored", "type": "email.opened"})
    assert await status_of(mailer, ours) == "sent"


async def no_side_effects(mailer: Mailer, ours: str) -> None:
    assert await status_of(mailer, ours) == "sent"
    assert await suppressions(mailer) == []
    assert await mailer.rows("SELECT * FROM webhook_events") == []


async def test_a_bad_signature_is_400_with_no_side_effect(mailer: Mailer) -> None:
    ours, theirs = await sent(mailer)
    wrong = "whsec_" + base64.b64encode(b"some-other-signing-key").decode()
    response = await mailer.webhook(event("email.bounced", theirs), secret=wrong)
    assert (response.status, error_code(response)) == (400, "invalid_webhook_signature")
    await no_side_effects(mailer, ours)


async def test_a_tampered_body_is_400(mailer: Mailer, crypto: HashlibCrypto) -> None:
    ours, _ = await sent(mailer)
    ts = str(int(mailer.clock.now()))
    signature = await svix.sign(crypto, WEBHOOK_SECRET, "msg_1", ts, b'{"type":"email.delivered","data":{}}')
    body = b'{"type":"email.bounced","data":{"to":["ada@example.com"]}}'
    headers = {"svix-id": "msg_1", "svix-timestamp": ts, "svix-signature": signature}
    response = await mailer.post("/api/v1/webhooks/resend", body, headers)
    assert response.status == 400
    await no_side_effects(mailer, ours)


async def test_a_signed_but_deeply_nested_body_is_400_before_parsing(mailer: Mailer, crypto: HashlibCrypto) -> None:
    ours, _ = await sent(mailer)
    ts, body = str(int(mailer.clock.now())), b'{"type":"email.bounced","data":' + b"[" * 5000 + b"]" * 5000 + b"}"
    signature = await svix.sign(crypto, WEBHOOK_SECRET, "msg_1", ts, body)
    headers = {"svix-id": "msg_1", "svix-timestamp": ts, "svix-signature": signature}
    response = await mailer.post("/api/v1/webhooks/resend", body, headers)
    assert (response.status, error_code(response)) == (400, "invalid_json")
    await no_side_effects(mailer, ours)


@pytest.mark.parametrize("offset", [-301, 301])
async def test_a_timestamp_outside_five_minutes_either_way_is_400(mailer: Mailer, offset: int) -> None:
    ours, theirs = await sent(mailer)
    response = await mailer.webhook(event("email.bounced", theirs), at=mailer.clock.now() + offset)
    assert (response.status, error_code(response)) == (400, "invalid_webhook_signature")
    await no_side_effects(mailer, ours)


@pytest.mark.parametrize("offset", [-300, 300])
async def test_a_timestamp_just_inside_the_tolerance_is_accepted(mailer: Mailer, offset: int) -> None:
    _, theirs = await sent(mailer)
    response = await mailer.webhook(event("email.delivered", theirs), at=mailer.clock.now() + offset)
    assert response.status == 200


@pytest.mark.parametrize("missing", ["svix-id", "svix-timestamp", "svix-signature"])
async def test_missing_svix_headers_are_400(mailer: Mailer, missing: str) -> None:
    headers = {"svix-id": "msg_1", "svix-timestamp": str(int(mailer.clock.now())), "svix-signature": "v1,AAAA"}
    del headers[missing]
    response = await mailer.post("/api/v1/webhooks/resend", b"{}", headers)
    assert (response.status, error_code(response)) == (400, "invalid_webhook_signature")


async def test_any_matching_v1_signature_is_enough(mailer: Mailer, crypto: HashlibCrypto) -> None:
    _, theirs = await sent(mailer)
    body = json.dumps(event("email.delivered", theirs)).encode()
    ts = str(int(mailer.clock.now()))
    good = await svix.sign(crypto, WEBHOOK_SECRET, "msg_r", ts, body)
    header = f"v1,{base64.b64encode(b'x' * 32).decode()} v1a,ignored {good}"
    response = await mailer.post(
        "/api/v1/webhooks/resend", body, {"svix-id": "msg_r", "svix-timestamp": ts, "svix-signature": header}
    )
    assert response.status == 200


async def test_without_a_webhook_secret_webhooks_fail_closed(make_mailer: MakeMailer) -> None:
    mailer = make_mailer(resend_webhook_secret="")
    response = await mailer.webhook(event("email.bounced"))
    assert response.status == 500
    assert await suppressions(mailer) == []


async def test_svix_signature_matches_svixs_published_example(crypto: HashlibCrypto) -> None:
    # The example in Svix's own libraries' tests: an independent check of the signed content.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    signature = await svix.sign(crypto, secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    clock = FakeClock(1614265330 + 10)
    delivery = svix.Signed("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, b'{"test": 2432232314}')
    assert await svix.verify(crypto, clock, secret, delivery) == "msg_p5jXN8AQM9LWM0D4loKWxJek"


async def test_processed_ids_are_forgotten_after_30_days(mailer: Mailer) -> None:
    _, theirs = await sent(mailer)
    await mailer.webhook(event("email.opened", theirs), "msg_old")
    mailer.clock.advance(31 * 24 * 3600)
    await mailer.webhook(event("email.opened", theirs), "msg_new")
    assert [r["svix_id"] for r in await mailer.rows("SELECT svix_id FROM webhook_events")] == ["msg_new"]
