"""Billing: Stripe checkout, customer portal, webhooks and entitlements (internal; core calls it)."""
