#!/usr/bin/env node
// Where a warm view's time goes on the lane, without HTTP (prints, never asserts): the same object
// as tools/bench/domain.mjs, served N times in a row by calling each worker's fetch directly, so
// only the worker and the lane's call path are measured. Adds, beside the domain worker and the
// floors, the cost of the pieces a Python worker cannot avoid (one call into Python, one awaited
// JS promise).
//
// With --baseline DIR (a staged domain bundle, e.g. a copy of build/domain from before a change),
// that bundle runs beside the current one in the same process, interleaved: a before/after that
// the machine's load weighs on alike. Run it twice with the roles swapped (--build <dir holding the
// old bundle as domain/> --baseline build/domain): on this lane the worker in the `domain` slot
// measured ~20% slower than an identical copy in the other slot, so only the average of both
// orders compares code.
//
//   python3 -m tools.build domain && tools/node tools/bench/domain_profile.mjs [--requests 2000] [--baseline DIR] 2>/dev/null

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Lane, REPO } from '../lane/lane.mjs';
import { resourceKey } from '../lane/bindings.mjs';
import minimal from './minimal-worker.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    build: { type: 'string', default: path.join(REPO, 'build') },
    requests: { type: 'string', default: '2000' },
    baseline: { type: 'string' },
  },
});
const N = Number(opts.requests);
const HOST = 'bench.localhost';
const SITE = 's_' + 'b'.repeat(32);
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const body = Buffer.from('<!doctype html><html lang="en"><title>Bench</title>' + '<p>Fresh bread every morning.</p>'.repeat(480));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'domain-profile-'));
const buildDir = path.join(tmp, 'build');
fs.cpSync(path.join(opts.build, 'domain'), path.join(buildDir, 'domain'), { recursive: true });
// The deployed pointer TTL (30 s), not the 1 s of workers/domain/.dev.vars.example (a .dev.vars
// beside the staged wrangler.toml wins, as with wrangler dev).
fs.writeFileSync(path.join(buildDir, 'domain', '.dev.vars'), 'POINTER_CACHE_SECONDS=30\n');
fs.cpSync(path.join(HERE, 'floor'), path.join(buildDir, 'floor'), { recursive: true });
fs.cpSync(path.join(opts.build, 'domain', 'python_modules'), path.join(buildDir, 'floor', 'python_modules'), { recursive: true });
if (opts.baseline) {
  const dir = path.join(buildDir, 'domain-baseline');
  fs.cpSync(opts.baseline, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '.dev.vars'), 'POINTER_CACHE_SECONDS=30\n');
  const toml = path.join(dir, 'wrangler.toml');
  fs.writeFileSync(toml, fs.readFileSync(toml, 'utf8').replace(/^name = "smartpages-domain"$/m, 'name = "smartpages-domain-baseline"'));
}
const lane = new Lane({ build: buildDir, state: path.join(tmp, 'state'), log: () => {} });
await lane.start();
const bucket = await lane.mf.getR2Bucket(resourceKey('R2', lane.worker('domain').config.r2_buckets[0].bucket_name));
const pointer = { format: 1, site: SITE, version: 1, files: { '/': [sha(body), 'text/html; charset=utf-8', body.length] }, csp: "default-src 'none'" };
await bucket.put(`hosts/${HOST}.json`, JSON.stringify(pointer), { httpMetadata: { contentType: 'application/json' } });
await bucket.put(`sites/${SITE}/files/${sha(body)}`, new Uint8Array(body), { httpMetadata: { contentType: 'text/html' } });

const domain = lane.worker('domain');
const floor = lane.worker('floor');
const env = { CACHE_KEY: `https://${HOST}/__smartpages-cache/file/${sha(body)}` };
floor.setEnv(env);
const request = () => new Request(`http://${HOST}/`, { headers: { host: HOST, 'user-agent': 'bench', accept: 'text/html' } });

// The unavoidable pieces, in the floor's interpreter: one call from JS into a Python coroutine,
// and that coroutine awaiting one resolved JS promise.
floor.py.runPython(`
import js
async def bench_call():
    return 1
async def bench_await():
    return await js.Promise.resolve(1)
`);
const pyCall = floor.py.globals.get('bench_call');
const pyAwait = floor.py.globals.get('bench_await');

const baseline = opts.baseline ? lane.worker('domain-baseline') : null;
const cases = {
  'domain worker': async () => (await lane.dispatchFetch(domain, request())).arrayBuffer(),
  ...(baseline ? { 'domain worker (baseline)': async () => (await lane.dispatchFetch(baseline, request())).arrayBuffer() } : {}),
  'python floor': async () => (await lane.dispatchFetch(floor, request())).arrayBuffer(),
  'javascript floor': async () => (await minimal.fetch(request(), env, {})).arrayBuffer(),
  'JS -> Python coroutine': async () => pyCall(),
  'JS -> Python awaiting a JS promise': async () => pyAwait(),
};
for (const [name, run] of Object.entries(cases)) {
  for (let i = 0; i < 50; i++) await run(); // warm-up (the domain's cold view fills the cache)
  if (name.endsWith('floor') || name.startsWith('domain')) {
    const res = await (name === 'javascript floor' ? minimal.fetch(request(), env, {}) : lane.dispatchFetch(name === 'python floor' ? floor : name.includes('baseline') ? baseline : domain, request()));
    const got = (await res.arrayBuffer()).byteLength;
    if (res.status !== 200 || got !== body.length) throw new Error(`${name}: ${res.status}, ${got} bytes`);
  }
}
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const order = Object.entries(cases);
for (let round = 0; round < 10; round++) {
  for (const [name, run] of [...order.slice(round % order.length), ...order.slice(0, round % order.length)]) {
    const t = performance.now();
    for (let i = 0; i < N / 10; i++) await run();
    times[name].push((performance.now() - t) / (N / 10));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const js = median(times['javascript floor']);
console.log(`warm view without HTTP, ${N} calls each in 10 interleaved rounds (median of the rounds), node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`);
for (const [name, xs] of Object.entries(times)) {
  console.log(`  ${name.padEnd(36)} ${(median(xs) * 1000).toFixed(0).padStart(6)} us per call   ${(median(xs) / js).toFixed(1)}x JS`);
}
await lane.stop();
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(0);
