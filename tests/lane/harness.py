"""The runtime lane for tests: the five staged bundles (plus a test-only probe worker) on real
Pyodide, the real Workers SDK and Miniflare's bindings. tests/conftest.py starts it once per
session for the lane and portal tiers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from devstack.hubspot_standin import TOKEN as HUBSPOT_TOKEN
from tools import build
from tools.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 300  # a cold machine builds the Pyodide snapshot first


@dataclass(frozen=True)
class Lane:
    core: str
    domain: str
    admin: str
    stripe: str
    cloudflare: str
    build: Path
    log: list[str]
    hubspot: str = ""  # the HubSpot stand-in mailer's CRM sync talks to (GET /_standin/contacts)

    def crm_contact(self, email: str) -> dict | None:
        """The stand-in's contact for `email`, once mailer's CRM queue has delivered it."""
        contacts = httpx.get(f"{self.hubspot}/_standin/contacts", timeout=30).json()["contacts"]
        return next((c for c in contacts if c["properties"].get("email") == email.lower()), None)

    def set_dns(self, name: str, rtype: str, data: list[str]) -> None:
        """What a registrar's DNS page does: the world now sees these records (the DoH stand-in)."""
        body = {"name": name, "type": rtype, "data": data}
        httpx.put(f"{self.cloudflare}/_standin/dns", json=body, timeout=30).raise_for_status()

    def worker(self, name: str, path: str, **kwargs) -> httpx.Response:
        """Calls any worker directly (internal ones too), bypassing core: the test-only admin door."""
        method = kwargs.pop("method", "GET")
        return httpx.request(method, f"{self.admin}/fetch/{name}{path}", timeout=60, **kwargs)


def _stage(out: Path) -> None:
    for worker in build.WORKERS:
        build.stage(worker, out)
    stage_probe(out)


def stage_probe(out: Path, *, sdk: bool = True, name: str = "probe") -> Path:
    """The test-only probe worker, staged like a real bundle (with the vendored SDK unless told)."""
    probe = out / name
    shutil.copytree(Path(__file__).parent / "probe", probe)
    shutil.copytree(ROOT / "shared", probe / "src" / "shared", ignore=shutil.ignore_patterns("__pycache__"))
    if sdk:
        build.vendor_sdk(probe)
    return probe


class Process:
    """A child process that prints one `… ready …` line on stdout; its stderr is kept as a log."""

    def __init__(self, args: list[str], ready: str, log: list[str]) -> None:
        self.proc = subprocess.Popen(
            args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ}
        )
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self.reader = threading.Thread(target=lambda: log.extend(self.proc.stderr), daemon=True)  # type: ignore[arg-type]
        self.reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        self.line = ""
        while ready not in self.line:
            self.line = self.proc.stdout.readline()
            if not self.line and self.proc.poll() is not None:
                raise RuntimeError(f"{args[1]} exited before it was ready:\n" + "".join(log[-40:]))
            if time.monotonic() > deadline:
                raise RuntimeError(f"{args[1]} did not start in time")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.reader.join(10)
            self.proc.stdout.close()  # type: ignore[union-attr]
            self.proc.stderr.close()  # type: ignore[union-attr]


