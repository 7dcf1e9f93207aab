"""The Resend stand-in answers as Resend documents, so mailer tests against it mean something."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from devstack.resend_standin import EMAILS_URL, ResendStandin, contract_path, load_send_schema
from shared.http import Request, Response
from tests.conftest import FakeClock

KEY = "re_standin_0123456789abcdef"
BODY = {"from": "SmartPages <hello@smartpages.online>", "to": ["ada@example.com"], "subject": "Hi", "text": "Hi"}


def post(
    body: Any = BODY,
    *,
    key: str | None = KEY,
    agent: str | None = "test/1.0",
    idempotency_key: str | None = None,
    url: str = EMAILS_URL,
    method: str = "POST",
) -> Request:
    headers = {"content-type": "application/json"}
    if key is not None:
        headers["authorization"] = f"Bearer {key}"
    if agent is not None:
        headers["user-agent"] = agent
    if idempotency_key is not None:
        headers["idempotency-key"] = idempotency_key
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Request(method, url, headers=headers, body=raw)


def name_of(response: Response) -> tuple[int, str]:
    data = response.json()
    assert data["statusCode"] == response.status
    assert data["message"]
    return response.status, str(data["name"])


@pytest.fixture
def resend(clock: FakeClock) -> ResendStandin:
    return ResendStandin(clock=clock)


def test_the_schema_comes_from_resends_openapi_document() -> None:
    document = yaml.safe_load(contract_path().read_text())
    _, schema = load_send_schema()
    assert schema == document["components"]["schemas"]["SendEmailRequest"]
    assert schema["required"] == ["from", "to", "subject"]


async def test_a_good_request_is_accepted_with_an_id(resend: ResendStandin) -> None:
    response = await resend.fetch(post())
    assert response.status == 200
    assert response.json() == {"id": resend.emails[0]["id"]}
    assert resend.emails[0]["subject"] == "Hi"


async def test_without_a_user_agent_resends_edge_answers_403(resend: ResendStandin) -> None:
    response = await resend.fetch(post(agent=None))
    assert (response.status, response.body) == (403, b"error code: 1010")
    assert resend.emails == []


async def test_the_api_key_is_enforced(resend: ResendStandin) -> None:
    assert name_of(await resend.fetch(post(key=None))) == (401, "missing_api_key")
    assert name_of(await resend.fetch(post(key="re_wrong"))) == (403, "invalid_api_key")
    assert resend.emails == []


async def test_other_urls_and_methods_are_refused(resend: ResendStandin) -> None:
    assert name_of(await resend.fetch(post(url="https://api.resend.com/email"))) == (404, "not_found")
    assert name_of(await resend.fetch(post(method="PUT"))) == (405, "method_not_allowed")


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"to": ["a@example.com"], "subject": "x"}, "missing_required_field"),
        ({**BODY, "subject": 5}, "validation_error"),
        ({**BODY, "to": []}, "validation_error"),
        ({**BODY, "to": ["a@example.com"] * 51}, "validation_error"),
        ({**BODY, "tags": [{"name": 1}]}, "validation_error"),
        ({**BODY, "template": {"variables": {}}}, "missing_required_field"),
        ({**BODY, "reply-to": "a@example.com"}, "validation_error"),
        (b"{not json", "validation_error"),
        (["not", "an", "object"], "validation_error"),
    ],
)
async def test_bodies_are_checked_against_send_email_request(resend: ResendStandin, body: Any, name: str) -> None:
    assert name_of(await resend.fetch(post(body))) == (422, name)
    assert resend.emails == []


async def test_the_same_key_and_body_replay_the_first_answer(resend: ResendStandin) -> None:
    first = await resend.fetch(post(idempotency_key="welcome/1"))
    second = await resend.fetch(post(idempotency_key="welcome/1"))
    assert first.json() == second.json()
    assert len(resend.emails) == 1


async def test_the_same_key_with_another_body_is_409(resend: ResendStandin) -> None:
    await resend.fetch(post(idempotency_key="welcome/1"))
    response = await resend.fetch(post({**BODY, "subject": "Other"}, idempotency_key="welcome/1"))
    assert name_of(response) == (409, "invalid_idempotent_request")
    assert len(resend.emails) == 1


async def test_a_key_is_kept_24_hours(resend: ResendStandin, clock: FakeClock) -> None:
    await resend.fetch(post(idempotency_key="welcome/1"))
    clock.advance(24 * 3600 + 1)
    await resend.fetch(post(idempotency_key="welcome/1"))
    assert len(resend.emails) == 2


@pytest.mark.parametrize("key", ["", "k" * 257])
async def test_an_idempotency_key_must_be_1_to_256_characters(resend: ResendStandin, key: str) -> None:
    assert name_of(await resend.fetch(post(idempotency_key=key))) == (400, "invalid_idempotency_key")


async def test_it_can_be_told_to_rate_limit_with_retry_after(resend: ResendStandin) -> None:
    resend.fail_next(2, 429, retry_after=1.5)
    for _ in range(2):
        response = await resend.fetch(post())
        assert name_of(response) == (429, "rate_limit_exceeded")
        assert (response.header("retry-after"), response.header("ratelimit-reset")) == ("1.5", "1.5")
    assert (await resend.fetch(post())).status == 200
    assert len(resend.emails) == 1


async def test_it_can_be_told_to_fail_with_5xx_or_422(resend: ResendStandin) -> None:
    resend.fail_next(1, 502)
    resend.fail_next(1, 422, name="invalid_from_address", message="bad from")
    assert name_of(await resend.fetch(post())) == (502, "internal_server_error")
    assert name_of(await resend.fetch(post())) == (422, "invalid_from_address")
    assert resend.emails == []
    assert len(resend.calls) == 2


async def test_injected_failures_wait_for_an_authenticated_call(resend: ResendStandin) -> None:
    resend.fail_next(1, 500)
    assert (await resend.fetch(post(key="re_wrong"))).status == 403
    assert (await resend.fetch(post())).status == 500
