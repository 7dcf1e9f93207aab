"""Single-use, expiring tokens for email links (verify, reset, magic link, email change).

Only SHA-256 of a token is stored. Consuming is one conditional UPDATE, so a link used twice at
the same moment still works once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared.errors import HttpError
from shared.ports import Clock, Crypto, Database
from shared.tokens import new_secret

VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a token purpose, not a password)
MAGIC_LINK = "magic_link"
EMAIL_CHANGE = "email_change"
EMAIL_REVERT = "email_revert"  # sent to the old address after a change: the owner's way back

LIFETIMES = {
    VERIFY_EMAIL: 24 * 3600,
    PASSWORD_RESET: 3600,
    MAGIC_LINK: 10 * 60,  # ASVS 2.7.2: out-of-band codes expire within 10 minutes
    EMAIL_CHANGE: 24 * 3600,
    EMAIL_REVERT: 7 * 24 * 3600,
}


@dataclass(frozen=True)
class Token:
    id: str
    account_id: str
    data: dict[str, Any]


async def issue(
    db: Database, crypto: Crypto, clock: Clock, purpose: str, account_id: str, data: dict[str, Any] | None = None
) -> tuple[str, str]:
    """Returns (token id, the secret for the link)."""
    secret = new_secret(crypto)
    token_id = "tok_" + crypto.random_bytes(12).hex()
    now = clock.now()
    await db.run(
        "INSERT INTO tokens (id, token_hash, purpose, account_id, data, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            token_id,
            (await crypto.sha256(secret.encode())).hex(),
            purpose,
            account_id,
            json.dumps(data or {}),
            now,
            now + LIFETIMES[purpose],
        ),
    )
    return token_id, secret


async def consume(db: Database, crypto: Crypto, clock: Clock, purpose: str, secret: str) -> Token:
    """Marks the token used and returns it; a used, expired or unknown token is one 400."""
    digest = (await crypto.sha256(secret.encode())).hex()
    now = clock.now()
    changed = await db.run(
        "UPDATE tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?",
        (now, digest, purpose, now),
    )
    if changed != 1:
        raise HttpError(400, "invalid_token", "This link is invalid, was already used, or has expired.")
    (row,) = await db.all("SELECT id, account_id, data FROM tokens WHERE token_hash = ?", (digest,))
    return Token(str(row["id"]), str(row["account_id"]), json.loads(str(row["data"])))


async def revoke_all(db: Database, clock: Clock, account_id: str, keep_reverts: bool = True) -> int:
    """Kills every outstanding emailed link of the account (a credential just changed). Undo links
    for an email change survive a password change or reset unless asked: whoever changed the email
    could otherwise change the password too and take the owner's way back away."""
    kept = (EMAIL_REVERT,) if keep_reverts else ()
    marks = ", ".join("?" for _ in kept) or "''"
    return await db.run(
        f"UPDATE tokens SET used_at = ? WHERE account_id = ? AND used_at IS NULL AND purpose NOT IN ({marks})",  # noqa: S608
        (clock.now(), account_id, *kept),
    )
