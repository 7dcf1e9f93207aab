"""Connecting her domain, in her words (issue 28.1): what we understood she asked for, only the DNS
records her case needs, and the live check of each record against what the world sees now
(customer/dnscheck.py), with the steps for her DNS provider (customer/registrars.py).

Which records (a domain's rows as customer.domains keeps them):
- routing, one CNAME per hostname to the Cloudflare for SaaS target. For the apex of a www pair it
  is `recommended`, not required: the apex only redirects to www, most providers cannot hold a
  CNAME there (ALIAS/flattening, or their forwarding, does the job) and the site is live at www
  without it;
- Cloudflare's ownership and certificate TXT records, only for a hostname not yet active (once it
  is, they are not needed and are not shown).

A record's `host` is the name as most providers want it typed: relative to her DNS zone ("www",
"_cf-custom-hostname.www"), "@" for the zone itself. The zone is the longest of the hostname's last
two or three labels that has name servers (so shop.example.co.uk is in example.co.uk)."""

from __future__ import annotations

import json
from typing import Any

from customer import registrars
from customer.deps import CustomerDeps
from customer.dnscheck import Resolver

WHY = {
    "routing": "Sends visitors of {name} to your site.",
    "routing_apex": "Sends visitors who type {name} on to your site at www. Recommended, not required.",
    "ownership": "Proves to Cloudflare that the domain is yours. Needed only until your domain is live.",
    "certificate": "Lets Cloudflare issue the padlock (HTTPS) certificate. Needed only until your domain is live.",
}


def _canonical(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return next((r for r in rows if not r["redirect_to"]), rows[0])


def understood(rows: list[dict[str, Any]]) -> str:
    """What we connect, in one sentence."""
    canonical = _canonical(rows)
    host = str(canonical["hostname"])
    apex = next((str(r["hostname"]) for r in rows if r["redirect_to"]), None)
    if apex:
        return f"We'll connect {host}. Visitors who type {apex} will be sent to it."
    return f"We'll connect {host}. Other addresses of your domain stay as they are."


def zone_guess(host: str) -> str:
    return ".".join(host.split(".")[-2:])


def relative(name: str, zone: str) -> str:
    if name == zone:
        return "@"
    return name.removesuffix("." + zone)


def needed(deps: CustomerDeps, rows: list[dict[str, Any]], zone: str | None = None) -> list[dict[str, Any]]:
    """The records her case needs now: the required ones (the canonical hostname's), then the
    recommended ones (its apex's); routing before proofs in each."""
    ordered = sorted(rows, key=lambda r: (r["redirect_to"] is not None, str(r["hostname"])))
    zone = zone or zone_guess(str(ordered[0]["hostname"]))
    routing: list[dict[str, Any]] = []
    proofs: list[dict[str, Any]] = []
    for row in ordered:
        host = str(row["hostname"])
        apex = row["redirect_to"] is not None
        routing.append(
            {
                "type": "CNAME",
                "name": host,
                "host": relative(host, zone),
                "value": deps.settings.saas_target,
                "purpose": "routing",
                "required": not apex,
                "why": WHY["routing_apex" if apex else "routing"].format(name=host),
            }
        )
        if row["status"] == "active":
            continue  # proven: its TXT records are not needed any more
        for record in _stored(row):
            proofs.append(
                {
                    **record,
                    "host": relative(record["name"], zone),
                    "required": not apex,
                    "why": WHY.get(record.get("purpose", ""), "Asked for by Cloudflare.").format(name=host),
                }
            )
    # What she must set first; the apex's records (recommended) after them.
    return sorted([*routing, *proofs], key=lambda r: not r["required"])


def _stored(row: dict[str, Any]) -> list[dict[str, str]]:
    records = json.loads(row["records"] or "[]")
    return [r for r in records if isinstance(r, dict) and r.get("name") and r.get("value")]


def _zone_candidates(host: str) -> list[str]:
    labels = host.split(".")
    return [".".join(labels[-n:]) for n in (3, 2) if len(labels) >= n]


async def check(deps: CustomerDeps, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Record by record, what is needed and what the world sees now; her provider, if known."""
    resolver = Resolver(deps.http, deps.settings.doh_url, deps.clock)
    host = str(_canonical(rows)["hostname"])
    target = deps.settings.saas_target
    candidates = _zone_candidates(host)
    first = await resolver.lookups([(c, "NS") for c in candidates] + [(target, "A")])
    zone = next((c for c in candidates if first.get((c, "NS"))), zone_guess(host))
    records = needed(deps, rows, zone)
    wanted: list[tuple[str, str]] = []
    for record in records:
        wanted.append((record["name"], record["type"]))
        if record["host"] == "@":
            wanted.append((record["name"], "A"))  # flattened: the world sees addresses
    seen = await resolver.lookups(wanted)
    statuses = {str(r["hostname"]): str(r["status"]) for r in rows}
    target_addresses = set(first.get((target, "A")) or [])
    out = [_judge(r, seen, statuses, target, target_addresses) for r in records]
    provider = registrars.detect(first.get((zone, "NS")) or [])
    chosen = provider or registrars.GENERIC
    # What her provider offers at the domain itself: said only when her case has an apex.
    apex = chosen.apex.format(apex=zone) if any(r["redirect_to"] for r in rows) else ""
    return {
        "zone": zone,
        "provider": {**chosen.json(), "apex": apex, "detected": provider is not None},
        "records": out,
        "checked_at": deps.clock.now(),
    }


def _judge(
    record: dict[str, Any],
    seen: dict[tuple[str, str], list[str] | None],
    statuses: dict[str, str],
    target: str,
    target_addresses: set[str],
) -> dict[str, Any]:
    name, rtype = record["name"].lower(), record["type"]
    values = seen.get((name, rtype))
    addresses = seen.get((name, "A")) if record["host"] == "@" else None
    if values is None:
        return {**record, "seen": [], "state": "unknown"}
    shown = values or list(addresses or [])
    matches = [v.lower() for v in values] if rtype == "CNAME" else values
    if (record["value"].lower() if rtype == "CNAME" else record["value"]) in matches:
        state = "ok"
    elif rtype == "CNAME" and addresses and target_addresses & set(addresses):
        state = "ok"  # ALIAS / flattening: the same addresses as the target
    elif record["purpose"] == "routing" and statuses.get(name) == "active":
        state = "ok"  # Cloudflare has seen it in place; a resolver may lag
    else:
        state = "different" if shown else "missing"
    return {**record, "seen": shown, "state": state}
