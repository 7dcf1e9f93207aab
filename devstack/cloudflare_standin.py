"""A stand-in for Cloudflare for SaaS's custom-hostnames API, in process: it implements the
HttpClient port, so customer talks to it exactly as to `https://api.cloudflare.com/client/v4`.

    POST   /zones/{zone_id}/custom_hostnames         {"hostname", "ssl": {"method", "type", "settings"?}}
    GET    /zones/{zone_id}/custom_hostnames/{id}
    DELETE /zones/{zone_id}/custom_hostnames/{id}

It answers in Cloudflare's envelope ({"success", "errors": [{"code", "message"}], "messages",
"result"}), refuses a missing or wrong `Authorization: Bearer` token (10000 "Authentication error"),
an unknown zone (7003), malformed bodies or unknown fields (1407 / 1004), a duplicate hostname
(1406), and an unknown id (1436, 404). A new hostname is `pending` with `pending_validation` SSL
and an ownership TXT record; tests (or the local stack) call `activate(hostname)` when "DNS is in
place". Given the DNS stand-in (`dns`, devstack/dns_standin.py), it also looks as Cloudflare does:
a pending hostname read with GET turns active once the world sees its records (a CNAME, or an
address for an apex, on the hostname, and the ownership and certificate TXT values).
`requests` records every call."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.asgi import Handles
from devstack.cloudflare_account import AccountStandin, TokenScopes
from devstack.dns_standin import CONTROL, DnsStandin
from shared.http import Request, Response, json_response

API = "https://api.cloudflare.com/client/v4"
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
_SSL_FIELDS = {"method", "type", "settings", "bundle_method", "wildcard", "custom_certificate", "custom_key"}


def envelope(result: Any, status: int = 200) -> Response:
    return json_response({"success": True, "errors": [], "messages": [], "result": result}, status)


def failure(status: int, code: int, message: str) -> Response:
    return json_response(
        {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}, status
    )


@dataclass
class CloudflareStandin:
    token: str
    zone_id: str
    base: str = API
    hostnames: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> custom hostname object
    requests: list[Request] = field(default_factory=list)
    dns: DnsStandin | None = None  # what the world sees: pending hostnames whose records it shows turn active

    async def fetch(self, request: Request) -> Response:
        self.requests.append(request)
        prefix = f"{self.base}/zones/"
        if not request.path.startswith(prefix):
            return failure(404, 7000, "No route for that URI")
        auth = request.header("authorization")
        if not auth:
            return failure(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
        if auth != f"Bearer {self.token}":
            return failure(403, 10000, "Authentication error")
        zone, _, rest = request.path[len(prefix) :].partition("/")
        if zone != self.zone_id:
            return failure(
                400, 7003, "Could not route to /zones/" + zone + ", perhaps your object identifier is invalid?"
            )
        parts = rest.split("/")
        if parts[0] != "custom_hostnames" or len(parts) > 2:
            return failure(404, 7000, "No route for that URI")
        if len(parts) == 1:
            if request.method == "POST":
                return self._create(request)
            if request.method == "GET":
                return envelope(list(self.hostnames.values()))
            return failure(405, 10405, "Method not allowed")
        found = self.hostnames.get(parts[1])
        if found is None:
            return failure(404, 1436, "The custom hostname was not found.")
        if request.method == "GET":
            self._validate(found)
            return envelope(found)
        if request.method == "DELETE":
            del self.hostnames[parts[1]]
            return envelope({"id": parts[1]})
        return failure(405, 10405, "Method not allowed")

    def _create(self, request: Request) -> Response:
        if request.header("content-type").split(";")[0] != "application/json":
            return failure(400, 1004, "Content-Type must be application/json")
        try:
            body = json.loads(request.body)
        except ValueError:
            return failure(400, 1004, "Malformed JSON")
        if not isinstance(body, dict) or set(body) - {"hostname", "ssl", "custom_metadata", "custom_origin_server"}:
            return failure(400, 1004, "Unknown field in request body")
        hostname = body.get("hostname")
        if not isinstance(hostname, str) or not _HOSTNAME.match(hostname):
            return failure(400, 1407, "Invalid custom hostname. Custom hostnames must be valid domain names.")
        ssl = body.get("ssl")
        if not isinstance(ssl, dict) or set(ssl) - _SSL_FIELDS or ssl.get("method") not in ("http", "txt", "email"):
            return failure(400, 1004, "ssl.method must be http, txt or email")
        if ssl.get("type") != "dv":
            return failure(400, 1004, "ssl.type must be dv")
        if any(h["hostname"] == hostname for h in self.hostnames.values()):
            return failure(409, 1406, "Duplicate custom hostname found.")
        host_id = str(uuid.uuid4())
        self.hostnames[host_id] = {
            "id": host_id,
            "hostname": hostname,
            "status": "pending",
            "ssl": {
                "id": str(uuid.uuid4()),
                "type": "dv",
                "method": ssl["method"],
                "status": "pending_validation",
                "validation_records": [{"txt_name": f"_acme-challenge.{hostname}", "txt_value": uuid.uuid4().hex}],
            },
            "ownership_verification": {
                "type": "txt",
                "name": f"_cf-custom-hostname.{hostname}",
                "value": str(uuid.uuid4()),
            },
            "created_at": "2026-01-01T00:00:00Z",
        }
        return envelope(self.hostnames[host_id], 201)

    def _validate(self, item: dict[str, Any]) -> None:
        """Cloudflare's own look at the DNS: routing in place and every TXT value published."""
        dns, host = self.dns, str(item["hostname"])
        if dns is None or item["status"] == "active":
            return
        if not (dns.values(host, "CNAME") or dns.values(host, "A")):
            return
        wanted = [(r["txt_name"], r["txt_value"]) for r in item["ssl"].get("validation_records", [])]
        ownership = item.get("ownership_verification")
        if ownership:
            wanted.append((ownership["name"], ownership["value"]))
        if all(value in dns.values(name, "TXT") for name, value in wanted):
            self.activate(host)

    def activate(self, hostname: str) -> None:
        """The customer's DNS is in place: hostname and certificate turn active."""
        for item in self.hostnames.values():
            if item["hostname"] == hostname:
                item["status"] = "active"
                item["ssl"]["status"] = "active"
                item["ssl"].pop("validation_records", None)
                item.pop("ownership_verification", None)
                return
        raise KeyError(hostname)

    async def handle(self, request: Request) -> Response:
        """Over HTTP (the local stack and the lane): the API under /client/v4, plus one control
        route a developer or test uses to say "the DNS is in place": POST /_standin/activate/{host}."""
        if request.method == "POST" and request.path.startswith(ACTIVATE):
            try:
                self.activate(request.path[len(ACTIVATE) :])
            except KeyError:
                return failure(404, 1436, "The custom hostname was not found.")
            return envelope({"activated": request.path[len(ACTIVATE) :]})
        origin = self.base.removesuffix(API_PATH)
        return await self.fetch(request.replace(path=origin + request.path))

    def state(self) -> dict[str, Any]:
        return {"hostnames": self.hostnames}

    def restore(self, state: dict[str, Any]) -> None:
        self.hostnames.update(state.get("hostnames", {}))


