"""The one mail client core, customer and billing share, and its one failure policy (issue 17: three
senders, three policies). docs/mail.md states the policy."""

from __future__ import annotations

import json

import pytest

from shared import internal_auth
from shared.http import Request, Response
from shared.mail import MailClient, MailUnavailable
from tests.conftest import SECRET


class Mailer:
    def __init__(self, status: int = 202, error: Exception | None = None) -> None:
        self.status, self.error = status, error
        self.got: list[Request] = []

    async def fetch(self, request: Request) -> Response:
        self.got.append(request)
        if self.error is not None:
            raise self.error
        return Response(self.status, body=b'{"error": {"code": "unknown_template"}}')


def client(mailer: Mailer, clock, crypto) -> MailClient:
    return MailClient(mailer, crypto, clock, SECRET, "billing")


async def test_a_taken_message_is_signed_as_the_caller_and_keyed(clock, crypto) -> None:
    mailer = Mailer()
    assert await client(mailer, clock, crypto).send("welcome", "ada@example.com", {"portal": "x"}, "welcome/a1")
    (request,) = mailer.got
    identity = await internal_auth.verify(crypto, clock, SECRET, request)
    assert identity.caller == "billing"
    assert json.loads(request.body)["idempotency_key"] == "welcome/a1"


@pytest.mark.parametrize("mailer", [Mailer(503), Mailer(error=ConnectionError("refused"))])
async def test_a_mailer_that_cannot_take_it_raises_for_send_and_is_logged_by_notify(
    mailer: Mailer, clock, crypto, capsys
) -> None:
    with pytest.raises(MailUnavailable):
        await client(mailer, clock, crypto).send("welcome", "ada@example.com", {}, "k")
    assert await client(mailer, clock, crypto).notify("welcome", "ada@example.com", {}, "k") is False
    assert json.loads(capsys.readouterr().out)["event"] == "mail_unavailable"


async def test_a_refused_message_is_logged_and_not_raised(clock, crypto, capsys) -> None:
    assert await client(Mailer(400), clock, crypto).send("welcome", "ada@example.com", {}, "k") is False
    line = json.loads(capsys.readouterr().out)
    assert (line["event"], line["status"], line["template"]) == ("mail_refused", 400, "welcome")
