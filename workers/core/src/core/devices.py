"""Known devices (issue 23, L2): a browser that signed in to an account with its password carries
`__Host-device`, a random id signed with HMAC-SHA256 (INTERNAL_SECRET) together with the account's
login key. Its failed logins count in a bucket of its own (core/ratelimit.py), so someone guessing
at the account from elsewhere slows down only themselves and cookie-less browsers, never the
owner's own browser. Nothing else trusts the cookie: it is not a session and opens nothing."""

from __future__ import annotations

import hmac

from shared.ports import Crypto

COOKIE = "__Host-device"
MAX_AGE = 365 * 24 * 3600


async def _mac(crypto: Crypto, secret: str, device_id: str, account_key: str) -> str:
    return (await crypto.hmac_sha256(secret.encode(), f"device:{device_id}:{account_key}".encode())).hex()


async def recognised(crypto: Crypto, secret: str, cookie: str, account_key: str) -> str:
    """The device id when `cookie` (the COOKIE the browser sent) is valid for this account, else ""."""
    device_id, _, mac = cookie.partition(".")
    if len(device_id) != 32 or len(mac) != 64:
        return ""
    expected = await _mac(crypto, secret, device_id, account_key)
    return device_id if hmac.compare_digest(expected, mac) else ""


async def issue(crypto: Crypto, secret: str, device_id: str, account_key: str) -> str:
    """The cookie's value for a device that just signed in (a new id unless it was already known)."""
    device_id = device_id or crypto.random_bytes(16).hex()
    return f"{device_id}.{await _mac(crypto, secret, device_id, account_key)}"


def set_cookie(value: str) -> tuple[str, str]:
    return ("set-cookie", f"{COOKIE}={value}; Max-Age={MAX_AGE}; Path=/; Secure; HttpOnly; SameSite=Lax")
