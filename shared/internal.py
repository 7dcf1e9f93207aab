"""What an internal worker (customer, billing, mailer) runs before its routes: the caller must be core."""

from __future__ import annotations

from dataclasses import dataclass

from shared import internal_auth
from shared.errors import HttpError
from shared.http import Request, Response
from shared.ports import Clock, Crypto
from shared.routing import Router


@dataclass
class InternalGuard:
    """Verifies the signed internal header, then dispatches. Handlers read the vouched identity with
    `identity_of`."""

    router: Router
    crypto: Crypto
    clock: Clock
    secret: str

    async def __call__(self, request: Request) -> Response:
        header = request.header(internal_auth.HEADER)
        if not header:
            raise HttpError(403, "internal_auth_failed", "This worker only answers signed calls from core.")
        await internal_auth.verify(self.crypto, self.clock, self.secret, request)
        return await self.router.dispatch(request)


def identity_of(request: Request) -> internal_auth.Identity:
    """The identity in an already-verified internal header (only meaningful behind InternalGuard)."""
    _, _, encoded, _ = request.header(internal_auth.HEADER).split(".")
    return internal_auth.Identity.decode(encoded)
