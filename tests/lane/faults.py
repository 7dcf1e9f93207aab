"""The fault-injection lane: the five bundles on the runtime lane with the Stripe, Cloudflare and
Resend stand-ins beside it (mail goes through MAIL_QUEUE to the Resend stand-in, not the outbox),
and levers to hang Stripe, take Resend down, and kill -9 the lane and start it again on its state.

Two settings are shortened for test time, as a staging environment would: the mail queue's
consumer (max_batch_timeout 1 s, max_retries 3, first backoff 1 s) and the age at which a dead
webhook delivery's claim is taken over (EVENT_CLAIM_SECONDS)."""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import loopback
from tests.lane import harness
from tests.lane.client import PASSWORD, PortalClient
from tests.lane.harness import ROOT, Process, free_port

CLAIM_SECONDS = 15  # longer than a claim takes to be seen and retried (a second or two), not the restart
MAIL_RETRIES = 3


def _shorten_mail_queue(build: Path) -> None:
    toml = build / "mailer" / "wrangler.toml"
    text = toml.read_text()
    text = re.sub(r"max_batch_timeout = \d+", "max_batch_timeout = 1", text)
    text = re.sub(r'(queue = "smartpages-mail"\n(?:.*\n)*?)max_retries = \d+', rf"\1max_retries = {MAIL_RETRIES}", text)
    toml.write_text(text)


@dataclass
class FaultLane:
    out: Path
    core: str = ""
    domain: str = ""
    admin: str = ""
    stripe: str = ""
    resend: str = ""
    log: list[str] = field(default_factory=list)
    lane: Process | None = None
    command: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.lane = Process(self.command, "lane ready", self.log)
        urls = dict(part.split("=", 1) for part in self.lane.line.split()[2:])
        self.core, self.domain, self.admin = urls["core"], urls["domain"], urls["admin"]

    def kill(self) -> None:
        """kill -9: no drain, no clean shutdown; what was in flight is lost mid-way."""
        assert self.lane is not None
        self.lane.kill()

    def restart(self) -> None:
        self.kill()
        self.start()

    def hang_stripe(self, calls: int) -> None:
        assert loopback.post(f"{self.stripe}/_standin/faults", json={"hang": calls}, timeout=10).status_code == 204

    def hold_stripe_events(self, hold: bool) -> None:
        assert loopback.post(f"{self.stripe}/_standin/faults", json={"hold": hold}, timeout=10).status_code == 204

    def held_event(self, event_type: str) -> dict[str, Any]:
        events = loopback.get(f"{self.stripe}/_standin/pending", timeout=10).json()["events"]
        return next(e for e in reversed(events) if e["type"] == event_type)

    def verified(self, email: str) -> PortalClient:
        """A signed-up, verified account (the verification link read from the Resend stand-in)."""
        browser = PortalClient(self.core)
        assert browser.post("/api/v1/auth/signup", {"email": email, "password": PASSWORD}).status_code == 202

        def token() -> str | None:
            for sent in self.resend_emails():
                found = re.search(r"token=([A-Za-z0-9_.-]+)", sent.get("text", ""))
                if email in sent["to"] and found:
                    return found.group(1)
            return None

        deadline = time.monotonic() + 30
        while (found := token()) is None:
            assert time.monotonic() < deadline, "no verification mail"
            time.sleep(0.3)
        assert browser.post("/api/v1/auth/verify", {"token": found}).status_code == 200
        # Verifying discards the sign-up password (issue 23, M2): the owner chooses hers.
        assert browser.post("/api/v1/account/password", {"new_password": PASSWORD}).status_code == 200
        return browser

    def resend_down(self, down: bool) -> None:
        assert loopback.post(f"{self.resend}/_standin/faults", json={"down": down}, timeout=10).status_code == 200

    def resend_emails(self) -> list[dict[str, Any]]:
        return list(loopback.get(f"{self.resend}/_standin/emails", timeout=10).json()["emails"])

    def d1(self, table: str, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Reads the worker database that holds `table`, straight from Miniflare's state (read-only)."""
        for file in (self.out / "state").rglob("*.sqlite"):
            with sqlite3.connect(f"file:{file}?mode=ro", uri=True) as db:
                db.row_factory = sqlite3.Row
                if db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
                    return [dict(r) for r in db.execute(sql, params)]
        raise AssertionError(f"no database has {table}")


def _stop(process: Process) -> None:
    """SIGTERM, and kill if a stand-in still holds a hung request after a few seconds."""
    process.terminate(5)


@contextmanager
def running(out: Path) -> Iterator[FaultLane]:
    harness._stage(out / "build", probe=False)
    _shorten_mail_queue(out / "build")
    ports = {name: free_port() for name in ("core", "domain", "stripe", "cloudflare", "resend")}
    lane = FaultLane(out, stripe=f"http://127.0.0.1:{ports['stripe']}", resend=f"http://127.0.0.1:{ports['resend']}")
    core_origin = f"http://127.0.0.1:{ports['core']}"
    lane.command = [
        str(ROOT / "tools" / "node"), str(ROOT / "tools" / "lane" / "main.mjs"),
        "--build", str(out / "build"), "--state", str(out / "state"),
        "--port-core", str(ports["core"]), "--port-domain", str(ports["domain"]), "--admin-port", "0",
        "--var", f"core:PORTAL_ORIGIN={core_origin}",
        "--var", f"billing:PORTAL_ORIGIN={core_origin}",
        "--var", f"billing:STRIPE_API_BASE={lane.stripe}",
        "--var", f"billing:EVENT_CLAIM_SECONDS={CLAIM_SECONDS}",
        "--var", f"customer:PORTAL_ORIGIN={core_origin}",
        "--var", f"customer:SITES_PORT={ports['domain']}",
        "--var", f"customer:CF_API_BASE=http://127.0.0.1:{ports['cloudflare']}/client/v4",
        "--var", "mailer:RESEND_API_KEY=re_standin_0123456789abcdef",
        "--var", f"mailer:RESEND_API_BASE={lane.resend}",
        "--var", "mailer:MAIL_RETRY_SECONDS=1",
    ]  # fmt: skip
    python = [sys.executable, "-m"]
    with ExitStack() as stack:
        for command in (
            [*python, "devstack.stripe", "--port", str(ports["stripe"]),
             "--webhook-url", f"{core_origin}/api/v1/webhooks/stripe"],
            [*python, "devstack.cloudflare_standin", "--port", str(ports["cloudflare"])],
            [*python, "devstack.resend_standin", "--port", str(ports["resend"])],
        ):  # fmt: skip
            stack.callback(_stop, Process(command, "ready", lane.log))
        lane.start()
        stack.callback(lambda: lane.lane.stop() if lane.lane and lane.lane.proc.poll() is None else None)
        yield lane
