"""A stand-in for the parts of Stripe's API SmartPages uses, in process and over HTTP.

In process it implements the HttpClient port, so billing talks to it exactly as it talks to
`https://api.stripe.com` through fetch (any host: only the path counts). Served (ASGI, port 8789 on
the local stack) it also has a hosted checkout page whose Pay button completes payment, and a
billing-portal page that can cancel or fail a payment.

    python -m devstack.stripe --port 8789 \\
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

Each resource is a module (customers, checkout, billing_portal, subscriptions, invoices, events) whose
mixin StripeStandin (standin.py) combines; common.py holds what they share."""

from devstack.stripe.common import (
    API_KEY,
    API_VERSION,
    WEBHOOK_SECRET,
    StripeFailure,
    _resources,
    decode_form,
    fixtures_path,
    signature_header,
)
from devstack.stripe.events import Delivery
from devstack.stripe.standin import StripeStandin, asgi_app, main

__all__ = [
    "API_KEY",
    "API_VERSION",
    "WEBHOOK_SECRET",
    "Delivery",
    "StripeFailure",
    "StripeStandin",
    "_resources",
    "asgi_app",
    "decode_form",
    "fixtures_path",
    "main",
    "signature_header",
]
