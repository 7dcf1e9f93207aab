"""A site's team (issue 28, item 3): the owner invites people by email as **editor** (edit and
publish) or **viewer** (look only); who may call what on a site; and the site's activity (who
changed what, when).

Roles, from least to most: viewer < editor < owner. A site route names the least role it needs
(customer.api.MEMBER_ACCESS; any site route not named there is the owner's alone). Someone who is
neither the owner nor a member gets 404, as before (a stranger learns nothing); a member whose
role is too small gets 403 `role_forbidden`.

An invitation is a random token mailed to the address; only its SHA-256 is kept. It works once,
for INVITATION_DAYS, until the owner revokes it, and only for an account signed in with that very
address (core only opens sessions for verified addresses). Members count against the owner's
plan's `seats` (shared/plans.py): every distinct address that is a member of one of her sites or
holds a pending invitation to one takes a seat."""

from __future__ import annotations

from typing import Any

from customer.deps import CustomerDeps
from customer.model import Owner, Site
from customer.store import new_id, site_by_id
from shared import plans
from shared.errors import HttpError
from shared.schema import Choice, Email, Str, check_fields, invalid
from shared.tokens import new_secret

INVITATION_DAYS = 7
INVITATION_SECONDS = INVITATION_DAYS * 86400
ROLES = ("viewer", "editor", "owner")
MEMBER_ROLES = ("editor", "viewer")
INVITE_FIELDS = {"email": Email(), "role": Choice(MEMBER_ROLES, required=True)}
ACTIVITY_SHOWN = 50
COALESCE_SECONDS = 600  # the same person saving the same page again within this is one line
ACTIVITY_KEEP_SECONDS = 365 * 86400  # a site's activity lines are kept a year (docs/operations.md, "Retention")

_ROLE_WORDS = {"editor": "edit and publish", "viewer": "look at"}


def _rank(role: str) -> int:
    return ROLES.index(role)


def role_forbidden(role: str, need: str) -> HttpError:
    if need == "owner":
        message = "Only the owner of this site can do this."
    else:
        message = "You can look at this site but not change it: ask its owner to make you an editor."
    return HttpError(403, "role_forbidden", message, details={"role": role, "required_role": need})


async def role_on(deps: CustomerDeps, caller: Owner, site: Site) -> str | None:
    if site.customer_id == caller.customer_id:
        return "owner"
    rows = await deps.db.all(
        "SELECT role FROM site_members WHERE site_id = ? AND customer_id = ?", (site.id, caller.customer_id)
    )
    return str(rows[0]["role"]) if rows else None


async def access(deps: CustomerDeps, caller: Owner, site_id: str, need: str) -> tuple[Site, str]:
    """The site and the caller's role on it, if that role is at least `need`: 404 for someone with
    no role (as for a site that does not exist), 403 for a role too small."""
    site = await site_by_id(deps.db, site_id)
    role = await role_on(deps, caller, site) if site else None
    if site is None or role is None:
        raise HttpError(404, "site_not_found", "No such site.")
    if _rank(role) < _rank(need):
        raise role_forbidden(role, need)
    return site, role


async def acting_owner(deps: CustomerDeps, caller: Owner, site: Site) -> Owner:
    """The account a call on `site` acts for: the site's owner, with the owner's plan (a member
    works within the owner's limits). For a member that plan is the one customer last saw vouched
    for the owner (customers.plan, kept at every call the owner makes)."""
    if site.customer_id == caller.customer_id:
        return caller
    rows = await deps.db.all("SELECT plan FROM customers WHERE id = ?", (site.customer_id,))
    return Owner(site.customer_id, plans.get(rows[0]["plan"] if rows else None))


# --- seats and invitations ---------------------------------------------------------------------------
async def _pending(deps: CustomerDeps, owner_id: str = "", site_id: str = "") -> list[dict[str, Any]]:
    """The invitations still open: of one owner's sites, or of one site (each found by its index: an
    OR of the two walked every invitation)."""
    if owner_id:
        sql = (
            "SELECT i.* FROM site_invitations i JOIN sites s ON s.id = i.site_id WHERE s.customer_id = ?"
            " AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? ORDER BY i.created_at"
        )
    else:
        sql = (
            "SELECT i.* FROM site_invitations i JOIN sites s ON s.id = i.site_id WHERE i.site_id = ?"
            " AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? ORDER BY i.created_at"
        )
    rows = await deps.db.all(sql, (owner_id or site_id, deps.clock.now()))
    return [dict(r) for r in rows]


