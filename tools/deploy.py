"""One command deploys SmartPages to an environment: `scripts/deploy staging|production`.

    scripts/deploy ENV [--dry-run] [--force] [--secrets-file F] [--no-smoke] [--build-dir DIR]
    scripts/deploy ENV --smoke-only [--core-url URL] [--domain-url URL]

In order, stopping before anything changes if a check fails:
 1. tools: the pinned Node and wrangler (the version node_modules/wrangler/package.json installs);
    each worker's compatibility date and flags select the Python the runtime lane runs
    (tools/lane/compat.mjs: a date that turns 3.14 on is refused); the login (CLOUDFLARE_API_TOKEN +
    CLOUDFLARE_ACCOUNT_ID, from the environment or the secrets file) through the API: the token is
    active (GET /user/tokens/verify, or /accounts/{id}/tokens/verify for an account API token) and
    sees the account (GET /accounts/{id});
 2. secrets: every secret each worker's `[env.ENV.secrets] required` names, from the environment or
    the git-ignored `.secrets/ENV.env`; the missing ones are named, per worker (the optional ones,
    OPTIONAL_SECRETS, are uploaded when supplied);
 3. stage the bundles (tools/build.py, into build/ or `--build-dir`) and read what the account
    holds: D1 databases, R2 buckets, the migrations each database has applied, the version each worker runs;
 4. create what is missing through the API (D1 databases by name, R2 buckets, queues: POST
    /accounts/{id}/d1/database, /r2/buckets, /queues), apply pending remote migrations, then deploy
    each worker whose bundle or secrets changed, in binding order (a service binding to a worker
    that does not exist yet fails the upload): mailer, customer and billing, domain, core;
 5. smoke test: core's deep health (/api/v1/health?deep=1 with the operator token: all five
    workers and their stores) and the domain worker's health, through their public URLs, and every
    worker's routes, custom domains, crons and queue consumers attached (read from the API).

Each version is tagged with a digest of its bundle, environment and secrets, so a re-run deploys
nothing that is already right. Resource ids are never written into git: wrangler finds databases
by name; the ids found are recorded in `.state/deploy/ENV.json` (git-ignored) for operators.
`CLOUDFLARE_API_BASE_URL` points wrangler and this script at another API (the offline rehearsal,
scripts/rehearse-deploy). Wrangler runs only where it does the work (remote migrations, uploads,
`triggers deploy`, the dry runs): each start costs about a second of CPU for Node, so the checks,
reads and creates are direct API calls (Account)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.dotenv import parse_dotenv
from tools import build

ROOT = build.ROOT
ENVIRONMENTS = ("staging", "production")
# Binding order: each worker only binds workers deployed before it.
ORDER = ("mailer", "customer", "billing", "domain", "core")
NODE_MAJOR = 22
API = "https://api.cloudflare.com/client/v4"
LOGIN = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID")
# Secrets a feature is switched on by: uploaded when supplied, never demanded (wrangler's
# `[secrets] required` would fail a deploy without them). HUBSPOT_TOKEN turns the CRM sync on;
# CF_ACCOUNT_ID + ANALYTICS_API_TOKEN (Account Analytics: Read) turn Insights on (docs/sites.md).
OPTIONAL_SECRETS: dict[str, tuple[str, ...]] = {
    "mailer": ("HUBSPOT_TOKEN", "HUBSPOT_API_BASE"),
    "customer": ("CF_ACCOUNT_ID", "ANALYTICS_API_TOKEN"),
}


# Top-level keys an `[env.X]` section inherits unless it sets them (wrangler's "inheritable" keys;
# bindings, vars and secrets are not inherited, so each environment lists them again).
INHERITABLE = (
    "main", "compatibility_date", "compatibility_flags", "triggers", "routes", "workers_dev", "preview_urls",
    "limits", "observability",
)  # fmt: skip


class Stop(Exception):
    """A check failed: nothing was changed (or, mid-way, the message says what was)."""


@dataclass(frozen=True)
class Worker:
    short: str
    config: dict[str, Any]  # the environment's resolved section (name, vars, bindings, secrets)

    @property
    def name(self) -> str:
        return str(self.config["name"])

    @property
    def secrets(self) -> list[str]:
        return list(self.config.get("secrets", {}).get("required", []))

    def secret_values(self, values: dict[str, str]) -> dict[str, str]:
        """The required secrets, and the optional ones (OPTIONAL_SECRETS) that were supplied."""
        optional = [n for n in OPTIONAL_SECRETS.get(self.short, ()) if values.get(n)]
        return {n: values[n] for n in [*self.secrets, *optional]}

    @property
    def databases(self) -> list[dict[str, Any]]:
        return list(self.config.get("d1_databases", []))

    @property
    def buckets(self) -> list[str]:
        return [b["bucket_name"] for b in self.config.get("r2_buckets", [])]

    @property
    def queues(self) -> list[str]:
        """Every queue the worker produces to or consumes from, dead-letter queues included."""
        section = self.config.get("queues", {})
        names = [p["queue"] for p in section.get("producers", [])]
        for consumer in section.get("consumers", []):
            names += [
                consumer["queue"],
                *([consumer["dead_letter_queue"]] if consumer.get("dead_letter_queue") else []),
            ]
        return names

    @property
    def services(self) -> list[str]:
        return [s["service"] for s in self.config.get("services", [])]


def durable_object_gaps(config: dict[str, Any], env: str) -> list[str]:
    """What would make an environment's Durable Objects fail or vanish at deploy. Wrangler does not
    inherit `durable_objects` into an environment (it warns and uploads without the binding), while
    `[[migrations]]` stay top-level and wrangler deploy applies them itself; Cloudflare refuses a
    binding to a class no migration created (10061)."""
    section = config.get("env", {}).get(env, {})
    top = {b["name"] for b in config.get("durable_objects", {}).get("bindings", [])}
    bound = {b["name"]: b for b in section.get("durable_objects", {}).get("bindings", [])}
    gaps = [
        f"[env.{env}] lacks the Durable Object binding {name} (add [[env.{env}.durable_objects.bindings]])"
        for name in sorted(top - set(bound))
    ]
    migrated: set[str] = set()
    for migration in config.get("migrations", []):
        migrated |= set(migration.get("new_sqlite_classes", [])) | set(migration.get("new_classes", []))
        migrated |= {r["to"] for r in migration.get("renamed_classes", [])}
        migrated -= set(migration.get("deleted_classes", [])) | {
            r["from"] for r in migration.get("renamed_classes", [])
        }
    for name, binding in sorted(bound.items()):
        if not binding.get("script_name") and binding["class_name"] not in migrated:
            gaps.append(
                f"{name} binds class {binding['class_name']}, which no [[migrations]] entry creates (Cloudflare: 10061)"
            )
    return gaps


def load_workers(env: str) -> list[Worker]:
    workers = []
    for short in ORDER:
        config = tomllib.loads((ROOT / "workers" / short / "wrangler.toml").read_text())
        if env not in config.get("env", {}):
            raise Stop(f"workers/{short}/wrangler.toml has no [env.{env}] section")
        gaps = durable_object_gaps(config, env)
        if gaps:
            raise Stop(f"workers/{short}/wrangler.toml: " + "; ".join(gaps))
        inherited = {k: config[k] for k in INHERITABLE if k in config}
        workers.append(Worker(short, {**inherited, **config["env"][env]}))
    deployed: set[str] = set()
    for worker in workers:  # the order above must respect every service binding
        missing = [s for s in worker.services if s not in deployed]
        if missing:
            raise Stop(f"{worker.name} binds {', '.join(missing)}, which deploy after it: fix ORDER")
        deployed.add(worker.name)
    return workers


# -- inputs: login and secrets --------------------------------------------------------------------


def read_inputs(env: str, secrets_file: Path | None) -> dict[str, str]:
    """Secret values: the secrets file (default .secrets/ENV.env), overridden by the environment."""
    file = secrets_file or ROOT / ".secrets" / f"{env}.env"
    values = parse_dotenv(file.read_text()) if file.exists() else {}
    if secrets_file and not file.exists():
        raise Stop(f"secrets file {file} does not exist")
    return {**values, **{k: v for k, v in os.environ.items() if v}}


def missing_inputs(workers: list[Worker], values: dict[str, str], env: str) -> list[str]:
    lines = [f"  {name} (the deploy login)" for name in LOGIN if not values.get(name)]
    for worker in workers:
        lines += [f"  {name} (secret of {worker.name})" for name in worker.secrets if not values.get(name)]
    if lines:
        lines.append(
            f"Supply them as environment variables or in .secrets/{env}.env (git-ignored, NAME=value lines). "
            "docs/deploying.md says where each comes from."
        )
    return lines


# -- the account: a small client for what the plan reads and the deploy creates -------------------


# What the deploy creates through the API: (path under the account, the body's name field, the
# permission of the deploy token it needs).
CREATES = {
    "D1 database": ("/d1/database", "name", "D1: Edit"),
    "R2 bucket": ("/r2/buckets", "name", "Workers R2 Storage: Edit"),
    "queue": ("/queues", "queue_name", "Queues: Edit"),
}


def api_errors(answer: dict[str, Any]) -> str:
    """An error envelope's errors as one line: "message [code N]; ..."."""
    errors = answer.get("errors") or []
    return "; ".join(f"{e.get('message')} [code {e.get('code')}]" for e in errors if isinstance(e, dict))


