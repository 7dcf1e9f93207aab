"""The deploy rehearsal, offline: `scripts/deploy staging` runs unchanged against the Cloudflare API
stand-in, then what the stand-in received is run on the runtime lane and checked for health.

    scripts/rehearse-deploy [--keep DIR]

From a clean state, it:
 1. starts the stand-in (devstack.cloudflare_standin with --account-state: workers, D1 on SQLite, R2,
    routes, custom domains) on a free loopback port;
 2. runs tools/deploy.py for staging with throw-away secrets and a deploy token scoped exactly as
    docs/deploying.md documents it (read from its table; wrangler itself uploads; the stand-in
    refuses what Cloudflare refuses: 403 for a call the token may not make, 10143 for a binding to
    a missing worker, 10181 for an unknown D1 id, 10021 for a Python module without
    `python_workers`, a size over the limit);
 3. checks the upload order (every worker after the workers it binds), then runs the deploy again
    and checks that it changed nothing, and that every route, custom domain, cron and queue
    consumer is attached (the deploy's own trigger smoke check, against the stand-in);
 4. rebuilds each worker from its upload (modules, vendored SDK, bindings, secrets, assets, the
    schema the remote migrations created, and the Durable Object classes its applied migrations
    created) and starts the runtime lane on those bundles;
 5. runs the deploy's own smoke test (core's /api/v1/health through all five workers, and the
    domain worker's health) against the lane.
It prints one summary line and exits 0, or says what failed and exits 1."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from devstack.cloudflare_account import ALL_ZONES, AccountStandin, TokenScopes
from devstack.cloudflare_standin import STANDIN_ACCOUNT_ID, STANDIN_DEPLOY_TOKEN
from tools import build, deploy
from tools.ports import free_port

ROOT = build.ROOT
ENV = "staging"
ZONES = {
    "smartpages.online": "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a01",
    "smartpages-staging.site": "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a02",
}
START_TIMEOUT = 300


class Failed(Exception):
    pass


DOCS = ROOT / "docs" / "deploying.md"


def documented_token_scopes(zones: dict[str, str], docs: Path = DOCS) -> TokenScopes:
    """The deploy token's permissions as docs/deploying.md documents them (its table under "The
    deploy token"): `All zones from this account` is every zone, `the portal and sites zones` the
    environment's two zones (here the rehearsal's)."""
    text = docs.read_text()
    start = text.index("The deploy token (`CLOUDFLARE_API_TOKEN`)")
    rows = []
    for line in text[start:].splitlines()[1:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.strip().startswith("|") and len(cells) == 3 and cells[0] in ("Account", "User", "Zone"):
            rows.append(cells)
        elif rows and not line.strip().startswith("|"):
            break
    if not rows:
        raise Failed("docs/deploying.md: no permissions table under the deploy token")
    account: set[str] = set()
    user: set[str] = set()
    by_zone: dict[str, set[str]] = {}
    for level, resources, permissions in rows:
        granted = {p.strip() for p in permissions.split(",") if p.strip()}
        if level == "Account":
            account |= granted
        elif level == "User":
            user |= granted
        elif resources.startswith("All zones"):
            by_zone.setdefault(ALL_ZONES, set()).update(granted)
        else:
            for zone in zones:
                by_zone.setdefault(zone, set()).update(granted)
    return TokenScopes(frozenset(account), frozenset(user), tuple((z, frozenset(p)) for z, p in by_zone.items()))


def start(command: list[str], ready: str, log: Path) -> tuple[subprocess.Popen[str], str]:
    """A child that prints one line containing `ready` on stdout; its stderr goes to `log`."""
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log.open("w"), text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if ready in line:
            return proc, line
    proc.wait(10)
    raise Failed(f"{command[1]} exited before it was ready:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_deploy(values: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "tools.deploy", ENV, "--no-smoke", *args],
        cwd=ROOT,
        env={**os.environ, **values},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise Failed(f"scripts/deploy {ENV} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def rehearsal_secrets(workers: list[deploy.Worker]) -> dict[str, str]:
    """Throw-away values for every required secret (shared names get one value, as in production)."""
    return {name: f"rehearsal-{name.lower()}-{secrets.token_hex(16)}" for w in workers for name in w.secrets}


# -- rebuilding bundles from what was uploaded ----------------------------------------------------


def materialize(account: AccountStandin, worker: deploy.Worker, out: Path) -> None:
    """build/<worker>/ as the lane reads it, made only from what the stand-in received."""
    upload = account.uploaded(worker.name)
    meta: dict[str, Any] = upload["metadata"]
    bundle = out / worker.short
    for module, (_, body) in upload["modules"].items():
        target = bundle / module if module.startswith(build.VENDOR + "/") else bundle / "src" / module
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    for asset_path, body in upload["assets"].items():
        target = bundle / "public" / asset_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    lines = [
        f"name = {json.dumps(worker.name)}",
        f"main = {json.dumps('src/' + meta['main_module'])}",
        f"compatibility_date = {json.dumps(meta['compatibility_date'])}",
        f"compatibility_flags = {json.dumps(meta.get('compatibility_flags', []))}",
    ]
    plain = {b["name"]: b["text"] for b in meta["bindings"] if b["type"] == "plain_text"}
    if plain:
        lines += ["[vars]", *(f"{k} = {json.dumps(v)}" for k, v in plain.items())]
    for b in meta["bindings"]:
        if b["type"] == "d1":
            lines += ["[[d1_databases]]", f"binding = {json.dumps(b['name'])}", f"database_id = {json.dumps(b['id'])}",
                      'migrations_dir = "migrations"']  # fmt: skip
            dump_schema(account, b["id"], bundle / "migrations" / "0001_deployed_schema.sql")
        elif b["type"] == "r2_bucket":
            lines += [
                "[[r2_buckets]]",
                f"binding = {json.dumps(b['name'])}",
                f"bucket_name = {json.dumps(b['bucket_name'])}",
            ]
        elif b["type"] == "service":
            lines += ["[[services]]", f"binding = {json.dumps(b['name'])}", f"service = {json.dumps(b['service'])}"]
        elif b["type"] == "assets":
            config = (meta.get("assets") or {}).get("config") or {}
            lines += ["[assets]", 'directory = "public"', f"binding = {json.dumps(b['name'])}"]
            if config.get("run_worker_first") is not None:
                lines.append(f"run_worker_first = {json.dumps(config['run_worker_first'])}")
            if config.get("not_found_handling"):
                lines.append(f"not_found_handling = {json.dumps(config['not_found_handling'])}")
        elif b["type"] == "queue":
            lines += [
                "[[queues.producers]]",
                f"binding = {json.dumps(b['name'])}",
                f"queue = {json.dumps(b['queue_name'])}",
            ]
        elif b["type"] == "durable_object_namespace":
            lines += [
                "[[durable_objects.bindings]]",
                f"name = {json.dumps(b['name'])}",
                f"class_name = {json.dumps(b['class_name'])}",
                *([f"script_name = {json.dumps(b['script_name'])}"] if b.get("script_name") else []),
            ]
    for consumer in account.queue_consumers(worker.name):
        settings = consumer["settings"] or {}
        lines += ["[[queues.consumers]]", f"queue = {json.dumps(consumer['queue'])}"]
        for key in ("max_batch_size", "max_retries", "max_wait_time_ms", "retry_delay"):
            if settings.get(key) is not None:
                lines.append(f"{key} = {json.dumps(settings[key])}")
        if consumer.get("dead_letter_queue"):
            lines.append(f"dead_letter_queue = {json.dumps(consumer['dead_letter_queue'])}")
    # The Durable Object classes the applied migrations created, as one migration of the script's tag.
    deployed = account.data["workers"][worker.name]
    if deployed.get("durable_object_classes"):
        sqlite = deployed.get("durable_object_sqlite_classes", [])
        kv = sorted(set(deployed["durable_object_classes"]) - set(sqlite))
        lines += ["[[migrations]]", f"tag = {json.dumps(deployed['migration_tag'])}"]
        lines += [f"new_sqlite_classes = {json.dumps(sqlite)}", f"new_classes = {json.dumps(kv)}"]
    crons = [s["cron"] for s in deployed.get("schedules", [])]
    if crons:
        lines += ["[triggers]", f"crons = {json.dumps(crons)}"]
    (bundle / "wrangler.toml").write_text("\n".join(lines) + "\n")
    # Secrets as `wrangler dev` reads them: .dev.vars beside the config.
    (bundle / ".dev.vars").write_text("".join(f"{k}={v}\n" for k, v in upload["secrets"].items()))


def dump_schema(account: AccountStandin, database_id: str, target: Path) -> None:
    """The remote database's schema as one migration (without wrangler's own bookkeeping table), so
    the lane starts from exactly what the remote migrations created, or fails health if they did not."""
    conn = sqlite3.connect(account.d1_path(database_id))
    try:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "AND name != 'd1_migrations' AND tbl_name != 'd1_migrations' ORDER BY type = 'table' DESC, rowid"
        ).fetchall()
    finally:
        conn.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(f"{sql};\n" for (sql,) in rows))


# -- the rehearsal --------------------------------------------------------------------------------


def rehearse(work: Path) -> str:
    workers = deploy.load_workers(ENV)
    state = work / "cloudflare"
    standin_port = free_port()
    command = [
        sys.executable,
        "-m",
        "devstack.cloudflare_standin",
        "--port",
        str(standin_port),
        "--account-state",
        str(state),
    ]
    for zone, zone_id in ZONES.items():
        command += ["--zone-name", f"{zone}={zone_id}"]
    scopes = work / "token-scopes.json"
    scopes.write_text(json.dumps(documented_token_scopes(ZONES).to_json()))
    command += ["--token-scopes", str(scopes)]
    standin, _ = start(command, "ready", work / "standin.log")
    try:
        values = {
            "CLOUDFLARE_API_BASE_URL": f"http://127.0.0.1:{standin_port}/client/v4",
            "CLOUDFLARE_API_TOKEN": STANDIN_DEPLOY_TOKEN,
            "CLOUDFLARE_ACCOUNT_ID": STANDIN_ACCOUNT_ID,
            **rehearsal_secrets(workers),
        }
        record = ["--record-dir", str(work / "record"), "--build-dir", str(work / "build")]
        first = run_deploy(values, *record)
        second = run_deploy(values, *record)
        attached: list[str] = []
        if deploy.smoke_triggers(workers, deploy.Account(values), attached.append):
            raise Failed("triggers missing after the deploy:\n" + "\n".join(attached))
    finally:
        stop(standin)
    account = AccountStandin(state, STANDIN_DEPLOY_TOKEN, STANDIN_ACCOUNT_ID, ZONES)
    order = upload_order(account.calls)
    if order != [w.name for w in workers]:
        raise Failed(f"workers uploaded in the order {order}, not the binding order")
    if "nothing to change" not in second:
        raise Failed(f"a second deploy changed something:\n{second}")
    migrations = first.count("migrated ")
    bundles = work / "uploaded"
    for worker in workers:
        materialize(account, worker, bundles)
    lane, line = start(
        [str(ROOT / "tools" / "node"), str(ROOT / "tools" / "lane" / "main.mjs"), "--build", str(bundles),
         "--state", str(work / "lane"), "--port-core", "0", "--port-domain", "0"],
        "lane ready",
        work / "lane.log",
    )  # fmt: skip
    try:
        urls = dict(part.split("=", 1) for part in line.split()[2:])
        report: list[str] = []
        if deploy.smoke(urls["core"], urls["domain"], values["OPERATOR_TOKEN"], report.append):
            raise Failed(
                "health failed on the uploaded bundles:\n"
                + "\n".join(report)
                + "\n"
                + (work / "lane.log").read_text()[-3000:]
            )
    finally:
        stop(lane)
    short = ", ".join(w.short for w in workers)
    return (
        f"rehearse-deploy: ok: {len(order)} workers uploaded in binding order ({short}), "
        f"{migrations} databases migrated, re-run changed nothing, health ok from the uploaded bundles on the lane"
    )


def upload_order(calls: list[str]) -> list[str]:
    order: list[str] = []
    for call in calls:
        method, path = call.split(" ", 1)
        parts = path.split("/")
        if "scripts" in parts and ((method == "PUT" and parts[-2] == "scripts") or parts[-1] == "versions"):
            name = parts[parts.index("scripts") + 1]
            if name not in order:
                order.append(name)
    return order


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/rehearse-deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="rehearse-deploy-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(rehearse(work), flush=True)
        return 0
    except (Failed, deploy.Stop) as exc:
        print(f"rehearse-deploy: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
