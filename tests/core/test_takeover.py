"""Issue 23, M2, pre-account takeover: someone signs up with a stranger's address and a password of
their choosing; when the owner later verifies (or signs in by magic link), that password must not
start working. And an attacker who moves their own account to the victim's address must lose every
session when the victim confirms it."""

from __future__ import annotations

from devstack.stack import Stack
from tests.conftest import error_code
from tests.core.conftest import PASSWORD, Browser, Outbox

ATTACKER_PASSWORD = "attacker chose this one"
OWNER_PASSWORD = "the owner's own passphrase"


async def attacker_signs_up_as_ada(stack: Stack) -> Browser:
    attacker = Browser(stack, address="192.0.2.66")
    reply = await attacker.post("/api/v1/auth/signup", {"email": "ada@example.com", "password": ATTACKER_PASSWORD})
    assert reply.status == 202
    return attacker


async def attacker_gets_in(stack: Stack) -> bool:
    reply = await Browser(stack, address="192.0.2.66").post(
        "/api/v1/auth/login", {"email": "ada@example.com", "password": ATTACKER_PASSWORD}
    )
    return reply.status == 200


async def test_verifying_discards_a_password_set_before_verification(outbox: Outbox, stack: Stack) -> None:
    await attacker_signs_up_as_ada(stack)
    owner = Browser(stack)
    verified = await owner.post("/api/v1/auth/verify", {"token": outbox.last_token("verify_email", "ada@example.com")})
    assert verified.status == 200
    assert verified.json()["account"]["has_password"] is False  # the portal leads her to choose one
    assert not await attacker_gets_in(stack)

    # The owner, signed in by the link, chooses her password without knowing any "current" one.
    chosen = await owner.post("/api/v1/account/password", {"new_password": OWNER_PASSWORD})
    assert chosen.status == 200, chosen.body
    assert (await owner.call("GET", "/api/v1/account")).json()["account"]["has_password"] is True
    login = {"email": "ada@example.com", "password": OWNER_PASSWORD}
    assert (await Browser(stack).post("/api/v1/auth/login", login)).status == 200
    assert not await attacker_gets_in(stack)

    # Once a password is set, changing it needs the current one again.
    missing = await owner.post("/api/v1/account/password", {"new_password": "yet another passphrase"})
    assert (missing.status, error_code(missing)) == (403, "wrong_password")


async def test_a_magic_link_that_first_verifies_discards_the_earlier_password(outbox: Outbox, stack: Stack) -> None:
    await attacker_signs_up_as_ada(stack)
    owner = Browser(stack)
    await owner.post("/api/v1/auth/magic-link", {"email": "ada@example.com"})
    signed_in = await owner.post("/api/v1/auth/magic-link/consume", {"token": outbox.last_token("magic_link")})
    assert signed_in.status == 200
    assert signed_in.json()["account"]["has_password"] is False
    assert not await attacker_gets_in(stack)


async def test_a_later_magic_link_keeps_the_owners_password(outbox: Outbox, stack: Stack) -> None:
    owner = Browser(stack)
    await owner.post("/api/v1/auth/signup", {"email": "ada@example.com", "password": PASSWORD})
    await owner.post("/api/v1/auth/verify", {"token": outbox.last_token("verify_email")})
    await owner.post("/api/v1/account/password", {"new_password": OWNER_PASSWORD})
    await owner.post("/api/v1/auth/magic-link", {"email": "ada@example.com"})
    signed_in = await owner.post("/api/v1/auth/magic-link/consume", {"token": outbox.last_token("magic_link")})
    assert signed_in.json()["account"]["has_password"] is True
    login = {"email": "ada@example.com", "password": OWNER_PASSWORD}
    assert (await Browser(stack).post("/api/v1/auth/login", login)).status == 200


async def test_confirming_an_email_change_ends_every_session(outbox: Outbox, stack: Stack) -> None:
    """The variant: the attacker moves their own account to ada's address and ada confirms."""
    attacker = Browser(stack, address="192.0.2.66")
    await attacker.post("/api/v1/auth/signup", {"email": "mallory@example.net", "password": ATTACKER_PASSWORD})
    await attacker.post("/api/v1/auth/verify", {"token": outbox.last_token("verify_email", "mallory@example.net")})
    await attacker.post("/api/v1/account/password", {"new_password": ATTACKER_PASSWORD})
    other_device = Browser(stack, address="192.0.2.67")
    login = {"email": "mallory@example.net", "password": ATTACKER_PASSWORD}
    assert (await other_device.post("/api/v1/auth/login", login)).status == 200
    asked = await attacker.post(
        "/api/v1/account/email", {"new_email": "ada@example.com", "password": ATTACKER_PASSWORD}
    )
    assert asked.status == 202
    ada = Browser(stack)
    confirmed = await ada.post("/api/v1/auth/email/confirm", {"token": outbox.last_token("email_change")})
    assert confirmed.status == 200
    assert confirmed.json()["account"]["email"] == "ada@example.com"
    assert ada.cookie == ""  # no session for whoever clicked: she signs in (or resets) like anyone
    assert (await attacker.call("GET", "/api/v1/account")).status == 401
    assert (await other_device.call("GET", "/api/v1/account")).status == 401


async def test_the_device_that_asked_for_the_change_is_signed_out_too(outbox: Outbox, stack: Stack) -> None:
    owner = Browser(stack)
    await owner.post("/api/v1/auth/signup", {"email": "ada@example.com", "password": PASSWORD})
    await owner.post("/api/v1/auth/verify", {"token": outbox.last_token("verify_email")})
    await owner.post("/api/v1/account/password", {"new_password": OWNER_PASSWORD})
    await owner.post("/api/v1/account/email", {"new_email": "ada@example.org", "password": OWNER_PASSWORD})
    confirmed = await owner.post("/api/v1/auth/email/confirm", {"token": outbox.last_token("email_change")})
    assert confirmed.status == 200
    assert owner.cookie == ""
    assert (await owner.call("GET", "/api/v1/account")).status == 401
    login = {"email": "ada@example.org", "password": OWNER_PASSWORD}
    assert (await Browser(stack).post("/api/v1/auth/login", login)).status == 200
