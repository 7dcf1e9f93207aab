"""The five workers on the real Python Workers interpreter, SDK and binding simulators."""

from __future__ import annotations

import hashlib
import hmac
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack.adapters import HashlibCrypto
from devstack.stack import read_dev_vars
from shared import internal_auth
from shared.http import Request
from tests import loopback
from tests.lane.harness import Lane

OPERATOR = {"authorization": "Bearer " + read_dev_vars("core")["OPERATOR_TOKEN"]}

pytestmark = pytest.mark.lane

INTERNAL = ("customer", "billing", "mailer")


class WallClock:
    def now(self) -> float:
        return time.time()


def test_health_shows_all_five_healthy_through_real_bindings(lane: Lane) -> None:
    assert loopback.get(f"{lane.core}/api/v1/health", timeout=60).json() == {"status": "ok", "worker": "core"}
    assert loopback.get(f"{lane.core}/api/v1/health?deep=1", timeout=60).status_code == 401
    reply = loopback.get(f"{lane.core}/api/v1/health?deep=1", timeout=60, headers=OPERATOR)
    assert reply.status_code == 200, reply.text
    workers = reply.json()["workers"]
    assert {name: w["status"] for name, w in workers.items()} == dict.fromkeys(
        ("core", "customer", "billing", "mailer", "domain"), "ok"
    )
    # D1: each owner's query went through its binding and found the migrated tables.
    assert all(workers[w]["stores"]["d1"] == "ok" for w in ("core", "customer", "billing", "mailer"))
    # R2 through customer: a write and a read back of the same bytes; domain reads the same bucket.
    assert workers["customer"]["stores"]["r2"] == "ok"
    # A site store (a Durable Object per site) through customer's SITE_STORE binding, its schema applied.
    assert workers["customer"]["stores"]["site_stores"] == "ok"
    assert workers["domain"]["stores"]["r2"] == "ok"


def test_one_request_id_across_workers(lane: Lane) -> None:
    headers = {"x-request-id": "lane-trace-0001", **OPERATOR}
    reply = loopback.get(f"{lane.core}/api/v1/health?deep=1", timeout=60, headers=headers)
    assert reply.headers["x-request-id"] == "lane-trace-0001"
    # Core and the three D1 owners it reached; domain answered too, but writes a line for errors only.
    assert lane.logged("lane-trace-0001", times=4) >= 4


def test_domain_answers_404_for_an_unknown_host(lane: Lane) -> None:
    reply = loopback.get(f"{lane.domain}/", headers={"host": "nobody.localhost:8788"}, timeout=60)
    assert reply.status_code == 404
    assert "There is no site here" in reply.text
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_the_edge_compresses_as_cloudflare_does(lane: Lane) -> None:
    """Public answers are compressed outside the worker: listed types, 200/403/404, ETag weakened."""
    unknown = {"host": "nobody.localhost:8788"}
    page = loopback.get(f"{lane.domain}/", headers={**unknown, "accept-encoding": "gzip"}, timeout=60)
    assert (page.status_code, page.headers["content-encoding"]) == (404, "gzip")  # a 404 page too
    assert "There is no site here" in page.text  # httpx undid the gzip
    assert "content-length" not in page.headers
    assert "accept-encoding" in page.headers["vary"].lower()
    brotli_first = {**unknown, "accept-encoding": "br;q=1, gzip;q=0.5"}
    with loopback.stream("GET", f"{lane.domain}/", headers=brotli_first, timeout=60) as raw:
        assert raw.headers["content-encoding"] == "br"
    plain = loopback.get(f"{lane.domain}/", headers={**unknown, "accept-encoding": "identity"}, timeout=60)
    assert "content-encoding" not in plain.headers
    assert "There is no site here" in plain.text

    script = loopback.get(f"{lane.core}/portal.js", headers={"accept-encoding": "gzip"}, timeout=60)
    assert (script.headers["content-encoding"], script.headers["etag"][:3]) == ("gzip", 'W/"')
    again = loopback.get(f"{lane.core}/portal.js", headers={"if-none-match": script.headers["etag"]}, timeout=60)
    assert again.status_code == 304  # the weakened ETag still revalidates
    api = loopback.get(f"{lane.core}/api/v1/health", headers={"accept-encoding": "gzip"}, timeout=60)
    assert (api.headers["content-encoding"], api.json()["status"]) == ("gzip", "ok")
    refused = loopback.get(f"{lane.core}/api/v1/nope", headers={"accept-encoding": "gzip"}, timeout=60)
    assert (refused.status_code, refused.headers["content-encoding"]) == (404, "gzip")
    wrong = loopback.delete(f"{lane.core}/api/v1/health", headers={"accept-encoding": "gzip"}, timeout=60)
    assert wrong.status_code == 405
    assert "content-encoding" not in wrong.headers  # only 200, 403, 404
    icon = loopback.get(f"{lane.core}/favicon.svg", headers={"accept-encoding": "gzip"}, timeout=60)
    assert icon.headers["content-encoding"] == "gzip"  # image/svg+xml is on the list; photos are not


