"""The product's main routes against the Workers plans' limits, on the runtime lane (prints, not a
test):

    .venv/bin/python -m tools.bench.lane_limits [--pages 50]

Starts the lane (with the Stripe stand-in) as the lane tests do, then: per worker, the import time
of its main module (wall and CPU); per route, the worst CPU time, subrequests, binding operations,
simultaneous connections and isolate memory the lane measured (GET /limits), for a login, an
editor GET, a publish of a site of N pages and a warm page view, each worker's part listed under
the route that caused it, against the Free and Paid plans' limits."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import httpx

from tests.lane.client import PASSWORD, PortalClient, subscribed, view
from tests.lane.harness import Lane, running

LIMITS = ("cpuMs", "subrequests", "bindingOps", "connections", "memoryMB")


def figures(lane: Lane) -> dict[str, Any]:
    return dict(httpx.get(f"{lane.admin}/limits", timeout=30).json())


def measured(lane: Lane, action: Any) -> dict[str, dict[str, float]]:
    """The routes `action` touched, with the figures of their last call (the action's own)."""
    before = figures(lane)["routes"]
    action()
    after = figures(lane)["routes"]
    return {route: row["last"] for route, row in after.items() if before.get(route, {}).get("calls") != row["calls"]}


def fits(row: dict[str, float], plan: dict[str, float]) -> bool:
    return all(row[k] <= plan[k] for k in LIMITS)


def main(pages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp)) as lane:
        timings = httpx.get(f"{lane.admin}/timings", timeout=30).json()
        print("import of each main module (global scope; Cloudflare's budget: 1000 ms CPU)")
        for worker in ("core", "customer", "billing", "mailer", "domain"):
            t = timings[worker]
            print(f"  {worker:9} {t['importMs']:7.0f} ms wall  {t['importCpuMs']:7.0f} ms CPU")

        owner = subscribed(lane, "bench@example.com", plan="pro")
        site = owner.post("/api/v1/sites", {"name": "Bench Bakery"}).json()
        sid = site["id"]
        for n in range(pages - 1):
            assert owner.post(f"/api/v1/sites/{sid}/pages", {"title": f"Page {n}"}).status_code == 201
        fresh = PortalClient(lane.core)
        routes = {
            "login": measured(
                lane,
                lambda: fresh.post("/api/v1/auth/login", {"email": "bench@example.com", "password": PASSWORD}),
            ),
            "editor GET": measured(lane, lambda: owner.call("GET", f"/api/v1/sites/{sid}")),
            f"publish ({pages} pages)": measured(lane, lambda: owner.post(f"/api/v1/sites/{sid}/publish")),
        }
        view(lane, site["default_host"])  # cold view: fills the cache
        routes["warm page view"] = measured(lane, lambda: view(lane, site["default_host"]))

        report = figures(lane)
        paid, free = report["plans"]["paid"], report["plans"]["free"]
        print(f"\nper route, against Paid ({', '.join(f'{k} {paid[k]}' for k in LIMITS)})")
        print(f"and Free ({', '.join(f'{k} {free[k]}' for k in LIMITS)})")
        print(f"  {'route / worker part':52} {'CPU ms':>8} {'subreq':>6} {'ops':>5} {'conn':>4} {'MB':>5}  fits")
        too_big = []
        for label, rows in routes.items():
            print(f"  {label}")
            for route, row in sorted(rows.items()):
                verdict = "Free+Paid" if fits(row, free) else "Paid only" if fits(row, paid) else "NEITHER"
                if verdict != "Free+Paid":
                    too_big.append(f"{label}: {route}")
                print(
                    f"    {route:50} {row['cpuMs']:8.1f} {row['subrequests']:6.0f} {row['bindingOps']:5.0f} "
                    f"{row['connections']:4.0f} {row['memoryMB']:5.0f}  {verdict}"
                )
        print(f"\nbreaches on the lane (Paid plan): {report['breaches'] or 'none'}")
        print("would not fit the Free plan:" if too_big else "every route fits the Free plan")
        for line in too_big:
            print(f"  {line}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    main(parser.parse_args().pages)