class Account:
    def __init__(self, values: dict[str, str]) -> None:
        self.base = values.get("CLOUDFLARE_API_BASE_URL", API).rstrip("/")
        if not self.base.startswith(("https://", "http://")):
            raise Stop(f"CLOUDFLARE_API_BASE_URL must be an http(s) URL, not {self.base!r}")
        self.token = values["CLOUDFLARE_API_TOKEN"]
        self.account = values["CLOUDFLARE_ACCOUNT_ID"]

    def get(self, path: str) -> Any:
        return self._call("GET", f"/accounts/{self.account}{path}")

    def query(self, database_id: str, sql: str) -> Any:
        return self._call("POST", f"/accounts/{self.account}/d1/database/{database_id}/query", {"sql": sql})

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        envelope = self._envelope(method, path, body)
        return None if envelope is None else envelope["result"]

    def _envelope(self, method: str, path: str, body: Any = None) -> Any:
        """The API's whole answer ({success, result, result_info, ...}); None on a 404."""
        status, answer = self._answer(method, path, body)
        if status == 404:
            return None
        if status >= 400:
            raise Stop(f"Cloudflare API {method} {path}: HTTP {status} {json.dumps(answer)[:300]}")
        return answer

    def _answer(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        """The HTTP status and the API's envelope, an error's too (its `errors` say why)."""
        request = urllib.request.Request(  # noqa: S310 (self.base is checked to be http(s) above)
            f"{self.base}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            try:
                return exc.code, json.loads(text)
            except ValueError:  # not the API's envelope (a proxy's error page): keep its start
                return exc.code, {"success": False, "errors": [{"code": None, "message": text[:300]}]}
        except OSError as exc:  # refused, unresolvable, timed out: the API was never reached
            raise Stop(f"Cloudflare API {method} {path}: cannot reach {self.base} ({exc})") from exc

    def check_login(self) -> None:
        """The token is valid and active and can see the account (GET /accounts/{id}): the two
        questions `wrangler whoami` answered, without its Node start. A user's token is verified at
        /user/tokens/verify, an account API token (which that path does not know) at
        /accounts/{id}/tokens/verify."""
        status, answer = self._answer("GET", "/user/tokens/verify")
        if self._token_state(answer) != "active":
            _, by_account = self._answer("GET", f"/accounts/{self.account}/tokens/verify")
            if self._token_state(by_account) == "active":
                status, answer = 200, by_account
        if status >= 400 or self._token_state(answer) != "active":
            why = api_errors(answer) or f"its status is {self._token_state(answer)}"
            raise Stop(f"the API token (CLOUDFLARE_API_TOKEN) was refused, nothing was changed: {why}")
        status, answer = self._answer("GET", f"/accounts/{self.account}")
        if status >= 400:
            raise Stop(
                "the API token cannot see account CLOUDFLARE_ACCOUNT_ID, nothing was changed "
                f"(GET /accounts/{self.account}: HTTP {status} {api_errors(answer)})"
            )

    @staticmethod
    def _token_state(answer: dict[str, Any]) -> Any:
        return (answer.get("result") or {}).get("status")

    def create(self, kind: str, name: str) -> None:
        """Creates a D1 database, R2 bucket or queue (CREATES); a refusal names what was refused
        and, for a 403, the permission the deploy token lacks."""
        path, field, permission = CREATES[kind]
        status, answer = self._answer("POST", f"/accounts/{self.account}{path}", {field: name})
        if status >= 400:
            hint = f"; the deploy token needs {permission} (docs/deploying.md)" if status == 403 else ""
            raise Stop(f"creating {kind} {name} failed: HTTP {status} {api_errors(answer)}{hint}")

    def _pages(self, path: str, per_page: int) -> list[Any]:
        """Every item of a list the API pages with `page`/`per_page` (D1, Queues), as wrangler
        reads them: the next page while page * per_page < result_info.total_count."""
        items: list[Any] = []
        page = 1
        while True:
            sep = "&" if "?" in path else "?"
            answer = self._envelope("GET", f"/accounts/{self.account}{path}{sep}page={page}&per_page={per_page}")
            found = (answer or {}).get("result") or []
            items += found
            info = (answer or {}).get("result_info") or {}
            total = info.get("total_count")
            if not found or total is None or page * int(info.get("per_page", per_page)) >= int(total):
                return items
            page += 1

    def databases(self) -> dict[str, str]:
        return {db["name"]: db["uuid"] for db in self._pages("/d1/database", 1000)}

    def buckets(self) -> set[str]:
        """Every R2 bucket: the API pages buckets with a cursor (result_info.cursor)."""
        names: set[str] = set()
        cursor = ""
        while True:
            query = urllib.parse.urlencode({"per_page": 1000, **({"cursor": cursor} if cursor else {})})
            answer = self._envelope("GET", f"/accounts/{self.account}/r2/buckets?{query}") or {}
            names |= {b["name"] for b in (answer.get("result") or {}).get("buckets", [])}
            next_cursor = (answer.get("result_info") or {}).get("cursor") or ""
            if not next_cursor or next_cursor == cursor:
                return names
            cursor = next_cursor

    def queues(self) -> dict[str, dict[str, Any]]:
        """Every queue by name, with its consumers."""
        return {q["queue_name"]: q for q in self._pages("/queues", 1000)}

    def applied_migrations(self, database_id: str) -> set[str] | None:
        """Names in wrangler's d1_migrations table; None when the table does not exist yet."""
        try:
            result = self.query(database_id, "SELECT name FROM d1_migrations")
        except Stop:
            return None
        return {row["name"] for row in result[0]["results"]}

    def missing_triggers(self, worker: Worker, queues: dict[str, dict[str, Any]] | None = None) -> list[str]:
        """What of the worker's routes, custom domains, cron schedules and queue consumers is not in
        place (a deploy whose upload succeeded can still fail while attaching them, and anything can
        be detached by hand later); `wrangler triggers deploy` attaches all of them."""
        missing: list[str] = []
        for route in worker.config.get("routes", []):
            if route.get("custom_domain"):
                domains = self.get(f"/workers/domains?service={worker.name}") or []
                if route["pattern"] not in {d["hostname"] for d in domains if d.get("service") == worker.name}:
                    missing.append(f"custom domain {route['pattern']}")
            else:
                zones = self._call("GET", f"/zones?name={route['zone_name']}") or []
                routes = self._call("GET", f"/zones/{zones[0]['id']}/workers/routes") if zones else []
                if not any(r["pattern"] == route["pattern"] and r.get("script") == worker.name for r in routes or []):
                    missing.append(f"route {route['pattern']}")
        crons = set(worker.config.get("triggers", {}).get("crons", []))
        if crons:
            schedules = (self.get(f"/workers/scripts/{worker.name}/schedules") or {}).get("schedules", [])
            if crons != {s["cron"] for s in schedules}:
                missing.append(f"cron schedules {', '.join(sorted(crons))}")
        consumers = worker.config.get("queues", {}).get("consumers", [])
        if consumers:
            queues = self.queues() if queues is None else queues
            for consumer in consumers:
                attached = (queues.get(consumer["queue"]) or {}).get("consumers") or []
                if not any(worker.name in (c.get("script"), c.get("service")) for c in attached):
                    missing.append(f"queue consumer of {consumer['queue']}")
        return missing

    def triggers_attached(self, worker: Worker, queues: dict[str, dict[str, Any]] | None = None) -> bool:
        return not self.missing_triggers(worker, queues)

    def live_tag(self, worker: str) -> str | None:
        status = self.get(f"/workers/scripts/{worker}/deployments")
        deployments = (status or {}).get("deployments") or []
        if not deployments:
            return None
        version = self.get(f"/workers/scripts/{worker}/versions/{deployments[0]['versions'][0]['version_id']}")
        return ((version or {}).get("annotations") or {}).get("workers/tag")


# -- the plan -------------------------------------------------------------------------------------


def bundle_tag(bundle: Path, env: str, secrets: dict[str, str]) -> str:
    """What a deployed version is: its staged files, environment and secret values. Secret values
    enter only through a salted hash, so the tag (visible in the dashboard) reveals nothing."""
    digest = hashlib.sha256(env.encode())
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        digest.update(path.relative_to(bundle).as_posix().encode() + b"\0" + path.read_bytes())
    for name in sorted(secrets):
        digest.update(hashlib.sha256(f"smartpages-secret\0{name}\0{secrets[name]}".encode()).digest())
    return "sp-" + digest.hexdigest()[:20]


@dataclass
class Plan:
    create_databases: list[str]
    create_buckets: list[str]
    create_queues: list[str]
    migrate: list[tuple[Worker, str, list[str]]]  # (owner, database name, pending migration files)
    deploy: list[Worker]
    attach: list[Worker]  # current code, but routes, domains, crons or consumers missing: `wrangler triggers deploy`
    up_to_date: list[Worker]
    tags: dict[str, str]

    @property
    def changes_nothing(self) -> bool:
        return not (
            self.create_databases
            or self.create_buckets
            or self.create_queues
            or self.migrate
            or self.deploy
            or self.attach
        )

    def lines(self) -> list[str]:
        out = [f"create D1 database {n}" for n in self.create_databases]
        out += [f"create R2 bucket {n}" for n in self.create_buckets]
        out += [f"create queue {n}" for n in self.create_queues]
        out += [f"apply {len(files)} migration(s) to {db}: {', '.join(files)}" for _, db, files in self.migrate]
        out += [f"deploy {w.name} (version {self.tags[w.short]})" for w in self.deploy]
        out += [f"attach the routes, domains, crons and queue consumers of {w.name}" for w in self.attach]
        out += [f"{w.name} is up to date ({self.tags[w.short]})" for w in self.up_to_date]
        return out


def make_plan(
    workers: list[Worker],
    env: str,
    values: dict[str, str],
    account: Account,
    force: bool,
    build_dir: Path = build.BUILD,
) -> Plan:
    databases = account.databases()
    buckets = account.buckets()
    queues = account.queues()
    wanted_dbs = [(w, d) for w in workers for d in w.databases]
    migrate: list[tuple[Worker, str, list[str]]] = []
    for worker, db in wanted_dbs:
        files = sorted(p.name for p in (ROOT / "workers" / worker.short / db["migrations_dir"]).glob("*.sql"))
        applied = (
            account.applied_migrations(databases[db["database_name"]]) if db["database_name"] in databases else None
        )
        pending = [f for f in files if f not in (applied or set())]
        if pending:
            migrate.append((worker, db["database_name"], pending))
    tags = {w.short: bundle_tag(build_dir / w.short, env, w.secret_values(values)) for w in workers}
    deploy: list[Worker] = []
    attach: list[Worker] = []
    up_to_date: list[Worker] = []
    for worker in workers:
        if force or account.live_tag(worker.name) != tags[worker.short]:
            deploy.append(worker)
        elif not account.triggers_attached(worker, queues):
            attach.append(worker)
        else:
            up_to_date.append(worker)
    return Plan(
        create_databases=[d["database_name"] for _, d in wanted_dbs if d["database_name"] not in databases],
        create_buckets=sorted({b for w in workers for b in w.buckets} - buckets),
        create_queues=sorted({q for w in workers for q in w.queues} - set(queues)),
        migrate=migrate,
        deploy=deploy,
        attach=attach,
        up_to_date=up_to_date,
        tags=tags,
    )


# -- running wrangler -----------------------------------------------------------------------------


WRANGLER_TIMEOUT = 300  # one wrangler call (a deploy of one worker takes ~10 s): past it, say so and stop


def wrangler(args: list[str], values: dict[str, str], cwd: Path = ROOT) -> str:
    env = {**os.environ, **{k: values[k] for k in (*LOGIN, "CLOUDFLARE_API_BASE_URL") if k in values}}
    env["CI"] = "true"  # never prompt
    try:
        proc = subprocess.run(
            [str(ROOT / "tools" / "wrangler"), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False,
            timeout=WRANGLER_TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired as late:
        parts = (late.stdout, late.stderr)
        output = "".join(x.decode(errors="replace") if isinstance(x, bytes) else x or "" for x in parts)
        raise Stop(f"wrangler {' '.join(args)} did not finish in {WRANGLER_TIMEOUT} s:\n{_tail(output)}") from None
    if proc.returncode != 0:
        raise Stop(f"wrangler {' '.join(args)} failed:\n{_tail(proc.stdout + proc.stderr)}")
    return proc.stdout


def _tail(text: str, lines: int = 25) -> str:
    keep = [line for line in text.splitlines() if line.strip() and not line.startswith(("│", "├", "┌", "└"))]
    return "\n".join("    " + line for line in keep[-lines:])


def installed_wrangler_version() -> str:
    """The version tools/wrangler runs, from its package.json: `wrangler --version` would cost a
    Node start (~1 s of CPU) to print the same field."""
    package = ROOT / "node_modules" / "wrangler" / "package.json"
    try:
        return str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        raise Stop(f"wrangler is not installed ({package} unreadable; run scripts/setup)") from None


def check_tools() -> None:
    node = subprocess.run([str(ROOT / "tools" / "node"), "--version"], capture_output=True, text=True, check=False)
    if node.returncode != 0 or not node.stdout.startswith(f"v{NODE_MAJOR}."):
        raise Stop(f"tools/node is not Node {NODE_MAJOR} (run scripts/setup): {node.stdout or node.stderr}")
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["wrangler"]
    version = installed_wrangler_version()
    if version.lstrip("^~") != pinned.lstrip("^~"):
        raise Stop(f"wrangler {version} is not the pinned {pinned} (run scripts/setup)")


def python_release_refusals(workers: list[Worker]) -> list[str]:
    """Workers whose compatibility date (or flags) select a Python the runtime lane does not run
    (tools/lane/compat.mjs, on the flag table of the workerd wrangler deploys with): Cloudflare
    would run, say, 3.14 from 2026-09-08 while every test ran 3.13."""
    refusals = []
    for worker in workers:
        flags = [str(f) for f in worker.config.get("compatibility_flags", [])]
        proc = subprocess.run(
            [str(ROOT / "tools" / "node"), str(ROOT / "tools" / "lane" / "compat.mjs"), worker.name,
             str(worker.config.get("compatibility_date", "")), *flags],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            refusals.append(proc.stdout.strip() or proc.stderr.strip())
    return refusals


def execute(
    plan: Plan,
    env: str,
    values: dict[str, str],
    record: dict[str, Any],
    account: Account,
    build_dir: Path = build.BUILD,
) -> None:
    creates = [("D1 database", n) for n in plan.create_databases]
    creates += [("R2 bucket", n) for n in plan.create_buckets] + [("queue", n) for n in plan.create_queues]
    for kind, name in creates:
        account.create(kind, name)
        print(f"  created {kind} {name}")
    for owner, database, _ in plan.migrate:
        wrangler(["d1", "migrations", "apply", database, "--remote", "--env", env], values, build_dir / owner.short)
        print(f"  migrated {database}")
    done: list[str] = []
    for worker in plan.deploy:
        secrets = worker.secret_values(values)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=True) as file:
            os.chmod(file.name, 0o600)
            json.dump(secrets, file)
            file.flush()
            try:
                wrangler(
                    [
                        "deploy",
                        "--env",
                        env,
                        "--secrets-file",
                        file.name,
                        "--tag",
                        plan.tags[worker.short],
                        "--message",
                        f"scripts/deploy {env}",
                    ],
                    values,
                    build_dir / worker.short,
                )
            except Stop as exc:
                raise Stop(mid_way(exc, env, done, plan, worker)) from exc
        done.append(worker.name)
        record["workers"][worker.name] = plan.tags[worker.short]
        print(f"  deployed {worker.name}")
    for worker in plan.attach:
        wrangler(["triggers", "deploy", "--env", env], values, build_dir / worker.short)
        print(f"  attached the routes, domains, crons and queue consumers of {worker.name}")


def mid_way(exc: Stop, env: str, done: list[str], plan: Plan, failed: Worker) -> str:
    current = [w.name for w in plan.up_to_date + plan.attach] + done
    rest = [w.name for w in plan.deploy if w.name not in done]
    rollback = " && ".join(f"tools/wrangler rollback --name {n} -y" for n in reversed(done)) or "nothing to roll back"
    return (
        f"{exc}\n\nDeploying {failed.name} failed. On the new version: {', '.join(current) or 'none'}. "
        f"Not deployed: {', '.join(rest)}.\n"
        f"To finish: fix the cause and run `scripts/deploy {env}` again (it skips what is done).\n"
        f"To roll back instead (reverse binding order): {rollback}"
    )


# -- smoke test -----------------------------------------------------------------------------------


def smoke(core_url: str, domain_url: str, operator_token: str, say: Callable[[str], None] = print) -> list[str]:
    """Core's deep health (it asks all five workers and their stores; it needs the operator token)
    and the domain worker's own; returns the names of those that are not ok."""
    checks: tuple[tuple[str, str, dict[str, str]], ...] = (
        ("core", f"{core_url}/api/v1/health?deep=1", {"Authorization": f"Bearer {operator_token}"}),
        ("domain", f"{domain_url}/_smartpages/health", {}),
    )
    failures = []
    for label, url, headers in checks:
        try:
            request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our http(s) origins)
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                body = json.load(response)
            ok = body.get("status") == "ok"
        except (OSError, ValueError) as exc:
            ok, body = False, {"error": str(exc)}
        say(f"  {label} health {url}: {'ok' if ok else 'FAILED ' + json.dumps(body)[:300]}")
        if not ok:
            failures.append(label)
    return failures


def smoke_triggers(workers: list[Worker], account: Account, say: Callable[[str], None] = print) -> list[str]:
    """Every worker's routes, custom domains, crons and queue consumers are attached; returns the
    names of the workers that miss one (a detached consumer leaves its queue piling up unseen)."""
    queues = account.queues()
    failures = []
    for worker in workers:
        missing = account.missing_triggers(worker, queues)
        say(f"  {worker.name} triggers: {'ok' if not missing else 'MISSING ' + ', '.join(missing)}")
        if missing:
            failures.append(worker.name)
    return failures


def public_urls(workers: list[Worker]) -> tuple[str, str]:
    by_short = {w.short: w for w in workers}
    core = by_short["core"].config["vars"]["PORTAL_ORIGIN"]
    sites = by_short["customer"].config["vars"]["SITES_DOMAIN"]
    return core, f"https://edge.{sites}"  # the sites zone's fallback origin record (docs/deploying.md)


# -- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("env", choices=ENVIRONMENTS)
    parser.add_argument("--dry-run", action="store_true", help="print the plan and run wrangler's dry runs")
    parser.add_argument("--force", action="store_true", help="deploy every worker even if its tag is current")
    parser.add_argument("--secrets-file", type=Path, help="default: .secrets/ENV.env")
    parser.add_argument("--no-smoke", action="store_true", help="skip the health checks at the end")
    parser.add_argument("--smoke-only", action="store_true", help="only the health checks")
    parser.add_argument("--core-url", help="core's public origin (default: PORTAL_ORIGIN)")
    parser.add_argument("--domain-url", help="an origin the domain worker serves (default: https://edge.<sites>)")
    parser.add_argument("--record-dir", type=Path, default=ROOT / ".state" / "deploy", help="where ids are recorded")
    parser.add_argument(
        "--build-dir", type=Path, default=build.BUILD, help="where the bundles are staged (default: build/)"
    )
    args = parser.parse_args(argv)
    try:
        workers = load_workers(args.env)
        core_url, domain_url = public_urls(workers)
        values = read_inputs(args.env, args.secrets_file)
        if args.smoke_only:
            failed = smoke(args.core_url or core_url, args.domain_url or domain_url, values.get("OPERATOR_TOKEN", ""))
            if all(values.get(name) for name in LOGIN):
                failed += smoke_triggers(workers, Account(values))
            else:
                print("  triggers not checked: no deploy login (CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID)")
            return 1 if failed else 0
        print(f"deploy {args.env}: checking tools, login and secrets")
        missing = missing_inputs(workers, values, args.env)
        if missing:
            raise Stop("missing, nothing was changed:\n" + "\n".join(missing))
        check_tools()
        refusals = python_release_refusals(workers)
        if refusals:
            raise Stop("nothing was changed:\n" + "\n".join(f"  {r}" for r in refusals))
        account = Account(values)
        account.check_login()
        for worker in workers:
            build.stage(worker.short, args.build_dir)
        plan = make_plan(workers, args.env, values, account, args.force, args.build_dir)
        print("plan:\n" + "\n".join(f"  {line}" for line in plan.lines()))
        if args.dry_run:
            for worker in workers:
                wrangler(
                    [
                        "deploy",
                        "--dry-run",
                        "--env",
                        args.env,
                        "--outdir",
                        str(args.build_dir / ".dry-run" / worker.short),
                    ],
                    values,
                    args.build_dir / worker.short,
                )
                print(f"  wrangler dry run of {worker.name}: ok")
            return 0
        record_file = args.record_dir / f"{args.env}.json"
        record = json.loads(record_file.read_text()) if record_file.exists() else {"workers": {}}
        try:
            execute(plan, args.env, values, record, account, args.build_dir)
        finally:
            record["databases"] = account.databases()
            record_file.parent.mkdir(parents=True, exist_ok=True)
            record_file.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        if plan.changes_nothing:
            print("nothing to change: every resource, migration and worker is already right")
        token = values["OPERATOR_TOKEN"]
        if not args.no_smoke and (
            smoke(args.core_url or core_url, args.domain_url or domain_url, token) + smoke_triggers(workers, account)
        ):
            raise Stop(
                "deployed, but the smoke test failed: see docs/deploying.md (rollback, logs; "
                f"`scripts/deploy {args.env}` again attaches missing triggers)"
            )
    except Stop as exc:
        print(f"deploy {args.env}: {exc}", file=sys.stderr)
        return 1
    print(f"deploy {args.env}: done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
