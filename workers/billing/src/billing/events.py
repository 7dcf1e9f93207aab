"""What each Stripe event does. Subscription state is never taken from the event: the subscription
is fetched from Stripe when the event is processed and what Stripe says *now* is stored, so events
arriving late or out of order (an `updated` after the `deleted`) still end in Stripe's true state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from billing import entitlements
from billing.notices import amount, date
from billing.stripe import StripeClient, StripeError
from billing.subscriptions import LIVE, Record, StripeSubscription, SubscriptionStore
from shared import plans
from shared.log import log
from shared.mail import MailClient
from shared.ports import Clock


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    created: int
    object: dict[str, Any]


def id_of(value: Any) -> str | None:
    """A Stripe reference: an id string, or an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def invoice_subscription(invoice: dict[str, Any]) -> str | None:
    # Since 2025-03-31 the subscription is under parent.subscription_details; before, at the top.
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") if isinstance(parent, dict) else None
    found = id_of(details.get("subscription")) if isinstance(details, dict) else None
    return found or id_of(invoice.get("subscription"))


Handler = Callable[["EventProcessor", Event], Awaitable[None]]


@dataclass
class EventProcessor:
    store: SubscriptionStore
    stripe: StripeClient
    notifier: MailClient
    clock: Clock
    prices: str  # the STRIPE_PRICES override
    portal_origin: str
    handlers: dict[str, Handler] = field(init=False)

    def __post_init__(self) -> None:
        self.handlers = {
            "checkout.session.completed": EventProcessor.checkout_completed,
            "customer.subscription.created": EventProcessor.subscription_changed,
            "customer.subscription.updated": EventProcessor.subscription_changed,
            "customer.subscription.deleted": EventProcessor.subscription_changed,
            "customer.subscription.trial_will_end": EventProcessor.trial_will_end,
            "invoice.paid": EventProcessor.invoice_paid,
            "invoice.payment_failed": EventProcessor.payment_failed,
            "invoice.payment_action_required": EventProcessor.action_required,
        }

    @property
    def billing_link(self) -> str:
        return f"{self.portal_origin}/billing"

    def note(self, event: Event, message: str) -> None:
        log("stripe_event_note", event=event.id, type=event.type, note=message)

    async def process(self, event: Event) -> bool:
        """Returns False for event types billing ignores."""
        handler = self.handlers.get(event.type)
        if handler is None:
            return False
        await handler(self, event)
        return True

    # --- handlers ------------------------------------------------------------------------------

    async def checkout_completed(self, event: Event) -> None:
        session = event.object
        if session.get("mode") != "subscription":
            return
        metadata = session.get("metadata") or {}
        account = session.get("client_reference_id") or metadata.get("account_id")
        if not isinstance(account, str) or not account:
            self.note(event, "checkout session without client_reference_id: not ours")
            return
        details = session.get("customer_details") or {}
        email = details.get("email") or session.get("customer_email")
        customer = id_of(session.get("customer"))
        if customer:
            await self.store.link(account, customer, email if isinstance(email, str) else None, self.clock.now())
        subscription = id_of(session.get("subscription"))
        if subscription:
            await self.sync(event, subscription, account_hint=account)
        session_id = session.get("id")
        if isinstance(session_id, str):  # settled: the reconcile need not ask Stripe about it
            await self.store.checkout_settled(account, session_id)

    async def subscription_changed(self, event: Event) -> None:
        subscription = id_of(event.object)
        if subscription:
            await self.sync(event, subscription, fallback=event.object)

    async def invoice_paid(self, event: Event) -> None:
        subscription = invoice_subscription(event.object)
        if subscription:
            await self.sync(event, subscription)

    async def payment_failed(self, event: Event) -> None:
        invoice = event.object
        subscription = invoice_subscription(invoice)
        record = await self.sync(event, subscription) if subscription else None
        await self.invoice_notice(event, "payment_failed", record, self.billing_link)

    async def action_required(self, event: Event) -> None:
        invoice = event.object
        subscription = invoice_subscription(invoice)
        record = await self.sync(event, subscription) if subscription else None
        link = invoice.get("hosted_invoice_url")
        await self.invoice_notice(event, "payment_action_required", record, link or self.billing_link)

    async def trial_will_end(self, event: Event) -> None:
        subscription = id_of(event.object)
        record = await self.sync(event, subscription, fallback=event.object) if subscription else None
        if record is None or not record.email or record.trial_end is None:
            self.note(event, "no account, address or trial end: no trial notice")
            return
        data = {"plan": plans.get(record.plan).name, "trial_end": date(record.trial_end), "link": self.billing_link}
        await self.notifier.send("trial_ending", record.email, data, f"stripe/{event.id}")

    async def invoice_notice(self, event: Event, template: str, record: Record | None, link: str) -> None:
        invoice = event.object
        to = (record.email if record else None) or invoice.get("customer_email")
        if not isinstance(to, str) or not to:
            self.note(event, f"no address for {template}")
            return
        plan = plans.get(record.plan if record else None)
        data = {
            "plan": plan.name,
            "amount": amount(invoice.get("amount_due"), invoice.get("currency")),
            "link": link,
        }
        await self.notifier.send(template, to, data, f"stripe/{event.id}")

    # --- the subscription, as Stripe says it is now ------------------------------------------

    async def sync(
        self,
        event: Event,
        subscription_id: str,
        account_hint: str | None = None,
        fallback: dict[str, Any] | None = None,
    ) -> Record | None:
        try:
            obj = await self.stripe.get(f"/v1/subscriptions/{subscription_id}")
        except StripeError as exc:
            if exc.status != 404 or fallback is None:
                raise
            log("subscription_gone_at_stripe", exc, subscription=subscription_id)
            obj = fallback  # gone from Stripe (test data deleted): the event's copy is all there is
        sub = StripeSubscription.parse(obj, self.prices)
        account = sub.account_id or account_hint
        if account is None:
            known = await self.store.by_subscription(sub.id) or await self.store.by_customer(sub.customer)
            account = known.account_id if known else None
        if account is None:
            self.note(event, f"subscription {sub.id} belongs to no account we know")
            return None
        if await self.store.is_deleted(account):
            self.note(event, f"subscription {sub.id} belongs to a deleted account: nothing kept")
            return None
        now = self.clock.now()
        previous = await self.store.get(account)
        same = previous is not None and previous.stripe_subscription_id == sub.id
        replaced = previous is not None and not same and previous.stripe_subscription_id is not None
        if replaced and previous is not None and previous.status in LIVE and sub.status not in LIVE:
            self.note(event, f"ignoring ended {sub.id}: the account has live {previous.stripe_subscription_id}")
            return previous
        past_due_since = None
        if sub.status == "past_due":
            kept = previous.past_due_since if same and previous is not None else None
            past_due_since = kept if kept is not None else now  # the first failed payment starts the grace
        await self.store.save(account, sub, past_due_since, now)
        current = await self.store.get(account)
        assert current is not None
        await self.transition_notices(previous if same else None, current)
        return current

    async def transition_notices(self, previous: Record | None, current: Record) -> None:
        if not current.email or not current.stripe_subscription_id:
            return
        sub_id, plan = current.stripe_subscription_id, plans.get(current.plan)
        was = previous.status if previous else "none"
        if current.status == "active" and was != "active":  # the first payment (or a recovered one)
            await self.notifier.crm("paid", current.email)
        if current.status in entitlements.GRANTING and was not in entitlements.GRANTING and was != "past_due":
            await self.notifier.send(
                "subscription_activated",
                current.email,
                {"plan": plan.name, "link": self.billing_link},
                f"subscription-activated/{sub_id}",
            )
        ending = current.status == "canceled" or (current.cancel_at_period_end and current.status in LIVE)
        if ending and not (previous and (previous.status == "canceled" or previous.cancel_at_period_end)):
            data = {"plan": plan.name, "link": self.billing_link}
            if current.status != "canceled" and current.current_period_end:
                data["access_until"] = date(current.current_period_end)
            await self.notifier.send("subscription_cancelled", current.email, data, f"subscription-cancelled/{sub_id}")
