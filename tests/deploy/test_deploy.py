"""scripts/deploy against the Cloudflare API stand-in (offline): refuses before changing anything when
an input is missing, finishes a half-done deploy on a re-run, and the whole rehearsal (deploy, no-op
re-run, the uploaded bundles healthy on the lane) passes from a clean state."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devstack.cloudflare_account import AccountStandin
from devstack.cloudflare_standin import STANDIN_ACCOUNT_ID, STANDIN_DEPLOY_TOKEN
from tests.lane.harness import Process, free_port
from tools import deploy, rehearse_deploy

ROOT = Path(__file__).resolve().parents[2]
ZONES = rehearse_deploy.ZONES

pytestmark = pytest.mark.deploy


@contextmanager
def standin(state: Path, zones: dict[str, str]) -> Iterator[dict[str, str]]:
    """The stand-in over HTTP on a free port; yields the deploy login that reaches it."""
    port = free_port()
    command = [sys.executable, "-m", "devstack.cloudflare_standin", "--port", str(port), "--account-state", str(state)]
    for zone, zone_id in zones.items():
        command += ["--zone-name", f"{zone}={zone_id}"]
    process = Process(command, "ready", [])
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
         "--secrets-file", str(tmp_path / "none.env"), *extra],
        cwd=ROOT, env={**env, **values}, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def account(state: Path) -> AccountStandin:
    return AccountStandin(state, STANDIN_DEPLOY_TOKEN, STANDIN_ACCOUNT_ID, ZONES)


@pytest.fixture
def secrets() -> dict[str, str]:
    return rehearse_deploy.rehearsal_secrets(deploy.load_workers("staging"))


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
    tmp_path: Path, secrets: dict[str, str]
) -> None:
    (tmp_path / "none.env").write_text("")
    state = tmp_path / "cf"
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
        assert "attach the routes, domains and crons of smartpages-core-staging" in plan.stdout
        assert "wrangler dry run of smartpages-core-staging: ok" in plan.stdout
        assert len(account(state).calls) == calls  # a dry run changes nothing
        finished = run_deploy({**login, **secrets}, tmp_path)
        assert finished.returncode == 0, finished.stderr
        assert "attached the routes, domains and crons of smartpages-core-staging" in finished.stdout
        assert "deployed smartpages-" not in finished.stdout  # no worker uploaded again
        again = run_deploy({**login, **secrets}, tmp_path)
    assert "nothing to change" in again.stdout
    domains = account(state).data["domains"]
    assert domains["staging.smartpages.online"]["service"] == "smartpages-core-staging"


def test_the_rehearsal_deploys_in_binding_order_and_the_uploaded_bundles_are_healthy(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "rehearse-deploy"), "--keep", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()
    assert len(summary) == 1
    assert "5 workers uploaded in binding order (mailer, customer, billing, domain, core)" in summary[0]
    assert "re-run changed nothing" in summary[0]
    assert "health ok from the uploaded bundles on the lane" in summary[0]
    cloud = account(tmp_path / "work" / "cloudflare")
    # One version each: the re-run uploaded nothing. Every upload carries the vendored SDK.
    for name in cloud.worker_names():
        assert len(cloud.data["workers"][name]["versions"]) == 1
        assert "python_modules/workers/__init__.py" in cloud.uploaded(name)["modules"]
    assert sorted(db["name"] for db in cloud.data["d1"].values()) == [
        f"smartpages-{w}-staging" for w in ("billing", "core", "customer", "mailer")
    ]
    assert set(cloud.data["r2"]) == {"smartpages-sites-staging"}
    # Every queue, the scheduled jobs' own included, created and consumed by the worker that declares it.
    consumers = {q["queue_name"]: [c["script"] for c in q["consumers"]] for q in cloud.data["queues"].values()}
    assert consumers == {
        "smartpages-mail-staging": ["smartpages-mailer-staging"],
        "smartpages-mail-dlq-staging": ["smartpages-mailer-staging"],
        "smartpages-crm-staging": ["smartpages-mailer-staging"],
        "smartpages-crm-dlq-staging": ["smartpages-mailer-staging"],
        "smartpages-customer-jobs-staging": ["smartpages-customer-staging"],
        "smartpages-billing-jobs-staging": ["smartpages-billing-staging"],
    }
