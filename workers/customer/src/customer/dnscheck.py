"""What the world sees of a customer's domain now: DNS over HTTPS in JSON (Cloudflare's resolver at
`Settings.doh_url`, Google's schema: `GET ?name=&type=` with `Accept: application/dns-json`,
answered `{"Status", "Answer": [{"name", "type", "TTL", "data"}]}`), over the HttpClient port.

Bounded: a check asks only for the few records one domain needs (at most MAX_LOOKUPS, asked
together), and every answer is kept for CACHE_SECONDS in the isolate, so a panel polling every few
seconds, or several tabs, cost the resolver one question per record per CACHE_SECONDS. A resolver
that cannot be reached (or answers nonsense) gives `None`: the check says "could not look", never
"missing"."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from shared.http import Request
from shared.log import log
from shared.ports import Clock, HttpClient

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "TXT": 16, "AAAA": 28}
CACHE_SECONDS = 10.0
CACHE_ENTRIES = 512
MAX_LOOKUPS = 16

# (url, name, type) -> (expires at, values or None). Per isolate; lost on restart, which is fine.
_CACHE: dict[tuple[str, str, str], tuple[float, list[str] | None]] = {}


def clean(rtype: str, data: str) -> str:
    """A record's `data` as she would type it: TXT without its quotes (split strings joined),
    names without the final dot, lower-case."""
    value = data.strip()
    if rtype == "TXT":
        if value.startswith('"') and value.endswith('"'):
            parts = [p for p in value[1:-1].split('" "')]
            value = "".join(parts).replace('\\"', '"')
        return value
    return value.rstrip(".").lower()


def parse(rtype: str, body: Any) -> list[str] | None:
    """The values of type `rtype` in a resolver's JSON answer; None when it is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("Status"), int):
        return None
    if body["Status"] not in (0, 3):  # 2 SERVFAIL, 5 REFUSED, …: the resolver could not tell
        return None
    answer = body.get("Answer") or []
    if not isinstance(answer, list):
        return None
    values = []
    for record in answer:
        if not isinstance(record, dict) or not isinstance(record.get("data"), str):
            return None
        if record.get("type") == TYPES[rtype]:
            values.append(clean(rtype, record["data"]))
    return values


@dataclass
class Resolver:
    http: HttpClient
    url: str
    clock: Clock

    async def lookup(self, name: str, rtype: str) -> list[str] | None:
        key = (self.url, name.lower().rstrip("."), rtype)
        now = self.clock.now()
        cached = _CACHE.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        request = Request(
            "GET", self.url, query=f"name={key[1]}&type={rtype}", headers={"accept": "application/dns-json"}
        )
        try:
            reply = await self.http.fetch(request)
            values = parse(rtype, reply.json()) if reply.status == 200 else None
        except Exception as exc:
            log("dns_lookup_failed", exc, name=key[1], type=rtype)
            values = None
        if len(_CACHE) >= CACHE_ENTRIES:
            _CACHE.clear()
        # An answer we could not read is kept briefly too: a broken resolver is not asked in a loop.
        _CACHE[key] = (now + CACHE_SECONDS, values)
        return values

    async def lookups(self, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], list[str] | None]:
        """Each distinct (name, type) asked once, together; at most MAX_LOOKUPS."""
        unique = list(dict.fromkeys((n.lower().rstrip("."), t) for n, t in wanted))[:MAX_LOOKUPS]
        answers = await asyncio.gather(*(self.lookup(name, rtype) for name, rtype in unique))
        return dict(zip(unique, answers, strict=True))


def forget() -> None:
    """Tests: an empty cache."""
    _CACHE.clear()
