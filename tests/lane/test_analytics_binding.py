"""The lane's Analytics Engine dataset binding (tools/lane/bindings.mjs) with AE's real limits:
20 blobs, 20 doubles, 1 index of at most 96 bytes, 16 KB of blobs per point, 250 points per
invocation; a refused point throws and stores nothing; `writeDataPoint` returns nothing at once
and the points land in `<dataset>.jsonl` afterwards."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import fs from 'node:fs';
import { AnalyticsEngineDataset } from './tools/lane/bindings.mjs';
const file = process.argv[1];
const meter = {};
const d = new AnalyticsEngineDataset('views', file, () => meter);
const out = {};
const attempt = (name, point) => {
  try { out[name] = d.writeDataPoint(point) ?? 'returned nothing'; }
  catch (e) { out[name] = `${e.name}: ${e.message}`; }
};
attempt('ok', { indexes: ['s_1'], blobs: ['/', 'é'], doubles: [1] });
out.written_before_return = fs.existsSync(file);
attempt('blobs', { blobs: Array(21).fill('x') });
attempt('doubles', { doubles: Array(21).fill(1) });
attempt('indexes', { indexes: ['a', 'b'] });
attempt('index_size', { indexes: ['x'.repeat(97)] });
attempt('blob_size', { blobs: ['x'.repeat(8192), 'y'.repeat(8193)] });
attempt('double_type', { doubles: ['1'] });
attempt('at_limit', { indexes: ['x'.repeat(96)], blobs: Array(20).fill('z'.repeat(819)), doubles: Array(20).fill(2) });
for (let i = 0; i < 248; i++) d.writeDataPoint({ indexes: ['s_1'] });
attempt('point_251', { indexes: ['s_1'] });
const global = new AnalyticsEngineDataset('views', file, () => ({ globalScope: true }));
try { global.writeDataPoint({}); } catch (e) { out.global = e.message.slice(0, 40); }
await d.flush();
out.lines = fs.readFileSync(file, 'utf8').trim().split('\\n').length;
console.log(JSON.stringify(out));
"""


def test_the_dataset_binding_enforces_analytics_engines_limits(tmp_path: Path) -> None:
    file = tmp_path / "analytics" / "views.jsonl"
    run = subprocess.run(
        [str(ROOT / "tools" / "node"), "--input-type=module", "-e", SCRIPT, str(file)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["ok"] == "returned nothing"
    assert out["written_before_return"] is False  # non-blocking: stored after the call
    assert out["blobs"] == "TypeError: Maximum of 20 blobs supported."
    assert out["doubles"] == "TypeError: Maximum of 20 doubles supported."
    assert out["indexes"] == "TypeError: Maximum of 1 indexes supported."
    assert out["index_size"] == "TypeError: Index exceeds 96 bytes."
    assert out["blob_size"] == "TypeError: Blobs exceed 16384 bytes in total."
    assert out["double_type"] == "TypeError: Doubles must be numbers."
    assert out["at_limit"] == "returned nothing"
    assert out["point_251"] == "Error: Maximum of 250 data points per invocation exceeded."
    assert out["global"].startswith("Disallowed operation called within glob")
    # the first, the one at the limits and 248 more (250): refused points store nothing, nor count
    assert out["lines"] == 1 + 1 + 248
    first = json.loads(file.read_text().splitlines()[0])
    assert first == {
        "dataset": "views", "timestamp": first["timestamp"], "index1": "s_1", "blobs": ["/", "é"], "doubles": [1],
        "_sample_interval": 1,
    }  # fmt: skip
