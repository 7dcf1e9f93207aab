"""Scheduled work at scale on the runtime lane (prints figures, not a test):

    .venv/bin/python -m tools.bench.scale [--sites 1000] [--subscriptions N]

Starts a lane with its stand-ins (as the lane tests do), seeds N sites and N subscriptions straight
into its stores (tests/lane/scale.py, the admin door: no sign-up), with the scheduled work a busy
hour leaves (orphan candidates for 1 site in 10, stale pending domains for 1 in 100, cancelled
subscriptions for 1 in 100, day-14 cut-overs for 1 in 200), then runs every worker's Cron Trigger
and waits until every queue step it fanned out to has run. Prints, per worker, the Cron and the
jobs-queue consumer: invocations, and the worst per-invocation binding operations, subrequests,
CPU and memory the lane metered, against the limits; the D1 storage per seeded site (the minimal
seed: rows for the scheduled jobs, no pages); and the projection to 1M sites: per-invocation
figures do not grow (that is the design), the number of invocations does, linearly."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.lane.harness import Lane, running
from tests.lane.scale import (
    BILLING_DB,
    CUSTOMER_DB,
    count,
    seed_candidates,
    seed_sites,
    seed_subscriptions,
    sha,
    site_id,
)

LIMITS = {"bindingOps": 1000, "subrequests": 10_000, "cpuMs": 30_000, "memoryMB": 128}
MILLION = 1_000_000


def routes(lane: Lane) -> dict[str, Any]:
    return dict(httpx.get(f"{lane.admin}/limits", timeout=30).json()["routes"])


def settled(lane: Lane, quiet: float = 4.0, timeout: float = 3600) -> float:
    """Waits until no worker's queue handler has been called for `quiet` seconds; returns the wait."""
    start = time.monotonic()
    last, since = None, time.monotonic()
    while True:
        calls = {k: v["calls"] for k, v in routes(lane).items() if k.endswith("Default.queue")}
        if calls != last:
            last, since = calls, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return time.monotonic() - start - quiet
        assert time.monotonic() - start < timeout, "queues did not settle"
        time.sleep(0.5)


def run_cron(lane: Lane, worker: str, at: float) -> str:
    """The Cron's outcome: `ok`, or `exception` (the door answers 500 then, e.g. LimitExceeded)."""
    reply = httpx.post(f"{lane.admin}/scheduled/{worker}", params={"time": f"{at:.0f}"}, timeout=600)
    return str(reply.json().get("outcome", reply.status_code))


def d1_bytes(state: Path) -> int:
    return sum(p.stat().st_size for p in (state / "d1").rglob("*.sqlite*")) if (state / "d1").exists() else 0


def main(sites: int, subscriptions: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp)) as lane:
        now = time.time()
        t0 = time.monotonic()
        seed_sites(lane, sites, now, stale_domains=max(1, sites // 100), fresh_domains=max(1, sites // 200))
        orphans = [(site_id(i), sha(i, "dead")) for i in range(1, sites + 1, 10)]
        seed_candidates(lane, now, orphans, [])
        seed_subscriptions(
            lane, subscriptions, now, downgraded=max(1, subscriptions // 100), cut_due=max(1, subscriptions // 200)
        )
        seeded = time.monotonic() - t0
        storage = d1_bytes(Path(tmp) / "state")
        walls = {}
        for worker in ("core", "customer", "billing", "mailer"):
            start = time.monotonic()
            outcome = run_cron(lane, worker, now)
            walls[worker] = (outcome, time.monotonic() - start + settled(lane))
        left = {
            "orphan candidates left": count(lane, CUSTOMER_DB, "orphan_files"),
            "stale domains left": count(lane, CUSTOMER_DB, "domains WHERE hostname LIKE 'stale-%'"),
            "day-14 cut-overs done": count(lane, BILLING_DB, "downgrades WHERE domains_cut_at IS NOT NULL"),
            "downgrade notices sent": count(lane, BILLING_DB, "downgrades WHERE notice_sent_at IS NOT NULL"),
        }
        report = routes(lane)
        breaches = httpx.get(f"{lane.admin}/limits", timeout=30).json()["breaches"]

    print(f"scale: {sites} sites, {subscriptions} subscriptions (seeded in {seeded:.1f} s), Workers Paid limits")
    print(f"{'handler':<28}{'calls':>7}{'ops max':>9}{'subreq max':>11}{'CPU ms max':>11}{'MB max':>8}{'run s':>8}"
          f"{'calls at 1M':>13}")  # fmt: skip
    for worker in ("core", "customer", "billing", "mailer"):
        for handler in ("scheduled", "queue"):
            row = report.get(f"{worker} Default.{handler}")
            if row is None:
                continue
            scale = MILLION / (subscriptions if worker == "billing" else sites)
            projected = row["calls"] if handler == "scheduled" else round(row["calls"] * scale)
            wall = f"{walls[worker][1]:.1f}" if handler == "scheduled" else ""
            print(f"{worker + ' ' + handler:<28}{row['calls']:>7}{row['bindingOps']:>9}{row['subrequests']:>11}"
                  f"{row['cpuMs']:>11.0f}{row['memoryMB']:>8.0f}{wall:>8}{projected:>13}")  # fmt: skip
    print(f"outcomes: {', '.join(f'{w} {o}' for w, (o, _) in walls.items())}; breaches: {len(breaches)}")
    print(f"seeded: {len(orphans)} orphans, {max(1, sites // 100)} stale domains, {max(1, subscriptions // 100)}"
          f" cancellations, {max(1, subscriptions // 200)} cut-overs due; after: {left}")  # fmt: skip
    print(f"limits per invocation: {LIMITS} (half is the design target)")
    print(f"D1 after seeding: {storage / 1e6:.1f} MB, {storage / sites:.0f} bytes per seeded site (minimal rows)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--subscriptions", type=int, default=None, help="default: as many as sites")
    args = parser.parse_args()
    main(args.sites, args.subscriptions or args.sites)
