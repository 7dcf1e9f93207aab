"""Password policy and hashing: PBKDF2-HMAC-SHA256, per-user salt, 100,000 iterations.

100,000 is the most Cloudflare's WebCrypto accepts; local simulators do not enforce that cap, so
this module does, for hashing and for verifying. The stored string carries everything needed to
verify: `pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`."""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from typing import Any

from core.common_passwords import COMMON_PASSWORDS
from shared.errors import HttpError
from shared.log import log
from shared.ports import Crypto
from shared.schema import Field, Secret, invalid

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 100_000
MAX_ITERATIONS = 100_000
SALT_BYTES = 16
MIN_LENGTH = 8
MAX_LENGTH = 256  # well above the 64 that must be allowed; bounds the hashing work


def _weak(field: str, message: str) -> HttpError:
    return invalid(field, message, "weak_password", code="weak_password")


def check_policy(password: str, field: str = "password") -> None:
    """Length and the common-password list only: no composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        raise _weak(field, f"use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise _weak(field, f"use at most {MAX_LENGTH} characters.")
    if is_common(password):
        raise _weak(field, "this password is too common; choose another.")


def is_common(password: str) -> bool:
    """On the list as typed, case-folded, or once trailing digits and symbols are dropped
    (`Password1`, `Qwerty123!`: issue 23, L12). The list's shortest entry has 4 characters."""
    folded = password.casefold()
    stem = folded.rstrip("0123456789!@#$%^&*()_+-=.,;:?~`'\"/\\|[]{}<> ")
    return password in COMMON_PASSWORDS or folded in COMMON_PASSWORDS or (len(stem) >= 4 and stem in COMMON_PASSWORDS)


@dataclass
class NewPassword(Field):
    """A request body's new password: a string that meets the policy above."""

    required: bool = True
    default: Any = ""

    def check(self, value: Any, path: str) -> Any:
        password = Secret(max_length=MAX_LENGTH + 1).check(value, path)
        check_policy(password, path)
        return password

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "minLength": MIN_LENGTH,
            "maxLength": MAX_LENGTH,
            "description": "not a common password",
        }


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


async def hash_password(crypto: Crypto, password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else crypto.random_bytes(SALT_BYTES)
    digest = await crypto.pbkdf2_sha256(password.encode(), salt, ITERATIONS)
    return f"{ALGORITHM}${ITERATIONS}${_b64(salt)}${_b64(digest)}"


async def verify_password(crypto: Crypto, password: str, stored: str) -> bool:
    try:
        algorithm, iterations_text, salt_text, hash_text = stored.split("$")
        iterations = int(iterations_text)
        salt, expected = base64.b64decode(salt_text), base64.b64decode(hash_text)
    except ValueError as exc:  # a stored hash we did not write: no password matches it
        log("password_hash_unreadable", exc)
        return False
    if algorithm != ALGORITHM or not 1 <= iterations <= MAX_ITERATIONS:
        return False  # refuse rather than ask WebCrypto for what it will not do
    digest = await crypto.pbkdf2_sha256(password.encode(), salt, iterations)
    return hmac.compare_digest(digest, expected)


# Verified against when the email is unknown, so that case costs the same key derivation.
DUMMY_HASH = f"{ALGORITHM}${ITERATIONS}${_b64(bytes(SALT_BYTES))}${_b64(bytes(32))}"
