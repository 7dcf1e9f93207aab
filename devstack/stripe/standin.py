"""The Stripe stand-in itself: its state, the API's front door (auth, version, idempotency, routing to
each resource's mixin) and the served side (hosted pages, fault injection)."""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devstack.idempotency import Kept
from devstack.stripe.billing_portal import BillingPortal
from devstack.stripe.checkout import Checkout
from devstack.stripe.common import (
    _VERSION,
    API_KEY,
    FAULTS,
    HANG,
    IDEMPOTENCY_SECONDS,
    PENDING,
    PUBLIC_BASE,
    WEBHOOK_SECRET,
    StripeFailure,
    _list,
    _page,
    _redirect,
    bad_param,
    decode_form,
    error,
    missing,
    shape,
)
from devstack.stripe.customers import Customers
from devstack.stripe.events import Delivery, Events, Webhook
from devstack.stripe.invoices import Invoices
from devstack.stripe.subscriptions import Subscriptions
from shared import plans
from shared.http import Request, Response, html_response, json_response
from shared.ports import Clock


@dataclass
class StripeStandin(Customers, Checkout, BillingPortal, Subscriptions, Invoices, Events):
    """`calls`: every API request; `events`: every event emitted; `deliveries`: every webhook POST
    and its status; `pending`: events held back while `auto_deliver` is False."""

    api_key: str = API_KEY
    webhook_secret: str = WEBHOOK_SECRET
    clock: Clock | None = None
    public_base: str = PUBLIC_BASE
    webhook: Webhook | None = None  # a callable target (in process) …
    webhook_url: str | None = None  # … or a URL (served)
    auto_deliver: bool = True
    prices_by_plan: dict[tuple[str, str], str] = field(default_factory=plans.prices)  # (plan, interval) -> id
    calls: list[Request] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    payment_methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    _session_extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    _failures: deque[Response | None | str] = field(default_factory=deque)
    _kept: dict[str, Kept] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        for (plan_id, interval), price_id in self.prices_by_plan.items():
            plan = plans.BY_ID[plan_id]
            cents = plan.price_eur(interval) * 100
            price = shape(
                "price",
                id=price_id,
                created=int(self.now()),
                currency="eur",
                unit_amount=cents,
                unit_amount_decimal=str(cents),
                product=f"prod_smartpages_{plan_id}",
                nickname=plan.name if interval == "month" else f"{plan.name} (yearly)",
                lookup_key=plan_id if interval == "month" else f"{plan_id}_{interval}",
                transform_quantity=None,
            )
            price["recurring"] = {**price["recurring"], "interval": interval, "interval_count": 1}
            self.prices[price_id] = price

    def now(self) -> float:
        return self.clock.now() if self.clock is not None else time.time()

    # --- misbehaving on demand -------------------------------------------------------------------

    def fail_next(self, count: int, status: int, *, should_retry: bool | None = None, type_: str = "") -> None:
        """The next `count` authenticated API calls answer `status` (0: the connection drops)."""
        for _ in range(count):
            if status == 0:
                self._failures.append(None)
                continue
            headers = [] if should_retry is None else [("stripe-should-retry", "true" if should_retry else "false")]
            kind = type_ or ("api_error" if status >= 500 else "invalid_request_error")
            code = {409: "lock_timeout", 429: "rate_limit"}.get(status)
            self._failures.append(error(status, kind, f"Stand-in failure {status}.", code, None, headers))

    # --- remembering across restarts (devstack.persist) -------------------------------------------

    _REMEMBERED = ("customers", "sessions", "subscriptions", "invoices", "portal_sessions", "events", "_session_extras")

    def state(self) -> dict[str, Any]:
        """What a restart must not forget. Idempotency replays (24 h) are not kept."""
        return {name: getattr(self, name) for name in self._REMEMBERED}

    def restore(self, state: dict[str, Any]) -> None:
        self.events.extend(state.get("events", []))
        for name in self._REMEMBERED:
            if name != "events":
                getattr(self, name).update(state.get(name, {}))

    def hang_next(self, count: int) -> None:
        """The next `count` authenticated API calls never answer (a hung connection)."""
        self._failures.extend(HANG for _ in range(count))

    # --- the HttpClient port ---------------------------------------------------------------------

    async def fetch(self, request: Request) -> Response:
        self.calls.append(request)
        path = urlsplit(request.path).path
        if not path.startswith("/v1/"):
            return error(404, "invalid_request_error", f"Unrecognized request URL ({request.method}: {path}).")
        scheme, _, key = request.header("authorization").partition(" ")
        if not key:
            return error(401, "invalid_request_error", "You did not provide an API key.")
        if scheme != "Bearer" or key != self.api_key:
            return error(401, "invalid_request_error", f"Invalid API Key provided: {key[:8]}****{key[-4:]}")
        version = request.header("stripe-version")
        if not version:
            return error(400, "invalid_request_error", "This stand-in needs a Stripe-Version header on every request.")
        if not _VERSION.match(version):
            return error(400, "invalid_request_error", f"Invalid Stripe API version: {version}")
        if self._failures:
            failure = self._failures.popleft()
            if failure is None:
                raise ConnectionError("stand-in: connection reset")
            if failure == HANG:
                await asyncio.Event().wait()  # nothing ever sets it: only the caller's deadline ends this
            assert isinstance(failure, Response)
            return failure
        first = len(self.events)
        try:
            params = self._params(request)
            idempotency_key = request.header("idempotency-key")
            if request.method == "POST" and idempotency_key:
                return self._idempotent(request.method, path, idempotency_key, params)
            return self._route(request.method, path, params, idempotency_key)
        except StripeFailure as failure:
            return failure.response
        finally:
            self._deliver_later(self.events[first:])

    def _params(self, request: Request) -> dict[str, Any]:
        if request.method in ("GET", "DELETE"):
            return decode_form(request.query)
        ctype = request.header("content-type").split(";")[0].strip().lower()
        if request.body and ctype != "application/x-www-form-urlencoded":
            raise StripeFailure(
                400, "invalid_request_error", "Stripe takes application/x-www-form-urlencoded bodies, not " + ctype
            )
        return decode_form(request.body.decode())

    def _idempotent(self, method: str, path: str, key: str, params: dict[str, Any]) -> Response:
        if len(key) > 255:
            raise bad_param("Idempotency keys can be at most 255 characters.", "Idempotency-Key")
        fingerprint = json.dumps([method, path, params], sort_keys=True)
        kept = self._kept.get(key)
        if kept is not None and self.now() - kept.at < IDEMPOTENCY_SECONDS:
            if kept.fingerprint != fingerprint:
                raise StripeFailure(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first used "
                    f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                )
            return kept.response.with_headers([("idempotent-replayed", "true")])
        response = self._route(method, path, params, key)
        if response.status < 400 or response.status >= 500:  # Stripe keeps results once execution began
            self._kept[key] = Kept(fingerprint, response, self.now())
        return response

    def _route(self, method: str, path: str, params: dict[str, Any], key: str) -> Response:
        parts = path.strip("/").split("/")[1:]  # after v1
        routes: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
            ("POST", "customers"): self._create_customer,
            ("GET", "customers/*"): lambda p, i: self._get(self.customers, "customer", i),
            ("POST", "checkout/sessions"): self._create_session,
            ("GET", "checkout/sessions/*"): lambda p, i: self._get(self.sessions, "checkout.session", i),
            ("POST", "billing_portal/sessions"): self._create_portal,
            ("GET", "subscriptions/*"): lambda p, i: self._get(self.subscriptions, "subscription", i),
            ("POST", "subscriptions/*"): self._update_subscription,
            ("DELETE", "subscriptions/*"): lambda p, i: self._cancel(i),
            ("POST", "invoices/create_preview"): self._preview_invoice,
            ("GET", "invoices/*"): lambda p, i: self._get(self.invoices, "invoice", i),
            ("GET", "invoices"): self._list_invoices,
            ("GET", "payment_methods/*"): lambda p, i: self._get(self.payment_methods, "payment_method", i),
            ("GET", "prices/*"): lambda p, i: self._get(self.prices, "price", i),
            ("GET", "prices"): lambda p: _list(list(self.prices.values()), "/v1/prices"),
            ("GET", "events/*"): lambda p, i: self._get({e["id"]: e for e in self.events}, "event", i),
        }
        *collection, last = parts or [""]
        exact = routes.get((method, "/".join(parts)))
        if exact is not None:
            return json_response(exact(params))
        by_id = routes.get((method, "/".join([*collection, "*"]))) if collection else None
        if by_id is not None:
            return json_response(by_id(params, last))
        return error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    @staticmethod
    def _get(store: dict[str, dict[str, Any]], kind: str, object_id: str) -> dict[str, Any]:
        if object_id not in store:
            raise missing(kind, object_id)
        return store[object_id]

    # --- served: the API plus hosted pages --------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        """The ASGI side: /v1/* is the API; /checkout/{id} and /portal/{id} are the hosted pages."""
        if request.path.startswith("/v1/"):
            return await self.fetch(request)
        if request.path == FAULTS and request.method == "POST":
            return self._faults(request)
        if request.path == PENDING:
            return json_response({"events": self.pending})
        parts = request.path.strip("/").split("/")
        form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        try:
            if parts[0] == "checkout" and len(parts) >= 2 and parts[1] in self.sessions:
                if request.method == "POST" and parts[2:] == ["pay"]:
                    session = self.sessions[parts[1]]
                    if session["status"] == "open":
                        await self.complete_checkout(parts[1], form.get("email") or None)
                    return _redirect(session["success_url"])
                return html_response(self._checkout_page(self.sessions[parts[1]]))
            if parts[0] == "portal" and len(parts) >= 2 and parts[1] in self.portal_sessions:
                portal = self.portal_sessions[parts[1]]
                if request.method == "POST" and len(parts) == 4 and parts[3] in self.subscriptions:
                    action = {
                        "cancel": lambda i: self.cancel(i),
                        "cancel_at_period_end": lambda i: self.cancel(i, at_period_end=True),
                        "fail_payment": self.fail_payment,
                        "recover": self.recover,
                    }.get(parts[2])
                    if action is not None:
                        await action(parts[3])
                    return _redirect(f"/portal/{parts[1]}")
                return html_response(self._portal_page(portal))
        except (ValueError, StripeFailure) as exc:
            return html_response(_page("Stripe stand-in", f"<p>{html.escape(str(exc))}</p>"), 400)
        if request.path == "/":
            return html_response(self._index_page())
        return html_response(_page("Not found", "<p>No such page in the Stripe stand-in.</p>"), 404)

    def _faults(self, request: Request) -> Response:
        """Tests make the served stand-in misbehave: `{"hang": n}`, `{"fail": n, "status": s}`, or
        `{"hold": true}` (events wait in `pending`, GET /_standin/pending, for the test to deliver)."""
        try:
            order = json.loads(request.body)
            if "hold" in order:
                self.auto_deliver = not order["hold"]
            self.hang_next(int(order.get("hang", 0)))
            if order.get("fail"):
                self.fail_next(int(order["fail"]), int(order.get("status", 500)))
        except (ValueError, TypeError, AttributeError):
            return error(400, "invalid_request_error", 'Send {"hang": n} or {"fail": n, "status": s}.')
        return Response(204, [], b"")

    def _index_page(self) -> str:
        items = "".join(f"<li>{html.escape(e['type'])} {e['id']}</li>" for e in reversed(self.events[-50:]))
        return _page("Stripe stand-in", f"<p>{len(self.subscriptions)} subscriptions.</p><ul>{items}</ul>")