async def seat_holders(deps: CustomerDeps, owner_id: str) -> set[str]:
    """The addresses taking a seat on the owner's plan: members of any of her sites and pending invitations."""
    members = await deps.db.all(
        "SELECT c.email AS email, m.email AS invited FROM site_members m JOIN sites s ON s.id = m.site_id"
        " LEFT JOIN customers c ON c.id = m.customer_id WHERE s.customer_id = ?",
        (owner_id,),
    )
    held = {str(r["email"] or r["invited"]).lower() for r in members}
    return held | {str(r["email"]).lower() for r in await _pending(deps, owner_id=owner_id)}


def _member_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["customer_id"]),
        "email": str(row["email"]),
        "role": str(row["role"]),
        "joined_at": float(row["joined_at"]),
    }


def _invitation_json(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "email", "role", "created_at", "expires_at")
    return {k: row[k] for k in keys}


async def team(deps: CustomerDeps, owner: Owner, site: Site) -> dict[str, Any]:
    members = await deps.db.all(
        "SELECT m.customer_id, coalesce(c.email, m.email) AS email, m.role, m.joined_at FROM site_members m"
        " LEFT JOIN customers c ON c.id = m.customer_id WHERE m.site_id = ? ORDER BY m.joined_at",
        (site.id,),
    )
    pending = await _pending(deps, site_id=site.id)
    seats = {"used": len(await seat_holders(deps, site.customer_id)), "limit": owner.plan.entitlements.seats}
    return {
        "members": [_member_json(r) for r in members],
        "invitations": [_invitation_json(r) for r in pending],
        "seats": seats,
        "invitation_days": INVITATION_DAYS,
    }


async def _owner_email(deps: CustomerDeps, site: Site) -> str:
    rows = await deps.db.all("SELECT email FROM customers WHERE id = ?", (site.customer_id,))
    return str(rows[0]["email"] or "") if rows else ""


async def invite(deps: CustomerDeps, owner: Owner, site: Site, body: dict[str, Any]) -> dict[str, Any]:
    """Invites `email` to `site` as `role` and mails the link. A new invitation to an address
    already invited to this site replaces the old one (the old link dies)."""
    data = check_fields(INVITE_FIELDS, body)
    email, role = str(data["email"]).lower(), str(data["role"])
    inviter = await _owner_email(deps, site)
    if email == inviter.lower():
        raise invalid("email", "that is your own address: you own this site already")
    members = await deps.db.all(
        "SELECT 1 FROM site_members m LEFT JOIN customers c ON c.id = m.customer_id"
        " WHERE m.site_id = ? AND lower(coalesce(c.email, m.email)) = ?",
        (site.id, email),
    )
    if members:
        raise HttpError(409, "already_member", f"{email} is in this site's team already.", details={"field": "email"})
    held = await seat_holders(deps, site.customer_id)
    if email not in held:
        plans.require_room(owner.plan, "seats", len(held))
    now = deps.clock.now()
    await deps.db.run(
        "UPDATE site_invitations SET revoked_at = ? WHERE site_id = ? AND email = ?"
        " AND accepted_at IS NULL AND revoked_at IS NULL",
        (now, site.id, email),
    )
    token = new_secret(deps.crypto)
    invitation_id = new_id(deps.crypto, "inv")
    expires = now + INVITATION_SECONDS
    await deps.db.run(
        "INSERT INTO site_invitations (id, site_id, email, role, token_hash, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (invitation_id, site.id, email, role, await _hash(deps, token), now, expires),
    )
    mail = {
        "site_name": site.name,
        "inviter": inviter or "The owner",
        "role": _ROLE_WORDS[role],
        "link": f"{deps.settings.portal_origin}/invite?token={token}",
        "expires_in": f"{INVITATION_DAYS} days",
    }
    sent = await deps.mail.notify("site_invitation", email, mail, f"site-invitation/{invitation_id}")
    row = {"id": invitation_id, "email": email, "role": role, "created_at": now, "expires_at": expires}
    return {**_invitation_json(row), "mailed": sent}


