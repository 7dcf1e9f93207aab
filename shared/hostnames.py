"""Names customer gives to hosts and domain reads back (the two never talk, so the contract lives here)."""

from __future__ import annotations

# A site's private draft preview: preview--<token>.<SITES_DOMAIN>. Site slugs never hold "--", so no
# site can take a preview's name.
PREVIEW_PREFIX = "preview--"


def preview_host(token: str, sites_domain: str) -> str:
    return f"{PREVIEW_PREFIX}{token}.{sites_domain}"


def is_preview(host: str) -> bool:
    return host.startswith(PREVIEW_PREFIX)
