"""Durable Objects on the lane with Cloudflare's semantics, shown with the probe's `Counter`
(a SQLite-backed class): one live instance per id, events delivered one at a time, storage that
outlives the lane, alarms, Cloudflare's SQL limits, and the configurations Cloudflare refuses."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests import loopback
from tests.lane.harness import own_lane, refused_start, stage_probe

pytestmark = pytest.mark.lane

ID_HEX = 64
T = TypeVar("T")


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The probe alone on a lane of its own; yields the admin URL."""
    out = tmp_path_factory.mktemp("durable")
    stage_probe(out / "build")
    with own_lane(out / "build", out / "state") as (_lane, urls, _log):
        yield urls["admin"]


def do(admin: str, op: str, **params: str | int) -> httpx.Response:
    reply = loopback.get(f"{admin}/fetch/probe/do/{op}", params=params, timeout=120)
    assert reply.status_code == 200, reply.text
    return reply


def until(check: Callable[[], T], timeout: float = 20) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_one_instance_per_id_takes_every_concurrent_call_without_losing_an_increment(admin: str) -> None:
    # 30 requests at once, each one stub call, plus one request making 20 stub calls at once:
    # each call reads the count, awaits storage, then writes count + 1.
    with ThreadPoolExecutor(max_workers=10) as pool:
        burst = pool.submit(do, admin, "burst", name="concurrent", n=20)
        singles = list(pool.map(lambda _: do(admin, "increment", name="concurrent").json(), range(30)))
    results = singles + burst.result().json()
    assert sorted(results) == list(range(1, 51))  # no two calls saw the same count
    state = do(admin, "count", name="concurrent").json()
    assert state["n"] == 50
    assert state["calls"] == 50  # one Python instance took all of them (its in-memory counter)
    assert len(state["id"]) == ID_HEX
    assert state["name"] == "concurrent"


class SlowHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(0.3)
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def slow_url() -> Iterator[str]:
    """An origin that answers after 300 ms."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_while_an_event_awaits_a_fetch_the_next_one_runs_as_on_workerd(admin: str, slow_url: str) -> None:
    # Both calls read 0 before either writes: the input gate does not cover a fetch, so this
    # read-fetch-write loses an update on Cloudflare too (the lane shows the race, not hides it).
    assert do(admin, "racy", name="racy", n=2, url=slow_url).json() == [1, 1]


def test_an_object_can_call_itself_while_its_event_waits(admin: str) -> None:
    do(admin, "increment", name="reentrant")
    assert do(admin, "self", name="reentrant").json()["n"] == 1


def test_block_concurrency_while_holds_the_next_event_until_its_work_is_done(admin: str) -> None:
    # hold() returns while its blockConcurrencyWhile work still sleeps; after_hold() comes next.
    assert do(admin, "hold", name="held", ms=300).json() == ["waiting", "done"]


def test_two_ids_are_isolated(admin: str) -> None:
    for _ in range(3):
        do(admin, "increment", name="left")
    left, right = do(admin, "count", name="left").json(), do(admin, "count", name="right").json()
    assert (left["n"], left["calls"]) == (3, 3)
    assert (right["n"], right["calls"]) == (0, 0)
    assert left["id"] != right["id"]


def test_ids_are_made_as_workerd_makes_them(admin: str) -> None:
    assert do(admin, "ids").json() == {
        "deterministic": True,
        "other": True,
        "length": ID_HEX,
        "unique_round_trip": True,
        "forged": "TypeError: Durable Object ID is not valid for this namespace.",
    }


def test_a_stub_fetch_reaches_the_same_instance(admin: str) -> None:
    do(admin, "increment", name="fetched")
    assert do(admin, "fetch", name="fetched").json() == {"url": "https://counter.internal/hello", "calls": 1}


def test_each_stub_call_is_a_subrequest_of_the_caller_and_the_object_is_metered_on_its_own(admin: str) -> None:
    do(admin, "burst", name="metered", n=7)
    routes = loopback.get(f"{admin}/limits", timeout=30).json()["routes"]
    assert routes["probe GET /do/burst"]["last"]["subrequests"] == 7
    assert routes["probe Counter.increment"]["calls"] >= 7
    assert routes["probe Counter.increment"]["last"]["subrequests"] == 0


def test_on_the_free_plan_the_51st_stub_call_is_refused(tmp_path: Path) -> None:
    stage_probe(tmp_path / "build")
    with own_lane(tmp_path / "build", tmp_path / "state", "--plan", "free") as (_lane, urls, _log):
        reply = loopback.get(f"{urls['admin']}/fetch/probe/do/burst", params={"name": "free", "n": 51}, timeout=120)
        assert reply.status_code in (500, 503)  # 503 when the Free plan's 10 ms of CPU went too
        breaches = loopback.get(f"{urls['admin']}/limits", timeout=30).json()["breaches"]
        found = [b for b in breaches if b["limit"] == "subrequests"]
        assert found == [{"route": "probe GET /do/burst", "limit": "subrequests", "figure": 51, "max": 50}]


def test_an_alarm_fires_and_is_cleared(admin: str) -> None:
    scheduled = do(admin, "schedule", name="alarmed", ms=300).json()
    assert scheduled["get"] == scheduled["set"]
    fired = until(lambda: do(admin, "fired", name="alarmed").json()["fired"])
    assert len(fired) == 1
    assert fired[0]["at"] >= scheduled["set"]
    assert fired[0]["retry"] == 0  # alarm() got workerd's alarmInfo
    assert do(admin, "fired", name="alarmed").json()["alarm"] is None


def test_a_failing_alarm_is_retried_with_backoff(admin: str) -> None:
    scheduled = do(admin, "schedule", name="retried", ms=100, failures=1).json()
    fired = until(lambda: do(admin, "fired", name="retried").json()["fired"], timeout=30)
    assert [row["retry"] for row in fired] == [1]  # the retry succeeded
    assert fired[0]["at"] >= scheduled["set"] + 2000  # Cloudflare's first backoff: 2 s
    assert do(admin, "fired", name="retried").json()["attempts"] == [0, 1]
    runs = loopback.get(f"{admin}/durable-objects", timeout=30).json()["alarmsFired"]
    mine = [r for r in runs if r["at"] >= scheduled["set"] and r["outcome"] == "exception"]
    assert [r["retryCount"] for r in mine] == [0]


def test_storage_size_is_reported_and_grows_with_the_rows(admin: str) -> None:
    before = do(admin, "fill", name="sized", rows=0, size=1).json()["databaseSize"]
    after = do(admin, "fill", name="sized", rows=40, size=10_000).json()
    assert after["written"] == 40
    assert after["databaseSize"] >= before + 400_000
    report = loopback.get(f"{admin}/durable-objects", timeout=30).json()
    [sized] = [o for o in report["namespaces"]["smartpages-lane-probe/Counter"]["live"] if o["name"] == "sized"]
    assert sized["databaseSize"] == after["databaseSize"]


def test_a_method_the_class_lacks_fails_in_the_caller(admin: str) -> None:
    assert do(admin, "missing", name="missing").text == "TypeError: Method no_such_method does not exist"


def test_the_key_value_api_and_transaction_sync(admin: str) -> None:
    assert do(admin, "kv", name="kv").json() == {
        "got": {"a": 1},
        "raised": True,
        "rows": 0,  # the insert inside the failed transaction was rolled back
        "deleted": True,
        "after": None,
    }


def test_bytes_are_stored_as_a_blob_and_come_back_as_a_memoryview(admin: str) -> None:
    assert do(admin, "blob", name="bytes").json() == {"kind": "blob", "type": "memoryview", "same": True}


def test_an_object_past_its_size_cap_refuses_writes_as_sqlite_does(admin: str) -> None:
    # The cap is SQLite's max_page_count (10 GB by default); workerd's test hook lowers it.
    full = do(admin, "full", name="full", pages=16).json()
    assert full["error"] == "Error: database or disk is full: SQLITE_FULL"
    assert full["databaseSize"] <= 16 * 4096


def test_cloudflares_sql_limits_and_refusals_apply(admin: str) -> None:
    refused = do(admin, "refusals", name="refused").json()
    assert refused["blob"] == "Error: string or blob too big: SQLITE_TOOBIG"  # 2 MB per string/BLOB/row
    assert refused["statement"] == "Error: statement too long: SQLITE_TOOBIG"  # 100 KB per statement
    assert refused["parameters"] == "Error: too many SQL variables: SQLITE_ERROR"  # 100 bound parameters
    assert refused["columns"] == "Error: too many columns on wide: SQLITE_ERROR"  # 100 columns per table
    assert refused["bindings"] == "Error: Wrong number of parameter bindings for SQL query."
    assert refused["transaction"].startswith(
        "Error: To execute a transaction, please use the state.storage.transaction"
    )
    assert refused["reserved"] == "Error: not authorized: SQLITE_AUTH"  # _cf_ tables are the runtime's
    assert refused["syntax"] == 'Error: near "SELEC": syntax error: SQLITE_ERROR'
    assert refused["one_of_two"] == "Error: Expected exactly one result from SQL query, but got multiple results."
    assert refused["one_of_none"] == "Error: Expected exactly one result from SQL query, but got no results."
    assert refused["one"] == {"a": 7}


def test_storage_and_alarms_outlive_the_lane_and_memory_does_not(tmp_path: Path) -> None:
    stage_probe(tmp_path / "build")
    with own_lane(tmp_path / "build", tmp_path / "state") as (_lane, urls, _log):
        for _ in range(4):
            do(urls["admin"], "increment", name="kept")
        do(urls["admin"], "schedule", name="kept", ms=1500)  # due while the lane is down
    assert list((tmp_path / "state" / "durable-objects").rglob("*.sqlite"))
    time.sleep(2)
    with own_lane(tmp_path / "build", tmp_path / "state") as (_lane, urls, _log):
        state = do(urls["admin"], "count", name="kept").json()
        assert (state["n"], state["calls"]) == (4, 0)  # the rows stayed; a new instance was made
        fired = until(lambda: do(urls["admin"], "fired", name="kept").json()["fired"])
        assert len(fired) == 1  # the overdue alarm fired after the restart


def test_another_worker_reaches_the_same_object_through_script_name(tmp_path: Path) -> None:
    stage_probe(tmp_path / "build")
    other = stage_probe(tmp_path / "build", name="other")
    toml = other / "wrangler.toml"
    text = toml.read_text().replace('name = "smartpages-lane-probe"', 'name = "smartpages-lane-other"')
    text = text.replace('class_name = "Counter"', 'class_name = "Counter"\nscript_name = "smartpages-lane-probe"')
    toml.write_text(text.split("[[migrations]]")[0])  # the class is the probe's, not this worker's
    with own_lane(tmp_path / "build", tmp_path / "state") as (_lane, urls, _log):
        admin = urls["admin"]
        assert loopback.get(f"{admin}/fetch/other/do/increment", params={"name": "shared"}, timeout=60).json() == 1
        state = do(admin, "count", name="shared").json()
        assert (state["n"], state["calls"]) == (1, 1)  # the probe's one instance took the other's call
        report = loopback.get(f"{admin}/durable-objects", timeout=30).json()["namespaces"]
        assert list(report) == ["smartpages-lane-probe/Counter"]


def test_a_key_value_backed_class_has_no_sql_api(tmp_path: Path) -> None:
    probe = stage_probe(tmp_path / "build")
    toml = probe / "wrangler.toml"
    toml.write_text(toml.read_text().replace("new_sqlite_classes", "new_classes"))
    with own_lane(tmp_path / "build", tmp_path / "state") as (_lane, urls, log):
        reply = loopback.get(f"{urls['admin']}/fetch/probe/do/count", params={"name": "kv"}, timeout=60)
        assert reply.status_code == 500
        refusal = "This Durable Object is not backed by SQLite storage, so the SQL API is not available."
        # The lane's output reaches `log` through a reader thread, a moment after the answer.
        deadline = time.monotonic() + 10
        while refusal not in "".join(log) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert refusal in "".join(log)


def test_a_binding_to_a_class_no_migration_created_is_refused(tmp_path: Path) -> None:
    probe = stage_probe(tmp_path / "build")
    toml = probe / "wrangler.toml"
    toml.write_text(toml.read_text().replace('new_sqlite_classes = ["Counter"]', "new_sqlite_classes = []"))
    stderr = refused_start(tmp_path / "build", tmp_path / "state")
    assert "Cannot create binding for class 'Counter' because it is not currently configured" in stderr


def test_a_migrated_class_the_main_module_does_not_export_is_refused(tmp_path: Path) -> None:
    probe = stage_probe(tmp_path / "build")
    toml = probe / "wrangler.toml"
    text = toml.read_text().replace('class_name = "Counter"', 'class_name = "Missing"')
    toml.write_text(text.replace('new_sqlite_classes = ["Counter"]', 'new_sqlite_classes = ["Counter", "Missing"]'))
    stderr = refused_start(tmp_path / "build", tmp_path / "state")
    assert "Cannot apply new-class migration to class 'Missing' that is not exported by script" in stderr
