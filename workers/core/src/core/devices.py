"""Known devices (issue 23, L2): a browser that signed in to an account with its password carries
`__Host-device`, a random id signed with HMAC-SHA256 (INTERNAL_SECRET) together with the account's
login key. Its failed logins count in a bucket of its own (core/ratelimit.py), so someone guessing
at the account from elsewhere slows down only themselves and cookie-less browsers, never the
owner's own browser. Nothing else trusts the cookie: it is not a session and opens nothing."""

from __future__ import annotations

import hmac

from shared.http import Request
from shared.ports import Crypto

COOKIE = "__Host-device"
MAX_AGE = 365 * 24 * 3600


async def _mac(crypto: Crypto, secret: str, device_id: str, account_key: str) -> str:
    return (await crypto.hmac_sha256(secret.encode(), f"device:{device_id}:{account_key}".encode())).hex()


async def recognised(crypto: Crypto, secret: str, request: Request, account_key: str) -> str:
    """The device id when the request carries a valid cookie for this account, else ""."""
    device_id, _, mac = request.cookies.get(COOKIE, "").partition(".")
    if len(device_id) != 32 or len(mac) != 64:
        return ""
    expected = await _mac(crypto, secret, device_id, account_key)
    return device_id if hmac.compare_digest(expected, mac) else ""


async def set_cookie(crypto: Crypto, secret: str, device_id: str, account_key: str) -> tuple[str, str]:
    """The cookie for a device that just signed in (a new id unless it was already known)."""
    device_id = device_id or crypto.random_bytes(16).hex()
    value = f"{device_id}.{await _mac(crypto, secret, device_id, account_key)}"
    return ("set-cookie", f"{COOKIE}={value}; Max-Age={MAX_AGE}; Path=/; Secure; HttpOnly; SameSite=Lax")
