"""The declarative route table: public path prefix -> internal worker, and what each route needs.

Core checks the session (and, where the route needs one, the plan's entitlement), then forwards the request over
the service binding with the verified identity in a signed internal header. Bodies travel
untouched, so Stripe's webhook signature still verifies in billing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core import paywall, sessions
from shared import internal_auth, plans
from shared.app import REQUEST_ID_HEADER
from shared.errors import HttpError
from shared.http import Request, Response
from shared.ports import Clock, Crypto, Database, Service


@dataclass(frozen=True)
class GatewayRoute:
    prefix: str
    worker: str
    session: bool = True
    entitlement: str | None = None  # the plan feature the paywall requires (see shared/plans.py)
    plan: bool = False  # vouch for the account's plan too (the worker enforces the plan's limits)
    # Methods the entitlement does not gate: after a downgrade the owner can still see and remove
    # what they have (docs/billing.md), only adding or changing needs the plan.
    ungated: tuple[str, ...] = ()

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


ROUTES: tuple[GatewayRoute, ...] = (
    GatewayRoute("/api/v1/sites", "customer", plan=True),
    GatewayRoute("/api/v1/assets", "customer", plan=True),
    GatewayRoute("/api/v1/blocks", "customer"),  # the block catalogue the editor's forms are built from
    GatewayRoute("/api/v1/catalogue", "customer"),  # blocks, palettes and fonts: the portal copies none of them
    # A site's team (docs/security.md "Teams"): the mailed invitation link is the key to see what it
    # is (before she signs in); accepting it needs her session.
    GatewayRoute("/api/v1/invitations/lookup", "customer", session=False),
    GatewayRoute("/api/v1/invitations", "customer"),
    GatewayRoute("/api/v1/domains", "customer", entitlement="custom_domains", plan=True, ungated=("GET", "DELETE")),
    # Published lead forms post here from customer sites: no session (customer rate-limits them).
    GatewayRoute("/api/v1/forms", "customer", session=False),
    GatewayRoute("/api/v1/billing", "billing"),
    GatewayRoute("/api/v1/webhooks/stripe", "billing", session=False),
    GatewayRoute("/api/v1/webhooks/resend", "mailer", session=False),
)

# Never forwarded: the session cookie stays in core, a client cannot smuggle in its own internal
# header, and hop-by-hop headers belong to one connection.
_DROPPED = {"cookie", internal_auth.HEADER, "connection", "keep-alive", "transfer-encoding", "upgrade", "host"}


def find(path: str) -> GatewayRoute | None:
    return next((route for route in ROUTES if route.matches(path)), None)


@dataclass
class Gateway:
    services: dict[str, Service]
    db: Database
    clock: Clock
    crypto: Crypto
    internal_secret: str

    async def forward(self, route: GatewayRoute, request: Request) -> Response:
        identity = internal_auth.Identity()
        if route.session:
            session = await sessions.require(self.db, self.crypto, self.clock, request)
            identity = internal_auth.Identity(account_id=session.account_id, session_id=session.id, email=session.email)
            if route.plan or route.entitlement:
                plan = await paywall.effective_plan(self, session.account_id, request.header(REQUEST_ID_HEADER))
                if route.entitlement and request.method not in route.ungated:
                    plans.require(plan, route.entitlement)
                identity = dataclasses.replace(identity, plan=plan.id)
        return await self.call(route.worker, request, identity)

    async def call(self, worker: str, request: Request, identity: internal_auth.Identity) -> Response:
        """Calls an internal worker as core, vouching for `identity`."""
        service = self.services.get(worker)
        if service is None:
            raise HttpError(502, "bad_gateway", f"No binding for the {worker} worker.")
        headers = {k: v for k, v in request.headers.items() if k not in _DROPPED}
        headers[REQUEST_ID_HEADER] = request.header(REQUEST_ID_HEADER)
        outgoing = await internal_auth.signed(
            self.crypto, self.clock, self.internal_secret, request.replace(headers=headers), identity
        )
        return await service.fetch(outgoing)
