from urllib.parse import parse_qsl

import pytest

from billing.stripe import STRIPE_VERSION, StripeClient, StripeError
from devstack.stripe import StripeStandin
from shared.http import Request, Response, json_response


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def standin(clock) -> StripeStandin:
    return StripeStandin(clock=clock)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(standin: StripeStandin, sleeps: Sleeps) -> StripeClient:
    return StripeClient(standin, standin.api_key, sleeps)


async def test_every_request_is_authenticated_and_pinned(client: StripeClient, standin: StripeStandin) -> None:
    customer = await client.post("/v1/customers", {"email": "a@example.com"}, "customer/acc_1")
    await client.get(f"/v1/customers/{customer['id']}")
    post, get = standin.calls
    for call in (post, get):
        assert call.header("authorization") == f"Bearer {standin.api_key}"
        assert call.header("stripe-version") == STRIPE_VERSION
        assert call.path.startswith("https://api.stripe.com/v1/customers")
    assert post.header("idempotency-key") == "customer/acc_1"
    assert post.header("content-type") == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(post.body.decode())) == {"email": "a@example.com"}
    assert get.header("idempotency-key") == ""
    assert get.body == b""


async def test_a_post_without_an_idempotency_key_is_a_bug(client: StripeClient) -> None:
    with pytest.raises(ValueError, match="idempotency key"):
        await client.post("/v1/customers", {}, "")


@pytest.mark.parametrize("status", [500, 502, 503, 409])
async def test_5xx_and_409_are_retried_with_backoff(client, standin, sleeps, status: int) -> None:
    standin.fail_next(2, status)
    customer = await client.post("/v1/customers", {"email": "a@example.com"}, "k1")
    assert customer["object"] == "customer"
    assert len(standin.calls) == 3
    assert {c.header("idempotency-key") for c in standin.calls} == {"k1"}
    assert sleeps.waits == [0.5, 1.0]


async def test_attempts_are_bounded(client, standin, sleeps) -> None:
    standin.fail_next(5, 500)
    with pytest.raises(StripeError) as caught:
        await client.get("/v1/prices")
    assert (caught.value.status, caught.value.type) == (500, "api_error")
    assert len(standin.calls) == 3


async def test_network_errors_are_retried(client, standin) -> None:
    standin.fail_next(1, 0)
    assert (await client.get("/v1/prices"))["object"] == "list"
    standin.fail_next(3, 0)
    with pytest.raises(StripeError) as caught:
        await client.get("/v1/prices")
    assert (caught.value.status, caught.value.code) == (0, "network_error")


@pytest.mark.parametrize("status", [400, 401, 402, 404, 429])
async def test_other_errors_are_not_retried(client, standin, status: int) -> None:
    standin.fail_next(1, status)
    with pytest.raises(StripeError) as caught:
        await client.get("/v1/prices")
    assert caught.value.status == status
    assert len(standin.calls) == 1


async def test_should_retry_false_wins_over_a_5xx(client, standin) -> None:
    standin.fail_next(1, 503, should_retry=False)
    with pytest.raises(StripeError):
        await client.get("/v1/prices")
    assert len(standin.calls) == 1


async def test_should_retry_true_wins_over_a_4xx(client, standin) -> None:
    standin.fail_next(1, 400, should_retry=True)
    assert (await client.get("/v1/prices"))["object"] == "list"
    assert len(standin.calls) == 2


async def test_stripe_errors_are_parsed(client) -> None:
    with pytest.raises(StripeError) as caught:
        await client.get("/v1/subscriptions/sub_nope")
    error = caught.value
    assert (error.status, error.type, error.code) == (404, "invalid_request_error", "resource_missing")
    assert "sub_nope" in error.message


async def test_a_non_json_answer_is_an_api_error(sleeps) -> None:
    class Html:
        async def fetch(self, request: Request) -> Response:
            return Response(200, [], b"<html>")

    with pytest.raises(StripeError) as caught:
        await StripeClient(Html(), "sk_test_x", sleeps).get("/v1/prices")
    assert caught.value.code == "invalid_json"


async def test_no_key_fails_without_calling(sleeps) -> None:
    calls: list[Request] = []

    class Record:
        async def fetch(self, request: Request) -> Response:
            calls.append(request)
            return json_response({})

    with pytest.raises(StripeError) as caught:
        await StripeClient(Record(), "", sleeps).get("/v1/prices")
    assert caught.value.type == "configuration_error"
    assert calls == []


async def test_the_base_url_can_point_elsewhere(standin, sleeps) -> None:
    client = StripeClient(standin, standin.api_key, sleeps, "http://127.0.0.1:8789/")
    await client.get("/v1/prices", {"expand": ["data.product"]})
    assert standin.calls[0].path == "http://127.0.0.1:8789/v1/prices"
    assert standin.calls[0].query == "expand%5B%5D=data.product"
