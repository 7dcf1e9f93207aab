"""Sessions: a 256-bit random token in the `__Host-session` cookie; the database holds only its
SHA-256, so a leaked database holds no usable token. A new token at every login; revocation
takes effect on the next request. Lifetimes: idle 14 days, absolute 90 days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.errors import HttpError
from shared.http import Request
from shared.ports import Clock, Crypto, Database
from shared.tokens import new_secret

COOKIE = "__Host-session"
IDLE_SECONDS = 14 * 24 * 3600
ABSOLUTE_SECONDS = 90 * 24 * 3600
TOUCH_EVERY_SECONDS = 60  # last_seen_at is written at most once a minute, not on every request


@dataclass(frozen=True)
class Session:
    id: str
    account_id: str
    email: str


def set_cookie(token: str) -> tuple[str, str]:
    # __Host- requires Secure, Path=/ and no Domain: the cookie cannot be set or read by subdomains.
    return ("set-cookie", f"{COOKIE}={token}; Max-Age={ABSOLUTE_SECONDS}; Path=/; Secure; HttpOnly; SameSite=Lax")


def clear_cookie() -> tuple[str, str]:
    return ("set-cookie", f"{COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax")


async def _hash(crypto: Crypto, token: str) -> str:
    return (await crypto.sha256(token.encode())).hex()


async def create(db: Database, crypto: Crypto, clock: Clock, account_id: str, user_agent: str) -> str:
    """Starts a session and returns its token (for the cookie only; never stored)."""
    token = new_secret(crypto)
    now = clock.now()
    await db.run(
        "INSERT INTO sessions (id, account_id, token_hash, user_agent, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        ("ses_" + crypto.random_bytes(12).hex(), account_id, await _hash(crypto, token), user_agent[:300], now, now),
    )
    return token


async def current(db: Database, crypto: Crypto, clock: Clock, request: Request) -> Session | None:
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > 200:
        return None
    rows = await db.all(
        "SELECT s.id, s.account_id, s.created_at, s.last_seen_at, a.email FROM sessions s"
        " JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ? AND s.revoked_at IS NULL",
        (await _hash(crypto, token),),
    )
    if not rows:
        return None
    row, now = rows[0], clock.now()
    if now - float(row["created_at"]) > ABSOLUTE_SECONDS or now - float(row["last_seen_at"]) > IDLE_SECONDS:
        return None
    if now - float(row["last_seen_at"]) > TOUCH_EVERY_SECONDS:
        await db.run("UPDATE sessions SET last_seen_at = ? WHERE id = ?", (now, row["id"]))
    return Session(id=str(row["id"]), account_id=str(row["account_id"]), email=str(row["email"]))


async def require(db: Database, crypto: Crypto, clock: Clock, request: Request) -> Session:
    session = await current(db, crypto, clock, request)
    if session is None:
        raise HttpError(401, "unauthenticated", "Log in to do this.")
    return session


async def revoke(db: Database, clock: Clock, account_id: str, session_id: str) -> bool:
    changed = await db.run(
        "UPDATE sessions SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
        (clock.now(), session_id, account_id),
    )
    return changed == 1


async def revoke_all(db: Database, clock: Clock, account_id: str, except_id: str = "") -> int:
    return await db.run(
        "UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND id != ? AND revoked_at IS NULL",
        (clock.now(), account_id, except_id),
    )


# What a User-Agent names, first match wins (Edge's says Chrome and Safari too; Chrome's says Safari).
_BROWSERS = (("edg/", "Edge"), ("firefox/", "Firefox"), ("chrome/", "Chrome"), ("safari/", "Safari"), ("curl/", "curl"))
_SYSTEMS = (
    ("iphone", "iPhone"),
    ("ipad", "iPad"),
    ("android", "Android"),
    ("windows", "Windows"),
    ("mac os", "macOS"),
    ("linux", "Linux"),
)


def device(user_agent: str) -> str:
    """A readable label ('Firefox on Windows') from a User-Agent; good enough to recognise a device."""
    ua = user_agent.lower()
    browser = next((name for key, name in _BROWSERS if key in ua), "A browser")
    system = next((name for key, name in _SYSTEMS if key in ua), "")
    return f"{browser} on {system}" if system else browser


async def list_active(db: Database, clock: Clock, account_id: str, current_id: str) -> list[dict[str, Any]]:
    now = clock.now()
    rows = await db.all(
        "SELECT id, user_agent, created_at, last_seen_at FROM sessions"
        " WHERE account_id = ? AND revoked_at IS NULL AND created_at > ? AND last_seen_at > ?"
        " ORDER BY last_seen_at DESC",
        (account_id, now - ABSOLUTE_SECONDS, now - IDLE_SECONDS),
    )
    return [
        {
            "id": r["id"],
            "device": device(str(r["user_agent"])),
            "created_at": r["created_at"],
            "last_seen_at": r["last_seen_at"],
            "current": r["id"] == current_id,
        }
        for r in rows
    ]
