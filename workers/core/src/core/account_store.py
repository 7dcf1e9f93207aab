"""The accounts table: one account by address or id, and the account as the API shows it."""

from __future__ import annotations

import json
from typing import Any

from shared.errors import Unauthenticated
from shared.ports import Database

Account = dict[str, Any]


async def by_email(db: Database, email: str) -> Account | None:
    rows = await db.all("SELECT * FROM accounts WHERE email = ?", (email,))
    return rows[0] if rows else None


async def by_id(db: Database, account_id: str) -> Account:
    rows = await db.all("SELECT * FROM accounts WHERE id = ?", (account_id,))
    if not rows:
        raise Unauthenticated("unauthenticated", "Log in to do this.")
    return rows[0]


def signed_in(account: Account) -> dict[str, Any]:
    """The account as a sign-in answers it, read before the session started: `restored` says this
    sign-in brought back an account whose deletion was scheduled (the portal says so)."""
    restored = account.get("deletion_requested_at") is not None
    return {**public(account), **({"restored": True} if restored else {})}


def public(account: Account) -> dict[str, Any]:
    return {
        "id": account["id"],
        "email": account["email"],
        "email_verified": account["email_verified_at"] is not None,
        # False after a link first verified the address: the portal asks the owner to choose one.
        "has_password": bool(account["password_hash"]),
        "created_at": account["created_at"],
        "attribution": json.loads(str(account["attribution"])),
    }
