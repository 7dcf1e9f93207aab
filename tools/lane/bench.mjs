#!/usr/bin/env node
// Lane benchmark (prints, never asserts). Starts the lane as a child process, as a test fixture
// would, with and without the memory snapshot, and times requests over HTTP.
//
//   node tools/lane/bench.mjs [--build build] [--requests 30]
//
// Routes: core `GET /api/v1/__bench` (404 from the router: no I/O), domain
// `GET /_smartpages/health` (one R2 read), core `GET /api/v1/health` (D1 on every D1 owner,
// R2 reads in customer and domain, four service-binding fetches). The main product routes against
// the Free and Paid plans' limits: `.venv/bin/python -m tools.bench.lane_limits`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO } from './lane.mjs';

const { values: opts } = parseArgs({
  options: {
    build: { type: 'string', default: path.join(REPO, 'build') },
    requests: { type: 'string', default: '30' },
  },
});
const N = Number(opts.requests);
const MAIN = path.join(path.dirname(new URL(import.meta.url).pathname), 'main.mjs');

async function startLane(extra) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'lane-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN, '--build', opts.build, '--state', state, '--port-core', '0', '--port-domain', '0', '--admin-port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const urls = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /lane ready (.*)\n/.exec(out);
      if (m) resolve(Object.fromEntries(m[1].split(' ').map((kv) => kv.split('='))));
    });
    child.on('exit', (code) => reject(new Error(`lane exited ${code}\n${stderr}`)));
  });
  const wallMs = performance.now() - t0;
  const timings = await (await fetch(`${urls.admin}/timings`)).json();
  return {
    urls,
    wallMs,
    timings,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(state, { recursive: true, force: true });
    },
  };
}

async function timeRequests(url, init = {}) {
  const times = [];
  let status;
  for (let i = 0; i < N + 3; i++) {
    const t = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    status = res.status;
    if (i >= 3) times.push(performance.now() - t); // 3 warm-up requests
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return `status ${status}  median ${q(0.5).toFixed(1)} ms  p90 ${q(0.9).toFixed(1)} ms  min ${times[0].toFixed(1)} ms`;
}

function loads(t) {
  return Object.entries(t)
    .filter(([k]) => k !== 'lane')
    .map(([k, v]) => `${k} ${Math.round(v.loadMs)} ms (interpreter ${Math.round(v.interpreterMs)}, import ${Math.round(v.importMs)}; import CPU ${Math.round(v.importCpuMs)} of the 1000 ms budget)`)
    .join('\n    ');
}

const fmt = (ms) => `${Math.round(ms)} ms`;
console.log(`lane bench: node ${process.version}, ${os.cpus().length} cores, ${N} requests per route`);

// Make sure the snapshot exists before timing a start that uses it.
const first = await startLane([]);
if (first.timings.lane.snapshotBuildMs) console.log(`snapshot build (first run only): ${fmt(first.timings.lane.snapshotBuildMs)}`);
await first.stop();

for (const [label, extra] of [['with snapshot', []], ['without snapshot', ['--no-snapshot']]]) {
  const lane = await startLane(extra);
  console.log(`\n${label}:`);
  console.log(`  start to ready line: ${fmt(lane.wallMs)} (in-process start ${fmt(lane.timings.lane.startMs)})`);
  console.log(`  per-worker load:\n    ${loads(lane.timings)}`);
  if (label === 'with snapshot') {
    console.log(`  core trivial route (404, no I/O):     ${await timeRequests(`${lane.urls.core}/api/v1/__bench`)}`);
    console.log(`  domain health (one R2 read):          ${await timeRequests(`${lane.urls.domain}/_smartpages/health`, { headers: { host: 'edge.smartpages.site' } })}`);
    console.log(`  core health (D1 x4, R2 x2, 4 svc):    ${await timeRequests(`${lane.urls.core}/api/v1/health`)}`);
  }
  await lane.stop();
}
