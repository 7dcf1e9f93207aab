"""A 20 MB file through the domain worker on the lane: a full view (cold, then warm from the Cache
API) and a Range request, without the worker's Python memory growing by the file's size. Pyodide's
WebAssembly memory only ever grows, so a body that passed through Python would show as growth."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests import loopback
from tests.lane.harness import Lane

pytestmark = pytest.mark.lane
HOST = "big-file.example.com"
SITE = "s_" + "f" * 32
SIZE = 20 * 1024 * 1024


def wasm_bytes(lane: Lane) -> int:
    return int(loopback.get(f"{lane.admin}/memory", timeout=30).json()["domain"]["wasmBytes"])


def seed(lane: Lane, key: str, body: bytes, content_type: str) -> None:
    # 20 MB through the admin door: httpx's default 5 s is too short on a busy machine.
    url = f"{lane.admin}/r2/smartpages-sites/{key}"
    reply = loopback.put(url, content=body, headers={"content-type": content_type}, timeout=120)
    assert reply.status_code == 204


def test_a_20_mb_asset_streams_without_growing_the_isolate(lane: Lane) -> None:
    body = os.urandom(SIZE)
    sha = hashlib.sha256(body).hexdigest()
    path = f"/assets/{sha}.mp4"
    seed(lane, f"sites/{SITE}/files/{sha}", body, "video/mp4")
    pointer = {"format": 1, "site": SITE, "version": 1, "files": {path: [sha, "video/mp4", SIZE]}, "csp": ""}
    seed(lane, f"hosts/{HOST}.json", json.dumps(pointer).encode(), "application/json")
    headers = {"host": HOST}
    small = loopback.get(f"{lane.domain}/nothing-here", headers=headers, timeout=60)  # the pointer, warm
    assert small.status_code == 404
    before = wasm_bytes(lane)

    cold = loopback.get(f"{lane.domain}{path}", headers=headers, timeout=120)
    assert cold.status_code == 200
    assert cold.headers["content-length"] == str(SIZE)
    assert hashlib.sha256(cold.content).hexdigest() == sha
    first, last = 12_345_678, 12_345_678 + 99_999
    part = loopback.get(f"{lane.domain}{path}", headers={**headers, "range": f"bytes={first}-{last}"}, timeout=120)
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
    assert part.content == body[first : last + 1]
    warm = loopback.get(f"{lane.domain}{path}", headers=headers, timeout=120)
    assert warm.status_code == 200
    assert hashlib.sha256(warm.content).hexdigest() == sha

    grown = wasm_bytes(lane) - before
    assert grown < SIZE // 4, f"the domain worker's memory grew by {grown / 2**20:.1f} MiB for a 20 MiB file"