API_PATH = "/client/v4"
DOH_PATH = "/dns-query"
ACTIVATE = "/_standin/activate/"
STANDIN_ACCOUNT_ID = "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e"
STANDIN_DEPLOY_TOKEN = "local-standin-deploy-token"  # noqa: S105 (the local stand-in's, public)
ANALYTICS_TOKEN = "local-standin-analytics-token"  # noqa: S105 (Account Analytics: Read; the stand-in's, public)


@dataclass
class CloudflareApi:
    """Both stand-ins behind one base URL, as on api.cloudflare.com: custom hostnames (customer's
    token) and, when `account` is set, the account API that wrangler deploys through (the deploy
    token)."""

    hostnames: Handles  # CloudflareStandin, or Persisted(CloudflareStandin)
    account: AccountStandin | None = None
    analytics: Any = None  # devstack.analytics_standin.AnalyticsSqlStandin: the Analytics Engine SQL API
    dns: Handles | None = None  # DNS over HTTPS (devstack/dns_standin.py) at /dns-query, set at /_standin/dns

    async def handle(self, request: Request) -> Response:
        if self.dns is not None and request.path in (DOH_PATH, CONTROL):
            answer_dns: Response = await self.dns.handle(request)
            return answer_dns
        if self.analytics is not None and "/analytics_engine/" in request.path:
            answer: Response = await self.analytics.fetch(request)
            return answer
        if (
            self.account is not None
            and "/custom_hostnames" not in request.path
            and not request.path.startswith(ACTIVATE)
        ):
            return await self.account.handle(request)
        return await self.hostnames.handle(request)


