"""Fixtures shared by the CPython tiers: a clock tests can move, real crypto, the wired stack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack import stack as stack_module
from devstack.adapters import HashlibCrypto
from devstack.hubspot_standin import HubSpotStandin
from shared import internal_auth
from shared.http import Request, Response
from tests.lane import harness

SECRET = "local-dev-internal-secret-change-me-0123456789"


@dataclass
class FakeClock:
    t: float = 1_800_000_000.0

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture(scope="session")
def lane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Lane]:
    """The runtime lane, started once for every test that asks for it (lane and portal tiers)."""
    with harness.running(tmp_path_factory.mktemp("lane")) as running:
        yield running
        # Every suite on the lane fails on any breach of the platform's limits (Paid plan).
        harness.assert_no_limit_breach(running)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def crypto() -> HashlibCrypto:
    return HashlibCrypto()


@pytest.fixture
def hubspot(clock: FakeClock) -> HubSpotStandin:
    """The CRM the stack syncs to (mailer's HubSpot client, inline: the CPython stack has no queue)."""
    return HubSpotStandin(clock=clock)


@pytest.fixture
async def stack(
    tmp_path: Path, clock: FakeClock, crypto: HashlibCrypto, hubspot: HubSpotStandin
) -> AsyncIterator[stack_module.Stack]:
    built = await stack_module.build(tmp_path / "state", clock=clock, crypto=crypto, hubspot=hubspot)
    yield built
    built.close()


async def signed(
    crypto: HashlibCrypto,
    clock: FakeClock,
    method: str,
    path: str,
    identity: internal_auth.Identity | None = None,
    secret: str = SECRET,
    query: str = "",
    body: bytes = b"",
) -> dict[str, str]:
    request = Request(method, path, query, body=body)
    header = await internal_auth.sign(crypto, clock, secret, request, identity or internal_auth.Identity())
    return {internal_auth.HEADER: header}


def get(path: str, headers: dict[str, str] | None = None) -> Request:
    path, _, query = path.partition("?")
    return Request("GET", path, query, headers or {})


def error_code(response: Response) -> str:
    return str(response.json()["error"]["code"])