@contextmanager
def running(out: Path, overrides: tuple[str, ...] = ()) -> Iterator[Lane]:
    """The lane on free ports, with the stand-ins beside it: Stripe's (its hosted checkout page is
    what a browser pays on; it delivers signed webhooks to core), Cloudflare's custom hostnames and
    HubSpot's CRM (the sync is on: mailer has a token). `overrides`: more `worker:NAME=value` vars."""
    _stage(out / "build")
    core_port, domain_port, stripe_port, cloudflare_port = free_port(), free_port(), free_port(), free_port()
    hubspot_port = free_port()
    hubspot = f"http://127.0.0.1:{hubspot_port}"
    core_origin = f"http://127.0.0.1:{core_port}"
    stripe, cloudflare = f"http://127.0.0.1:{stripe_port}", f"http://127.0.0.1:{cloudflare_port}"
    log: list[str] = []
    python = [sys.executable, "-m"]
    lane_command = [
        str(ROOT / "tools" / "node"), str(ROOT / "tools" / "lane" / "main.mjs"),
        "--build", str(out / "build"), "--state", str(out / "state"),
        "--port-core", str(core_port), "--port-domain", str(domain_port), "--admin-port", "0",
        # This lane's own origins and neighbours: core checks unsafe requests against PORTAL_ORIGIN
        # (CSRF), Stripe's checkout returns there, sites link to the domain worker's port.
        "--var", f"core:PORTAL_ORIGIN={core_origin}",
        "--var", f"billing:PORTAL_ORIGIN={core_origin}",
        "--var", f"billing:STRIPE_API_BASE={stripe}",
        "--var", f"customer:PORTAL_ORIGIN={core_origin}",
        "--var", f"customer:SITES_PORT={domain_port}",
        "--var", f"customer:CF_API_BASE={cloudflare}/client/v4",
        "--var", f"customer:DOH_URL={cloudflare}/dns-query",
        "--var", f"mailer:HUBSPOT_TOKEN={HUBSPOT_TOKEN}",
        "--var", f"mailer:HUBSPOT_API_BASE={hubspot}",
        "--var", "mailer:CRM_RETRY_SECONDS=1",
        *(arg for spec in overrides for arg in ("--var", spec)),
    ]  # fmt: skip
    with ExitStack() as running:
        for command, ready in (
            ([*python, "devstack.stripe", "--port", str(stripe_port),
              "--webhook-url", f"{core_origin}/api/v1/webhooks/stripe"], "ready"),
            # The Analytics Engine SQL API too, over the points the lane's dataset binding stores.
            # DNS over HTTPS as well (the domains' live check), its records kept beside the lane's state.
            ([*python, "devstack.cloudflare_standin", "--port", str(cloudflare_port),
              "--analytics-dir", str(out / "state" / "analytics"),
              "--dns-state", str(out / "state" / "standins" / "dns.json")], "ready"),
            ([*python, "devstack.hubspot_standin", "--port", str(hubspot_port)], "ready"),
            (lane_command, "lane ready"),
        ):  # fmt: skip
            started = Process(command, ready, log)
            running.callback(started.stop)
        urls = dict(part.split("=", 1) for part in started.line.split()[2:])
        yield Lane(urls["core"], urls["domain"], urls["admin"], stripe, cloudflare, out / "build", log, hubspot)


def lane_command(build_dir: Path, state: Path, *extra: str) -> list[str]:
    """The lane CLI on free ports with the admin door, for tests that start their own lane."""
    return [
        str(ROOT / "tools" / "node"), str(ROOT / "tools" / "lane" / "main.mjs"),
        "--build", str(build_dir), "--state", str(state),
        "--port-core", "0", "--port-domain", "0", "--admin-port", "0", *extra,
    ]  # fmt: skip


def refused_start(build_dir: Path, state: Path, *extra: str) -> str:
    """Starts a lane that must refuse to start; returns its stderr."""
    with subprocess.Popen(
        lane_command(build_dir, state, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        ready = proc.stdout.readline()  # the ready line, or "" when it exits
        if ready:
            proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=START_TIMEOUT)
    assert not ready, f"the lane started: {ready}"
    assert proc.returncode == 1, stderr
    return stderr


@contextmanager
def own_lane(build_dir: Path, state: Path, *extra: str) -> Iterator[tuple[Process, dict[str, str], list[str]]]:
    """A lane of a test's own (e.g. `--plan free` over the probe alone): (process, urls, log)."""
    log: list[str] = []
    started = Process(lane_command(build_dir, state, *extra), "lane ready", log)
    try:
        yield started, dict(part.split("=", 1) for part in started.line.split()[2:]), log
    finally:
        started.stop()


def assert_no_limit_breach(lane: Lane) -> None:
    """The lane's per-route figures show no request over a limit of the plan it runs."""
    report = httpx.get(f"{lane.admin}/limits", timeout=30).json()
    assert report["breaches"] == [], report["breaches"]
