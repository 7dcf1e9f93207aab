import pytest

from billing import signature
from devstack.stripe import signature_header

SECRET = "whsec_test_secret"
BODY = b'{"id": "evt_1", "object": "event"}'


async def test_a_stripe_signature_verifies(crypto, clock) -> None:
    header = signature_header(SECRET, int(clock.now()), BODY)
    assert await signature.verify(crypto, clock, SECRET, header, BODY) == int(clock.now())


async def test_the_key_is_the_whole_whsec_string(crypto, clock) -> None:
    t = int(clock.now())
    expected = await signature.compute(crypto, SECRET, t, BODY)
    assert signature_header(SECRET, t, BODY) == f"t={t},v1={expected}"
    with pytest.raises(signature.SignatureError):
        await signature.verify(crypto, clock, SECRET.removeprefix("whsec_"), f"t={t},v1={expected}", BODY)


async def test_any_matching_v1_is_accepted(crypto, clock) -> None:
    t = int(clock.now())
    good = signature_header(SECRET, t, BODY).split(",")[1]
    header = f"t={t},v1={'0' * 64},{good},v0=abc"
    await signature.verify(crypto, clock, SECRET, header, BODY)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h, b: (h, b + b" "),  # body changed
        lambda h, b: (h.replace("v1=", "v1=0"), b),  # signature changed
        lambda h, b: (h.split(",")[1], b),  # no timestamp
        lambda h, b: (h.split(",")[0], b),  # no v1
        lambda h, b: ("", b),
        lambda h, b: (h.replace("v1=", "v1=é"), b),  # not ASCII
    ],
)
async def test_anything_else_is_refused(crypto, clock, mutate) -> None:
    header, body = mutate(signature_header(SECRET, int(clock.now()), BODY), BODY)
    with pytest.raises(signature.SignatureError):
        await signature.verify(crypto, clock, SECRET, header, body)


@pytest.mark.parametrize(("age", "ok"), [(300, True), (301, False), (-300, True), (-301, False)])
async def test_tolerance_is_300_seconds(crypto, clock, age: int, ok: bool) -> None:
    header = signature_header(SECRET, int(clock.now()) - age, BODY)
    if ok:
        await signature.verify(crypto, clock, SECRET, header, BODY)
    else:
        with pytest.raises(signature.SignatureError):
            await signature.verify(crypto, clock, SECRET, header, BODY)
