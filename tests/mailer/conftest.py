"""Mailer on its own: a migrated SQLite D1, the Resend stand-in, a sleep that records instead of
waiting, and helpers that call the app as core does (signed internal header)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devstack import ROOT, migrations
from devstack.adapters import HashlibCrypto, SqliteDatabase
from devstack.queues import MemoryQueue
from devstack.resend_standin import ResendStandin
from devstack.stack import worker_vars
from mailer import svix
from mailer.app import Ports, Settings, bootstrap, settings_from
from shared.app import App
from shared.http import Request, Response
from shared.queue import Consumer
from tests.conftest import FakeClock, signed

WEBHOOK_SECRET = "whsec_" + "dGVzdC13ZWJob29rLXNpZ25pbmcta2V5LTAxMjM0NQ=="  # base64 of a test key


@dataclass
class Sleeps:
    """Stands in for asyncio.sleep: records each wait and moves the fake clock instead."""

    clock: FakeClock
    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)


@dataclass
class Mailer:
    app: App
    db: SqliteDatabase
    crypto: HashlibCrypto
    clock: FakeClock
    resend: ResendStandin
    sleeps: Sleeps
    settings: Settings
    ports: Ports

    async def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> Response:
        auth = await signed(self.crypto, self.clock, "POST", path, body=body)
        return await self.app.handle(Request("POST", path, headers={**auth, **(headers or {})}, body=body))

    async def get(self, path: str) -> Response:
        path, _, query = path.partition("?")
        auth = await signed(self.crypto, self.clock, "GET", path, query=query)
        return await self.app.handle(Request("GET", path, query, auth))

    async def failing(self, count: int, status: int, **how: Any) -> dict[str, Any]:
        """Sends after Resend has been told to fail the next `count` calls with `status`."""
        self.resend.fail_next(count, status, **how)
        return (await self.send()).json()  # type: ignore[no-any-return]

    async def send(self, **fields: Any) -> Response:
        body = {
            "template": "verify_email",
            "to": "ada@example.com",
            "data": {"link": "https://www.smartpages.online/verify#t=abc"},
            "idempotency_key": "verify-email/tok_1",
            **fields,
        }
        return await self.post("/internal/send", json.dumps(body).encode(), {"content-type": "application/json"})

    async def webhook(
        self, event: dict[str, Any], svix_id: str = "msg_1", *, at: float | None = None, secret: str = WEBHOOK_SECRET
    ) -> Response:
        body = json.dumps(event).encode()
        timestamp = str(int(self.clock.now() if at is None else at))
        signature = await svix.sign(self.crypto, secret, svix_id, timestamp, body)
        headers = {"svix-id": svix_id, "svix-timestamp": timestamp, "svix-signature": signature}
        return await self.post("/api/v1/webhooks/resend", body, {"content-type": "application/json", **headers})

    async def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return await self.db.all(sql, params)

    async def email(self, email_id: str) -> dict[str, Any]:
        (row,) = await self.db.all("SELECT * FROM emails WHERE id = ?", (email_id,))
        return row


MakeMailer = Callable[..., Mailer]


async def retry_delays(queue: MemoryQueue, consumer: Consumer, clock: FakeClock) -> list[float]:
    """Delivers until `queue` is empty, moving the clock to each retry; the delays the consumer asked for."""
    delays = []
    while queue.messages:
        before = clock.now()
        await queue.deliver(consumer)
        if queue.messages:
            delays.append(queue.messages[0].due - before)
            clock.advance(queue.messages[0].due - clock.now())
    return delays


def lead(**changes: str) -> dict[str, str]:
    """The data of a lead_notification, as customer sends it."""
    data = {
        "site_name": "Bakery Bob",
        "lead_name": "Carol",
        "lead_email": "carol@example.org",
        "message": "Do you bake for weddings?",
        "link": "https://www.smartpages.online/leads",
    }
    return {**data, **changes}


@pytest.fixture
async def make_mailer(tmp_path: Path, clock: FakeClock, crypto: HashlibCrypto) -> AsyncIterator[MakeMailer]:
    db = SqliteDatabase(tmp_path / "mailer.sqlite3")
    await migrations.apply(db, ROOT / "workers" / "mailer" / "migrations")
    resend = ResendStandin(clock=clock)

    def make(api_key: str | None = resend.api_key, queue: Any = None, **overrides: Any) -> Mailer:
        """Mailer as entry.py builds it, from its dev vars with `overrides` (Settings or Ports fields)."""
        sleeps = Sleeps(clock)
        env = {**worker_vars("mailer"), "RESEND_API_KEY": api_key or "", "RESEND_WEBHOOK_SECRET": WEBHOOK_SECRET}
        wired = {f.name for f in dataclasses.fields(Ports)}
        port_overrides = {name: overrides.pop(name) for name in list(overrides) if name in wired}
        settings = dataclasses.replace(settings_from(env), **overrides)
        ports = dataclasses.replace(
            Ports(db=db, http=resend, clock=clock, crypto=crypto, queue=queue, sleep=sleeps), **port_overrides
        )
        return Mailer(bootstrap(settings, ports), db, crypto, clock, resend, sleeps, settings, ports)

    yield make
    db.close()


@pytest.fixture
def mailer(make_mailer: MakeMailer) -> Mailer:
    """Mailer sending through the Resend stand-in."""
    return make_mailer()


@pytest.fixture
def outbox_mailer(make_mailer: MakeMailer) -> Mailer:
    """Mailer with no RESEND_API_KEY: the local outbox."""
    return make_mailer(api_key=None)
