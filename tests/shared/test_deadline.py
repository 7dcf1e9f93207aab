import asyncio

import pytest

from shared.app import App
from shared.deadline import DeadlineExceeded, Timed, within
from shared.http import Request, Response
from tests.conftest import FakeClock


class Hanging:
    async def fetch(self, request: Request) -> Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class Answering:
    async def fetch(self, request: Request) -> Response:
        return Response(200, [], b"ok")


async def test_a_call_past_its_deadline_raises_and_is_cancelled() -> None:
    with pytest.raises(DeadlineExceeded) as raised:
        await Timed(Hanging(), 0.05, "Stripe").fetch(Request("GET", "https://api.stripe.com/v1/x"))
    assert str(raised.value) == "Stripe did not answer within 0.05 s"
    assert isinstance(raised.value, TimeoutError)


async def test_a_call_within_its_deadline_answers() -> None:
    reply = await Timed(Answering(), 1, "Stripe").fetch(Request("GET", "https://api.stripe.com/v1/x"))
    assert reply.body == b"ok"
    assert await within(1, "sleep", asyncio.sleep(0, "done")) == "done"


async def test_the_app_answers_504_json_for_a_deadline(crypto) -> None:
    async def dispatch(request: Request) -> Response:
        return await Timed(Hanging(), 0.05, "the billing worker").fetch(request)

    logged: list[str] = []
    app = App("core", dispatch, FakeClock(), crypto, log=logged.append)
    reply = await app.handle(Request("GET", "/api/v1/billing/subscription"))
    assert reply.status == 504
    error = reply.json()["error"]
    assert error["code"] == "upstream_timeout"
    assert error["request_id"]
    assert any("the billing worker did not answer within 0.05 s" in line for line in logged)
