"""POST /internal/send through the Resend stand-in: retries, idempotency, permanent failures,
suppressions and validation."""

from __future__ import annotations

import json

import pytest

from shared.http import Request
from tests.conftest import error_code
from tests.mailer.conftest import Mailer, MakeMailer, lead


async def test_a_message_is_sent_once_with_resends_required_headers_and_logged(mailer: Mailer) -> None:
    response = await mailer.send()
    assert response.status == 202
    result = response.json()
    assert result["status"] == "sent"
    assert result["id"].startswith("em_")

    (call,) = mailer.resend.calls
    assert call.header("authorization") == f"Bearer {mailer.resend.api_key}"
    assert call.header("user-agent").startswith("smartpages-mailer/")
    assert call.header("idempotency-key") == "verify-email/tok_1"
    (email,) = mailer.resend.emails
    assert email["to"] == ["ada@example.com"]
    assert email["from"] == "SmartPages <hello@smartpages.online>"
    assert email["subject"] == "Confirm your email address"
    assert "https://www.smartpages.online/verify#t=abc" in email["text"]
    assert {"name": "email_id", "value": result["id"]} in email["tags"]

    row = await mailer.email(result["id"])
    assert (row["status"], row["provider_id"], row["attempts"]) == ("sent", email["id"], 1)
    assert (row["template"], row["recipient"]) == ("verify_email", "ada@example.com")


async def test_the_same_idempotency_key_twice_sends_once_and_answers_the_first_result(mailer: Mailer) -> None:
    first = (await mailer.send()).json()
    second = await mailer.send()
    assert (second.status, second.json()) == (202, first)
    assert len(mailer.resend.calls) == 1
    assert len(await mailer.rows("SELECT * FROM emails")) == 1


async def test_reusing_a_key_for_another_message_is_a_conflict(mailer: Mailer) -> None:
    await mailer.send()
    response = await mailer.send(to="someone-else@example.com")
    assert (response.status, error_code(response)) == (409, "idempotency_conflict")
    assert len(mailer.resend.calls) == 1


async def test_429s_are_retried_after_the_wait_resend_asks_for(mailer: Mailer) -> None:
    result = await mailer.failing(2, 429, retry_after=2)
    assert result["status"] == "sent"
    assert len(mailer.resend.calls) == 3
    assert len(mailer.resend.emails) == 1
    assert mailer.sleeps.waits == [2.0, 2.0]
    assert {c.header("idempotency-key") for c in mailer.resend.calls} == {"verify-email/tok_1"}
    assert (await mailer.email(result["id"]))["attempts"] == 3


async def test_5xx_is_retried_with_backoff(mailer: Mailer) -> None:
    assert (await mailer.failing(2, 503))["status"] == "sent"
    assert mailer.sleeps.waits == [0.5, 1.0]
    assert len(mailer.resend.emails) == 1


async def test_retries_are_bounded_and_leave_the_message_queued_for_a_later_call(mailer: Mailer) -> None:
    first = await mailer.failing(3, 500)
    assert first["status"] == "queued"
    assert len(mailer.resend.calls) == 3
    row = await mailer.email(first["id"])
    assert row["status"] == "queued"
    assert row["error"].startswith("500 internal_server_error")

    # The caller asks again with the same key: only a queued message is attempted again.
    second = (await mailer.send()).json()
    assert second == {"id": first["id"], "status": "sent"}
    assert len(mailer.resend.emails) == 1
    assert (await mailer.email(first["id"]))["attempts"] == 4


async def test_a_retry_after_longer_than_the_cap_is_not_waited_for(mailer: Mailer) -> None:
    assert (await mailer.failing(1, 429, retry_after=3600, name="daily_quota_exceeded"))["status"] == "queued"
    assert mailer.sleeps.waits == []
    assert len(mailer.resend.calls) == 1


async def test_a_permanent_422_is_recorded_failed_and_never_retried(mailer: Mailer) -> None:
    result = await mailer.failing(1, 422)
    assert result["status"] == "failed"
    assert len(mailer.resend.calls) == 1
    assert mailer.sleeps.waits == []
    row = await mailer.email(result["id"])
    assert row["status"] == "failed"
    assert row["error"] == "422 validation_error: The `to` field has an invalid email address."

    again = (await mailer.send()).json()
    assert again == result
    assert len(mailer.resend.calls) == 1


