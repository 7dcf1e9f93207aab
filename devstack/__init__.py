"""CPython adapters for the ports (sqlite3, a folder, hashlib, httpx) and the in-process stack.

Tests and the quick local stack use it to run every app core without Cloudflare; never deployed."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = ("core", "customer", "billing", "mailer", "domain")

# Each worker's package lives in workers/<name>/src (its deploy layout); make them importable here
# the way the deploy bundle makes them importable on Cloudflare.
for _worker in WORKERS:
    _src = str(ROOT / "workers" / _worker / "src")
    if _src not in sys.path:
        sys.path.append(_src)
