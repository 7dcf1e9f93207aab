#!/usr/bin/env node
// Domain worker benchmark (prints figures, never asserts): warm views on the runtime lane of
//   - the domain worker (build/domain, the real bundle; every page view writes an Analytics Engine
//     data point to the lane's dataset binding),
//   - the same bundle without its `[[analytics_engine_datasets]]` binding (analytics off: the
//     ratio of the two is what counting views costs a visitor),
//   - a trivial Python worker (tools/bench/floor: answers the cached response as it is),
//   - a minimal JavaScript worker (tools/bench/minimal-worker.mjs: the same in JS),
// all serving the same object from the same `caches.default`, in one process, as ratios.
//
//   python3 -m tools.build domain && tools/node tools/bench/domain.mjs [--build build] [--seconds 5] [--concurrency 1] 2>/dev/null

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Lane, REPO } from '../lane/lane.mjs';
import { resourceKey } from '../lane/bindings.mjs';
import { sendWebResponse, toWebRequest } from '../lane/web.mjs';
import minimal from './minimal-worker.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    build: { type: 'string', default: path.join(REPO, 'build') },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1' },
  },
});
const HOST = 'bench.localhost';
const SITE = 's_' + 'b'.repeat(32);
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1';
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

// Objects: a published page (~16 KB of HTML) and a photo-sized asset (~300 KB).
const page = Buffer.from('<!doctype html><html lang="en"><title>Bench</title>' + '<p>Fresh bread every morning.</p>'.repeat(480));
const photo = crypto.randomBytes(300_000);
const objects = [
  { label: 'page 16 KB', path: '/', body: page, type: 'text/html; charset=utf-8' },
  { label: 'asset 300 KB', path: '/assets/photo.jpg', body: photo, type: 'image/jpeg' },
];

// A throw-away build dir: the domain bundle and the Python floor, nothing else.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'domain-bench-'));
const buildDir = path.join(tmp, 'build');
fs.cpSync(path.join(opts.build, 'domain'), path.join(buildDir, 'domain'), { recursive: true });
// The deployed pointer TTL (30 s), not the 1 s of workers/domain/.dev.vars.example (a .dev.vars
// beside the staged wrangler.toml wins, as with wrangler dev).
fs.writeFileSync(path.join(buildDir, 'domain', '.dev.vars'), 'POINTER_CACHE_SECONDS=30\nINTERNAL_SECRET=bench-internal-secret-0123456789abcdef\n');
// Analytics off: the same bundle, renamed, its dataset binding removed (entry.py then passes None).
fs.cpSync(path.join(buildDir, 'domain'), path.join(buildDir, 'domain-noanalytics'), { recursive: true });
const offToml = path.join(buildDir, 'domain-noanalytics', 'wrangler.toml');
fs.writeFileSync(
  offToml,
  fs
    .readFileSync(offToml, 'utf8')
    .replace('name = "smartpages-domain"', 'name = "smartpages-domain-noanalytics"')
    .replace(/\[\[(env\.\w+\.)?analytics_engine_datasets\]\][^[]*/g, ''),
);
fs.cpSync(path.join(HERE, 'floor'), path.join(buildDir, 'floor'), { recursive: true });
// The floor vendors the same workers SDK as every bundle (the runtime no longer ships it).
fs.cpSync(path.join(opts.build, 'domain', 'python_modules'), path.join(buildDir, 'floor', 'python_modules'), { recursive: true });
// Domain's CUSTOMER binding (lead forms it forwards) needs a worker of that name; views never call
// it, so a copy of the floor stands in.
fs.cpSync(path.join(buildDir, 'floor'), path.join(buildDir, 'customer-stand-in'), { recursive: true });
const standInToml = path.join(buildDir, 'customer-stand-in', 'wrangler.toml');
fs.writeFileSync(standInToml, fs.readFileSync(standInToml, 'utf8').replace('name = "bench-floor"', 'name = "smartpages-customer"'));

const lane = new Lane({ build: buildDir, state: path.join(tmp, 'state'), log: () => {} });
await lane.start();
const bucketName = lane.worker('domain').config.r2_buckets[0].bucket_name;
const bucket = await lane.mf.getR2Bucket(resourceKey('R2', bucketName));
const files = Object.fromEntries(objects.map((o) => [o.path, [sha(o.body), o.type, o.body.length]]));
const pointer = { format: 1, site: SITE, version: 1, files, csp: "default-src 'none'" };
await bucket.put(`hosts/${HOST}.json`, JSON.stringify(pointer), { httpMetadata: { contentType: 'application/json' } });
for (const o of objects) await bucket.put(`sites/${SITE}/files/${sha(o.body)}`, new Uint8Array(o.body), { httpMetadata: { contentType: o.type } });

function serve(handler) {
  const server = http.createServer(async (req, res) => {
    try {
      await sendWebResponse(res, await handler(await toWebRequest(req)), req.method);
    } catch (e) {
      res.writeHead(500).end(String(e?.message ?? e));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function get(port, urlPath) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent, headers: { host: HOST, 'user-agent': UA, referer: 'https://www.example.org/' } }, (res) => {
        let n = 0;
        res.on('data', (c) => (n += c.length));
        res.on('end', () => resolve({ status: res.statusCode, bytes: n, ms: performance.now() - t }));
      })
      .on('error', reject);
  });
}

