"""scripts/deploy against the Cloudflare API stand-in (offline): refuses before changing anything when
an input is missing, finishes a half-done deploy on a re-run, re-attaches detached triggers, meets
the API's scoped 403. The scenarios that deploy start from one provisioned account (`provisioned`:
every D1 database, bucket and queue created and migrated by a first deploy, no Worker yet), each on
its own copy, so each uploads the Workers without creating and migrating every resource again (a
wrangler run per database migrated); creating them from a clean account is shown by the rehearsal
(test_rehearsal.py) and the runbooks' deploys. Each deploy stages its bundles in the test's own
folder (`--build-dir`), not in build/, so these modules run beside each other."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devstack.cloudflare_account import AccountStandin, TokenScopes
from devstack.cloudflare_standin import STANDIN_ACCOUNT_ID, STANDIN_DEPLOY_TOKEN
from tests.lane.harness import Process, free_port
from tools import deploy, rehearse_deploy

ROOT = Path(__file__).resolve().parents[2]
ZONES = rehearse_deploy.ZONES

pytestmark = pytest.mark.deploy


@contextmanager
def standin(
    state: Path,
    zones: dict[str, str],
    scopes: TokenScopes | None = None,
    routes_403_code: int | None = None,
    refuse_new_workers: bool = False,
    account_owned_token: bool = False,
) -> Iterator[dict[str, str]]:
    """The stand-in over HTTP on a free port; yields the deploy login that reaches it. `scopes`:
    the deploy token's permissions (default: all); `refuse_new_workers`: no call may create a Worker;
    `account_owned_token`: the login is an account API token rather than a user's."""
    port = free_port()
    command = [sys.executable, "-m", "devstack.cloudflare_standin", "--port", str(port), "--account-state", str(state)]
    for zone, zone_id in zones.items():
        command += ["--zone-name", f"{zone}={zone_id}"]
    if scopes is not None:
        file = state.parent / f"{state.name}-scopes.json"
        file.write_text(json.dumps(scopes.to_json()))
        command += ["--token-scopes", str(file)]
    if routes_403_code is not None:
        command += ["--routes-403-code", str(routes_403_code)]
    if refuse_new_workers:
        command.append("--refuse-new-workers")
    if account_owned_token:
        command.append("--account-owned-token")
    process = Process(command, "ready", [])
    deadline = time.monotonic() + 30  # "ready" is printed just before uvicorn listens
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield {
            "CLOUDFLARE_API_BASE_URL": f"http://127.0.0.1:{port}/client/v4",
            "CLOUDFLARE_API_TOKEN": STANDIN_DEPLOY_TOKEN,
            "CLOUDFLARE_ACCOUNT_ID": STANDIN_ACCOUNT_ID,
        }
    finally:
        process.stop()


