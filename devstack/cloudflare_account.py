"""A stand-in for the account side of Cloudflare's API: what `wrangler` calls to deploy this project,
so `scripts/deploy` can be rehearsed offline (wrangler honours `CLOUDFLARE_API_BASE_URL`).

    GET  /user, /user/tokens/verify, /memberships, /accounts           the login check
    D1   /accounts/{a}/d1/database[/{id|name}[/query|/raw]]             create, list, info, SQL (real SQLite)
    R2   /accounts/{a}/r2/buckets[/{name}]                              create, list, info
    Workers /accounts/{a}/workers/services/{name}, /scripts/{name}      upload (multipart), settings,
         /scripts/{name}/subdomain, /secrets, /versions, /deployments, assets upload sessions
    Routes  /zones?name=…, /zones/{z}/workers/routes, /accounts/{a}/workers/domains[/records]

It enforces the rules a real deploy of this project meets, with Cloudflare's codes and messages:
a wrong token (10000) or account (9109); a service binding to a worker that does not exist
(10143); a D1 binding whose id is unknown (10021); a Python module without the `python_workers`
flag (10021 "No such module"); a worker over the plan's size limit (10027); a `secret_text`
missing for a name the metadata requires; an unknown worker (10007) or service (10090); a Durable
Object binding to a class no migration (applied before or sent with the upload) created (10061).
Durable Object migrations sent by `wrangler deploy` are applied and the script's `migration_tag`
is reported as wrangler reads it (a stale `old_tag` and unexported classes are not checked).
State (workers with their uploaded modules, assets, secrets, D1 files, buckets, routes) persists in
`--state`, so a second deploy sees the first; `uploaded(name)` gives back what was deployed, which
the deploy rehearsal runs on the runtime lane."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import sqlite3
import uuid
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from shared.http import Request, Response, json_response

API_PATH = "/client/v4"
FREE_PLAN_GZIP_LIMIT = 3 * 1024 * 1024  # 3 MB compressed (Workers Free); Paid is 10 MB
PAID_PLAN_GZIP_LIMIT = 10 * 1024 * 1024


def envelope(result: Any, status: int = 200, **extra: Any) -> Response:
    return json_response({"success": True, "errors": [], "messages": [], "result": result, **extra}, status)


def failure(status: int, code: int, message: str) -> Response:
    return json_response(
        {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}, status
    )


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.response = failure(status, code, message)


def _now() -> str:
    return "2026-01-01T00:00:00.000000Z"


@dataclass
class AccountStandin:
    """One account, one API token. `zones` maps zone names to ids (the zones the routes need)."""

    state: Path
    token: str
    account_id: str
    zones: dict[str, str]
    size_limit: int = PAID_PLAN_GZIP_LIMIT

    def __post_init__(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        self.file = self.state / "account.json"
        self.data: dict[str, Any] = (
            json.loads(self.file.read_text())
            if self.file.exists()
            else {"d1": {}, "r2": {}, "workers": {}, "routes": {}, "domains": {}, "assets": {}, "log": []}
        )

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

    # -- HTTP ------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(API_PATH)
        try:
            if request.header("authorization") != f"Bearer {self.token}" and not path.startswith(
                f"/accounts/{self.account_id}/workers/assets/upload"
            ):
                raise ApiError(403, 10000, "Authentication error")
            response = self._route(request, path)
        except ApiError as exc:
            return exc.response
        read_only = path.endswith("/query") and request.body.lstrip()[:20].upper().startswith(b'{"SQL": "SELECT')
        if request.method != "GET" and response.status < 300 and not read_only:
            self.data["log"].append(f"{request.method} {path}")
            self._save()
        return response

    def _route(self, request: Request, path: str) -> Response:
        method = request.method
        if path == "/user/tokens/verify":
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
            return envelope([{"id": z, "name": n} for n, z in self.zones.items() if not name or n == name])
        zone_routes = re.fullmatch(r"/zones/([^/]+)/workers/routes(?:/([^/]+))?", path)
        if zone_routes:
            return self._zone_routes(request, zone_routes.group(1), zone_routes.group(2))
        prefix = f"/accounts/{self.account_id}"
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
                return envelope(found, result_info={"page": 1, "per_page": 1000, "count": len(found)})
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
        match = re.fullmatch(r"/([^/]+)(/query|/raw)?", rest)
        if not match:
            raise ApiError(404, 7000, "No route for that URI")
        db = self._find_db(match.group(1))
        if match.group(2) is None and request.method == "GET":
            size = self.d1_path(db["uuid"]).stat().st_size
            return envelope({**db, "file_size": size, "num_tables": 0})
        if match.group(2) and request.method == "POST":
            return envelope(self._run_sql(db["uuid"], _json(request), raw=match.group(2) == "/raw"))
        raise ApiError(405, 10405, "Method not allowed")

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
                return envelope({"buckets": list(self.data["r2"].values())})
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
        raise ApiError(404, 10006, "The specified bucket does not exist.")

    # -- Queues ----------------------------------------------------------------------------------

    def _queues(self, request: Request, rest: str) -> Response:
        queues = self.data.setdefault("queues", {})
        if rest == "" and request.method == "GET":
            if request.query_params.get("page", "1") != "1":
                return envelope([])
            # `name` may repeat (wrangler's deploy asks for all its queues at once): any of them.
            names = set(parse_qs(request.query).get("name", []))
            return envelope([q for q in queues.values() if not names or q["queue_name"] in names])
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
            return envelope(queue)
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
        raise ApiError(404, 11005, "Consumer not found")

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
                    "conflicting": [],
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
            return envelope(self._version_view(name, self._new_version(request, name)))
        if sub == "/versions" and method == "GET":
            return envelope({"items": [self._version_view(name, v) for v in reversed(worker["versions"])]})
        if sub.startswith("/versions/") and method == "GET":
            return envelope(self._version_view(name, self._version(name, sub.removeprefix("/versions/"))))
        if sub == "/deployments" and method == "POST":
            body = _json(request)
            return envelope(self._deploy(name, [v["version_id"] for v in body.get("versions", [])]))
        if sub == "/deployments" and method == "GET":
            return envelope({"deployments": [_deployment(worker)] if worker.get("deployed") else []})
        raise ApiError(404, 7000, f"No route for that URI ({method} /workers{rest})")

    def _upload(self, request: Request, name: str) -> Response:
        """PUT /scripts/{name}: a new version, deployed at once (wrangler's path for a new worker)."""
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
        classes = _apply_do_migrations(previous.get("durable_object_classes", []), metadata.get("migrations"))
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
                    400, 10021, f"D1 binding '{bname}' references database '{binding.get('id')}' which was not found"
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
        return version

    def _version(self, name: str, version_id: str) -> dict[str, Any]:
        for version in self._worker(name)["versions"]:
            if version["id"] == version_id:
                return dict(version)
        raise ApiError(404, 10226, "workers.api.error.version_not_found")

    def _deploy(self, name: str, version_ids: list[str]) -> dict[str, Any]:
        for version_id in version_ids:
            self._version(name, version_id)
        if len(version_ids) != 1:
            raise ApiError(400, 10021, "the stand-in deploys one version at 100%")
        worker = self.data["workers"][name]
        worker["deployed"] = version_ids[0]
        worker.setdefault("deployments", []).append({"id": str(uuid.uuid4()), "version_id": version_ids[0]})
        return _deployment(worker)

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
        raise ApiError(400, 100117, f"Could not find zone for '{hostname}'. Add the zone to this account first.")

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
            current = self.data["domains"].get(hostname)
            if current and current["service"] != name and not body.get("override_existing_origin"):
                raise ApiError(409, 100116, f"Hostname '{hostname}' already has a Custom Domain for another Worker")
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


def _apply_do_migrations(classes: list[str], migrations: dict[str, Any] | None) -> set[str]:
    """The Durable Object classes after the upload's migration steps (wrangler's `migrations`)."""
    current = set(classes)
    for step in (migrations or {}).get("steps", []):
        current |= set(step.get("new_classes", [])) | set(step.get("new_sqlite_classes", []))
        for renamed in step.get("renamed_classes", []):
            current = (current - {renamed["from"]}) | {renamed["to"]}
        current -= set(step.get("deleted_classes", []))
    return current


def _deployment(worker: dict[str, Any]) -> dict[str, Any]:
    latest = worker["deployments"][-1]
    return {
        "id": latest["id"],
        "source": "wrangler",
        "strategy": "percentage",
        "created_on": _now(),
        "annotations": {},
        "versions": [{"version_id": latest["version_id"], "percentage": 100}],
    }
