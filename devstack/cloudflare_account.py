"""A stand-in for the account side of Cloudflare's API: what `wrangler` calls to deploy this project,
so `scripts/deploy` can be rehearsed offline (wrangler honours `CLOUDFLARE_API_BASE_URL`).

    GET  /user/tokens/verify or /accounts/{a}/tokens/verify, /accounts/{a}  the deploy's login check
    GET  /user, /memberships, /accounts                                `wrangler whoami`
    D1   /accounts/{a}/d1/database[/{id|name}[/query|/raw]]             create, list, info, SQL (real SQLite)
    R2   /accounts/{a}/r2/buckets[/{name}]                              create, list, info
    Workers /accounts/{a}/workers/services/{name}, /scripts/{name}      upload (multipart), settings,
         /scripts/{name}/subdomain, /secrets, /versions, /deployments, assets upload sessions
    Routes  /zones?name=…, /zones/{z}/workers/routes, /accounts/{a}/workers/domains[/records]
    What the runbooks (docs/operations.md) call on a deployed account: queue info and
    pause/resume delivery (/queues/{id}), D1 export and import (/export, /import: polling, then a
    signed URL), Time Travel (/time_travel/bookmark, /restore), database delete, R2 objects
    (/r2/buckets/{b}/objects/{key}), deployments list and rollback (/deployments), `secret put`
    (/secrets) and `wrangler tail` (/tails, then a WebSocket that sends one event and closes).

It enforces the rules a real deploy of this project meets, with Cloudflare's codes and messages: a
wrong token (10000; 401 1000 "Invalid API Token" from /user/tokens/verify) or account (9109); a
token without the permission a call needs (403 10000; scopes modelled when given, see
AccountStandin); a service binding to a worker that does not exist (10143); a D1 binding whose id is
unknown (10181); a Python module without the `python_workers` flag (10021 "No such module"); a
worker over the plan's size limit (10027); a route or custom domain outside the account's zones
(10083 zone_not_found); a custom domain on a hostname with externally managed DNS records (100117,
unless overridden); a `secret_text` missing for a name the metadata requires; an unknown worker
(10007) or service (10090): a secret, settings, tail or deployments call on a script that does not
exist answers 404 10007, which is what makes wrangler's `secret put` offer to create a new, empty
Worker ("There doesn't seem to be a Worker called …"; without a terminal it does not ask). With
`refuse_new_workers` (the runbook rehearsal) any upload that would create a Worker is refused and
recorded in `refused`, so a command aimed at the wrong name cannot pass by creating one. A Durable
Object binding to a class no migration (applied before or sent with the upload) created is refused
(10061). Durable Object migrations sent by `wrangler deploy` are applied and the script's
`migration_tag` is reported as wrangler reads it (a stale `old_tag` and unexported classes are not
checked).
State (workers with their uploaded modules, assets, secrets, D1 files, buckets, routes) persists in
`--state`, so a second deploy sees the first; `uploaded(name)` gives back what was deployed, which
the deploy rehearsal runs on the runtime lane."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import socket
import sqlite3
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from shared.http import Request, Response, json_response

API_PATH = "/client/v4"
SIGNED_PATH = "/_standin/signed/"  # where the stand-in's "presigned" D1 export and import URLs point
FREE_PLAN_GZIP_LIMIT = 3 * 1024 * 1024  # 3 MB compressed (Workers Free); Paid is 10 MB
PAID_PLAN_GZIP_LIMIT = 10 * 1024 * 1024
# List pages, as the real API pages them: R2 buckets by cursor, D1 databases and queues by page.
R2_DEFAULT_PER_PAGE, R2_MAX_PER_PAGE = 20, 1000
QUEUES_DEFAULT_PER_PAGE, QUEUES_MAX_PER_PAGE = 20, 1000


def envelope(result: Any, status: int = 200, **extra: Any) -> Response:
    return json_response({"success": True, "errors": [], "messages": [], "result": result, **extra}, status)


def failure(status: int, code: int | None, message: str) -> Response:
    return json_response(
        {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}, status
    )


class ApiError(Exception):
    """An API error answer. `code=None` answers an error without a numeric code (the API does so for
    some 403s: workers-sdk#15718)."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(message)
        self.response = failure(status, code, message)


def _now() -> str:
    return "2026-01-01T00:00:00.000000Z"


ALL_ZONES = "*"  # a token's zone resources: "All zones from an account"
EDIT, READ = ": Edit", ": Read"
# GET /accounts/{id} (Account Details) takes any one of these (Read, or Edit which includes it), as
# Cloudflare's API reference lists its accepted permissions: a deploy token needs no Account Settings.
ACCOUNT_DETAILS_PERMISSIONS = (
    "Account Settings", "Workers Scripts", "Workers R2 Storage", "Workers KV Storage", "Workers Tail", "Billing",
    "DNS Firewall", "Account Firewall Access Rules", "Load Balancing: Monitors and Pools", "Load Balancers Account",
    "DDoS Protection", "DDoS Botnet Feed", "Trust and Safety", "DNS View", "Zero Trust: PII",
)  # fmt: skip


@dataclass(frozen=True)
class TokenScopes:
    """What an API token may do, as the dashboard grants it: permission groups ("Workers Scripts:
    Edit", "D1: Edit", ...) at account level, user level, and per zone (a zone name, or ALL_ZONES).
    An Edit grant includes Read."""

    account: frozenset[str]
    user: frozenset[str] = frozenset()
    zones: tuple[tuple[str, frozenset[str]], ...] = ()

    @staticmethod
    def _grants(granted: frozenset[str], permission: str) -> bool:
        return permission in granted or (permission.endswith(READ) and permission.removesuffix(READ) + EDIT in granted)

    def on_account(self, permission: str) -> bool:
        return self._grants(self.account, permission)

    def on_user(self, permission: str) -> bool:
        return self._grants(self.user, permission)

    def on_zone(self, zone: str, permission: str) -> bool:
        return any(z in (zone, ALL_ZONES) and self._grants(p, permission) for z, p in self.zones)

    def on_all_zones(self, permission: str) -> bool:
        return any(z == ALL_ZONES and self._grants(p, permission) for z, p in self.zones)

    def sees_zone(self, zone: str) -> bool:
        return any(z in (zone, ALL_ZONES) and p for z, p in self.zones)

    def to_json(self) -> dict[str, Any]:
        return {
            "account": sorted(self.account),
            "user": sorted(self.user),
            "zones": {z: sorted(p) for z, p in self.zones},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenScopes:
        return cls(
            frozenset(data.get("account", [])),
            frozenset(data.get("user", [])),
            tuple((z, frozenset(p)) for z, p in data.get("zones", {}).items()),
        )


@dataclass
class AccountStandin:
    """One account, one API token. `zones` maps zone names to ids (the zones the routes need).

    `scopes` models the token's permissions (None: everything). A call the token may not make is
    refused with 403 10000 "Authentication error", as the API does; except the account-level
    `PUT /workers/scripts/{name}/routes` with Workers Routes granted on some zones only, which the
    API refuses with a 403 whose code is `routes_403_code`: 10000 (wrangler then falls back to
    per-zone route calls) or None, as workers-sdk#15718 reports the API answering since 2026
    (wrangler then fails the deploy after the upload). `external_dns` holds hostnames that already
    have DNS records managed outside Workers (a custom domain there is 100117 unless overridden).
    `account_owned_token`: the token is an account API token, which `/user/tokens/verify` does not
    know (401 1000, as for any token it did not issue) and `/accounts/{a}/tokens/verify` does."""

    state: Path
    token: str
    account_id: str
    zones: dict[str, str]
    size_limit: int = PAID_PLAN_GZIP_LIMIT
    scopes: TokenScopes | None = None
    routes_403_code: int | None = None
    external_dns: set[str] = field(default_factory=set)
    refuse_new_workers: bool = False
    account_owned_token: bool = False

    def __post_init__(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        self.file = self.state / "account.json"
        self.data: dict[str, Any] = (
            json.loads(self.file.read_text())
            if self.file.exists()
            else {"d1": {}, "r2": {}, "workers": {}, "routes": {}, "domains": {}, "assets": {}, "log": []}
        )
        for hostname in self.external_dns:  # records made outside Workers, until a custom domain replaces one
            self.data.setdefault("dns", {}).setdefault(hostname, "external")

    @property
    def _dns(self) -> dict[str, str]:
        dns: dict[str, str] = self.data.setdefault("dns", {})
        return dns

    # -- persistence ---------------------------------------------------------------------------

    def _save(self) -> None:
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        tmp.replace(self.file)

    def _blob(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        folder = self.state / "blobs"
        folder.mkdir(exist_ok=True)
        (folder / digest).write_bytes(data)
        return digest

    def blob(self, digest: str) -> bytes:
        return (self.state / "blobs" / digest).read_bytes()

    def d1_path(self, uuid_: str) -> Path:
        return self.state / "d1" / f"{uuid_}.sqlite"

    # -- what the rehearsal reads back -----------------------------------------------------------

    @property
    def calls(self) -> list[str]:
        """Every state-changing call, in order: "METHOD path"."""
        return list(self.data["log"])

    def uploaded(self, name: str) -> dict[str, Any]:
        """The deployed worker: metadata, modules {name: (content type, bytes)}, secrets, assets."""
        worker = self.data["workers"].get(name)
        if worker is None or not worker.get("deployed"):
            raise KeyError(name)
        version = self._version(name, worker["deployed"])
        return {
            "metadata": version["metadata"],
            "modules": {m: (t, self.blob(d)) for m, (t, d) in version["modules"].items()},
            "secrets": dict(version["secrets"]),
            "assets": {p: self.blob(self.data["assets"][h]) for p, h in version["asset_paths"].items()},
        }

    def worker_names(self) -> list[str]:
        return list(self.data["workers"])

    @property
    def refused(self) -> list[str]:
        """Uploads refused because they would have created a Worker (`refuse_new_workers`)."""
        return list(self.data.get("refused", []))

    def redeploy(self, name: str) -> str:
        """A new version of the live one, deployed: what a later deploy leaves behind (a previous
        version to roll back to). Returns the new version's id."""
        worker = self.data["workers"][name]
        live = self._version(name, worker["deployed"])
        version = {**live, "id": str(uuid.uuid4()), "number": len(worker["versions"]) + 1}
        worker["versions"].append(version)
        self._deploy(name, [version["id"]])
        self._save()
        return str(version["id"])

    def put_object(self, bucket: str, key: str, body: bytes) -> None:
        """An R2 object, as a publish would have written it (for rehearsals)."""
        if bucket not in self.data["r2"]:
            raise KeyError(bucket)
        self.data.setdefault("r2_objects", {}).setdefault(bucket, {})[key] = self._blob(body)
        self._save()

    # -- HTTP ------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(API_PATH)
        try:
            if path.startswith(SIGNED_PATH):  # a signed URL (D1 export / import): no token, as on R2
                return self._signed(request, path.removeprefix(SIGNED_PATH))
            wrong_token = request.header("authorization") != f"Bearer {self.token}"
            # A token is verified only by whoever issued it: a user, or (an account API token) the account.
            by_account = f"/accounts/{self.account_id}/tokens/verify"
            issuer = by_account if self.account_owned_token else "/user/tokens/verify"
            if path in ("/user/tokens/verify", by_account) and (wrong_token or path != issuer):
                raise ApiError(401, 1000, "Invalid API Token")
            if wrong_token and not path.startswith(f"/accounts/{self.account_id}/workers/assets/upload"):
                raise ApiError(403, 10000, "Authentication error")
            self._authorize(request, path)
            response = self._route(request, path)
        except ApiError as exc:
            return exc.response
        read_only = path.endswith("/query") and request.body.lstrip()[:20].upper().startswith(b'{"SQL": "SELECT')
        if request.method != "GET" and response.status < 300 and not read_only:
            self.data["log"].append(f"{request.method} {path}")
            self._save()
        return response

    # -- token scopes ----------------------------------------------------------------------------

    def _deny(self) -> ApiError:
        return ApiError(403, 10000, "Authentication error")

    def _require_zone(self, zone: str, permission: str) -> None:
        if self.scopes is not None and not self.scopes.on_zone(zone, permission):
            raise self._deny()

    def _authorize(self, request: Request, path: str) -> None:
        """Refuses a call the token's scopes do not cover (zone checks that need the body are made
        where the body is read: custom domains)."""
        scopes = self.scopes
        if scopes is None or path.endswith("/tokens/verify"):  # any token may ask about itself
            return
        level = EDIT if request.method in ("POST", "PUT", "PATCH", "DELETE") else READ
        allowed = True
        if path == "/user":
            allowed = scopes.on_user("User Details: Read")
        elif path == "/memberships":
            allowed = scopes.on_user("Memberships: Read")
        elif path == "/accounts":
            allowed = scopes.on_account("Account Settings: Read")
        elif path == f"/accounts/{self.account_id}":
            allowed = any(scopes.on_account(p + READ) for p in ACCOUNT_DETAILS_PERMISSIONS)
        elif path == "/zones":
            allowed = True  # lists only the zones the token can see (_route)
        elif (zone_routes := re.fullmatch(r"/zones/([^/]+)/workers/routes(?:/[^/]+)?", path)) is not None:
            names = [n for n, z in self.zones.items() if z == zone_routes.group(1)]
            allowed = bool(names) and scopes.on_zone(names[0], "Workers Routes" + level)
        elif path.startswith(f"/accounts/{self.account_id}/"):
            rest = path.removeprefix(f"/accounts/{self.account_id}")
            if rest.startswith("/d1/"):
                allowed = scopes.on_account("D1" + level)
            elif rest.startswith("/r2/"):
                allowed = scopes.on_account("Workers R2 Storage" + level)
            elif rest.startswith("/queues"):
                allowed = scopes.on_account("Queues" + level)
            elif rest.startswith("/workers/"):
                allowed = scopes.on_account("Workers Scripts" + level)
                routes_call = re.fullmatch(r"/workers/scripts/[^/]+/routes", rest) and request.method == "PUT"
                if allowed and routes_call and not scopes.on_all_zones("Workers Routes: Edit"):
                    # The account-level routes call needs Workers Routes on all zones.
                    code = self.routes_403_code
                    raise ApiError(
                        403, code, "Authentication error" if code else "No access to the specified resource."
                    )
        if not allowed:
            raise self._deny()

    def _route(self, request: Request, path: str) -> Response:
        method = request.method
        if path.endswith("/tokens/verify"):  # the issuer's (checked in handle)
            return envelope({"id": "standin-token", "status": "active"})
        if path == "/user":
            return envelope({"id": "standin-user", "email": "ops@smartpages.online"})
        if path in ("/memberships", "/accounts"):
            account = {"id": self.account_id, "name": "SmartPages"}
            return envelope(
                [{"id": "m1", "account": account, "status": "accepted"}] if path == "/memberships" else [account]
            )
        if path == "/zones":
            name = request.query_params.get("name", "")
            visible = {n: z for n, z in self.zones.items() if self.scopes is None or self.scopes.sees_zone(n)}
            return envelope([{"id": z, "name": n} for n, z in visible.items() if not name or n == name])
        zone_routes = re.fullmatch(r"/zones/([^/]+)/workers/routes(?:/([^/]+))?", path)
        if zone_routes:
            return self._zone_routes(request, zone_routes.group(1), zone_routes.group(2))
        prefix = f"/accounts/{self.account_id}"
        if path == prefix and method == "GET":
            return envelope(
                {"id": self.account_id, "name": "SmartPages", "type": "standard", "created_on": _now(),
                 "settings": {"enforce_twofactor": False, "abuse_contact_email": None}}
            )  # fmt: skip
        if not path.startswith(prefix + "/"):
            if path.startswith("/accounts/"):
                raise ApiError(403, 9109, "Unauthorized to access requested resource")
            raise ApiError(404, 7000, "No route for that URI")
        rest = path[len(prefix) :]
        if rest.startswith("/d1/database"):
            return self._d1(request, rest.removeprefix("/d1/database"))
        if rest.startswith("/r2/buckets"):
            return self._r2(request, rest.removeprefix("/r2/buckets"))
        if rest.startswith("/workers/"):
            return self._workers(request, rest.removeprefix("/workers"))
        if rest.startswith("/queues"):
            return self._queues(request, rest.removeprefix("/queues"))
        raise ApiError(404, 7000, f"No route for that URI ({method} {path})")

    # -- D1 --------------------------------------------------------------------------------------

    def _find_db(self, id_or_name: str) -> dict[str, Any]:
        for db in self.data["d1"].values():
            if id_or_name in (db["uuid"], db["name"]):
                return dict(db)
        raise ApiError(404, 7404, f"The database {id_or_name} could not be found")

    def _d1(self, request: Request, rest: str) -> Response:
        if rest in ("", "/"):
            if request.method == "GET":
                name = request.query_params.get("name")
                found = [db for db in self.data["d1"].values() if not name or db["name"] == name]
                return _page(request, found, default_per_page=1000, max_per_page=10000)
            if request.method == "POST":
                body = _json(request)
                name = body.get("name")
                if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", name):
                    raise ApiError(400, 7400, "Invalid database name")
                if any(db["name"] == name for db in self.data["d1"].values()):
                    raise ApiError(400, 7502, "A database with that name already exists")
                db = {"uuid": str(uuid.uuid4()), "name": name, "created_at": _now(), "version": "production"}
                self.data["d1"][db["uuid"]] = db
                self.d1_path(db["uuid"]).parent.mkdir(parents=True, exist_ok=True)
                sqlite3.connect(self.d1_path(db["uuid"])).close()
                return envelope(db)
        match = re.fullmatch(r"/([^/]+)(/query|/raw|/export|/import|/time_travel/bookmark|/time_travel/restore)?", rest)
        if not match:
            raise ApiError(404, 7000, "No route for that URI")
        db = self._find_db(match.group(1))
        action = match.group(2)
        if action is None and request.method == "GET":
            size = self.d1_path(db["uuid"]).stat().st_size
            return envelope({**db, "file_size": size, "num_tables": 0})
        if action is None and request.method == "DELETE":
            del self.data["d1"][db["uuid"]]
            self.d1_path(db["uuid"]).unlink(missing_ok=True)
            return envelope(None)
        if action in ("/query", "/raw") and request.method == "POST":
            return envelope(self._run_sql(db["uuid"], _json(request), raw=action == "/raw"))
        if action == "/export" and request.method == "POST":
            return envelope(self._d1_export(request, db))
        if action == "/import" and request.method == "POST":
            return envelope(self._d1_import(request, db))
        if action == "/time_travel/bookmark" and request.method == "GET":
            return envelope({"bookmark": self._bookmark(db, request.query_params.get("timestamp"))})
        if action == "/time_travel/restore" and request.method == "POST":
            return envelope(self._d1_restore(request, db))
        raise ApiError(405, 10405, "Method not allowed")

    # D1 export, import and Time Travel. Export and import poll until "complete" and move the SQL
    # through a signed URL, as the API does. Time Travel answers with bookmarks in the API's shape;
    # the stand-in keeps no history, so a restore leaves the data as it is (and says so).

    def _bookmark(self, db: dict[str, Any], timestamp: str | None) -> str:
        if timestamp is not None and not re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)", timestamp
        ):
            raise ApiError(400, 7400, f"Invalid timestamp: {timestamp}")
        digest = hashlib.sha256(f"{db['uuid']}@{timestamp or 'now'}".encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:16]}-{digest[16:24]}-{digest[24:56]}"

    def _d1_restore(self, request: Request, db: dict[str, Any]) -> dict[str, Any]:
        bookmark = request.query_params.get("bookmark") or self._bookmark(db, request.query_params.get("timestamp"))
        return {
            "bookmark": bookmark,
            "previous_bookmark": self._bookmark(db, None),
            "message": "Database restored to bookmark (stand-in: no history kept, data unchanged)",
        }

    def _d1_export(self, request: Request, db: dict[str, Any]) -> dict[str, Any]:
        body = _json(request)
        if body.get("output_format") != "polling":
            raise ApiError(400, 7400, "output_format must be polling")
        conn = sqlite3.connect(self.d1_path(db["uuid"]))
        try:
            dump = [s for s in conn.iterdump() if s not in ("BEGIN TRANSACTION;", "COMMIT;")]
        finally:
            conn.close()
        filename = f"{db['uuid']}-{uuid.uuid4().hex[:8]}.sql"
        self._signed_files()[filename] = self._blob(
            ("PRAGMA defer_foreign_keys=TRUE;\n" + "\n".join(dump) + "\n").encode()
        )
        return {
            "success": True,
            "type": "export",
            "status": "complete",
            "at_bookmark": self._bookmark(db, None),
            "messages": ["Generated " + filename, "Uploaded part 1"],
            "result": {"filename": filename, "signed_url": self._signed_url(request, filename)},
        }

    def _d1_import(self, request: Request, db: dict[str, Any]) -> dict[str, Any]:
        body = _json(request)
        action = body.get("action")
        etag = body.get("etag")
        if action == "init":
            if not isinstance(etag, str) or not etag:
                raise ApiError(400, 7400, "etag is required")
            filename = f"import-{etag}.sql"
            return {"success": True, "upload_url": self._signed_url(request, filename), "filename": filename}
        if action == "ingest":
            filename = str(body.get("filename"))
            digest = self._signed_files().get(filename)
            if digest is None:
                raise ApiError(400, 7400, f"File {filename} was not uploaded")
            sql = self.blob(digest).decode()
            results = self._run_sql(db["uuid"], {"sql": sql}, raw=False)
            size = self.d1_path(db["uuid"]).stat().st_size
            meta = {"duration": 1.0, "rows_read": 0, "rows_written": len(results), "size_after": size}
            return {
                "success": True,
                "type": "import",
                "status": "complete",
                "at_bookmark": self._bookmark(db, None),
                "messages": [f"Imported {filename}"],
                "errors": [],
                "result": {"num_queries": len(results), "final_bookmark": self._bookmark(db, None), "meta": meta},
            }
        raise ApiError(400, 7400, f"Unknown import action {action}")

    def _signed_files(self) -> dict[str, str]:
        files: dict[str, str] = self.data.setdefault("signed_files", {})
        return files

    def _signed_url(self, request: Request, filename: str) -> str:
        return f"http://{request.header('host')}{API_PATH}{SIGNED_PATH}{filename}"

    def _signed(self, request: Request, filename: str) -> Response:
        """GET (an export's SQL) or PUT (an import's upload, answered with its MD5 as the etag)."""
        files = self._signed_files()
        if request.method == "PUT":
            files[filename] = self._blob(request.body)
            self._save()
            return Response(200, [("etag", f'"{hashlib.md5(request.body).hexdigest()}"')], b"")  # noqa: S324 (R2's etag)
        if request.method == "GET" and filename in files:
            return Response(200, [("content-type", "application/sql")], self.blob(files[filename]))
        return Response(404, [("content-type", "text/plain")], b"NoSuchKey")

    def _run_sql(self, db_uuid: str, body: dict[str, Any], raw: bool) -> list[dict[str, Any]]:
        sql = body.get("sql")
        params = body.get("params") or []
        if not isinstance(sql, str) or not isinstance(params, list):
            raise ApiError(400, 7400, "sql must be a string and params a list")
        conn = sqlite3.connect(self.d1_path(db_uuid), isolation_level=None)
        try:
            statements = [s for s in _split_sql(sql) if s.strip()]
            out = []
            conn.execute("BEGIN")
            for i, statement in enumerate(statements):
                cursor = conn.execute(statement, params if len(statements) == 1 or (i == 0 and params) else [])
                rows = cursor.fetchall()
                columns = [c[0] for c in cursor.description or []]
                meta = {"changes": conn.total_changes, "last_row_id": cursor.lastrowid, "rows_read": len(rows)}
                if raw:
                    out.append(
                        {
                            "results": {"columns": columns, "rows": [list(r) for r in rows]},
                            "success": True,
                            "meta": meta,
                        }
                    )
                else:
                    out.append(
                        {"results": [dict(zip(columns, r, strict=True)) for r in rows], "success": True, "meta": meta}
                    )
            conn.execute("COMMIT")
            return out
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise ApiError(400, 7500, f"{exc}: SQLITE_ERROR") from exc
        finally:
            conn.close()

    # -- R2 --------------------------------------------------------------------------------------

    def _r2(self, request: Request, rest: str) -> Response:
        if rest in ("", "/"):
            if request.method == "GET":
                return self._list_buckets(request)
            if request.method == "POST":
                name = _json(request).get("name")
                if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", name):
                    raise ApiError(400, 10005, "The specified bucket name is not valid.")
                if name in self.data["r2"]:
                    raise ApiError(409, 10004, "The bucket you tried to create already exists, and you own it.")
                self.data["r2"][name] = {"name": name, "creation_date": _now(), "location": "WEUR"}
                return envelope(self.data["r2"][name])
        name = rest.strip("/")
        if request.method == "GET" and name in self.data["r2"]:
            return envelope(self.data["r2"][name])
        obj = re.fullmatch(r"/([^/]+)/objects/(.+)", rest)
        if obj and obj.group(1) in self.data["r2"]:
            return self._r2_object(request, obj.group(1), obj.group(2))
        raise ApiError(404, 10006, "The specified bucket does not exist.")

    def _r2_object(self, request: Request, bucket: str, key: str) -> Response:
        """GET / PUT / DELETE /r2/buckets/{bucket}/objects/{key}: the object's bytes (wrangler r2 object)."""
        objects = self.data.setdefault("r2_objects", {}).setdefault(bucket, {})
        if request.method == "PUT":
            objects[key] = self._blob(request.body)
            return envelope({"key": key, "size": len(request.body)})
        if key not in objects:
            raise ApiError(404, 10007, "The specified key does not exist.")
        if request.method == "DELETE":
            del objects[key]
            return envelope({})
        if request.method == "GET":
            return Response(200, [("content-type", "application/octet-stream")], self.blob(objects[key]))
        raise ApiError(405, 10405, "Method not allowed")

    def _list_buckets(self, request: Request) -> Response:
        """GET /r2/buckets pages with a cursor, like the real API: `per_page` (default 20, at most
        1,000), and `result_info.cursor` naming the next page while there is one."""
        per_page = _per_page(request, default=R2_DEFAULT_PER_PAGE, maximum=R2_MAX_PER_PAGE)
        names = sorted(self.data["r2"])
        cursor = request.query_params.get("cursor", "")
        start = 0
        if cursor:
            try:
                after = base64.urlsafe_b64decode(cursor.encode()).decode()
            except ValueError as exc:
                raise ApiError(400, 10033, "The cursor is not valid.") from exc
            start = next((i for i, n in enumerate(names) if n > after), len(names))
        page = names[start : start + per_page]
        info: dict[str, Any] = {"per_page": per_page}
        if start + per_page < len(names):
            info["cursor"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
        return envelope({"buckets": [self.data["r2"][n] for n in page]}, result_info=info)

    # -- Queues ----------------------------------------------------------------------------------

    def _queues(self, request: Request, rest: str) -> Response:
        queues = self.data.setdefault("queues", {})
        if rest == "" and request.method == "GET":
            # `name` may repeat (wrangler's deploy asks for all its queues at once): any of them.
            names = set(parse_qs(request.query).get("name", []))
            found = [self._queue_view(q) for q in queues.values() if not names or q["queue_name"] in names]
            return _page(request, found, default_per_page=QUEUES_DEFAULT_PER_PAGE, max_per_page=QUEUES_MAX_PER_PAGE)
        if rest == "" and request.method == "POST":
            name = _json(request).get("queue_name")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", name):
                raise ApiError(400, 11003, "Queue name is invalid")
            if any(q["queue_name"] == name for q in queues.values()):
                raise ApiError(409, 11009, "Queue name is already taken")
            queue = {
                "queue_id": uuid.uuid4().hex,
                "queue_name": name,
                "created_on": _now(),
                "consumers": [],
                "producers": [],
            }
            queues[queue["queue_id"]] = queue
            return envelope(self._queue_view(queue))
        one = re.fullmatch(r"/([^/]+)", rest)
        if one:
            if one.group(1) not in queues:
                raise ApiError(404, 11000, "workers.api.error.queue_not_found")
            queue = queues[one.group(1)]
            if request.method in ("PATCH", "PUT"):  # settings (delivery_paused, ...), as `queues pause-delivery`
                body = _json(request)
                if body.get("queue_name", queue["queue_name"]) != queue["queue_name"]:
                    raise ApiError(400, 11003, "Renaming a queue is not supported")
                queue["settings"] = {**queue.get("settings", {}), **(body.get("settings") or {})}
                queue["modified_on"] = _now()
            elif request.method != "GET":
                raise ApiError(405, 10405, "Method not allowed")
            return envelope(self._queue_view(queue))
        match = re.fullmatch(r"/([^/]+)/consumers(?:/([^/]+))?", rest)
        if not match or match.group(1) not in queues:
            raise ApiError(404, 11000, "workers.api.error.queue_not_found")
        queue = queues[match.group(1)]
        body = _json(request)
        script = body.get("script_name") or body.get("script")
        if request.method == "POST":
            if script not in self.data["workers"]:
                raise ApiError(400, 10007, "This Worker does not exist on your account.")
            if any(c["type"] == "worker" for c in queue["consumers"]):
                raise ApiError(409, 11004, "Queue already has a worker consumer")
            queue["consumers"].append({**_consumer(body, str(script)), "consumer_id": uuid.uuid4().hex})
            return envelope(queue["consumers"][-1])
        if request.method == "PUT":
            for i, consumer in enumerate(queue["consumers"]):
                if consumer["consumer_id"] == match.group(2):
                    queue["consumers"][i] = {**consumer, **_consumer(body, script or consumer["script"])}
                    return envelope(queue["consumers"][i])
        if request.method == "DELETE":
            for i, consumer in enumerate(queue["consumers"]):
                if consumer["consumer_id"] == match.group(2):
                    del queue["consumers"][i]
                    return envelope(None)
        raise ApiError(404, 11005, "Consumer not found")

    def _queue_view(self, queue: dict[str, Any]) -> dict[str, Any]:
        """A queue as the API answers it: its producers are the deployed workers that bind it."""
        producers = []
        for name, worker in self.data["workers"].items():
            if worker.get("deployed"):
                bindings = self._version(name, worker["deployed"])["metadata"].get("bindings", [])
                if any(b.get("type") == "queue" and b.get("queue_name") == queue["queue_name"] for b in bindings):
                    producers.append({"type": "worker", "script": name})
        return {
            "modified_on": queue.get("created_on"),
            "settings": {"delivery_paused": False},
            **queue,
            "producers": producers,
            "producers_total_count": len(producers),
            "consumers_total_count": len(queue["consumers"]),
        }

    def queue_consumers(self, worker: str) -> list[dict[str, Any]]:
        """The consumers registered for a worker, with their queue's name (for the rehearsal)."""
        return [
            {"queue": q["queue_name"], **c}
            for q in self.data.get("queues", {}).values()
            for c in q["consumers"]
            if c.get("script") == worker
        ]

    # -- Workers ---------------------------------------------------------------------------------

    def _worker(self, name: str) -> dict[str, Any]:
        worker = self.data["workers"].get(name)
        if worker is None:
            raise ApiError(404, 10007, "This Worker does not exist on your account.")
        return dict(worker)

    def _workers(self, request: Request, rest: str) -> Response:
        method = request.method
        if rest == "/subdomain":
            return envelope({"subdomain": "smartpages"})
        if rest.startswith("/assets/upload"):
            return self._assets_upload(request)
        if rest.startswith("/domains"):
            return self._domains(request, rest)
        worker_v4 = re.fullmatch(r"/workers/([^/]+)", rest)
        if worker_v4 and request.method == "GET":
            worker = self._worker(worker_v4.group(1))
            return envelope({"id": worker_v4.group(1), "name": worker_v4.group(1), "subdomain": worker["subdomain"]})
        service = re.fullmatch(r"/services/([^/]+)", rest)
        if service:
            if service.group(1) not in self.data["workers"]:
                raise ApiError(404, 10090, "workers.api.error.service_not_found")
            worker = self.data["workers"][service.group(1)]
            return envelope(
                {
                    "id": service.group(1),
                    "default_environment": {
                        "environment": "production",
                        "script": {
                            "id": service.group(1),
                            "etag": worker["versions"][-1]["etag"],
                            "last_deployed_from": "wrangler",
                            **({"migration_tag": worker["migration_tag"]} if worker.get("migration_tag") else {}),
                        },
                    },
                }
            )
        script = re.fullmatch(r"/scripts/([^/]+)(/.*)?", rest)
        if not script:
            raise ApiError(404, 7000, "No route for that URI")
        name, sub = script.group(1), script.group(2) or ""
        if sub == "" and method == "PUT":
            return self._upload(request, name)
        if sub == "" and method == "GET":
            return Response(200, [("content-type", "text/plain")], b"")
        if sub == "/assets-upload-session" and method == "POST":
            return self._assets_session(request, name)
        worker = self._worker(name)
        if sub in ("/settings", "/script-settings"):
            if method == "PATCH":
                worker["settings"] = {**worker.get("settings", {}), **_settings(request)}
                self.data["workers"][name] = worker
            meta = self._version(name, worker["deployed"])["metadata"] if worker.get("deployed") else {}
            return envelope(
                {
                    "logpush": False,
                    "tail_consumers": None,
                    "observability": meta.get("observability"),
                    **worker.get("settings", {}),
                    "bindings": meta.get("bindings", []),
                    "compatibility_date": meta.get("compatibility_date"),
                    "compatibility_flags": meta.get("compatibility_flags", []),
                }
            )
        if sub == "/subdomain":
            if method == "POST":
                worker["subdomain"] = _json(request)
                self.data["workers"][name] = worker
            return envelope(worker.get("subdomain", {"enabled": False, "previews_enabled": False}))
        if sub == "/schedules" and method == "PUT":
            worker["schedules"] = [{"cron": c["cron"]} for c in json.loads(request.body or b"[]")]
            self.data["workers"][name] = worker
        if sub == "/schedules":
            return envelope({"schedules": worker.get("schedules", [])})
        if sub == "/routes" and method == "PUT":
            return envelope(self._script_routes(name, request))
        if sub == "/domains/changeset" and method == "POST":
            wanted = {o["hostname"] for o in json.loads(request.body or b"[]")}
            mine = {h for h, d in self.data["domains"].items() if d["service"] == name}
            return envelope(
                {
                    "added": [{"hostname": h} for h in sorted(wanted - mine)],
                    "removed": [self.data["domains"][h] for h in sorted(mine - wanted)],
                    "updated": [{**self.data["domains"][h], "modified": False} for h in sorted(wanted & mine)],
                    "conflicting": [{"hostname": h} for h in sorted(wanted) if self._dns.get(h) == "external"],
                }
            )
        if sub == "/domains/records" and method == "PUT":
            return envelope(self._script_domains(name, _json(request)))
        live = self._version(name, worker["deployed"]) if worker.get("deployed") else {"secrets": {}}
        if sub == "/secrets" and method == "GET":
            return envelope([{"name": n, "type": "secret_text"} for n in sorted(live["secrets"])])
        if sub == "/secrets" and method == "PUT":
            # `wrangler secret put`: a new version with the secret, deployed at once.
            body = _json(request)
            version = {
                **live,
                "id": str(uuid.uuid4()),
                "number": len(worker["versions"]) + 1,
                "secrets": {**live["secrets"], body["name"]: body["text"]},
            }
            worker["versions"].append(version)
            self.data["workers"][name] = worker
            self._deploy(name, [version["id"]])
            return envelope({"name": body["name"], "type": "secret_text"})
        if sub == "/versions" and method == "POST":
            self._refuse_new(name)
            return envelope(self._version_view(name, self._new_version(request, name)))
        if sub == "/versions" and method == "GET":
            return envelope({"items": [self._version_view(name, v) for v in reversed(worker["versions"])]})
        if sub.startswith("/versions/") and method == "GET":
            return envelope(self._version_view(name, self._version(name, sub.removeprefix("/versions/"))))
        if sub == "/deployments" and method == "POST":
            body = _json(request)
            annotations = body.get("annotations") or {}
            return envelope(self._deploy(name, [v["version_id"] for v in body.get("versions", [])], annotations))
        if sub == "/deployments" and method == "GET":  # newest first, as the API lists them
            history = worker.get("deployments", [])
            return envelope({"deployments": [_deployment(worker, d) for d in reversed(history)]})
        if sub == "/tails" and method == "POST":
            tail_id = uuid.uuid4().hex
            worker.setdefault("tails", []).append(tail_id)
            self.data["workers"][name] = worker
            return envelope({"id": tail_id, "url": tail_url(name), "expires_at": "2026-01-01T06:00:00Z"})
        if sub.startswith("/tails/") and method == "DELETE":
            tails = worker.get("tails", [])
            if sub.removeprefix("/tails/") not in tails:
                raise ApiError(404, 10057, "workers.api.error.tail_not_found")
            tails.remove(sub.removeprefix("/tails/"))
            self.data["workers"][name] = worker
            return envelope(None)
        raise ApiError(404, 7000, f"No route for that URI ({method} /workers{rest})")

    def _refuse_new(self, name: str) -> None:
        if self.refuse_new_workers and name not in self.data["workers"]:
            self.data.setdefault("refused", []).append(name)
            self._save()
            raise ApiError(
                403,
                10000,
                f'rehearsal: this upload would create a new Worker "{name}"; the account\'s Workers are '
                "frozen for this run (a runbook must act on a deployed Worker)",
            )

    def _upload(self, request: Request, name: str) -> Response:
        """PUT /scripts/{name}: a new version, deployed at once (wrangler's path for a new worker)."""
        self._refuse_new(name)
        version = self._new_version(request, name)
        self._deploy(name, [version["id"]])
        worker = self.data["workers"][name]
        return envelope(
            {
                "id": name,
                "etag": version["etag"],
                "deployment_id": version["id"],
                "startup_time_ms": 0,
                "has_assets": bool(version["asset_paths"]),
                "has_modules": True,
                "compatibility_date": worker["versions"][-1]["metadata"].get("compatibility_date"),
            }
        )

    def _new_version(self, request: Request, name: str) -> dict[str, Any]:
        """Checks and stores an upload (multipart: `metadata` plus one part per module) as a version."""
        parts = _multipart(request)
        if "metadata" not in parts:
            raise ApiError(400, 10021, "Uncaught TypeError: metadata part missing")
        metadata = json.loads(parts.pop("metadata")[1])
        modules = dict(parts)
        main = metadata.get("main_module")
        if main not in modules:
            raise ApiError(400, 10021, f"No such module: {main}")
        flags = metadata.get("compatibility_flags") or []
        if any(ctype.startswith("text/x-python") for ctype, _ in modules.values()) and "python_workers" not in flags:
            raise ApiError(400, 10021, f'Uncaught Error: No such module "{main}".')
        size = len(gzip.compress(b"".join(body for _, body in modules.values()), 6))
        if size > self.size_limit:
            raise ApiError(400, 10027, f"Your Worker exceeded the size limit of {self.size_limit // 1048576} MiB.")
        previous = self.data["workers"].get(name, {"versions": [], "deployed": None})
        live = self._version(name, previous["deployed"]) if previous["deployed"] else {}
        secrets = dict(live.get("secrets", {}))
        classes, sqlite = _apply_do_migrations(
            previous.get("durable_object_classes", []),
            previous.get("durable_object_sqlite_classes", []),
            metadata.get("migrations"),
        )
        bindings = []
        for binding in metadata.get("bindings", []):
            kind, bname = binding.get("type"), binding.get("name")
            own_class = kind == "durable_object_namespace" and binding.get("script_name") in (None, name)
            if own_class and binding.get("class_name") not in classes:
                raise ApiError(
                    400,
                    10061,
                    f"Cannot create binding for class '{binding.get('class_name')}' because it is not currently "
                    "configured to implement Durable Objects. Ensure a --new-class migration has been applied to it.",
                )
            target = binding.get("service")
            if kind == "service" and target not in self.data["workers"] and target != name:
                raise ApiError(
                    400,
                    10143,
                    f'workers.api.error.service_binding_error: could not resolve binding "{bname}": '
                    f'script "{target}" not found',
                )
            if kind == "d1" and binding.get("id") not in self.data["d1"]:
                raise ApiError(
                    400,
                    10181,
                    f"D1 binding '{bname}' references database '{binding.get('id')}' which was not found. Verify the "
                    "database exists in your account and that the database_id in your configuration is correct.",
                )
            if kind == "queue" and not any(
                q["queue_name"] == binding.get("queue_name") for q in self.data.get("queues", {}).values()
            ):
                raise ApiError(400, 10021, f"Queue '{binding.get('queue_name')}' binding '{bname}' does not exist")
            if kind == "r2_bucket" and binding.get("bucket_name") not in self.data["r2"]:
                raise ApiError(400, 10085, f"R2 bucket '{binding.get('bucket_name')}' binding '{bname}' does not exist")
            if kind == "secret_text":
                secrets[bname] = binding.get("text", "")
                binding = {"type": "secret_text", "name": bname}  # never stored in the metadata
            if kind == "inherit":  # keep the live version's binding of that name (wrangler's provisioning)
                inherited = [b for b in live.get("metadata", {}).get("bindings", []) if b.get("name") == bname]
                if not inherited:
                    raise ApiError(400, 10021, f"binding '{bname}' inherits from a version that has no such binding")
                binding = inherited[0]
            bindings.append(binding)
        assets = metadata.get("assets") or {}
        if assets.get("jwt"):
            session = self.data.get("asset_sessions", {}).pop(assets["jwt"], None)
            if session is None or session["missing"]:
                raise ApiError(400, 10021, "Invalid or incomplete assets upload completion token")
            asset_paths = session["manifest"]
        else:
            asset_paths = live.get("asset_paths", {})
        version = {
            "id": str(uuid.uuid4()),
            "number": len(previous["versions"]) + 1,
            "etag": hashlib.sha256(request.body).hexdigest(),
            "metadata": {**metadata, "bindings": bindings},
            "annotations": metadata.get("annotations", {}),
            "modules": {n: (t, self._blob(b)) for n, (t, b) in modules.items()},
            "secrets": secrets,
            "asset_paths": asset_paths,
        }
        self.data["workers"][name] = {
            "subdomain": {"enabled": False, "previews_enabled": False},
            "settings": {},
            **previous,
            "versions": [*previous["versions"], version],
        }
        if metadata.get("migrations"):
            self.data["workers"][name]["migration_tag"] = metadata["migrations"]["new_tag"]
            self.data["workers"][name]["durable_object_classes"] = sorted(classes)
            self.data["workers"][name]["durable_object_sqlite_classes"] = sorted(sqlite)
        return version

    def _version(self, name: str, version_id: str) -> dict[str, Any]:
        for version in self._worker(name)["versions"]:
            if version["id"] == version_id:
                return dict(version)
        raise ApiError(404, 10226, "workers.api.error.version_not_found")

    def _deploy(self, name: str, version_ids: list[str], annotations: dict[str, Any] | None = None) -> dict[str, Any]:
        for version_id in version_ids:
            self._version(name, version_id)
        if len(version_ids) != 1:
            raise ApiError(400, 10021, "the stand-in deploys one version at 100%")
        worker = self.data["workers"][name]
        worker["deployed"] = version_ids[0]
        history = worker.setdefault("deployments", [])
        # Deployments are ordered by created_on (wrangler's rollback picks the one before the latest).
        created = f"2026-01-01T00:{len(history) // 60:02d}:{len(history) % 60:02d}.000000Z"
        history.append(
            {
                "id": str(uuid.uuid4()),
                "version_id": version_ids[0],
                "created_on": created,
                "annotations": annotations or {},
            }
        )
        return _deployment(worker, history[-1])

    def _version_view(self, name: str, version: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": version["id"],
            "number": version["number"],
            "metadata": {"created_on": _now(), "source": "wrangler", "author_email": "ops@smartpages.online"},
            "annotations": version["annotations"],
            "resources": {
                "script": {"etag": version["etag"], "handlers": ["fetch"]},
                "script_runtime": {
                    "compatibility_date": version["metadata"].get("compatibility_date"),
                    "compatibility_flags": version["metadata"].get("compatibility_flags", []),
                },
                "bindings": version["metadata"]["bindings"],
            },
            "startup_time_ms": 0,
        }

    # -- static assets: upload session (manifest -> missing hashes), then the files --------------

    def _assets_session(self, request: Request, name: str) -> Response:
        manifest = _json(request).get("manifest")
        if not isinstance(manifest, dict):
            raise ApiError(400, 10021, "manifest missing")
        missing = sorted({entry["hash"] for entry in manifest.values()} - set(self.data["assets"]))
        jwt = f"standin.{uuid.uuid4().hex}"
        self.data.setdefault("asset_sessions", {})[jwt] = {
            "worker": name,
            "manifest": {p: e["hash"] for p, e in manifest.items()},
            "missing": missing,
        }
        if not missing:
            return envelope({"jwt": jwt, "buckets": []})
        return envelope({"jwt": jwt, "buckets": [missing]})

    def _assets_upload(self, request: Request) -> Response:
        jwt = request.header("authorization").removeprefix("Bearer ")
        session = self.data.get("asset_sessions", {}).get(jwt)
        if session is None:
            raise ApiError(401, 10000, "Authentication error")
        for part_name, (_, body) in _multipart(request).items():
            data = base64.b64decode(body) if request.query_params.get("base64") == "true" else body
            self.data["assets"][part_name] = self._blob(data)
        session["missing"] = sorted(set(session["missing"]) - set(self.data["assets"]))
        return envelope({"jwt": jwt} if not session["missing"] else {}, 201 if not session["missing"] else 202)

    # -- routes and custom domains ----------------------------------------------------------------

    def _zone_routes(self, request: Request, zone_id: str, route_id: str | None) -> Response:
        if zone_id not in self.zones.values():
            raise ApiError(
                400, 7003, f"Could not route to /zones/{zone_id}, perhaps your object identifier is invalid?"
            )
        routes = self.data["routes"].setdefault(zone_id, {})
        if request.method == "GET" and route_id is None:
            return envelope(list(routes.values()))
        if request.method == "POST":
            body = _json(request)
            if any(r["pattern"] == body.get("pattern") for r in routes.values()):
                raise ApiError(409, 10020, "A route with the same pattern already exists.")
            if body.get("script") not in self.data["workers"]:
                raise ApiError(400, 10019, "workers.api.error.script_not_found")
            route = {"id": uuid.uuid4().hex, "pattern": body["pattern"], "script": body["script"]}
            routes[route["id"]] = route
            return envelope(route)
        if route_id in routes and request.method == "PUT":
            routes[route_id] = {**routes[route_id], **_json(request)}
            return envelope(routes[route_id])
        if route_id in routes and request.method == "DELETE":
            return envelope({"id": routes.pop(route_id)["id"]})
        raise ApiError(404, 10005, "Route not found")

    def _zone_of(self, hostname: str, zone_name: str | None = None, zone_id: str | None = None) -> tuple[str, str]:
        for name, zid in self.zones.items():
            if (
                zone_id == zid
                or zone_name == name
                or (not zone_name and not zone_id and (hostname == name or hostname.endswith("." + name)))
            ):
                return name, zid
        raise ApiError(404, 10083, f'workers.api.error.zone_not_found for "{hostname}"')

    def _script_routes(self, name: str, request: Request) -> list[dict[str, Any]]:
        """PUT /scripts/{name}/routes: the script's zone routes become exactly these."""
        wanted = json.loads(request.body or b"[]")
        if not isinstance(wanted, list):
            raise ApiError(400, 10026, "Expected a list of routes")
        out = []
        for route in wanted:
            pattern = route.get("pattern", "")
            _, zone_id = self._zone_of(pattern.split("/")[0].lstrip("*."), route.get("zone_name"), route.get("zone_id"))
            taken = [
                r
                for r in self.data["routes"].get(zone_id, {}).values()
                if r["pattern"] == pattern and r["script"] != name
            ]
            if taken:
                raise ApiError(
                    409, 10020, f"The route '{pattern}' is already assigned to the Worker '{taken[0]['script']}'."
                )
            out.append((zone_id, pattern))
        for routes in self.data["routes"].values():
            for rid in [rid for rid, r in routes.items() if r["script"] == name]:
                del routes[rid]
        result = []
        for zone_id, pattern in out:
            route = {"id": uuid.uuid4().hex, "pattern": pattern, "script": name}
            self.data["routes"].setdefault(zone_id, {})[route["id"]] = route
            result.append(route)
        return result

    def _script_domains(self, name: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """PUT /scripts/{name}/domains/records: custom domains (a DNS record + certificate each)."""
        records = []
        for origin in body.get("origins", []):
            hostname = origin.get("hostname", "")
            zone, zone_id = self._zone_of(hostname, origin.get("zone_name"), origin.get("zone_id"))
            self._require_zone(zone, "DNS: Edit")
            current = self.data["domains"].get(hostname)
            if current and current["service"] != name and not body.get("override_existing_origin"):
                raise ApiError(409, 100116, f"Hostname '{hostname}' already has a Custom Domain for another Worker")
            if self._dns.get(hostname) == "external" and not body.get("override_existing_dns_record"):
                raise ApiError(
                    409,
                    100117,
                    f"Hostname '{hostname}' already has externally managed DNS records (A, CNAME, etc). Either "
                    "delete them, try a different hostname, or use the option 'override_existing_dns_record' to "
                    "override.",
                )
            self._dns[hostname] = "worker"  # the custom domain's own record replaces any other
            record = {
                "id": hostname,
                "hostname": hostname,
                "service": name,
                "environment": "production",
                "zone_id": zone_id,
                "zone_name": zone,
            }
            self.data["domains"][hostname] = record
            records.append(record)
        return records

    def _domains(self, request: Request, rest: str) -> Response:
        """GET /workers/domains[?service=] lists custom domains; DELETE /workers/domains/records/{id}."""
        domains = self.data["domains"]
        if rest in ("/domains", "/domains/records") and request.method == "GET":
            service = request.query_params.get("service")
            return envelope([d for d in domains.values() if not service or d["service"] == service])
        if rest.startswith("/domains/records/") and request.method == "DELETE":
            domains.pop(rest.removeprefix("/domains/records/"), None)
            return envelope(None)
        raise ApiError(404, 7000, "No route for that URI")


# -- `wrangler tail`'s WebSocket ------------------------------------------------------------------

_WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455
_tail_server: socket.socket | None = None
_tail_lock = threading.Lock()


def tail_url(script: str) -> str:
    """The WebSocket URL a tail session gets: a loopback server (started on first use) that
    answers the handshake with wrangler's `trace-v1` protocol, sends one queue event of `script`
    and closes normally (1000), so `wrangler tail` prints it and exits 0 by itself."""
    global _tail_server
    with _tail_lock:
        if _tail_server is None:
            _tail_server = socket.create_server(("127.0.0.1", 0))
            threading.Thread(target=_tail_accept, args=(_tail_server,), daemon=True).start()
        port = _tail_server.getsockname()[1]
    return f"ws://127.0.0.1:{port}/{script}"


def _tail_accept(server: socket.socket) -> None:
    while True:
        conn, _ = server.accept()
        threading.Thread(target=_tail_session, args=(conn,), daemon=True).start()


def _tail_session(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(10)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            script = lines[0].split()[1].lstrip("/")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            key = (headers["sec-websocket-key"] + _WEBSOCKET_GUID).encode()
            accept = base64.b64encode(hashlib.sha1(key).digest())  # noqa: S324 (RFC 6455's handshake)
            protocol = headers.get("sec-websocket-protocol", "")
            conn.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + b"Sec-WebSocket-Accept: " + accept + b"\r\n"
                + (f"Sec-WebSocket-Protocol: {protocol}\r\n".encode() if protocol else b"")
                + b"\r\n"
            )  # fmt: skip
            time.sleep(0.5)  # the client's {"debug": …} frame arrives and is ignored
            event = {
                "scriptName": script,
                "outcome": "ok",
                "eventTimestamp": 1767225600000,
                "event": {"queue": "stand-in-queue", "batchSize": 1},
                "logs": [{"message": ["stand-in tail: one event, then the session closes"], "level": "log",
                          "timestamp": 1767225600000}],
                "exceptions": [],
            }  # fmt: skip
            conn.sendall(_ws_frame(0x1, json.dumps(event).encode()))
            time.sleep(0.5)
            conn.sendall(_ws_frame(0x8, struct.pack("!H", 1000)))
            conn.recv(4096)  # the client's close
        except (OSError, KeyError, IndexError):
            return


def _ws_frame(opcode: int, payload: bytes) -> bytes:
    """A final, unmasked server frame."""
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        return head + bytes([len(payload)]) + payload
    if len(payload) < 65536:
        return head + bytes([126]) + struct.pack("!H", len(payload)) + payload
    return head + bytes([127]) + struct.pack("!Q", len(payload)) + payload


# -- helpers ---------------------------------------------------------------------------------------


def _json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ApiError(400, 10026, "Could not parse request body as JSON") from exc
    if not isinstance(body, dict):
        raise ApiError(400, 10026, "Request body must be a JSON object")
    return body


def _settings(request: Request) -> dict[str, Any]:
    ctype = request.header("content-type")
    if ctype.startswith("multipart/"):
        parts = _multipart(request)
        return dict(json.loads(parts["settings"][1])) if "settings" in parts else {}
    return _json(request)


def _multipart(request: Request) -> dict[str, tuple[str, bytes]]:
    """Parts by form-field name: (content type, body). The stdlib's MIME parser does the work."""
    ctype = request.header("content-type")
    if not ctype.startswith("multipart/form-data"):
        raise ApiError(400, 10021, "Expected a multipart/form-data body")
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + request.body)
    parts: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts[name] = (part.get_content_type(), payload)
    return parts


def _per_page(request: Request, default: int, maximum: int) -> int:
    try:
        wanted = int(request.query_params.get("per_page", default))
    except ValueError as exc:
        raise ApiError(400, 10026, "per_page must be a number") from exc
    return max(1, min(wanted, maximum))


def _page(request: Request, items: list[Any], default_per_page: int, max_per_page: int) -> Response:
    """A `page`/`per_page` list answer with the real API's result_info (wrangler reads the next
    page while page * per_page < total_count)."""
    per_page = _per_page(request, default_per_page, max_per_page)
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError as exc:
        raise ApiError(400, 10026, "page must be a number") from exc
    chunk = items[(page - 1) * per_page : page * per_page]
    info = {
        "page": page,
        "per_page": per_page,
        "count": len(chunk),
        "total_count": len(items),
        "total_pages": (len(items) + per_page - 1) // per_page,
    }
    return envelope(chunk, result_info=info)


def _consumer(body: dict[str, Any], script: str) -> dict[str, Any]:
    return {
        "type": "worker",
        "script": script,
        "environment": body.get("environment", "production"),
        "settings": body.get("settings", {}),
        "dead_letter_queue": body.get("dead_letter_queue"),
    }


def _split_sql(sql: str) -> list[str]:
    """Statements of a migration file, split the way sqlite3.complete_statement sees them."""
    out, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current)
            current = ""
    if current.strip():
        out.append(current)
    return out


def _apply_do_migrations(
    classes: list[str], sqlite: list[str], migrations: dict[str, Any] | None
) -> tuple[set[str], set[str]]:
    """The Durable Object classes after the upload's migration steps (wrangler's `migrations`), and
    which of them are SQLite-backed (`new_sqlite_classes`; a renamed class keeps its backend)."""
    current, backed = set(classes), set(sqlite)
    for step in (migrations or {}).get("steps", []):
        current |= set(step.get("new_classes", [])) | set(step.get("new_sqlite_classes", []))
        backed |= set(step.get("new_sqlite_classes", []))
        for renamed in step.get("renamed_classes", []):
            current = (current - {renamed["from"]}) | {renamed["to"]}
            if renamed["from"] in backed:
                backed = (backed - {renamed["from"]}) | {renamed["to"]}
        current -= set(step.get("deleted_classes", []))
        backed -= set(step.get("deleted_classes", []))
    return current, backed


def _deployment(worker: dict[str, Any], deployment: dict[str, Any] | None = None) -> dict[str, Any]:
    latest = deployment or worker["deployments"][-1]
    return {
        "id": latest["id"],
        "source": "wrangler",
        "strategy": "percentage",
        "author_email": "ops@smartpages.online",
        "created_on": latest.get("created_on", _now()),
        "annotations": latest.get("annotations", {}),
        "versions": [{"version_id": latest["version_id"], "percentage": 100}],
    }