def test_core_errors_are_json_with_request_ids(lane: Lane) -> None:
    reply = loopback.get(f"{lane.core}/api/v1/nope", timeout=60)
    assert reply.status_code == 404
    error = reply.json()["error"]
    assert (error["code"], error["request_id"]) == ("not_found", reply.headers["x-request-id"])
    malformed = loopback.post(
        f"{lane.core}/api/v1/auth/signup", content=b"{nope", timeout=60, headers={"content-type": "application/json"}
    )
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (400, "invalid_json")
    wrong = loopback.delete(f"{lane.core}/api/v1/health", timeout=60)
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET, HEAD")


@pytest.mark.parametrize("worker", INTERNAL)
def test_internal_workers_refuse_calls_without_a_valid_header(lane: Lane, worker: str) -> None:
    crypto, secret = HashlibCrypto(), read_dev_vars(worker)["INTERNAL_SECRET"]

    async def header(secret: str, clock) -> str:
        return await internal_auth.sign(
            crypto, clock, secret, Request("GET", "/internal/health"), internal_auth.Identity()
        )

    import asyncio

    class Past:
        def now(self) -> float:
            return time.time() - 3600

    valid = asyncio.run(header(secret, WallClock()))
    expired = asyncio.run(header(secret, Past()))
    forged = asyncio.run(header("not-the-secret-but-long-enough-0123456789", WallClock()))
    for label, headers in (
        ("none", {}),
        ("expired", {internal_auth.HEADER: expired}),
        ("forged", {internal_auth.HEADER: forged}),
    ):
        reply = lane.worker(worker, "/internal/health", headers=headers)
        assert reply.status_code == 403, label
        assert reply.json()["error"]["code"] == "internal_auth_failed"
    assert lane.worker(worker, "/internal/health", headers={internal_auth.HEADER: valid}).status_code == 200


def test_a_client_cannot_smuggle_an_internal_header_through_core(lane: Lane) -> None:
    reply = loopback.get(
        f"{lane.core}/api/v1/sites", headers={internal_auth.HEADER: "v1.9999999999.e30.AAAA"}, timeout=60
    )
    assert reply.status_code == 401


def test_edge_crypto_is_webcrypto_and_gives_the_same_bytes_as_hashlib(lane: Lane) -> None:
    ask = {"password": "correct horse battery staple", "salt": "NaCl-1234", "iterations": 100_000}
    answer = lane.worker("probe", "/crypto", method="POST", json=ask).json()
    password, salt = ask["password"].encode(), ask["salt"].encode()
    assert answer["pbkdf2"] == hashlib.pbkdf2_hmac("sha256", password, salt, 100_000, dklen=32).hex()
    assert answer["hmac"] == hmac.new(salt, password, hashlib.sha256).hexdigest()
    assert answer["sha256"] == hashlib.sha256(password).hexdigest()
    assert answer["random"] == 32


