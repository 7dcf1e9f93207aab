"""The edge's R2 adapter (shared.edge.bindings.R2BlobStore) on objects as R2 may hold them: one
stored without a content type (an S3 client, the dashboard, a wrangler upload without
--content-type) reads as application/octet-stream instead of failing the request with a 500."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests import loopback
from tests.lane.harness import ROOT, own_lane, stage_probe

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


BRIDGE_SCRIPT = """
import { R2Bucket, resourceKey, startMiniflare } from 'BINDINGS';
const state = process.argv[2]; // the test's own folder: nothing left behind
const mf = await startMiniflare([{ config: { r2_buckets: [{ bucket_name: 'b' }] } }], state);
try {
  const bucket = new R2Bucket(mf.laneBridge, resourceKey('R2', 'b'));
  const expiry = new Date('2030-01-02T03:04:05Z');
  const put = await bucket.put('k', new Uint8Array([1, 2, 3, 4, 5]),
    { httpMetadata: { contentType: 'x/y', cacheExpiry: expiry }, customMetadata: { who: 'Zoë' } });
  const head = await bucket.head('k');
  const whole = await bucket.get('k');
  const part = await bucket.get('k', { range: { offset: 1, length: 2 } });
  const unchanged = await bucket.get('k', { onlyIf: { etagDoesNotMatch: put.etag } });
  const listed = await bucket.list();
  // The bridge's own path without this start's secret (another process on the machine, say).
  const stranger = await (await fetch(new URL('/__lane/bridge', await mf.ready), {
    method: 'POST', body: JSON.stringify({ op: 'r2list', args: [resourceKey('R2', 'b'), {}] }),
  })).text();
  await bucket.delete('k');
  console.log(JSON.stringify({
    sameEtag: put.etag === head.etag && head.etag === whole.etag,
    expiryIsDate: head.httpMetadata.cacheExpiry instanceof Date && +head.httpMetadata.cacheExpiry === +expiry,
    contentType: whole.httpMetadata.contentType, who: whole.customMetadata.who,
    whole: [whole.constructor.name, [...await whole.bytes()]],
    part: [[...await part.bytes()], part.range],
    unchanged: [unchanged.constructor.name, 'body' in unchanged],
    listed: listed.objects.map((o) => [o.key, o.size]),
    stranger,
    gone: [await bucket.head('k'), await bucket.get('k')],
  }));
} finally {
  await mf.laneBridge.close();
  await mf.dispose();
}
"""


def test_the_lanes_r2_binding_answers_as_r2_through_the_bridge(tmp_path: Path) -> None:
    """Every R2 operation of the lane goes through the host worker's Bridge as JSON and raw bytes
    (tools/lane/bindings.mjs), not Miniflare's synchronous proxy: what R2 answers must survive the
    trip (a Date stays a Date, a body only when the precondition held, a range as asked), and the
    bridge answers only requests with the secret of this start. A script
    file, not `node -e`: Miniflare's synchronous fetcher keeps an `-e` script from exiting."""
    script = tmp_path / "r2.mjs"
    script.write_text(BRIDGE_SCRIPT.replace("BINDINGS", (ROOT / "tools" / "lane" / "bindings.mjs").as_uri()))
    command = [str(ROOT / "tools" / "node"), str(script), str(tmp_path / "state")]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["sameEtag"]
    assert seen["expiryIsDate"]
    assert (seen["contentType"], seen["who"]) == ("x/y", "Zoë")
    assert seen["whole"] == ["R2ObjectBody", [1, 2, 3, 4, 5]]
    assert seen["part"] == [[2, 3], {"offset": 1, "length": 2}]
    assert seen["unchanged"] == ["R2Object", False]  # onlyIf failed: metadata, no body
    assert seen["listed"] == [["k", 5]]
    assert seen["stranger"] == "lane bindings host"  # no bucket listed without the secret
    assert seen["gone"] == [None, None]
