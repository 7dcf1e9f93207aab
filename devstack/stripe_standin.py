"""A stand-in for the parts of Stripe's API SmartPages uses, in process and over HTTP.

In process it implements the HttpClient port, so billing talks to it exactly as it talks to
`https://api.stripe.com` through fetch (any host: only the path counts). Served (ASGI, port 8789 on
the local stack) it also has a hosted checkout page whose Pay button completes payment, and a
billing-portal page that can cancel or fail a payment.

    python -m devstack.stripe_standin --port 8789 \\
        --webhook-url http://127.0.0.1:8787/api/v1/webhooks/stripe --secret whsec_…

Like Stripe: `Authorization: Bearer sk_…` (401 otherwise), form-encoded bodies with bracket syntax,
object shapes from Stripe's own fixtures (`contracts/stripe/fixtures3.json`), Stripe-shaped errors
(`{"error": {"type", "code", "message", "param"}}`, 404 `resource_missing`…), Idempotency-Key replay
(same key and parameters: the first answer again, with `Idempotent-Replayed: true`; same key, other
parameters: 400 `idempotency_error`), and events with the full envelope signed like Stripe's
(`Stripe-Signature: t=…,v1=HMAC-SHA256(whsec_…, "{t}.{body}")`). Stricter than Stripe in one way:
a request without `Stripe-Version` is refused, because SmartPages pins one.

Tests drive what Stripe would do on its own: `complete_checkout`, `fail_payment`,
`require_action`, `recover`, `cancel`, `trial_will_end`; hold events (`auto_deliver = False`) and
deliver them duplicated, concurrently, out of order or with a bad signature; `fail_next` makes the
API answer 5xx/409/429 (with or without `Stripe-Should-Retry`) or drop the connection."""

from __future__ import annotations

import argparse
import asyncio
import copy
import functools
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devstack import ROOT
from shared import plans
from shared.http import Request, Response, html_response, json_response
from shared.ports import Clock

API_KEY = "sk_test_local_standin"
WEBHOOK_SECRET = "whsec_local_standin_webhook_secret"  # noqa: S105 (the local stack's, public)
PUBLIC_BASE = "http://127.0.0.1:8789"
API_VERSION = "2025-03-31.basil"
PERIOD_SECONDS = 30 * 24 * 3600
IDEMPOTENCY_SECONDS = 24 * 3600
_FIXTURES = Path("contracts") / "stripe" / "fixtures3.json"
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")
HANG = "hang"  # a queued failure: the call never answers
FAULTS = "/_standin/faults"  # POST {"hang": n} / {"fail": n, "status": s} / {"hold": b}: the served stand-in misbehaves
PENDING = "/_standin/pending"  # GET: the events held back while {"hold": true}

Webhook = Callable[[bytes, dict[str, str]], Awaitable[int]]


def fixtures_path() -> Path:
    """Stripe's fixtures: $STRIPE_FIXTURES, else the repo's contracts/, else /work/shared's."""
    candidates = [os.environ.get("STRIPE_FIXTURES", ""), ROOT / _FIXTURES, Path("/work/shared") / _FIXTURES]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError(f"Stripe's fixtures are not at {ROOT / _FIXTURES}; set STRIPE_FIXTURES")


@functools.cache
def _resources(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())["resources"])


def shape(kind: str, **fields: Any) -> dict[str, Any]:
    """A fresh copy of Stripe's example `kind` object with `fields` set."""
    obj = copy.deepcopy(_resources(fixtures_path())[kind])
    obj.update(fields)
    return obj