def test_webcrypto_refuses_pbkdf2_above_100000_as_cloudflare_does(lane: Lane) -> None:
    ask = {"password": "p", "salt": "s", "iterations": 100_001}
    assert lane.worker("probe", "/crypto", method="POST", json=ask).json()["pbkdf2"].startswith("refused")


def test_what_pyodide_lacks_fails_on_the_lane(lane: Lane) -> None:
    report = lane.worker("probe", "/forbidden").json()
    assert set(report) == {"thread", "socket", "subprocess", "pbkdf2_hmac"}
    assert all(outcome.startswith("refused") for outcome in report.values()), report


DEEP = ("[" * 5000 + "]" * 5000).encode()  # 10,000 bytes: the security issue's repro body


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/password/forgot", "/api/v1/auth/signup"])
def test_a_deeply_nested_body_is_refused_before_parsing_and_the_lane_stays_up(lane: Lane, path: str) -> None:
    # Unguarded, Pyodide's wasm stack overflowed on the second try and the whole lane exited.
    for _ in range(3):
        reply = loopback.post(
            f"{lane.core}{path}", content=DEEP, headers={"content-type": "application/json"}, timeout=60
        )
        assert reply.status_code == 400, reply.text
        assert reply.json()["error"]["code"] == "invalid_json"
        assert "nested deeper than 64 levels" in reply.json()["error"]["message"]
    assert loopback.get(f"{lane.core}/api/v1/health", timeout=60).status_code == 200


def test_a_fatal_pyodide_error_replaces_that_isolate_only(lane: Lane) -> None:
    # Cloudflare: a fatal error poisons the isolate (the requests it holds fail), the next request
    # gets a fresh one; other workers never notice. The probe parses deep JSON with no guard.
    crashed = lane.worker("probe", "/crash?depth=200000")
    assert crashed.status_code == 500
    assert loopback.get(f"{lane.core}/api/v1/health", timeout=60).status_code == 200
    assert lane.worker("probe", "/flags").status_code == 200
    assert lane.worker("probe", "/crash?depth=10").text == "survived"
    assert lane.logged("[probe] isolate failed (fatal Pyodide error: Maximum call stack size exceeded)")
    assert lane.logged("[probe] isolate replaced")


def test_each_isolate_draws_its_own_random_numbers(lane: Lane) -> None:
    """Every isolate of a worker starts from one memory snapshot, the random module's state with it;
    workerd seeds `random` afresh before an isolate's first request (`random_before_first_request`).
    Unseeded, every fresh isolate of every worker, on every lane, drew the same first number."""
    draws = []
    for _ in range(2):
        assert lane.worker("probe", "/crash?depth=200000").status_code == 500  # the next request: a fresh isolate
        draws.append(lane.worker("probe", "/random").text)
    assert draws[0] != draws[1]


def test_a_running_d1_statement_holds_up_nothing_else_in_the_lane(lane: Lane) -> None:
    """On Cloudflare a worker awaiting D1 holds up no other request. The lane ran every statement as
    a synchronous call through Miniflare's proxy (Atomics.wait): while one ran, its whole event loop
    stood still. A statement of a few seconds through the admin door (the same bridge the workers'
    D1 bindings use), and meanwhile a request the lane answers itself: it must come back long before
    the statement ends, not just after it."""
    slow = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) SELECT count(*) AS n FROM c"
    )

    def statement() -> tuple[int, float]:
        reply = loopback.post(f"{lane.admin}/d1/smartpages-core", json={"statements": [[slow, []]]}, timeout=120)
        return reply.status_code, time.monotonic()

    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        running = pool.submit(statement)
        time.sleep(0.5)  # the statement is under way
        assert loopback.get(f"{lane.admin}/timings", timeout=60).status_code == 200
        answered = time.monotonic()
        status, ended = running.result()
    assert status == 200
    assert ended - started > 1.5, "the statement was too quick to show anything"
    assert ended - answered > 0.75, f"answered {ended - answered:.2f} s before the statement ended"
