"""A stand-in for DNS over HTTPS in JSON (Cloudflare's 1.1.1.1 resolver,
`https://cloudflare-dns.com/dns-query`, which follows Google's schema): what "the world sees" of a
customer's domain, with records a test (or a developer) sets as a registrar would.

    GET /dns-query?name=www.example.com&type=CNAME      Accept: application/dns-json

Answers as the real resolver does: `{"Status", "TC", "RD", "RA", "AD", "CD", "Question": [{"name",
"type"}], "Answer": [{"name", "type", "TTL", "data"}]}` with names fully qualified (a final dot),
types as numbers, TXT data in double quotes, CNAME/NS targets with a final dot; `Status` 3 (NXDOMAIN)
for a name that has no record at all, 0 with no `Answer` for a name that has others; a CNAME on the
name is followed once (its record first, then the target's of the asked type), as a resolver
follows the chain. A missing or unknown `type`, a missing `name` or a request that does not accept
`application/dns-json` is a 400 with `{"error": ...}`, as the real endpoint answers.

Control routes (the registrar's side), over HTTP only:
    PUT    /_standin/dns  {"name", "type", "data": [...]}   sets that name's records of that type
    DELETE /_standin/dns  {"name", "type"}                  removes them

It keeps its records in `state()`/`restore()`, so `devstack.persist.Persisted` saves them beside the
lane's state. `requests` records every query."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.http import Request, Response, json_response

DOH_URL = "https://cloudflare-dns.com/dns-query"
CONTROL = "/_standin/dns"
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "CAA": 257}
TTL = 300


def _fqdn(name: str) -> str:
    return name.strip().lower().rstrip(".") + "."


def _key(name: str, rtype: str) -> str:
    return f"{name.strip().lower().rstrip('.')} {rtype}"


def _wire(rtype: str, value: str) -> str:
    """A record's `data` as the resolver writes it."""
    if rtype == "TXT":
        return '"' + value.replace('"', '\\"') + '"'
    if rtype in ("CNAME", "NS"):
        return _fqdn(value)
    return value


def _type(value: str) -> str | None:
    if value.isdigit():
        return next((name for name, number in TYPES.items() if number == int(value)), None)
    return value.upper() if value.upper() in TYPES else None


@dataclass
class DnsStandin:
    url: str = DOH_URL
    records: dict[str, list[str]] = field(default_factory=dict)  # "name TYPE" -> values (unquoted)
    requests: list[Request] = field(default_factory=list)

    def set(self, name: str, rtype: str, values: list[str]) -> None:
        """What a registrar's DNS page does: the name's records of that type are now `values`."""
        if values:
            self.records[_key(name, rtype.upper())] = list(values)
        else:
            self.records.pop(_key(name, rtype.upper()), None)

    def values(self, name: str, rtype: str) -> list[str]:
        return list(self.records.get(_key(name, rtype.upper()), []))

    async def fetch(self, request: Request) -> Response:
        """The HttpClient port: a query at the resolver's URL."""
        self.requests.append(request)
        if request.method != "GET" or request.path != self.url:
            return json_response({"error": "Not Found"}, 404)
        query = {k: v[-1] for k, v in parse_qs(request.query).items()}
        accepts = request.header("accept").split(",")
        if "application/dns-json" not in [a.split(";")[0].strip() for a in accepts] and (
            query.get("ct") != "application/dns-json"
        ):
            return json_response({"error": "Invalid content type"}, 400)
        name = query.get("name", "").strip()
        rtype = _type(query.get("type", "A"))
        if not name or len(name) > 253 or rtype is None:
            return json_response({"error": "Invalid query name or type"}, 400)
        return self._answer(name, rtype)

    def _answer(self, name: str, rtype: str) -> Response:
        answer: list[dict[str, Any]] = []
        target = name
        alias = self.values(name, "CNAME")
        if alias and rtype != "CNAME":
            answer.append({"name": _fqdn(name), "type": TYPES["CNAME"], "TTL": TTL, "data": _wire("CNAME", alias[0])})
            target = alias[0]
        answer.extend(
            {"name": _fqdn(target), "type": TYPES[rtype], "TTL": TTL, "data": _wire(rtype, value)}
            for value in self.values(target, rtype)
        )
        known = any(key.split(" ")[0] == name.lower().rstrip(".") for key in self.records)
        body: dict[str, Any] = {
            "Status": 0 if known else 3,
            "TC": False,
            "RD": True,
            "RA": True,
            "AD": False,
            "CD": False,
            "Question": [{"name": _fqdn(name), "type": TYPES[rtype]}],
        }
        if answer:
            body["Answer"] = answer
        return Response(200, [("content-type", "application/dns-json")], json.dumps(body).encode())

    async def handle(self, request: Request) -> Response:
        """Over HTTP: queries at /dns-query, the registrar's side at /_standin/dns."""
        if request.path == CONTROL and request.method in ("PUT", "DELETE"):
            try:
                body = json.loads(request.body)
                name, rtype = str(body["name"]), _type(str(body["type"]))
                data = [str(v) for v in body.get("data", [])] if request.method == "PUT" else []
            except (ValueError, KeyError, TypeError):
                return json_response({"error": "expected {name, type, data}"}, 400)
            if rtype is None:
                return json_response({"error": "unknown type"}, 400)
            self.set(name, rtype, data)
            return json_response({"name": name, "type": rtype, "data": self.values(name, rtype)})
        origin = self.url.removesuffix(urlsplit(self.url).path)
        return await self.fetch(request.replace(path=origin + request.path))

    def state(self) -> dict[str, Any]:
        return {"records": self.records}

    def restore(self, state: dict[str, Any]) -> None:
        self.records.update(state.get("records", {}))
