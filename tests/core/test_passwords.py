import base64

import pytest

from core import passwords
from core.common_passwords import COMMON_PASSWORDS
from devstack.adapters import HashlibCrypto
from shared.errors import HttpError

# RFC 7914 §11 / widely published PBKDF2-HMAC-SHA256 vectors (P="password", S="salt", dkLen=32).
VECTORS = [
    (1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"),
    (4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
]


@pytest.fixture
def crypto() -> HashlibCrypto:
    """The real derivation here (the other tiers' `crypto` derives in one round)."""
    return HashlibCrypto()


@pytest.mark.parametrize(("iterations", "expected"), VECTORS)
async def test_pbkdf2_matches_the_published_vectors(iterations: int, expected: str) -> None:
    assert (await HashlibCrypto().pbkdf2_sha256(b"password", b"salt", iterations)).hex() == expected


async def test_stored_string_carries_algorithm_iterations_salt_and_hash(crypto) -> None:
    stored = await passwords.hash_password(crypto, "a long passphrase", salt=b"\x00" * 16)
    algorithm, iterations, salt, digest = stored.split("$")
    assert (algorithm, iterations, salt) == ("pbkdf2_sha256", "100000", "AAAAAAAAAAAAAAAAAAAAAA==")
    assert len(digest) == 44
    assert await passwords.verify_password(crypto, "a long passphrase", stored)
    assert not await passwords.verify_password(crypto, "a long passphrasE", stored)


async def test_a_random_salt_per_hash(crypto) -> None:
    assert await passwords.hash_password(crypto, "same password") != await passwords.hash_password(
        crypto, "same password"
    )


async def test_verification_uses_the_stored_count_and_refuses_one_above_the_cap(crypto) -> None:
    fewer = "pbkdf2_sha256$4096$c2FsdA==$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o="
    assert await passwords.verify_password(crypto, "password", fewer)
    digest = await crypto.pbkdf2_sha256(b"password", b"salt", 100_001)
    above = f"pbkdf2_sha256$100001$c2FsdA==${base64.b64encode(digest).decode()}"
    assert not await passwords.verify_password(crypto, "password", above)


@pytest.mark.parametrize("stored", ["", "md5$1$a$b", "pbkdf2_sha256$x$a$b", "pbkdf2_sha256$0$AA==$AA==", "a$b"])
async def test_malformed_stored_strings_never_verify(crypto, stored: str) -> None:
    assert not await passwords.verify_password(crypto, "anything", stored)


def test_the_refused_list_has_3000_entries() -> None:
    assert len(COMMON_PASSWORDS) == 3000
    assert {"123456", "password", "qwerty"} <= COMMON_PASSWORDS


@pytest.mark.parametrize("password", ["1234567", "password", "iloveyou"])
def test_policy_refuses(password: str) -> None:
    with pytest.raises(HttpError):
        passwords.check_policy(password)


@pytest.mark.parametrize("password", ["8 chars!", "no rules at all here", "Ünïcödé-pässwörd", "p" * 64])
def test_policy_allows(password: str) -> None:
    passwords.check_policy(password)


@pytest.mark.parametrize("password", ["Password1", "Qwerty123", "PASSWORD!", "Monkey2024!", "iloveyou!!", "Dragon_99"])
def test_policy_refuses_common_passwords_with_case_or_a_suffix_changed(password: str) -> None:
    """Issue 23, L12: the list compared as typed, so `Password1` and `Qwerty123` were accepted."""
    with pytest.raises(HttpError):
        passwords.check_policy(password)
