"""The lane enforces the platform's per-request limits: the Paid plan's by default, the Free
plan's under `--plan free`; a breach fails the request as Cloudflare fails it and is reported."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.stack import read_dev_vars
from tests import loopback
from tests.lane.harness import Lane, own_lane, refused_start, stage_probe

pytestmark = pytest.mark.lane


@pytest.fixture(scope="module")
def free_lane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The probe alone on a lane with the Free plan's limits; yields its admin URL."""
    out = tmp_path_factory.mktemp("free")
    stage_probe(out / "build")
    with own_lane(out / "build", out / "state", "--plan", "free") as (_, urls, _log):
        yield urls["admin"]


def breaches(admin: str, route: str) -> list[dict]:
    report = loopback.get(f"{admin}/limits", timeout=30).json()
    return [b for b in report["breaches"] if b["route"] == route]


def test_a_date_enabled_flag_is_on(lane: Lane) -> None:
    flags = lane.worker("probe", "/flags").json()
    assert flags == dict.fromkeys(
        ("python_request_headers_preserve_commas", "python_check_rng_state", "enable_python_external_sdk"), True
    )


def test_60_ms_of_cpu_fails_on_free(free_lane: str) -> None:
    reply = loopback.get(f"{free_lane}/fetch/probe/spin?ms=60", timeout=60)
    assert reply.status_code == 503
    assert "exceeded resource limits" in reply.text
    [breach] = breaches(free_lane, "probe GET /spin")
    assert breach["limit"] == "cpuMs"
    assert breach["figure"] > 10
    assert breach["max"] == 10


def test_60_ms_of_cpu_passes_on_paid(lane: Lane) -> None:
    reply = lane.worker("probe", "/spin?ms=60")
    assert (reply.status_code, reply.text) == (200, "spun")
    figures = loopback.get(f"{lane.admin}/limits", timeout=30).json()
    assert figures["plan"]["name"] == "paid"
    assert figures["routes"]["probe GET /spin"]["cpuMs"] > 10


def test_51_subrequests_fail_on_free(free_lane: str) -> None:
    target = f"{free_lane}/timings"
    reply = loopback.get(f"{free_lane}/fetch/probe/subrequests", params={"n": 51, "url": target}, timeout=120)
    assert reply.status_code >= 500
    found = [b for b in breaches(free_lane, "probe GET /subrequests") if b["limit"] == "subrequests"]
    assert found == [{"route": "probe GET /subrequests", "limit": "subrequests", "figure": 51, "max": 50}]


def test_51_subrequests_pass_on_paid(lane: Lane) -> None:
    reply = lane.worker("probe", "/subrequests", params={"n": 51, "url": f"{lane.admin}/timings"})
    assert (reply.status_code, reply.text) == (200, "fetched")
    route = loopback.get(f"{lane.admin}/limits", timeout=30).json()["routes"]["probe GET /subrequests"]
    assert route["subrequests"] == 51
    assert 1 <= route["connections"] <= 6


def test_more_than_6_simultaneous_connections_wait_for_a_free_one(lane: Lane) -> None:
    reply = lane.worker("probe", "/parallel", params={"n": 10, "url": f"{lane.admin}/timings"})
    assert (reply.status_code, reply.text) == (200, "fetched")
    route = loopback.get(f"{lane.admin}/limits", timeout=30).json()["routes"]["probe GET /parallel"]
    assert (route["last"]["subrequests"], route["last"]["connections"]) == (10, 6)


def test_over_128_mb_of_isolate_memory_fails(tmp_path: Path) -> None:
    stage_probe(tmp_path / "build")
    with own_lane(tmp_path / "build", tmp_path / "state") as (_, urls, log):
        assert loopback.get(f"{urls['admin']}/fetch/probe/allocate?mb=16", timeout=60).status_code == 200
        reply = loopback.get(f"{urls['admin']}/fetch/probe/allocate?mb=140", timeout=60)
        assert reply.status_code == 503
        [breach] = breaches(urls["admin"], "probe GET /allocate")
        assert (breach["limit"], breach["max"]) == ("memoryMB", 128)
        assert breach["figure"] > 128
    assert any("limit exceeded on GET /allocate: memoryMB" in line for line in log)


def test_the_product_routes_report_their_figures(lane: Lane) -> None:
    operator = {"authorization": "Bearer " + read_dev_vars("core")["OPERATOR_TOKEN"]}
    # The deep check reaches every worker (plain /health answers from memory).
    assert loopback.get(f"{lane.core}/api/v1/health?deep=1", headers=operator, timeout=60).status_code == 200
    routes = loopback.get(f"{lane.admin}/limits", timeout=30).json()["routes"]
    health = routes["core GET /api/v1/health"]
    assert health["subrequests"] == 4  # the four service bindings
    assert health["bindingOps"] >= 1  # core's own D1 query
    assert 0 < health["memoryMB"] <= 128
    assert routes["customer GET /internal/health"]["bindingOps"] >= 2  # D1 + R2


def test_an_unknown_plan_is_refused(tmp_path: Path) -> None:
    stage_probe(tmp_path / "build")
    assert "--plan gold" in refused_start(tmp_path / "build", tmp_path / "state", "--plan", "gold")