async def revoke(deps: CustomerDeps, site: Site, invitation_id: str) -> str:
    """Revokes a pending invitation (its link dies); its address, for the activity."""
    rows = await deps.db.all(
        "SELECT email FROM site_invitations"
        " WHERE id = ? AND site_id = ? AND accepted_at IS NULL AND revoked_at IS NULL",
        (invitation_id, site.id),
    )
    if not rows:
        raise HttpError(404, "invitation_not_found", "No such invitation (it may have been accepted or revoked).")
    await deps.db.run("UPDATE site_invitations SET revoked_at = ? WHERE id = ?", (deps.clock.now(), invitation_id))
    return str(rows[0]["email"])


async def remove_member(deps: CustomerDeps, site: Site, member_id: str) -> str:
    rows = await deps.db.all(
        "SELECT m.email, c.email AS now FROM site_members m LEFT JOIN customers c ON c.id = m.customer_id"
        " WHERE m.site_id = ? AND m.customer_id = ?",
        (site.id, member_id),
    )
    if not rows:
        raise HttpError(404, "member_not_found", "No such member of this site.")
    await deps.db.run("DELETE FROM site_members WHERE site_id = ? AND customer_id = ?", (site.id, member_id))
    return str(rows[0]["now"] or rows[0]["email"])


async def _hash(deps: CustomerDeps, token: str) -> str:
    return (await deps.crypto.sha256(token.encode())).hex()


async def _invitation(deps: CustomerDeps, token: str) -> dict[str, Any]:
    if not 20 <= len(token) <= 100:
        raise HttpError(404, "invitation_not_found", "This invitation link is not known.")
    rows = await deps.db.all("SELECT * FROM site_invitations WHERE token_hash = ?", (await _hash(deps, token),))
    if not rows:
        raise HttpError(404, "invitation_not_found", "This invitation link is not known.")
    return dict(rows[0])


def _state(deps: CustomerDeps, row: dict[str, Any]) -> str:
    if row["accepted_at"] is not None:
        return "accepted"
    if row["revoked_at"] is not None:
        return "revoked"
    return "expired" if row["expires_at"] <= deps.clock.now() else "open"


TOKEN_FIELDS = {"token": Str(max_length=100, required=True)}


async def lookup(deps: CustomerDeps, token: str) -> dict[str, Any]:
    """What the invitation page shows before she signs in: the site, the role, the address it is
    for and whether the link still works. Only the holder of the mailed link can ask."""
    row = await _invitation(deps, token)
    site = await site_by_id(deps.db, str(row["site_id"]))
    if site is None:
        raise HttpError(404, "invitation_not_found", "This invitation link is not known.")
    return {
        "site_name": site.name,
        "role": row["role"],
        "email": row["email"],
        "state": _state(deps, row),
        "expires_at": row["expires_at"],
        "invited_by": await _owner_email(deps, site),
    }


def gone(state: str) -> HttpError:
    """Why an invitation link no longer works (410)."""
    if state == "revoked":
        return HttpError(410, "invitation_revoked", "The owner withdrew this invitation. Ask them to invite you again.")
    if state == "expired":
        return HttpError(410, "invitation_expired", "This invitation has expired. Ask the owner to invite you again.")
    return HttpError(410, "invitation_used", "This invitation was used already.")


async def accept(deps: CustomerDeps, caller: Owner, email: str | None, token: str) -> dict[str, Any]:
    """Makes the signed-in account a member of the invitation's site, if it is signed in with the
    address the invitation was sent to."""
    row = await _invitation(deps, token)
    site = await site_by_id(deps.db, str(row["site_id"]))
    if site is None:
        raise HttpError(404, "invitation_not_found", "This invitation link is not known.")
    state = _state(deps, row)
    if state == "accepted" and await role_on(deps, caller, site):
        return {"site_id": site.id, "site_name": site.name, "role": await role_on(deps, caller, site)}
    if state != "open":
        raise gone(state)
    if (email or "").lower() != str(row["email"]).lower():
        raise HttpError(
            403,
            "invitation_wrong_email",
            f"This invitation is for {row['email']}. Sign in with that address to accept it.",
            details={"email": row["email"]},
        )
    now = deps.clock.now()
    taken = await deps.db.run(
        "UPDATE site_invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL",
        (now, row["id"]),
    )
    if not taken:  # revoked or accepted in the meantime
        raise HttpError(410, "invitation_used", "This invitation was used or withdrawn a moment ago.")
    role = str(row["role"])
    if site.customer_id != caller.customer_id:
        await deps.db.run(
            "INSERT INTO site_members (site_id, customer_id, email, role, joined_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (site_id, customer_id) DO UPDATE SET role = excluded.role",
            (site.id, caller.customer_id, str(row["email"]), role, now),
        )
        await record(deps, site, caller.customer_id, str(row["email"]), "joined", role)
    else:
        role = "owner"  # her own site (her address changed since she was invited): nothing to join
    return {"site_id": site.id, "site_name": site.name, "role": role}


