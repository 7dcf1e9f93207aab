"""Fixtures shared by the CPython tiers: a clock tests can move, crypto with a quick key derivation,
the wired stack."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections import Counter
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
from tools import wrangler_client

SECRET = "local-dev-internal-secret-change-me-0123456789"
WRANGLER_HOSTS = pytest.StashKey[str]()
TESTS = Path(__file__).parent
# The modules measured slowest (seconds each took under `scripts/test`, a few tests each), longest
# first: handed out first, so none of them starts last and leaves one process working alone. Only the
# order depends on this list.
SLOWEST_GROUPS = (
    "lane/test_faults.py",
    "lane/test_scale.py",
    "portal/test_editor.py",
    "api/test_schemathesis.py",
    "lane/test_billing.py",
    "deploy/test_wrangler_dev.py",
    "lane/test_big_site.py",
    "deploy/test_deploy.py",
    "lane/test_durable_objects.py",
    "deploy/test_runbooks.py",
    "tools/test_wrangler_host.py",
    "portal/test_accessibility.py",
    "portal/test_journey.py",
    "deploy/test_rehearsal.py",
    "lane/test_startup.py",
)


def pytest_configure(config: pytest.Config) -> None:
    """xdist hands out groups in the order the collection leaves them (see below), not by their
    number of tests: a deploy module of four tests can take minutes, a module of fifty a second.
    Every `tools/wrangler` the tests start, through scripts or not, runs on a warm wrangler
    (tools/wrangler_client.py) whose sockets are in a folder of this process's own; with
    SMARTPAGES_WRANGLER_HOSTS=off each runs in a Node of its own (to rule the host out, or measure it)."""
    config.option.loadscopereorder = False
    if os.environ.get(wrangler_client.HOSTS) == wrangler_client.OFF:
        return
    config.stash[WRANGLER_HOSTS] = os.environ[wrangler_client.HOSTS] = tempfile.mkdtemp(prefix="wrangler-hosts-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if WRANGLER_HOSTS in config.stash:
        folder = Path(config.stash[WRANGLER_HOSTS])
        wrangler_client.stop_hosts(folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tiers by what a test needs, so `scripts/test --quick` (not lane, browser, deploy or fuzz) cannot
    pick up a slow test that forgot its marker: anything using a lane is `lane`, the portal's tests in
    Chromium are `browser` (the customer tier's few Chromium checks of one page stay quick),
    tests/deploy is `deploy`, tests/api is `fuzz`. Groups for `pytest -n N --dist loadgroup`
    (scripts/test): each module whole on one process. The session's lane, and the portal's CPython
    stack (tests/portal/conftest.py), are started once per process, when its first test needs one,
    and shared by every module that process runs; a module with a lane of its own starts that one.
    Each deploy stages its bundles in its own folder, so deploy modules run side by side.
    Order: SLOWEST_GROUPS first, then the other modules that start lanes, browsers or wrangler, then
    the in-process modules, which fill the gaps; the larger module first among the others."""
    groups: dict[pytest.Item, str] = {}
    for item in items:
        path = Path(str(item.path))
        fixtures = set(getattr(item, "fixturenames", ()))
        if "lane" in fixtures:
            item.add_marker(pytest.mark.lane)
        if path.is_relative_to(TESTS / "portal") and fixtures & {"browser", "page"}:
            item.add_marker(pytest.mark.browser)
        if path.is_relative_to(TESTS / "api"):
            item.add_marker(pytest.mark.fuzz)
        if path.is_relative_to(TESTS / "deploy"):
            item.add_marker(pytest.mark.deploy)
        group = path.relative_to(TESTS).as_posix()
        item.add_marker(pytest.mark.xdist_group(group))
        groups[item] = group
    sizes = Counter(groups.values())
    weight: dict[str, int] = {}
    for item, group in groups.items():
        starts_processes = any(item.get_closest_marker(m) for m in ("lane", "browser", "deploy"))
        weight[group] = max(weight.get(group, 0), int(starts_processes))
    for rank, group in enumerate(SLOWEST_GROUPS):
        weight[group] = len(SLOWEST_GROUPS) + 1 - rank
    items.sort(key=lambda item: (-weight[groups[item]], -sizes[groups[item]], groups[item]))  # stable


@dataclass
class FakeClock:
    t: float = 1_800_000_000.0

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture(scope="session")
def lane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Lane]:
    """The runtime lane, started once per process for every test there that asks for it (the lane
    and portal modules that process runs)."""
    with harness.running(tmp_path_factory.mktemp("lane")) as running:
        yield running
        # Every suite on the lane fails on any breach of the platform's limits (Paid plan).
        harness.assert_no_limit_breach(running)


@pytest.fixture(scope="session")
def dry_run_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where tests/dryrun.py keeps wrangler's dry runs: one folder for every test process of the run
    (under xdist each process's base folder is a child of the run's)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "dry-runs"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class QuickKdfCrypto(HashlibCrypto):
    """HashlibCrypto with a one-round PBKDF2 (as Django's tests swap in a fast password hasher): the
    in-process tiers derive about 900 password keys a run, and at 100,000 rounds those took 43 % of
    `scripts/test --quick`'s CPU. Still a function of password, salt and count (the count goes into
    the salt), so a wrong password or a changed count fails as it would. The real derivation is held
    to the published vectors in tests/core/test_passwords.py, which uses HashlibCrypto, and runs as
    WebCrypto in every lane test."""

    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int) -> bytes:
        return hashlib.pbkdf2_hmac("sha256", password, salt + iterations.to_bytes(8, "big"), 1, dklen=32)


@pytest.fixture
def crypto() -> HashlibCrypto:
    return QuickKdfCrypto()


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