def asgi_app(standin: Any) -> Any:
    from devstack.asgi import asgi

    return asgi(standin)


def main(argv: Iterable[str] | None = None) -> None:
    import uvicorn

    from devstack.persist import Persisted

    parser = argparse.ArgumentParser(description="The Stripe stand-in over HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8789)
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8787/api/v1/webhooks/stripe")
    parser.add_argument("--secret", default=WEBHOOK_SECRET, help="the whsec_… webhooks are signed with")
    parser.add_argument("--api-key", default=API_KEY)
    parser.add_argument("--public-base", default="", help="where browsers reach this (default http://HOST:PORT)")
    parser.add_argument("--state", default="", help="a JSON file the stand-in keeps its state in across restarts")
    args = parser.parse_args(list(argv) if argv is not None else None)
    standin = StripeStandin(
        api_key=args.api_key,
        webhook_secret=args.secret,
        public_base=args.public_base or f"http://{args.host}:{args.port}",
        webhook_url=args.webhook_url,
    )
    print(f"stripe stand-in ready http://{args.host}:{args.port} webhooks -> {args.webhook_url}", flush=True)
    served: Any = Persisted(standin, Path(args.state)) if args.state else standin
    uvicorn.run(asgi_app(served), host=args.host, port=args.port, log_level="warning")
