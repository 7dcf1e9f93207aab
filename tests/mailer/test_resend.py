"""The Resend client on its own: the request it builds and its retry policy."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import pytest

from devstack.resend_standin import ResendStandin, error
from mailer.resend import EMAILS_URL, Outgoing, ResendClient, asked_wait, describe_error
from shared.http import Request, Response

MESSAGE = Outgoing("SmartPages <hello@smartpages.online>", "ada@example.com", "Hi", "<p>Hi</p>", "Hi")


@dataclass
class Recorder:
    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Scripted:
    """An HttpClient that answers from a list (an exception is raised instead of answered)."""

    answers: list[Response | Exception]
    calls: list[Request] = field(default_factory=list)

    async def fetch(self, request: Request) -> Response:
        self.calls.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


OK = Response(200, [("content-type", "application/json")], b'{"id":"re_1"}')


def client(http: Scripted | ResendStandin, sleep: Recorder, key: str = "re_standin_0123456789abcdef") -> ResendClient:
    return ResendClient(http, key, sleep)


async def test_the_request_is_what_resend_documents() -> None:
    request = client(Scripted([]), Recorder()).request(MESSAGE, "welcome/acct_1")
    assert (request.method, request.path) == ("POST", EMAILS_URL)
    assert request.header("authorization") == "Bearer re_standin_0123456789abcdef"
    assert request.header("user-agent")
    assert request.header("idempotency-key") == "welcome/acct_1"
    assert json.loads(request.body) == {
        "from": "SmartPages <hello@smartpages.online>",
        "to": ["ada@example.com"],
        "subject": "Hi",
        "html": "<p>Hi</p>",
        "text": "Hi",
    }


async def test_the_request_passes_the_stand_ins_contract_checks() -> None:
    standin = ResendStandin()
    tagged = dataclasses.replace(MESSAGE, reply_to="x@example.org", tags=(("template", "welcome"),))
    result = await client(standin, Recorder()).send(tagged, "k1")
    assert (result.outcome, result.provider_id) == ("sent", standin.emails[0]["id"])
    assert standin.emails[0]["tags"] == [{"name": "template", "value": "welcome"}]
    assert standin.emails[0]["reply_to"] == "x@example.org"


@pytest.mark.parametrize("key", ["", "k" * 257])
async def test_an_idempotency_key_outside_1_to_256_characters_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="1 to 256"):
        client(Scripted([]), Recorder()).request(MESSAGE, key)


async def test_a_header_value_with_a_line_break_is_refused_even_past_validation() -> None:
    evil = Outgoing(MESSAGE.sender, MESSAGE.to, "Hi\r\nBcc: x@example.com", MESSAGE.html, MESSAGE.text)
    with pytest.raises(ValueError, match="control character"):
        client(Scripted([]), Recorder()).request(evil, "k")


async def test_network_errors_are_retried() -> None:
    http = Scripted([ConnectionError("reset"), OK])
    sleep = Recorder()
    result = await client(http, sleep).send(MESSAGE, "k")
    assert (result.outcome, result.attempts, sleep.waits) == ("sent", 2, [0.5])


async def test_three_attempts_at_most_then_queued_with_the_last_error() -> None:
    busy = error(503, "internal_server_error", "busy")
    http = Scripted([busy, busy, busy, OK])
    sleep = Recorder()
    result = await client(http, sleep).send(MESSAGE, "k")
    assert (result.outcome, result.attempts) == ("queued", 3)
    assert result.error == "503 internal_server_error: busy"
    assert sleep.waits == [0.5, 1.0]
    assert len(http.calls) == 3


async def test_ratelimit_reset_is_honoured_when_there_is_no_retry_after() -> None:
    limited = error(429, "rate_limit_exceeded", "slow down", [("ratelimit-reset", "3")])
    sleep = Recorder()
    result = await client(Scripted([limited, OK]), sleep).send(MESSAGE, "k")
    assert (result.outcome, sleep.waits) == ("sent", [3.0])


async def test_a_concurrent_idempotent_request_409_is_retried_but_a_payload_mismatch_is_not() -> None:
    concurrent = error(409, "concurrent_idempotent_requests", "in progress")
    sleep = Recorder()
    assert (await client(Scripted([concurrent, OK]), sleep).send(MESSAGE, "k")).outcome == "sent"

    mismatch = error(409, "invalid_idempotent_request", "different payload")
    http = Scripted([mismatch, OK])
    result = await client(http, Recorder()).send(MESSAGE, "k")
    assert (result.outcome, len(http.calls)) == ("failed", 1)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_other_4xx_are_permanent(status: int) -> None:
    http = Scripted([error(status, "x", "y"), OK])
    result = await client(http, Recorder()).send(MESSAGE, "k")
    assert (result.outcome, result.attempts, result.error) == ("failed", 1, f"{status} x: y")


def test_waits_resend_asked_for() -> None:
    assert asked_wait(Response(429, [("retry-after", "2")])) == 2.0
    assert asked_wait(Response(429, [("retry-after", "Wed, 21 Oct 2026 07:28:00 GMT"), ("ratelimit-reset", "4")])) == 4
    assert asked_wait(Response(429, [("retry-after", "-1")])) is None
    assert asked_wait(Response(503)) is None


def test_errors_are_described_from_resends_shape_or_the_raw_body() -> None:
    assert describe_error(error(422, "validation_error", "bad to")) == "422 validation_error: bad to"
    assert describe_error(Response(403, [], b"error code: 1010")) == "403: error code: 1010"
