"""The runtime lane for tests: the five staged bundles (plus a test-only probe worker) on real
Pyodide, the real Workers SDK and Miniflare's bindings. tests/conftest.py starts it once per test
process for the lane tier (and the portal's journey, tests/portal/test_journey.py)."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from devstack.hubspot_standin import TOKEN as HUBSPOT_TOKEN
from tests import loopback
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

    def logged(self, text: str, times: int = 1, seconds: float = 10) -> int:
        """How many of the lane's log lines hold `text`, once at least `times` do or `seconds` have
        passed: the lines reach `log` through a reader thread, a moment after the answer."""
        deadline = time.monotonic() + seconds
        while (seen := sum(text in line for line in self.log)) < times and time.monotonic() < deadline:
            time.sleep(0.1)
        return seen

    def crm_contact(self, email: str) -> dict | None:
        """The stand-in's contact for `email`, once mailer's CRM queue has delivered it."""
        contacts = loopback.get(f"{self.hubspot}/_standin/contacts", timeout=30).json()["contacts"]
        return next((c for c in contacts if c["properties"].get("email") == email.lower()), None)

    def set_dns(self, name: str, rtype: str, data: list[str]) -> None:
        """What a registrar's DNS page does: the world now sees these records (the DoH stand-in)."""
        body = {"name": name, "type": rtype, "data": data}
        loopback.put(f"{self.cloudflare}/_standin/dns", json=body, timeout=30).raise_for_status()

    def scheduled(self, worker: str, at: float) -> None:
        """The worker's Cron Trigger (its first pattern) as if it fired at `at` (unix seconds)."""
        reply = loopback.post(f"{self.admin}/scheduled/{worker}", params={"time": f"{at:.0f}"}, timeout=120)
        assert reply.status_code == 200, reply.text

    def drain(self) -> None:
        """Until the queues are empty and every waitUntil has finished."""
        assert loopback.get(f"{self.admin}/drain", timeout=60).status_code == 200

    def worker(self, name: str, path: str, **kwargs) -> httpx.Response:
        """Calls any worker directly (internal ones too), bypassing core: the test-only admin door."""
        method = kwargs.pop("method", "GET")
        return loopback.request(method, f"{self.admin}/fetch/{name}{path}", timeout=60, **kwargs)


def _stage(out: Path, *, probe: bool = True) -> None:
    """The five bundles, and the probe worker unless a lane has no use for it (its load is about a
    tenth of a lane's start)."""
    for worker in build.WORKERS:
        build.stage(worker, out)
    if probe:
        stage_probe(out)


def stage_probe(out: Path, *, sdk: bool = True, name: str = "probe") -> Path:
    """The test-only probe worker, staged like a real bundle (with the vendored SDK unless told)."""
    probe = out / name
    shutil.copytree(Path(__file__).parent / "probe", probe)
    shutil.copytree(ROOT / "shared", probe / "src" / "shared", ignore=shutil.ignore_patterns("__pycache__"))
    if sdk:
        build.vendor_sdk(probe)
    return probe


class NotReady(RuntimeError):
    """A child process that did not print its ready line: it exited (`returncode`), or time ran out (None)."""

    def __init__(self, message: str, returncode: int | None) -> None:
        super().__init__(message)
        self.returncode = returncode


class Process:
    """A child process that prints one `… ready …` line on stdout; its stderr is kept as a log.

    Nothing here waits without a deadline, so a child that never gets ready, or a grandchild that
    keeps a pipe open, fails the test instead of hanging the run: the child leads its own process
    group (ending the group ends whatever it started), both pipes are read by threads, and a pipe
    is closed only once its reader has finished (closing it under a blocked reader deadlocks)."""

    def __init__(self, args: list[str], ready: str, log: list[str]) -> None:
        self.proc = subprocess.Popen(
            args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ},
            start_new_session=True,
        )  # fmt: skip
        self.log = log
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=lambda: log.extend(self.proc.stderr), daemon=True)  # type: ignore[arg-type]
        self.stdout_reader = threading.Thread(target=self._read_stdout, daemon=True)
        self.reader.start()
        self.stdout_reader.start()
        deadline, shown = time.monotonic() + START_TIMEOUT, " ".join(args[:3])
        self.line = ""
        while ready not in self.line:
            try:
                self.line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._end()
                message = f"{shown} did not start in {START_TIMEOUT} s:\n" + "".join(log[-40:])
                raise NotReady(message, None) from None
            if not self.line:  # end of stdout: it exited (or closed it) before it was ready
                self._end()
                message = f"{shown} exited before it was ready:\n" + "".join(log[-40:])
                raise NotReady(message, self.proc.returncode)

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")

    def terminate(self, grace: float) -> bool:
        """SIGTERM; after `grace` seconds, SIGKILL to the whole group. True if it stopped by itself."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(grace)
            stopped = True
        except subprocess.TimeoutExpired:
            stopped = False
        self._end()
        return stopped

    def stop(self) -> None:
        """A clean stop (SIGTERM, as Ctrl-C of scripts/dev), which must take under 30 s."""
        if not self.terminate(30):
            raise AssertionError("the process did not stop within 30 s of SIGTERM:\n" + "".join(self.log[-40:]))

    def kill(self) -> None:
        """kill -9 of the process alone, as an operator would: what it started must go by itself (the
        lane's watchdog); anything still there after 10 s is killed with the group."""
        self.proc.kill()
        self.proc.wait(30)
        deadline = time.monotonic() + 10
        while self._group_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        self._end()

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def _end(self) -> None:
        """Whatever of the group is left is killed; the pipes close once their readers are done."""
        if self._group_alive():
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        for reader, pipe in ((self.reader, self.proc.stderr), (self.stdout_reader, self.proc.stdout)):
            reader.join(10)
            if not reader.is_alive():
                pipe.close()  # type: ignore[union-attr]


@contextmanager
def running(out: Path, overrides: tuple[str, ...] = (), *, probe: bool = True) -> Iterator[Lane]:
    """The lane on free ports, with the stand-ins beside it: Stripe's (its hosted checkout page is
    what a browser pays on; it delivers signed webhooks to core), Cloudflare's custom hostnames and
    HubSpot's CRM (the sync is on: mailer has a token). `overrides`: more `worker:NAME=value` vars;
    `probe`: the probe worker beside the five (tests/lane/probe)."""
    _stage(out / "build", probe=probe)
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
    log: list[str] = []
    try:
        started = Process(lane_command(build_dir, state, *extra), "lane ready", log)
    except NotReady as refused:
        returncode = refused.returncode
    else:
        started.stop()
        raise AssertionError(f"the lane started: {started.line}")
    assert returncode == 1, "".join(log)
    return "".join(log)


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
    report = loopback.get(f"{lane.admin}/limits", timeout=30).json()
    assert report["breaches"] == [], report["breaches"]
