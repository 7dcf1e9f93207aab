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
    """Verifies the signed internal header, then dispatches to the router with the verified identity
    (decoded once, here: handlers find it in `Call.identity`)."""

    router: Router
    crypto: Crypto
    clock: Clock
    secret: str

    async def __call__(self, request: Request) -> Response:
        header = request.header(internal_auth.HEADER)
        if not header:
            raise HttpError(403, "internal_auth_failed", "This worker only answers signed calls from core.")
        identity = await internal_auth.verify(self.crypto, self.clock, self.secret, request)
        return await self.router.dispatch(request, identity)


def identity_of(request: Request) -> internal_auth.Identity:
    """The identity in an already-verified internal header, for a stand-in of an internal worker
    (the workers themselves get it once, from InternalGuard, in `Call.identity`)."""
    _, _, encoded, _ = request.header(internal_auth.HEADER).split(".")
    return internal_auth.Identity.decode(encoded)