def main(argv: list[str] | None = None) -> None:
    import argparse

    import uvicorn

    from devstack.asgi import asgi
    from devstack.persist import Persisted

    parser = argparse.ArgumentParser(description="The Cloudflare API stand-in over HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--token", default="local-standin-cloudflare-token")
    parser.add_argument("--zone", default="023e105f4ecef8ad9ca31a8372d0c353")
    parser.add_argument("--state", default="", help="a JSON file the stand-in keeps its state in across restarts")
    parser.add_argument("--account-state", type=Path, help="serve the account API (wrangler deploys) too, state here")
    parser.add_argument("--account", default=STANDIN_ACCOUNT_ID)
    parser.add_argument("--deploy-token", default=STANDIN_DEPLOY_TOKEN)
    parser.add_argument("--zone-name", action="append", default=[], help="NAME=ID of a zone routes may use")
    parser.add_argument("--token-scopes", type=Path, help="a JSON file of the deploy token's scopes (default: all)")
    parser.add_argument(
        "--routes-403-code",
        type=int,
        default=None,
        help="the code of the 403 a zone-scoped token gets from the account-level routes call (default: none)",
    )
    parser.add_argument("--dns-record", action="append", default=[], help="a hostname with an external DNS record")
    parser.add_argument(
        "--refuse-new-workers",
        action="store_true",
        help="refuse (and record) any upload that would create a Worker: the runbook rehearsal's guard",
    )
    parser.add_argument(
        "--account-owned-token", action="store_true", help="the deploy token is an account API token, not a user's"
    )
    parser.add_argument("--analytics-dir", type=Path, help="answer the Analytics Engine SQL API over the points here")
    parser.add_argument("--analytics-token", default=ANALYTICS_TOKEN)
    parser.add_argument("--dns-state", type=Path, help="serve DNS over HTTPS at /dns-query too, records kept here")
    args = parser.parse_args(argv)
    dns = DnsStandin(url=f"http://{args.host}:{args.port}{DOH_PATH}") if args.dns_state else None
    standin = CloudflareStandin(args.token, args.zone, base=f"http://{args.host}:{args.port}{API_PATH}", dns=dns)
    hostnames: Handles = Persisted(standin, Path(args.state)) if args.state else standin
    account = None
    if args.account_state is not None:
        zones = dict(z.split("=", 1) for z in args.zone_name)
        scopes = TokenScopes.from_json(json.loads(args.token_scopes.read_text())) if args.token_scopes else None
        account = AccountStandin(
            args.account_state,
            args.deploy_token,
            args.account,
            zones,
            scopes=scopes,
            routes_403_code=args.routes_403_code,
            external_dns=set(args.dns_record),
            refuse_new_workers=args.refuse_new_workers,
            account_owned_token=args.account_owned_token,
        )
    analytics = None
    if args.analytics_dir is not None:
        from devstack.analytics_standin import AnalyticsSqlStandin

        analytics = AnalyticsSqlStandin(args.analytics_token, args.account, args.analytics_dir)
    print(f"cloudflare stand-in ready http://{args.host}:{args.port}{API_PATH}", flush=True)
    served_dns = Persisted(dns, args.dns_state) if dns is not None and args.dns_state else None
    uvicorn.run(
        asgi(CloudflareApi(hostnames, account, analytics, served_dns)),
        host=args.host,
        port=args.port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