def run_deploy(values: dict[str, str], tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    return subprocess.run(
        [sys.executable, "-m", "tools.deploy", "staging", "--no-smoke", "--record-dir", str(tmp_path / "record"),
         "--secrets-file", str(tmp_path / "none.env"), "--build-dir", str(tmp_path / "build"), *extra],
        cwd=ROOT, env={**env, **values}, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@contextmanager
def healthy_origin() -> Iterator[str]:
    """An origin whose every path answers {"status": "ok"}: the smoke test's health checks pass, so
    only the trigger checks can fail it."""

    class Ok(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def smoke_only(values: dict[str, str], tmp_path: Path, origin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    return subprocess.run(
        [sys.executable, "-m", "tools.deploy", "staging", "--smoke-only", "--core-url", origin, "--domain-url", origin,
         "--secrets-file", str(tmp_path / "none.env")],
        cwd=ROOT, env={**env, **values}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def account(state: Path) -> AccountStandin:
    return AccountStandin(state, STANDIN_DEPLOY_TOKEN, STANDIN_ACCOUNT_ID, ZONES)


@pytest.fixture(scope="module")
def staging_secrets() -> dict[str, str]:
    return rehearse_deploy.rehearsal_secrets(deploy.load_workers("staging"))


@pytest.fixture
def secrets(staging_secrets: dict[str, str]) -> dict[str, str]:
    """The module's secrets (the provisioned account's migrations ran with them), a copy to change."""
    return dict(staging_secrets)


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory: pytest.TempPathFactory, staging_secrets: dict[str, str]) -> Path:
    """The stand-in's state after a first staging deploy on a clean account created and migrated
    every D1 database, R2 bucket and queue and then stopped at the first upload (the stand-in
    refused to create a Worker): resources in place, no Worker, nothing attached."""
    work = tmp_path_factory.mktemp("provisioned")
    (work / "none.env").write_text("")
    with standin(work / "cf", ZONES, refuse_new_workers=True) as login:
        first = run_deploy({**login, **staging_secrets}, work)
    assert first.returncode == 1
    assert "Deploying smartpages-mailer-staging failed" in first.stderr
    for created in ("created D1 database smartpages-core-staging", "created R2 bucket smartpages-sites-staging",
                    "created queue smartpages-mail-staging", "migrated smartpages-customer-staging"):  # fmt: skip
        assert created in first.stdout
    cloud = account(work / "cf")
    assert (cloud.worker_names(), cloud.refused) == ([], ["smartpages-mailer-staging"])
    return work / "cf"


def copy_of(state_folder: Path, tmp_path: Path) -> Path:
    """The stand-in's state copied into the test's folder: a scenario changes its own account."""
    state = tmp_path / "cf"
    shutil.copytree(state_folder, state)
    return state


def test_a_missing_secret_stops_the_deploy_before_anything_changes(tmp_path: Path, secrets: dict[str, str]) -> None:
    (tmp_path / "none.env").write_text("")
    del secrets["STRIPE_WEBHOOK_SECRET"]
    with standin(tmp_path / "cf", ZONES) as login:
        result = run_deploy({**login, **secrets}, tmp_path)
    assert result.returncode == 1
    assert "STRIPE_WEBHOOK_SECRET (secret of smartpages-billing-staging)" in result.stderr
    assert "nothing was changed" in result.stderr
    assert account(tmp_path / "cf").calls == []
    assert account(tmp_path / "cf").worker_names() == []


def test_a_missing_login_is_named(tmp_path: Path, secrets: dict[str, str]) -> None:
    (tmp_path / "none.env").write_text("")
    result = run_deploy(secrets, tmp_path)
    assert result.returncode == 1
    assert "CLOUDFLARE_API_TOKEN (the deploy login)" in result.stderr


def test_a_deploy_that_fails_half_way_says_where_it_stopped_and_a_rerun_finishes_it(
    provisioned: Path, tmp_path: Path, secrets: dict[str, str]
) -> None:
    (tmp_path / "none.env").write_text("")
    state = copy_of(provisioned, tmp_path)
    # The portal's zone is missing from the account: core uploads, but its custom domain cannot attach.
    without_portal_zone = {k: v for k, v in ZONES.items() if k != "smartpages.online"}
    with standin(state, without_portal_zone) as login:
        failed = run_deploy({**login, **secrets}, tmp_path)
    assert failed.returncode == 1
    assert "Deploying smartpages-core-staging failed" in failed.stderr
    on_new = "On the new version: smartpages-mailer-staging, smartpages-customer-staging, smartpages-billing-staging"
    assert on_new in failed.stderr
    assert "run `scripts/deploy staging` again" in failed.stderr
    assert "tools/wrangler rollback --name smartpages-domain-staging" in failed.stderr
    with standin(state, ZONES) as login:  # the zone is added: re-run
        calls = len(account(state).calls)
        plan = run_deploy({**login, **secrets}, tmp_path, "--dry-run")
        assert plan.returncode == 0, plan.stderr
        assert "attach the routes, domains, crons and queue consumers of smartpages-core-staging" in plan.stdout
        assert "wrangler dry run of smartpages-core-staging: ok" in plan.stdout
        assert len(account(state).calls) == calls  # a dry run changes nothing
        finished = run_deploy({**login, **secrets}, tmp_path)
        assert finished.returncode == 0, finished.stderr
        assert "attached the routes, domains, crons and queue consumers of smartpages-core-staging" in finished.stdout
        assert "deployed smartpages-" not in finished.stdout  # no worker uploaded again
        again = run_deploy({**login, **secrets}, tmp_path)
    assert "nothing to change" in again.stdout
    domains = account(state).data["domains"]
    assert domains["staging.smartpages.online"]["service"] == "smartpages-core-staging"


def test_detached_queue_consumers_fail_the_smoke_test_and_a_rerun_attaches_them(
    provisioned: Path, tmp_path: Path, secrets: dict[str, str]
) -> None:
    """A re-run repairs every trigger, queue consumers included, and the smoke test fails while a
    consumer (or a route, custom domain or cron) is missing."""
    (tmp_path / "none.env").write_text("")
    state = copy_of(provisioned, tmp_path)
    with standin(state, ZONES) as login, healthy_origin() as origin:
        first = run_deploy({**login, **secrets}, tmp_path)
        assert first.returncode == 0, first.stderr
        ok = smoke_only({**login, **secrets}, tmp_path, origin)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "smartpages-mailer-staging triggers: ok" in ok.stdout
    cloud = account(state)  # consumers detached by hand (or by a deploy that died attaching them)
    consumers = cloud.queue_consumers("smartpages-mailer-staging")
    assert len(consumers) == 4
    for queue in cloud.data["queues"].values():
        queue["consumers"] = []
    cloud.data["workers"]["smartpages-billing-staging"]["schedules"] = []  # and a cron
    (state / "account.json").write_text(json.dumps(cloud.data))
    with standin(state, ZONES) as login, healthy_origin() as origin:
        broken = smoke_only({**login, **secrets}, tmp_path, origin)
        assert broken.returncode == 1
        assert "smartpages-mailer-staging triggers: MISSING queue consumer of smartpages-mail-staging" in broken.stdout
        assert "queue consumer of smartpages-crm-dlq-staging" in broken.stdout
        assert "smartpages-billing-staging triggers: MISSING cron schedules" in broken.stdout
        # (The plan a dry run prints is shown by the half-way test: here the re-run's own plan.)
        repaired = run_deploy({**login, **secrets}, tmp_path)
        assert repaired.returncode == 0, repaired.stderr
        for worker in ("smartpages-mailer-staging", "smartpages-billing-staging"):
            assert f"attach the routes, domains, crons and queue consumers of {worker}" in repaired.stdout
            assert f"attached the routes, domains, crons and queue consumers of {worker}" in repaired.stdout
        assert "deployed smartpages-" not in repaired.stdout  # no worker uploaded again
        healthy = smoke_only({**login, **secrets}, tmp_path, origin)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        again = run_deploy({**login, **secrets}, tmp_path)
    assert "nothing to change" in again.stdout
    assert sorted(c["queue"] for c in account(state).queue_consumers("smartpages-mailer-staging")) == sorted(
        c["queue"] for c in consumers
    )


def test_lists_longer_than_a_page_are_followed(tmp_path: Path) -> None:
    """1,001 R2 buckets (the API pages them by cursor) and 1,001 queues (by page/per_page): the
    deploy reads them all, so a bucket or queue on a later page is not created again."""
    state = tmp_path / "cf"
    state.mkdir()
    buckets = {f"bucket-{i:04d}": {"name": f"bucket-{i:04d}", "creation_date": "x"} for i in range(1000)}
    buckets["smartpages-sites-staging"] = {"name": "smartpages-sites-staging", "creation_date": "x"}
    queues = {f"q{i}": {"queue_id": f"q{i}", "queue_name": f"queue-{i:04d}", "consumers": []} for i in range(1000)}
    queues["last"] = {"queue_id": "last", "queue_name": "smartpages-mail-staging", "consumers": []}
    data = {"d1": {}, "r2": buckets, "workers": {}, "routes": {}, "domains": {}, "assets": {}, "log": []}
    (state / "account.json").write_text(json.dumps({**data, "queues": queues}))
    with standin(state, ZONES) as login:
        client = deploy.Account(login)
        first_page = client._envelope("GET", f"/accounts/{login['CLOUDFLARE_ACCOUNT_ID']}/r2/buckets")
        assert len(first_page["result"]["buckets"]) == 20  # the API's default page
        assert first_page["result_info"]["cursor"]
        found = client.buckets()
        assert len(found) == 1001
        assert "smartpages-sites-staging" in found  # on the last page
        listed = client.queues()
        assert len(listed) == 1001
        assert "smartpages-mail-staging" in listed


def test_a_date_whose_python_the_lane_does_not_run_is_refused_before_the_deploy() -> None:
    """From 2026-09-08 wrangler's workerd implies python_workers_314 (Python 3.14); the lane runs
    3.13, so such a date (or the opt-in flag) is refused as a pre-check, and today's configs pass."""
    assert deploy.python_release_refusals(deploy.load_workers("staging")) == []
    assert deploy.python_release_refusals(deploy.load_workers("production")) == []
    name = "smartpages-core-staging"
    base = ["python_workers"]
    later = deploy.Worker("core", {"name": name, "compatibility_date": "2026-09-08", "compatibility_flags": base})
    flags = ["python_workers", "python_workers_20260610"]
    opted_in = deploy.Worker("core", {"name": name, "compatibility_date": "2026-07-30", "compatibility_flags": flags})
    [refusal] = deploy.python_release_refusals([later])
    assert "smartpages-core-staging: compatibility_date 2026-09-08 runs Python 3.14" in refusal
    assert "python_workers_314" in refusal
    [refusal] = deploy.python_release_refusals([opted_in])
    assert "python_workers_20260610" in refusal


def routes_on_single_zones(scopes: TokenScopes) -> TokenScopes:
    """The documented token, but with Workers Routes granted zone by zone (as the docs once said)."""
    zones = [(z, p) for z, p in scopes.zones if z != "*"]
    routes = frozenset({"Workers Routes: Edit"})
    return TokenScopes(scopes.account, scopes.user, tuple((z, p | routes) for z, p in zones))


def test_the_documented_token_has_what_the_deploy_needs_and_no_more_than_the_table() -> None:
    scopes = rehearse_deploy.documented_token_scopes(ZONES)
    assert scopes.on_account("Queues: Edit")  # the deploy creates queues and attaches consumers
    assert scopes.on_all_zones("Workers Routes: Edit")
    assert not scopes.on_account("Workers KV Storage: Edit")
    assert scopes.on_zone("smartpages.online", "DNS: Edit")
    # The login check is GET /user/tokens/verify and GET /accounts/{id} (Workers Scripts: Edit is
    # enough for it); only `wrangler whoami`, which the deploy no longer runs, reads /user,
    # /memberships and /accounts.
    assert not scopes.user
    assert not scopes.on_account("Account Settings: Read")


@pytest.mark.parametrize(("code", "outcome"), [(None, "fails"), (10000, "falls back")])
def test_a_token_with_routes_on_single_zones_meets_the_apis_scoped_403(
    provisioned: Path, tmp_path: Path, secrets: dict[str, str], code: int | None, outcome: str
) -> None:
    """The account-level routes call refuses a token whose Workers Routes names single zones. With
    403 10000 wrangler falls back to per-zone calls; without a code (workers-sdk#15718) the domain
    worker's route fails after its upload: why the documented token grants routes on all zones."""
    (tmp_path / "none.env").write_text("")
    state = copy_of(provisioned, tmp_path)
    calls_before = len(account(state).calls)
    narrow = routes_on_single_zones(rehearse_deploy.documented_token_scopes(ZONES))
    with standin(state, ZONES, narrow, routes_403_code=code) as login:
        result = run_deploy({**login, **secrets}, tmp_path)
    cloud = account(state)
    assert "smartpages-domain-staging" in cloud.worker_names()  # uploaded either way
    routes = [r for zone in cloud.data["routes"].values() for r in zone.values()]
    if outcome == "fails":
        assert result.returncode == 1
        assert "No access to the specified resource." in result.stderr
        assert "Deploying smartpages-domain-staging failed" in result.stderr
        assert routes == []
    else:
        assert result.returncode == 0, result.stderr
        this_deploy = cloud.calls[calls_before:]
        assert any(c.startswith("POST /zones/") and c.endswith("/workers/routes") for c in this_deploy)  # per zone
        assert [(r["pattern"], r["script"]) for r in routes] == [("*/*", "smartpages-domain-staging")]
