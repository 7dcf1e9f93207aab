"""What customer does when core deletes an account: remove the customer and, by cascade, its
sites and domains. Published files in R2 go with the sites issue's unpublish."""

from __future__ import annotations

from shared.errors import HttpError
from shared.http import Request, Response
from shared.internal import identity_of
from shared.ports import Database


async def delete_account_data(db: Database, request: Request, account_id: str) -> Response:
    # Only for the account core vouched for: a bug elsewhere must not delete someone else's data.
    if identity_of(request).account_id != account_id:
        raise HttpError(403, "internal_auth_failed", "The vouched identity does not own this account.")
    changed = await db.run("DELETE FROM customers WHERE account_id = ?", (account_id,))
    return Response(204 if changed else 404)
