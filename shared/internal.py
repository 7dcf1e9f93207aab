"""What an internal worker (customer, billing, mailer) runs before its routes: the caller must be core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared import internal_auth
from shared.errors import HttpError
from shared.http import Request, Response
from shared.internal_auth import Identity
from shared.ports import Clock, Crypto
from shared.routing import Params, Router, Routes

IdentifiedHandler = Callable[[Request, Params, Identity], Awaitable[Response]]


class IdentifiedRouter(Routes[IdentifiedHandler]):
    """Routes behind InternalGuard whose handlers are handed the identity the guard verified (decoded
    once, there)."""


@dataclass
class InternalGuard:
    """Verifies the signed internal header, then dispatches: to an IdentifiedRouter's handler with the
    verified identity, or to a plain Router (whose handlers read it with `identity_of`)."""

    router: Router | IdentifiedRouter
    crypto: Crypto
    clock: Clock
    secret: str

    async def __call__(self, request: Request) -> Response:
        header = request.header(internal_auth.HEADER)
        if not header:
            raise HttpError(403, "internal_auth_failed", "This worker only answers signed calls from core.")
        identity = await internal_auth.verify(self.crypto, self.clock, self.secret, request)
        if isinstance(self.router, IdentifiedRouter):
            handler, params = self.router.find(request)
            return await handler(request, params, identity)
        return await self.router.dispatch(request)


def identity_of(request: Request) -> internal_auth.Identity:
    """The identity in an already-verified internal header (only meaningful behind InternalGuard)."""
    _, _, encoded, _ = request.header(internal_auth.HEADER).split(".")
    return internal_auth.Identity.decode(encoded)
