import pytest

from shared import internal_auth
from shared.errors import HttpError
from shared.http import Request
from tests.conftest import SECRET, FakeClock

IDENTITY = internal_auth.Identity(account_id="acct_1", session_id="sess_1")


def carrying(header: str, method: str, path: str, query: str = "", body: bytes = b"") -> Request:
    return Request(method, path, query, {internal_auth.HEADER: header}, body)


async def test_round_trip_returns_the_identity(crypto, clock: FakeClock) -> None:
    header = await internal_auth.sign(crypto, clock, SECRET, Request("GET", "/api/v1/sites"), IDENTITY)
    assert await internal_auth.verify(crypto, clock, SECRET, carrying(header, "GET", "/api/v1/sites")) == IDENTITY


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/sites"), ("GET", "/api/v1/sites/other")])
async def test_header_is_bound_to_method_and_path(crypto, clock, method: str, path: str) -> None:
    header = await internal_auth.sign(crypto, clock, SECRET, Request("GET", "/api/v1/sites"), IDENTITY)
    with pytest.raises(HttpError) as caught:
        await internal_auth.verify(crypto, clock, SECRET, carrying(header, method, path))
    assert (caught.value.status, caught.value.code) == (403, "internal_auth_failed")


async def test_expired_header_is_refused(crypto, clock: FakeClock) -> None:
    header = await internal_auth.sign(crypto, clock, SECRET, Request("GET", "/p"), IDENTITY)
    clock.advance(internal_auth.LIFETIME_SECONDS + 1)
    with pytest.raises(HttpError):
        await internal_auth.verify(crypto, clock, SECRET, carrying(header, "GET", "/p"))


async def test_header_signed_with_another_secret_is_refused(crypto, clock) -> None:
    header = await internal_auth.sign(crypto, clock, "x" * 40, Request("GET", "/p"), IDENTITY)
    with pytest.raises(HttpError):
        await internal_auth.verify(crypto, clock, SECRET, carrying(header, "GET", "/p"))


async def test_changed_identity_breaks_the_signature(crypto, clock) -> None:
    header = await internal_auth.sign(crypto, clock, SECRET, Request("GET", "/p"), IDENTITY)
    version, expires, _, signature = header.split(".")
    forged = ".".join([version, expires, internal_auth.Identity(account_id="acct_2").encode(), signature])
    with pytest.raises(HttpError):
        await internal_auth.verify(crypto, clock, SECRET, carrying(forged, "GET", "/p"))


async def test_far_future_expiry_is_refused_even_when_signed(crypto, clock: FakeClock) -> None:
    clock.advance(3600)
    header = await internal_auth.sign(crypto, clock, SECRET, Request("GET", "/p"), IDENTITY)
    clock.advance(-3600)
    with pytest.raises(HttpError):
        await internal_auth.verify(crypto, clock, SECRET, carrying(header, "GET", "/p"))


@pytest.mark.parametrize("garbage", ["", "v2", "v2.x.y.z", "v1.1.a.b", "v2.1.a.b.c", "v2.99999999999.!!.??"])
async def test_malformed_headers_are_refused(crypto, clock, garbage: str) -> None:
    with pytest.raises(HttpError):
        await internal_auth.verify(crypto, clock, SECRET, carrying(garbage, "GET", "/p"))


async def test_a_short_secret_is_a_deploy_error_not_a_weak_signature(crypto, clock) -> None:
    with pytest.raises(RuntimeError, match="INTERNAL_SECRET"):
        await internal_auth.sign(crypto, clock, "short", Request("GET", "/p"), IDENTITY)


async def test_header_is_bound_to_query_and_body(crypto, clock) -> None:
    """Issue 15: the v1 signature left the query and the body out, so a captured header could carry
    other parameters or another body to the same route within its minute."""
    header = await internal_auth.sign(crypto, clock, SECRET, Request("POST", "/p", "a=1", body=b'{"x":1}'), IDENTITY)
    same = carrying(header, "POST", "/p", "a=1", b'{"x":1}')
    assert await internal_auth.verify(crypto, clock, SECRET, same) == IDENTITY
    for query, body in (("a=2", b'{"x":1}'), ("", b'{"x":1}'), ("a=1", b'{"x":2}'), ("a=1", b"")):
        with pytest.raises(HttpError):
            await internal_auth.verify(crypto, clock, SECRET, carrying(header, "POST", "/p", query, body))