async def test_a_wrong_api_key_is_a_permanent_failure(make_mailer: MakeMailer) -> None:
    mailer = make_mailer(api_key="re_wrong")
    result = (await mailer.send()).json()
    assert result["status"] == "failed"
    assert (await mailer.email(result["id"]))["error"].startswith("403 invalid_api_key")
    assert len(mailer.resend.calls) == 1


async def test_a_suppressed_address_is_not_sent_to(mailer: Mailer) -> None:
    await mailer.db.run(
        "INSERT INTO suppressions (address, reason, created_at) VALUES ('ADA@example.com', 'bounced', 0)"
    )
    result = (await mailer.send()).json()
    assert result["status"] == "suppressed"
    assert mailer.resend.calls == []
    assert (await mailer.email(result["id"]))["status"] == "suppressed"


async def test_the_lead_notification_replies_to_the_lead(mailer: Mailer) -> None:
    result = await mailer.send(template="lead_notification", data=lead(), idempotency_key="lead/1")
    assert result.json()["status"] == "sent"
    (email,) = mailer.resend.emails
    assert email["reply_to"] == "carol@example.org"
    assert email["subject"] == "New enquiry from Carol on Bakery Bob"


@pytest.mark.parametrize(
    ("fields", "status", "code", "named"),
    [
        ({"template": "nope"}, 400, "unknown_template", "template"),
        ({"to": "not-an-address"}, 400, "invalid_address", "to"),
        ({"to": "ada@example.com\r\nBcc: all@example.com"}, 400, "invalid_address", "to"),
        ({"to": "Ada <ada@example.com>"}, 400, "invalid_address", "to"),
        ({"data": {}}, 400, "missing_data", "data.link"),
        ({"data": {"link": "javascript:alert(1)"}}, 400, "invalid_data", "data.link"),
        ({"data": {"link": "https://x.test/", "extra": "1"}}, 400, "invalid_data", "data.extra"),
        ({"data": {"link": ["https://x.test/"]}}, 400, "invalid_data", "data.link"),
        ({"idempotency_key": ""}, 400, "invalid_field", "idempotency_key"),
        ({"idempotency_key": "k" * 257}, 400, "invalid_field", "idempotency_key"),
        ({"idempotency_key": "a\nb"}, 400, "invalid_field", "idempotency_key"),
    ],
)
async def test_bad_requests_are_400_naming_the_field_and_send_nothing(
    mailer: Mailer, fields: dict[str, object], status: int, code: str, named: str
) -> None:
    response = await mailer.send(**fields)
    assert (response.status, error_code(response)) == (status, code)
    assert named in response.json()["error"]["message"]
    assert mailer.resend.calls == []
    assert await mailer.rows("SELECT * FROM emails") == []


async def test_a_line_break_in_a_value_that_reaches_the_subject_is_refused(mailer: Mailer) -> None:
    data = lead(site_name="Bakery\r\nBcc: everyone@example.com", message="Line one\nline two is fine in the body")
    response = await mailer.send(template="lead_notification", data=data, idempotency_key="lead/2")
    assert (response.status, error_code(response)) == (400, "invalid_field")
    assert "data.site_name" in response.json()["error"]["message"]
    assert mailer.resend.calls == []


async def test_a_key_of_256_characters_is_fine(mailer: Mailer) -> None:
    response = await mailer.send(idempotency_key="k" * 256)
    assert response.json()["status"] == "sent"
    assert mailer.resend.calls[0].header("idempotency-key") == "k" * 256


async def test_a_body_that_is_not_json_is_400(mailer: Mailer) -> None:
    response = await mailer.post("/internal/send", b"{", {"content-type": "application/json"})
    assert (response.status, error_code(response)) == (400, "invalid_json")


async def test_a_bad_mail_from_is_a_500_and_nothing_is_sent(make_mailer: MakeMailer) -> None:
    mailer = make_mailer(mail_from="SmartPages\r\nBcc: x@example.com <hello@smartpages.online>")
    response = await mailer.send()
    assert (response.status, error_code(response)) == (500, "internal_error")
    assert mailer.resend.calls == []


async def test_sending_needs_core_signature(mailer: Mailer) -> None:
    body = json.dumps({"template": "verify_email"}).encode()
    response = await mailer.app.handle(Request("POST", "/internal/send", headers={}, body=body))
    assert (response.status, error_code(response)) == (403, "internal_auth_failed")
