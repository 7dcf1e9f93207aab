"""The edge's R2 adapter (shared.edge.bindings.R2BlobStore) on objects as R2 may hold them: one
stored without a content type (an S3 client, the dashboard, a wrangler upload without
--content-type) reads as application/octet-stream instead of failing the request with a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import loopback
from tests.lane.harness import own_lane, stage_probe

pytestmark = pytest.mark.lane

BUCKET = "smartpages-lane-probe-blobs"


def test_an_object_without_a_content_type_reads_as_octet_stream(tmp_path: Path) -> None:
    stage_probe(tmp_path / "build")
    with own_lane(tmp_path / "build", tmp_path / "state") as (_, urls, log):
        admin = urls["admin"]
        stored = loopback.put(f"{admin}/r2/{BUCKET}/bare.bin", content=b"\x00\x01\x02", timeout=30)
        assert stored.status_code == 204
        typed = loopback.put(
            f"{admin}/r2/{BUCKET}/page.html", content=b"<p>hi</p>", headers={"content-type": "text/html"}, timeout=30
        )
        assert typed.status_code == 204
        bare = loopback.get(f"{admin}/fetch/probe/blob?key=bare.bin", timeout=60)
        assert bare.status_code == 200, "\n".join(log[-20:])
        assert bare.json() == {"get": "application/octet-stream", "open": "application/octet-stream", "size": 3}
        html = loopback.get(f"{admin}/fetch/probe/blob?key=page.html", timeout=60)
        assert html.json() == {"get": "text/html", "open": "text/html", "size": 9}
