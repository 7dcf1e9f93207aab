"""A caught exception is logged with the id of the request that met it (issue 17: failures swallowed
without a trace)."""

import json

import pytest

from shared.app import App
from shared.http import Request, Response
from shared.log import log


async def test_a_line_logged_while_handling_a_request_carries_its_id(clock, crypto, capsys) -> None:
    async def swallow(request: Request) -> Response:
        try:
            raise ConnectionError("mailer went away")
        except ConnectionError as exc:
            log("mail_unavailable", exc, template="welcome")
        return Response(204)

    response = await App("core", swallow, clock, crypto, log=lambda line: None).handle(Request("POST", "/x"))
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert line == {
        "worker": "core",
        "request_id": response.header("x-request-id"),
        "event": "mail_unavailable",
        "template": "welcome",
        "error": "ConnectionError: mailer went away",
    }


def test_outside_a_request_the_line_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    log("reconcile_failed", ValueError("bad"))
    assert json.loads(capsys.readouterr().out)["request_id"] == ""