class StripeFailure(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.response = error(status, type_, message, code, param)


def error(
    status: int,
    type_: str,
    message: str,
    code: str | None = None,
    param: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": type_, "message": message}
    if code:
        body["code"] = code
        body["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if param:
        body["param"] = param
    return json_response({"error": body}, status, [("request-id", _id("req")), *(headers or [])])


def missing(kind: str, object_id: str, param: str = "id") -> StripeFailure:
    return StripeFailure(404, "invalid_request_error", f"No such {kind}: '{object_id}'", "resource_missing", param)


def bad_param(message: str, param: str, code: str = "parameter_invalid") -> StripeFailure:
    return StripeFailure(400, "invalid_request_error", message, code, param)


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


# --- form bodies ---------------------------------------------------------------------------------


def decode_form(text: str) -> dict[str, Any]:
    """`a[b][0][c]=1&e[]=x` -> {"a": {"b": [{"c": "1"}]}, "e": ["x"]}, as Stripe reads it."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head, *re.findall(r"\[([^\[\]]*)\]", "[" + rest)] if rest else [head]
        node: Any = root
        try:
            for i, part in enumerate(parts):
                if i == len(parts) - 1:
                    node[part] = value
                elif parts[i + 1] == "" and i + 1 == len(parts) - 1:
                    node.setdefault(part, []).append(value)
                    break
                else:
                    node = node.setdefault(part, {})
        except (AttributeError, TypeError):
            raise bad_param(f"Invalid array or hash: {key}", head) from None
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {k: _lists(v) for k, v in node.items()}
        if converted and all(k.isdigit() for k in converted):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    return node


def signature_header(secret: str, timestamp: int, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


# --- the stand-in --------------------------------------------------------------------------------


@dataclass
class _Kept:
    fingerprint: str
    response: Response
    at: float


@dataclass(frozen=True)
class Delivery:
    event_id: str
    type: str
    status: int


@dataclass
class StripeStandin:
    """`calls`: every API request; `events`: every event emitted; `deliveries`: every webhook POST
    and its status; `pending`: events held back while `auto_deliver` is False."""

    api_key: str = API_KEY
    webhook_secret: str = WEBHOOK_SECRET
    clock: Clock | None = None
    public_base: str = PUBLIC_BASE
    webhook: Webhook | None = None  # a callable target (in process) …
    webhook_url: str | None = None  # … or a URL (served)
    auto_deliver: bool = True
    prices_by_plan: dict[str, str] = field(default_factory=plans.price_ids)
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
    _kept: dict[str, _Kept] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        for plan_id, price_id in self.prices_by_plan.items():
            plan = plans.BY_ID[plan_id]
            self.prices[price_id] = shape(
                "price",
                id=price_id,
                created=int(self.now()),
                currency="eur",
                unit_amount=plan.monthly_price_eur * 100,
                unit_amount_decimal=str(plan.monthly_price_eur * 100),
                product=f"prod_smartpages_{plan_id}",
                nickname=plan.name,
                lookup_key=plan_id,
                transform_quantity=None,
            )

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
            self._kept[key] = _Kept(fingerprint, response, self.now())
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

    # --- objects ---------------------------------------------------------------------------------

    def _create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.new_customer(params.get("email"), _metadata(params.get("metadata")))

    def new_customer(self, email: str | None, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        customer = shape(
            "customer",
            id=_id("cus"),
            email=email,
            created=int(self.now()),
            metadata=metadata or {},
            discount=None,
            currency="eur",
            invoice_prefix=secrets.token_hex(4).upper(),
        )
        self.customers[customer["id"]] = customer
        self._emit("customer.created", customer)
        return customer

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = params.get("mode")
        if mode not in ("payment", "setup", "subscription"):
            raise bad_param(
                "Missing required param: mode." if mode is None else f"Invalid mode: {mode}",
                "mode",
                "parameter_missing" if mode is None else "parameter_invalid",
            )
        if not params.get("success_url") and params.get("ui_mode") not in ("embedded", "custom"):
            raise bad_param("Missing required param: success_url.", "success_url", "parameter_missing")
        if params.get("customer") and params.get("customer_email"):
            raise bad_param("You may only specify one of these parameters: customer, customer_email.", "customer")
        customer = params.get("customer")
        if customer and customer not in self.customers:
            raise missing("customer", customer, "customer")
        reference = params.get("client_reference_id")
        if reference is not None and not 1 <= len(reference) <= 200:
            raise bad_param("client_reference_id must be 1 to 200 characters.", "client_reference_id")
        items = params.get("line_items")
        if mode == "subscription" and not isinstance(items, list):
            raise bad_param("line_items is required in subscription mode.", "line_items", "parameter_missing")
        total = 0
        for i, item in enumerate(items or []):
            price_id = item.get("price") if isinstance(item, dict) else None
            if price_id not in self.prices:
                raise missing("price", str(price_id), f"line_items[{i}][price]")
            quantity = item.get("quantity", "1")
            if not str(quantity).isdigit() or int(quantity) < 1:
                raise bad_param("quantity must be a positive integer.", f"line_items[{i}][quantity]")
            total += self.prices[price_id]["unit_amount"] * int(quantity)
        session_id = "cs_test_" + secrets.token_hex(24)
        session = shape(
            "checkout.session",
            id=session_id,
            object="checkout.session",
            mode=mode,
            status="open",
            payment_status="unpaid",
            url=f"{self.public_base}/checkout/{session_id}",
            # Stripe fills in the session's id where the URL asks for it.
            success_url=(params.get("success_url") or "").replace("{CHECKOUT_SESSION_ID}", session_id) or None,
            cancel_url=params.get("cancel_url"),
            client_reference_id=reference,
            customer=customer,
            customer_email=params.get("customer_email"),
            customer_details=None,
            metadata=_metadata(params.get("metadata")),
            created=int(self.now()),
            expires_at=int(self.now()) + 24 * 3600,
            amount_subtotal=total,
            amount_total=total,
            currency="eur",
            subscription=None,
            invoice=None,
            payment_intent=None,
            shipping_cost=None,
            shipping_address_collection=None,
            total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            currency_conversion=None,
            collected_information=None,
        )
        self.sessions[session_id] = session
        subscription_data = params.get("subscription_data") or {}
        self._session_extras[session_id] = {
            "line_items": items or [],
            "subscription_metadata": _metadata(subscription_data.get("metadata")),
            "trial_period_days": subscription_data.get("trial_period_days"),
        }
        return session

    def _create_portal(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = params.get("customer")
        if not customer:
            raise bad_param("Missing required param: customer.", "customer", "parameter_missing")
        if customer not in self.customers:
            raise missing("customer", customer, "customer")
        portal_id = _id("bps")
        portal = shape(
            "billing_portal.session",
            id=portal_id,
            customer=customer,
            return_url=params.get("return_url"),
            created=int(self.now()),
            livemode=False,
            flow=None,
            configuration="bpc_standin",
            url=f"{self.public_base}/portal/{portal_id}",
        )
        self.portal_sessions[portal_id] = portal
        return portal

    def _update_subscription(self, params: dict[str, Any], subscription_id: str) -> dict[str, Any]:
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        if sub["status"] in ("canceled", "incomplete_expired"):
            raise StripeFailure(
                400,
                "invalid_request_error",
                "A canceled subscription can only update its cancellation_details and metadata.",
            )
        previous: dict[str, Any] = {}
        if "cancel_at_period_end" in params:
            flag = params["cancel_at_period_end"] == "true"
            previous["cancel_at_period_end"] = sub["cancel_at_period_end"]
            sub["cancel_at_period_end"] = flag
            sub["cancel_at"] = sub["items"]["data"][0]["current_period_end"] if flag else None
            sub["canceled_at"] = int(self.now()) if flag else None
        if "metadata" in params:
            previous["metadata"] = dict(sub["metadata"])
            sub["metadata"].update(_metadata(params["metadata"]))
        _check_proration(params, "")
        for target, price_id in self._item_changes(sub, params.get("items"), "items"):
            previous.setdefault("items", copy.deepcopy(sub["items"]))
            target["price"] = copy.deepcopy(self.prices[price_id])
        self._emit("customer.subscription.updated", sub, previous)
        return sub

    def _item_changes(self, sub: dict[str, Any], items: Any, field: str) -> list[tuple[dict[str, Any], str]]:
        """`items[i][id]` names an item of this subscription (a price change without it would add a
        second item, which this stand-in, like our billing, does not do); `items[i][price]` exists."""
        if items is None:
            return []
        if not isinstance(items, list):
            raise bad_param("Invalid array", field)
        changes = []
        for i, item in enumerate(items):
            target = next((it for it in sub["items"]["data"] if it["id"] == item.get("id")), None)
            if target is None:
                raise bad_param(
                    f"No such subscription item: '{item.get('id')}'", f"{field}[{i}][id]", "resource_missing"
                )
            price_id = item.get("price")
            if price_id not in self.prices:
                raise missing("price", str(price_id), f"{field}[{i}][price]")
            changes.append((target, str(price_id)))
        return changes

    def _new_card(self, customer_id: str) -> str:
        """The card paid with on the hosted page (4242 4242 4242 4242)."""
        pm_id = _id("pm")
        card = copy.deepcopy(_resources(fixtures_path())["payment_method"]["card"])
        card.update(brand="visa", display_brand="visa", last4="4242", exp_month=12, exp_year=2030)
        self.payment_methods[pm_id] = shape("payment_method", id=pm_id, customer=customer_id, type="card", card=card)
        return pm_id

    def _list_invoices(self, params: dict[str, Any]) -> dict[str, Any]:
        """`GET /v1/invoices?customer=…&limit=…`, newest first, as Stripe lists them."""
        limit = params.get("limit", "10")
        if not str(limit).isdigit() or not 1 <= int(limit) <= 100:
            raise bad_param("Invalid integer: limit must be between 1 and 100", "limit")
        found = [i for i in self.invoices.values() if params.get("customer") in (None, i["customer"])]
        found.sort(key=lambda i: (i["created"], i["id"]), reverse=True)
        listed = _list(found[: int(limit)], "/v1/invoices")
        listed["has_more"] = len(found) > int(limit)
        return listed

    def _preview_invoice(self, params: dict[str, Any]) -> dict[str, Any]:
        """`POST /v1/invoices/create_preview` for a subscription change: the proration lines (unused
        time on the old price credited, the rest of the period on the new one charged, each with
        `parent.subscription_item_details.proration = true`) and the next period's charge."""
        sub_id = params.get("subscription")
        if not sub_id:
            raise bad_param("Missing required param: subscription.", "subscription", "parameter_missing")
        sub = self._get(self.subscriptions, "subscription", str(sub_id))
        if params.get("customer") not in (None, sub["customer"]):
            raise bad_param("The subscription does not belong to this customer.", "customer")
        details = params.get("subscription_details") or {}
        _check_proration(details, "subscription_details")
        item = sub["items"]["data"][0]
        start, end = item["current_period_start"], item["current_period_end"]
        when = int(details.get("proration_date") or self.now())
        if not start <= when <= end:
            raise bad_param("proration_date must be within the current period.", "subscription_details[proration_date]")
        lines: list[dict[str, Any]] = []
        new_price = item["price"]
        for target, price_id in self._item_changes(sub, details.get("items"), "subscription_details[items]"):
            old, new_price = target["price"], self.prices[price_id]
            if details.get("proration_behavior", "create_prorations") != "none" and old["id"] != price_id:
                share = (end - when) / (end - start)
                for price, sign, text in ((old, -1, "Unused time on"), (new_price, 1, "Remaining time on")):
                    lines.append(
                        {
                            "object": "line_item",
                            "amount": sign * round(price["unit_amount"] * share),
                            "currency": "eur",
                            "description": f"{text} {price['nickname']}",
                            "period": {"start": when, "end": end},
                            "parent": {
                                "subscription_item_details": {"proration": True, "subscription_item": target["id"]}
                            },
                        }
                    )
        lines.append(
            {
                "object": "line_item",
                "amount": new_price["unit_amount"],
                "currency": "eur",
                "description": f"1 × {new_price['nickname']}",
                "period": {"start": end, "end": end + PERIOD_SECONDS},
                "parent": {"subscription_item_details": {"proration": False, "subscription_item": item["id"]}},
            }
        )
        total = sum(line["amount"] for line in lines)
        preview = shape(
            "invoice",
            id=None,
            customer=sub["customer"],
            currency="eur",
            amount_due=max(total, 0),
            subtotal=total,
            total=total,
            period_start=start,
            period_end=end,
            next_payment_attempt=end,
            status="draft",
            parent={
                "quote_details": None,
                "subscription_details": {"metadata": sub["metadata"], "subscription": sub["id"]},
                "type": "subscription_details",
            },
        )
        preview["lines"] = {"object": "list", "data": lines, "has_more": False, "url": "/v1/invoices/upcoming/lines"}
        return preview

    def _cancel(self, subscription_id: str) -> dict[str, Any]:
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        if sub["status"] == "canceled":
            raise StripeFailure(400, "invalid_request_error", "This subscription is already canceled.")
        now = int(self.now())
        sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_at=None)
        sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": "cancellation_requested"}
        self._emit("customer.subscription.deleted", sub)
        return sub

    def _new_subscription(self, customer_id: str, session_id: str) -> dict[str, Any]:
        extras = self._session_extras[session_id]
        now = int(self.now())
        trial_days = extras.get("trial_period_days")
        trial_end = now + int(trial_days) * 86400 if trial_days else None
        period_end = trial_end or now + PERIOD_SECONDS
        sub_id = _id("sub")
        items = [
            shape(
                "subscription_item",
                id=_id("si"),
                price=copy.deepcopy(self.prices[item["price"]]),
                quantity=int(item.get("quantity", "1")),
                subscription=sub_id,
                created=now,
                current_period_start=now,
                current_period_end=period_end,
                plan=None,
                billing_thresholds=None,
            )
            for item in extras["line_items"]
        ]
        sub = shape(
            "subscription",
            id=sub_id,
            customer=customer_id,
            status="trialing" if trial_end else "active",
            items={
                "data": items,
                "has_more": False,
                "object": "list",
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
            metadata=dict(extras["subscription_metadata"]),
            created=now,
            start_date=now,
            billing_cycle_anchor=period_end,
            currency="eur",
            cancel_at=None,
            canceled_at=None,
            ended_at=None,
            cancel_at_period_end=False,
            cancellation_details={"comment": None, "feedback": None, "reason": None},
            trial_start=now if trial_end else None,
            trial_end=trial_end,
            pending_update=None,
            pause_collection=None,
            transfer_data=None,
            next_pending_invoice_item_invoice=None,
            pending_invoice_item_interval=None,
            billing_cycle_anchor_config=None,
            billing_schedules=[],
            default_payment_method=self._new_card(customer_id),
        )
        self.subscriptions[sub_id] = sub
        return sub

    def _new_invoice(self, sub: dict[str, Any], *, paid: bool, reason: str) -> dict[str, Any]:
        now = int(self.now())
        customer = self.customers.get(sub["customer"], {})
        amount_due = sum(it["price"]["unit_amount"] * it["quantity"] for it in sub["items"]["data"])
        if sub["status"] == "trialing" and reason == "subscription_create":
            amount_due = 0
        invoice_id = _id("in")
        invoice = shape(
            "invoice",
            id=invoice_id,
            customer=sub["customer"],
            customer_email=customer.get("email"),
            currency="eur",
            amount_due=amount_due,
            amount_paid=amount_due if paid else 0,
            amount_remaining=0 if paid else amount_due,
            attempt_count=1,
            attempted=True,
            billing_reason=reason,
            created=now,
            status="paid" if paid else "open",
            hosted_invoice_url=f"{self.public_base}/invoices/{invoice_id}",
            parent={
                "quote_details": None,
                "subscription_details": {"metadata": sub["metadata"], "subscription": sub["id"]},
                "type": "subscription_details",
            },
            period_start=sub["items"]["data"][0]["current_period_start"],
            period_end=sub["items"]["data"][0]["current_period_end"],
            next_payment_attempt=None if paid else now + 3 * 86400,
            subtotal=amount_due,
            total=amount_due,
            from_invoice=None,
            last_finalization_error=None,
            shipping_cost=None,
            amount_overpaid=0,
        )
        invoice["lines"]["data"] = []
        self.invoices[invoice_id] = invoice
        sub["latest_invoice"] = invoice_id
        return invoice

    # --- what Stripe does on its own, on demand ---------------------------------------------------

    async def complete_checkout(self, session_id: str, email: str | None = None) -> list[dict[str, Any]]:
        """The customer pays on the hosted page: customer, subscription, paid invoice, completed
        session, and their events (delivered now unless `auto_deliver` is False)."""
        session = self._get(self.sessions, "checkout.session", session_id)
        if session["status"] != "open":
            raise ValueError(f"checkout session {session_id} is {session['status']}")
        first = len(self.events)
        customer_id = session["customer"]
        if customer_id is None:
            customer_id = self.new_customer(session["customer_email"] or email or "customer@example.com")["id"]
        customer = self.customers[customer_id]
        sub = self._new_subscription(customer_id, session_id)
        self._emit("customer.subscription.created", sub)
        invoice = self._new_invoice(sub, paid=True, reason="subscription_create")
        self._emit("invoice.paid", invoice)
        session.update(
            status="complete",
            payment_status="paid" if invoice["amount_due"] else "no_payment_required",
            customer=customer_id,
            subscription=sub["id"],
            invoice=invoice["id"],
            customer_details={
                "address": None,
                "email": customer["email"],
                "name": None,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            },
        )
        self._emit("checkout.session.completed", session)
        return await self._settle_from(first)

    async def fail_payment(self, subscription_id: str) -> list[dict[str, Any]]:
        """A renewal payment fails: an open invoice, the subscription `past_due`."""
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        first = len(self.events)
        previous = {"status": sub["status"]}
        sub["status"] = "past_due"
        invoice = self._new_invoice(sub, paid=False, reason="subscription_cycle")
        self._emit("invoice.payment_failed", invoice)
        self._emit("customer.subscription.updated", sub, previous)
        return await self._settle_from(first)

    async def require_action(self, subscription_id: str) -> list[dict[str, Any]]:
        """The bank asks for 3-D Secure on a renewal."""
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        first = len(self.events)
        invoice = self._new_invoice(sub, paid=False, reason="subscription_cycle")
        self._emit("invoice.payment_action_required", invoice)
        return await self._settle_from(first)

    async def recover(self, subscription_id: str) -> list[dict[str, Any]]:
        """The open invoice is paid after all: the subscription is `active` again."""
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        first = len(self.events)
        invoice = self.invoices.get(sub.get("latest_invoice") or "")
        if invoice is not None and invoice["status"] == "open":
            invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
            self._emit("invoice.paid", invoice)
        previous = {"status": sub["status"]}
        sub["status"] = "active"
        self._emit("customer.subscription.updated", sub, previous)
        return await self._settle_from(first)

    async def cancel(self, subscription_id: str, *, at_period_end: bool = False) -> list[dict[str, Any]]:
        first = len(self.events)
        if at_period_end:
            self._update_subscription({"cancel_at_period_end": "true"}, subscription_id)
        else:
            self._cancel(subscription_id)
        return await self._settle_from(first)

    async def trial_will_end(self, subscription_id: str) -> list[dict[str, Any]]:
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        first = len(self.events)
        self._emit("customer.subscription.trial_will_end", sub)
        return await self._settle_from(first)

    # --- events and their delivery ----------------------------------------------------------------

    def _emit(self, type_: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous:
            data["previous_attributes"] = previous
        event = shape(
            "event",
            id=_id("evt"),
            api_version=API_VERSION,
            created=int(self.now()),
            data=data,
            livemode=False,
            pending_webhooks=1,
            request={"id": None, "idempotency_key": None},
            type=type_,
        )
        self.events.append(event)
        return event

    async def _settle_from(self, first: int) -> list[dict[str, Any]]:
        emitted = self.events[first:]
        if self.auto_deliver:
            for event in emitted:
                await self.deliver(event)
        else:
            self.pending.extend(emitted)
        return emitted

    def _deliver_later(self, fresh: list[dict[str, Any]]) -> None:
        """Events an API call caused reach the webhook after the call returns, as on Stripe."""
        if not fresh:
            return
        if not self.auto_deliver:
            self.pending.extend(fresh)
            return
        for event in fresh:
            task = asyncio.get_running_loop().create_task(self._deliver_quietly(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver_quietly(self, event: dict[str, Any]) -> None:
        await self.deliver(event)

    async def settle(self) -> None:
        """Waits for deliveries scheduled by API calls."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def body_of(self, event: dict[str, Any]) -> bytes:
        return json.dumps(event, indent=2).encode()

    async def deliver(
        self,
        event: dict[str, Any],
        *,
        secret: str | None = None,
        timestamp: float | None = None,
        signature: str | None = None,
        raw: bytes | None = None,
    ) -> int:
        """POSTs one event to the webhook, signed like Stripe (override any part to test refusals)."""
        body = raw if raw is not None else self.body_of(event)
        t = int(self.now() if timestamp is None else timestamp)
        header = signature if signature is not None else signature_header(secret or self.webhook_secret, t, body)
        headers = {
            "content-type": "application/json; charset=utf-8",
            "stripe-signature": header,
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        status = await self._post(body, headers)
        self.deliveries.append(Delivery(event["id"], event["type"], status))
        if 200 <= status < 300 and event in self.pending:
            self.pending.remove(event)
        return status

    async def _post(self, body: bytes, headers: dict[str, str]) -> int:
        if self.webhook is not None:
            return await self.webhook(body, headers)
        if self.webhook_url:
            import httpx  # only the served stand-in posts over HTTP

            async with httpx.AsyncClient(timeout=30) as client:
                try:
                    reply = await client.post(self.webhook_url, content=body, headers=headers)
                except httpx.HTTPError:
                    return 0
                return reply.status_code
        return 0

    async def deliver_concurrently(self, event: dict[str, Any], times: int = 2) -> list[int]:
        return list(await asyncio.gather(*(self.deliver(event) for _ in range(times))))

    async def flush(self, order: str = "emitted") -> list[int]:
        """Delivers the held events: `emitted` order, `reversed`, or `shuffled`."""
        batch = list(self.pending)
        if order == "reversed":
            batch.reverse()
        elif order == "shuffled":
            secrets.SystemRandom().shuffle(batch)
        return [await self.deliver(event) for event in batch]

    def last_event(self, type_: str) -> dict[str, Any]:
        return next(e for e in reversed(self.events) if e["type"] == type_)

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

    def _checkout_page(self, session: dict[str, Any]) -> str:
        extras = self._session_extras.get(session["id"], {"line_items": []})
        rows = ""
        for item in extras["line_items"]:
            price = self.prices[item["price"]]
            rows += f"<p><b>{html.escape(str(price['nickname']))}</b>: {price['unit_amount'] / 100:.2f} EUR / month</p>"
        if session["status"] != "open":
            back = html.escape(session["success_url"] or "/")
            body = f'<p>This checkout is {session["status"]}.</p><p><a href="{back}">Back</a></p>'
            return _page("Checkout", body)
        email = session["customer_email"] or (self.customers.get(session["customer"] or "", {}).get("email") or "")
        body = (
            f'{rows}<form method="post" action="/checkout/{session["id"]}/pay">'
            f'<label>Email <input name="email" value="{html.escape(email)}"></label>'
            "<p>Card 4242 4242 4242 4242 (the stand-in takes no card details)</p>"
            '<button type="submit">Pay</button></form>'
            f'<p><a href="{html.escape(session["cancel_url"] or "/")}">Cancel and go back</a></p>'
        )
        return _page("Checkout (Stripe stand-in)", body)

    def _portal_page(self, portal: dict[str, Any]) -> str:
        rows = ""
        for sub in self.subscriptions.values():
            if sub["customer"] != portal["customer"]:
                continue
            buttons = "".join(
                f'<form method="post" action="/portal/{portal["id"]}/{action}/{sub["id"]}" style="display:inline">'
                f"<button>{label}</button></form> "
                for action, label in (
                    ("cancel_at_period_end", "Cancel at period end"),
                    ("cancel", "Cancel now"),
                    ("fail_payment", "Simulate a failed payment"),
                    ("recover", "Pay the open invoice"),
                )
            )
            name = html.escape(str(sub["items"]["data"][0]["price"]["nickname"]))
            ending = " (ends at period end)" if sub["cancel_at_period_end"] else ""
            rows += f"<p>{name}: <b>{sub['status']}</b>{ending} {buttons}</p>"
        back = html.escape(portal["return_url"] or "/")
        return _page(
            "Billing portal (Stripe stand-in)",
            f'{rows or "<p>No subscriptions.</p>"}<p><a href="{back}">Return</a></p>',
        )

    def _index_page(self) -> str:
        items = "".join(f"<li>{html.escape(e['type'])} {e['id']}</li>" for e in reversed(self.events[-50:]))
        return _page("Stripe stand-in", f"<p>{len(self.subscriptions)} subscriptions.</p><ul>{items}</ul>")


def _metadata(value: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise bad_param("metadata must be a hash.", "metadata")
    if len(value) > 50:
        raise bad_param("metadata can have at most 50 keys.", "metadata")
    for key, item in value.items():
        if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
            raise bad_param("metadata keys are at most 40 characters and values 500.", f"metadata[{key}]")
    return dict(value)


PRORATION_BEHAVIORS = ("create_prorations", "none", "always_invoice")


def _check_proration(params: dict[str, Any], prefix: str) -> None:
    name = f"{prefix}[proration_behavior]" if prefix else "proration_behavior"
    behavior = params.get("proration_behavior")
    if behavior is not None and behavior not in PRORATION_BEHAVIORS:
        raise bad_param(f"Invalid proration_behavior: must be one of {', '.join(PRORATION_BEHAVIORS)}", name)
    when = params.get("proration_date")
    if when is not None and not str(when).isdigit():
        raise bad_param("Invalid integer: proration_date", f"{prefix}[proration_date]" if prefix else "proration_date")


def _list(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "url": url}


def _redirect(location: str) -> Response:
    return Response(303, [("location", location)], b"")


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f'<body style="font-family:sans-serif;max-width:560px;margin:40px auto"><h1>{html.escape(title)}</h1>'
        f"{body}</body></html>"
    )


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


if __name__ == "__main__":
    main()