// One burst of requests against one server; bursts of the three servers are interleaved (see
// below) so that whatever else the machine is doing weighs on all three alike.
async function burst(port, urlPath, ms, into) {
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: Number(opts.concurrency) }, async () => {
      while (performance.now() < end) {
        const r = await get(port, urlPath);
        if (r.status !== 200) into.bad++;
        into.times.push(r.ms);
      }
    }),
  );
  into.wall += ms / 1000;
}

function summary(x) {
  const times = [...x.times].sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { rps: times.length / x.wall, p50: q(0.5), p99: q(0.99), n: times.length, bad: x.bad };
}

const domain = lane.worker('domain');
const domainOff = lane.worker('domain-noanalytics');
if ('ANALYTICS' in domainOff.env || !('ANALYTICS' in domain.env)) throw new Error('analytics on/off workers are not as expected');
const floor = lane.worker('floor');
const servers = [];
const results = {};
const ROUNDS = 10;
for (const o of objects) {
  const key = `https://${HOST}/__smartpages-cache/file/${sha(o.body)}`;
  const env = { CACHE_KEY: key };
  floor.setEnv(env);
  const handlers = {
    domain: (r) => lane.dispatchFetch(domain, r),
    'domain, no analytics': (r) => lane.dispatchFetch(domainOff, r),
    'python floor': (r) => lane.dispatchFetch(floor, r),
    'javascript floor': (r) => minimal.fetch(r, env, { waitUntil() {} }),
  };
  const ports = {};
  const acc = {};
  for (const [name, h] of Object.entries(handlers)) {
    const s = await serve(h);
    servers.push(s);
    ports[name] = s.address().port;
    acc[name] = { times: [], wall: 0, bad: 0 };
    const first = await get(ports[name], o.path); // the domain's cold view puts the file in the cache
    if (first.status !== 200 || first.bytes !== o.body.length) throw new Error(`${name} ${o.path}: ${first.status}, ${first.bytes} bytes`);
    for (let i = 0; i < 20; i++) await get(ports[name], o.path); // warm-up
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(handlers)) await burst(ports[name], o.path, (Number(opts.seconds) * 1000) / ROUNDS, acc[name]);
  }
  results[o.label] = Object.fromEntries(Object.entries(acc).map(([name, x]) => [name, summary(x)]));
}
const mem = domain.memory().wasmBytes;

console.log(`domain warm view on the lane: node ${process.version}, ${os.cpus().length} cores, ${opts.concurrency} concurrent, ${opts.seconds} s each in ${ROUNDS} interleaved rounds`);
for (const [label, r] of Object.entries(results)) {
  const js = r['javascript floor'];
  console.log(`\n${label}:`);
  for (const [name, x] of Object.entries(r)) {
    const ratio = (js.rps / x.rps).toFixed(2);
    console.log(
      `  ${name.padEnd(17)} ${x.rps.toFixed(0).padStart(6)} req/s  p50 ${x.p50.toFixed(2)} ms  p99 ${x.p99.toFixed(2)} ms  ` +
        `(${x.n} requests${x.bad ? `, ${x.bad} not 200` : ''})  JS is ${ratio}x faster`,
    );
  }
  console.log(`  domain / python floor: ${(r['python floor'].rps / r.domain.rps).toFixed(2)}x the time per request`);
  console.log(`  analytics on / off: ${(r['domain, no analytics'].rps / r.domain.rps).toFixed(3)}x the time per request (p50 ${(r.domain.p50 / r['domain, no analytics'].p50).toFixed(3)}x)`);
}
console.log(`\ndomain worker's Pyodide memory after the run: ${(mem / 2 ** 20).toFixed(1)} MiB`);
await lane.drain();
const stored = path.join(tmp, 'state', 'analytics', 'smartpages_views.jsonl');
const points = fs.existsSync(stored) ? fs.readFileSync(stored, 'utf8').split('\n').filter(Boolean).length : 0;
console.log(`analytics data points written by the domain worker: ${points} (page views only; the asset is not a view)`);
for (const s of servers) s.close();
agent.destroy();
await lane.stop();
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(0);
