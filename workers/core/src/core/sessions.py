"""Session lookup for the gateway. The database holds only SHA-256 of each token, so a leaked
database holds no usable token. Issuing sessions (log in) is the accounts issue's work."""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import HttpError
from shared.http import Request
from shared.ports import Clock, Crypto, Database

COOKIE = "__Host-session"
IDLE_SECONDS = 14 * 24 * 3600
ABSOLUTE_SECONDS = 90 * 24 * 3600


@dataclass(frozen=True)
class Session:
    id: str
    account_id: str


async def require(db: Database, crypto: Crypto, clock: Clock, request: Request) -> Session:
    unauthenticated = HttpError(401, "unauthenticated", "Log in to do this.")
    token = request.cookies.get(COOKIE, "")
    if not token:
        raise unauthenticated
    token_hash = (await crypto.sha256(token.encode())).hex()
    rows = await db.all(
        "SELECT id, account_id, created_at, last_seen_at FROM sessions WHERE token_hash = ? AND revoked_at IS NULL",
        (token_hash,),
    )
    if not rows:
        raise unauthenticated
    row = rows[0]
    now = clock.now()
    if now - float(row["created_at"]) > ABSOLUTE_SECONDS or now - float(row["last_seen_at"]) > IDLE_SECONDS:
        raise unauthenticated
    return Session(id=str(row["id"]), account_id=str(row["account_id"]))
