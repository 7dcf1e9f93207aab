"""The whole `scripts/rehearse-deploy` from a clean state: staging deployed on the Cloudflare API
stand-in with the documented token's scopes, in binding order, a no-op re-run, and the uploaded
bundles healthy on the lane (tools/rehearse_deploy.py). Its own module, so it runs beside
test_deploy.py's scenarios."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.deploy.test_deploy import ROOT, account

pytestmark = pytest.mark.deploy


def test_the_rehearsal_deploys_in_binding_order_and_the_uploaded_bundles_are_healthy(tmp_path: Path) -> None:
    environment = (ROOT / ".venv" / "pyvenv.cfg").stat().st_mtime_ns
    result = subprocess.run(
        [str(ROOT / "scripts" / "rehearse-deploy"), "--keep", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    # Its scripts/setup left .venv as it was: the tests running beside it use it (on a machine whose
    # python3 is a launcher, uv used to delete and rebuild it on every setup).
    assert (ROOT / ".venv" / "pyvenv.cfg").stat().st_mtime_ns == environment
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
        "smartpages-core-jobs-staging": ["smartpages-core-staging"],
    }