async def shared_sites(deps: CustomerDeps, caller: Owner) -> list[tuple[Site, str, str]]:
    """The sites shared with the caller: (site, her role, the owner's address)."""
    rows = await deps.db.all(
        "SELECT s.*, m.role AS member_role, c.email AS owner_email FROM site_members m"
        " JOIN sites s ON s.id = m.site_id LEFT JOIN customers c ON c.id = s.customer_id"
        " WHERE m.customer_id = ? ORDER BY m.joined_at",
        (caller.customer_id,),
    )
    return [(Site.from_row(r), str(r["member_role"]), str(r["owner_email"] or "")) for r in rows]


# --- activity ------------------------------------------------------------------------------------------
async def record(deps: CustomerDeps, site: Site, customer_id: str, who: str, action: str, subject: str = "") -> None:
    """Notes that `who` did `action` (to `subject`) on the site. The same person doing the same to
    the same subject again within COALESCE_SECONDS moves the last line's time instead (autosave).
    A new line drops the site's lines past ACTIVITY_KEEP_SECONDS (its store keeps its own retention),
    and a team member's first line on a site indexes her there (D1 `site_contributors`), so
    deleting her account finds every site that shows her address without reading them all."""
    now, db, site_id = deps.clock.now(), deps.site_db(site), site.id
    last = await db.all(
        "SELECT id, customer_id, action, subject, at FROM site_activity WHERE site_id = ? ORDER BY id DESC LIMIT 1",
        (site_id,),
    )
    same = last and (last[0]["customer_id"], last[0]["action"], last[0]["subject"]) == (customer_id, action, subject)
    if same and now - float(last[0]["at"]) < COALESCE_SECONDS:
        await db.run("UPDATE site_activity SET at = ? WHERE id = ?", (now, last[0]["id"]))
        return
    await db.batch(
        [
            (
                "INSERT INTO site_activity (site_id, customer_id, who, action, subject, at) VALUES (?, ?, ?, ?, ?, ?)",
                (site_id, customer_id, who or "someone", action, subject[:200], now),
            ),
            ("DELETE FROM site_activity WHERE site_id = ? AND at < ?", (site_id, now - ACTIVITY_KEEP_SECONDS)),
        ]
    )
    if customer_id and customer_id != site.customer_id:
        await deps.db.run(
            "INSERT INTO site_contributors (site_id, customer_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (site_id, customer_id),
        )


async def activity(deps: CustomerDeps, site: Site) -> dict[str, Any]:
    rows = await deps.site_db(site).all(
        "SELECT who, action, subject, at FROM site_activity WHERE site_id = ? ORDER BY at DESC, id DESC LIMIT ?",
        (site.id, ACTIVITY_SHOWN),
    )
    return {"activity": [{k: r[k] for k in ("who", "action", "subject", "at")} for r in rows]}


async def contributed(deps: CustomerDeps, customer_id: str) -> list[Site]:
    """The others' sites whose activity or page history may show this account (site_contributors)."""
    rows = await deps.db.all(
        "SELECT s.* FROM site_contributors c JOIN sites s ON s.id = c.site_id WHERE c.customer_id = ?", (customer_id,)
    )
    return [Site.from_row(r) for r in rows]


async def forget_account(deps: CustomerDeps, site: Site, customer_id: str) -> None:
    """A deleted account's address leaves the activity of a site it helped on (its memberships go by cascade)."""
    await deps.site_db(site).run(
        "UPDATE site_activity SET who = 'a deleted account', customer_id = NULL WHERE customer_id = ?", (customer_id,)
    )
