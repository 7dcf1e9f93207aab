"""The mailbox an address reaches: what mail budgets and per-mailbox caps count (issue 23).

`+tag` aliases reach the mailbox before the `+` at most providers, and Gmail ignores dots in the
local part, so `Stranger+7@Example.org` and `stranger@example.org` are one mailbox, as are
`s.tranger@gmail.com` and `stranger@googlemail.com`. Used only for counting: mail still goes to
the address as typed."""

from __future__ import annotations

GMAIL = ("gmail.com", "googlemail.com")


def mailbox(address: str) -> str:
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0] or local  # nothing before the tag: keep it as typed
    if domain in GMAIL:
        local, domain = local.replace(".", "") or local, GMAIL[0]
    return f"{local}@{domain}"
