"""Lighthouse 12 (npm, pinned) on the portal's sign-in and editor views, mobile, headless Debian
Chromium, on a fresh runtime lane: prints the median of each category over the runs.

.venv/bin/python -m tools.bench.portal_lighthouse [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from tests.lane.client import subscribed
from tests.lane.harness import running
from tools import chromium
from tools.bench.lighthouse import CATEGORIES, lighthouse_cli


def audit(url: str, cookie: str, out: Path) -> dict[str, float]:
    env = {**os.environ, "CHROME_PATH": chromium.full()}
    headers = json.dumps({"cookie": cookie}) if cookie else "{}"
    subprocess.run(
        [
            *lighthouse_cli(),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            f"--extra-headers={headers}",
        ],
        check=True,
        env=env,
        timeout=300,
    )
    report = json.loads(out.read_text())
    return {c: report["categories"][c]["score"] * 100 for c in CATEGORIES}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    keep = os.environ.get("LIGHTHOUSE_REPORTS")  # a folder to keep the JSON reports in
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp) / "lane") as lane:
        reports = Path(keep) if keep else Path(tmp)
        owner = subscribed(lane, "lighthouse@example.com")
        site = owner.post("/api/v1/sites", {"name": "Lighthouse Bakery"}).json()
        views = {"sign-in": (f"{lane.core}/login", ""), "editor": (f"{lane.core}/sites/{site['id']}", owner.cookie)}
        print(f"{'view':10} " + " ".join(f"{c:>15}" for c in CATEGORIES) + f"   (median of {runs}, mobile)")
        for name, (url, cookie) in views.items():
            scores = [audit(url, cookie, reports / f"{name}-{i}.json") for i in range(runs)]
            medians = [statistics.median(s[c] for s in scores) for c in CATEGORIES]
            print(f"{name:10} " + " ".join(f"{m:15.0f}" for m in medians))


if __name__ == "__main__":
    main()
