"""The product behind real HTTP, for tests that drive it as a browser does: one shape (`Served`), two
kinds. The runtime lane (tests/lane/harness.py: the bundles on Pyodide with Miniflare's bindings)
shows what only the runtime can show. The CPython stack here, the same five app cores behind uvicorn
with the portal's static files in front of core (devstack/assets.py), serves the portal's browser
tests: the portal's tier there costs about half the CPU it cost on the lane (README, Tests).

Both have Stripe's stand-in over HTTP (its hosted checkout page is what a browser pays on; it signs
webhooks to core). The CPython stack's Cloudflare, DNS and HubSpot stand-ins answer in process, its
queue work runs inline and its Cron jobs are called directly."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import uvicorn

from devstack import stack as stack_module
from devstack.adapters import HttpxClient
from devstack.asgi import asgi
from devstack.assets import front_door
from devstack.hubspot_standin import HubSpotStandin
from shared import background
from tests.lane.harness import Process
from tools.ports import free_port

T = TypeVar("T")
START_SECONDS = 30


class Served(Protocol):
    """What a browser test needs of the running product: its public origins, Stripe's stand-in, and
    the levers a test pulls that no visitor can (DNS, the CRM's view, Cron, the queues)."""

    @property
    def core(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def stripe(self) -> str: ...

    def set_dns(self, name: str, rtype: str, data: list[str]) -> None: ...
    def crm_contact(self, email: str) -> dict[str, Any] | None: ...
    def scheduled(self, worker: str, at: float) -> None: ...
    def drain(self) -> None: ...


def first_cron(worker: str) -> str:
    """The worker's first `[triggers] crons` pattern: what the lane's admin door runs by default."""
    return str(stack_module.worker_config(worker)["triggers"]["crons"][0])


@dataclass
class CPythonStack:
    core: str
    domain: str
    stripe: str
    built: stack_module.Stack
    hubspot: HubSpotStandin
    loop: asyncio.AbstractEventLoop
    log: list[str] = field(default_factory=list)  # Stripe's stand-in's stderr

    def run(self, work: Coroutine[Any, Any, T], seconds: float = 60) -> T:
        """`work` on the stack's own event loop (its thread), from a test's thread."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(seconds)

    def set_dns(self, name: str, rtype: str, data: list[str]) -> None:
        """What a registrar's DNS page does (on the stack's loop, where the DoH stand-in answers)."""
        dns = self.built.dns
        assert dns is not None

        async def publish() -> None:
            dns.set(name, rtype, data)

        self.run(publish())

    def crm_contact(self, email: str) -> dict[str, Any] | None:
        async def contact() -> dict[str, Any] | None:
            found = self.hubspot.by_email(email)
            return None if found is None else dict(found)

        return self.run(contact())

    def scheduled(self, worker: str, at: float) -> None:
        module = stack_module.WORKERS[worker]
        job = module.bootstrap_job(self.built.settings[worker], self.built.ports[worker])
        self.run(job(first_cron(worker), at), seconds=120)

    def drain(self) -> None:
        """Everything the answers so far started after answering (the CPython stack's waitUntil)."""
        self.run(background.drain())


@contextmanager
def cpython_stack(state: Path) -> Iterator[CPythonStack]:
    """The CPython stack on free loopback ports, in a thread of its own with its own event loop, and
    Stripe's stand-in in a process beside it."""
    core_port, domain_port, stripe_port = free_port(), free_port(), free_port()
    core, domain = f"http://127.0.0.1:{core_port}", f"http://127.0.0.1:{domain_port}"
    stripe = f"http://127.0.0.1:{stripe_port}"
    log: list[str] = []
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="cpython-stack", daemon=True)
    with ExitStack() as running:
        webhook = f"{core}/api/v1/webhooks/stripe"
        command = [sys.executable, "-m", "devstack.stripe", "--port", str(stripe_port), "--webhook-url", webhook]
        running.callback(Process(command, "ready", log).stop)
        running.callback(loop.close)
        thread.start()
        running.callback(thread.join, 10)
        running.callback(loop.call_soon_threadsafe, loop.stop)
        hubspot = HubSpotStandin()
        # This stack's own origins: core checks unsafe requests against PORTAL_ORIGIN (CSRF), Stripe's
        # checkout returns there, sites link to the domain worker's port.
        env = {
            "core": {"PORTAL_ORIGIN": core},
            "billing": {"PORTAL_ORIGIN": core, "STRIPE_API_BASE": stripe},
            "customer": {"PORTAL_ORIGIN": core, "SITES_PORT": str(domain_port)},
        }
        http = HttpxClient()  # the stack's way out (to Stripe's stand-in): closed before its loop stops
        running.callback(lambda: asyncio.run_coroutine_threadsafe(http.aclose(), loop).result(10))
        building = stack_module.build(state, http=http, env=env, hubspot=hubspot)
        built = asyncio.run_coroutine_threadsafe(building, loop).result(START_SECONDS)
        running.callback(built.close)
        servers = [
            uvicorn.Server(uvicorn.Config(asgi(app), host="127.0.0.1", port=port, log_level="warning"))
            for app, port in ((front_door("core", built.core), core_port), (built.domain, domain_port))
        ]
        serving = [asyncio.run_coroutine_threadsafe(server.serve(), loop) for server in servers]
        for server, served in zip(servers, serving, strict=True):
            running.callback(served.result, 10)
            running.callback(setattr, server, "should_exit", True)
        stack = CPythonStack(core, domain, stripe, built, hubspot, loop, log)
        running.callback(stack.drain)
        wait_until_started(servers, serving)
        yield stack


def wait_until_started(servers: list[uvicorn.Server], serving: list[Any]) -> None:
    until = time.monotonic() + START_SECONDS
    while not all(server.started for server in servers):
        for future in serving:
            if future.done():
                future.result()  # a server that failed to start (port taken): its error
                raise RuntimeError("a server of the CPython stack stopped before it started")
        assert time.monotonic() < until, f"the CPython stack did not start in {START_SECONDS} s"
        time.sleep(0.02)
