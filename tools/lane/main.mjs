#!/usr/bin/env node
// The runtime lane's CLI: start every staged worker, serve the public ones over HTTP.
//
//   node tools/lane/main.mjs [--build build] [--state .state/lane] [--cache .cache/lane]
//        [--port-core 8787] [--port-domain 8788] [--admin-port 0] [--no-snapshot] [--scheme http]
//
// Prints `lane ready core=http://127.0.0.1:8787 domain=http://127.0.0.1:8788 ...` on stdout
// once every worker has loaded and every D1 migration is applied.

import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { D1Bridge, R2Bucket, resourceKey } from './bindings.mjs';
import { Lane, REPO, WorkersRefused } from './lane.mjs';
import { edgeCompressed, matchAsset, sendWebResponse, toWebRequest, withLocalFrameSrc, workerFirst } from './web.mjs';

const PUBLIC = { core: 8787, domain: 8788 }; // workers reachable from the internet (README.md's table)

const { values: opts } = parseArgs({
  options: {
    build: { type: 'string', default: path.join(REPO, 'build') },
    state: { type: 'string', default: path.join(REPO, '.state/lane') },
    cache: { type: 'string', default: path.join(REPO, '.cache/lane') },
    host: { type: 'string', default: '127.0.0.1' },
    'port-core': { type: 'string', default: String(PUBLIC.core) },
    'port-domain': { type: 'string', default: String(PUBLIC.domain) },
    'admin-port': { type: 'string' },
    'no-snapshot': { type: 'boolean', default: false },
    scheme: { type: 'string', default: 'http' },
    plan: { type: 'string', default: 'paid' }, // the Workers plan whose limits apply: paid | free
    var: { type: 'string', multiple: true, default: [] }, // --var core:PORTAL_ORIGIN=http://…
  },
});

const vars = {};
for (const spec of opts.var) {
  const m = spec.match(/^([a-z]+):([A-Z][A-Z0-9_]*)=(.*)$/s);
  if (!m) throw new Error(`--var ${spec}: expected worker:NAME=value`);
  (vars[m[1]] ??= {})[m[2]] = m[3];
}

const log = (m) => process.stderr.write(`lane: ${m}\n`);
const lane = new Lane({ build: opts.build, state: opts.state, cache: opts.cache, snapshot: !opts['no-snapshot'], vars, plan: opts.plan, log });

// One HTTP front door per public worker: assets first where [assets] says so, then Default.fetch.
function serveWorker(w, port) {
  const assets = w.config.assets;
  const assetsDir = assets ? path.resolve(w.dir, assets.directory ?? 'public') : null;
  const server = http.createServer(async (req, res) => {
    try {
      const request = await toWebRequest(req, { scheme: opts.scheme });
      let response = null;
      if (assets && !workerFirst(assets, new URL(request.url).pathname)) {
        const localFrameSrc = vars[w.short]?.LOCAL_FRAME_SRC ?? w.secrets.values.LOCAL_FRAME_SRC;
        response = withLocalFrameSrc(matchAsset(assetsDir, assets, request, { hasWorker: true }), localFrameSrc);
      }
      response ??= await lane.dispatchFetch(w, request);
      await sendWebResponse(res, edgeCompressed(req.headers['accept-encoding'], response), req.method);
    } catch (e) {
      failed(res, w, e);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), opts.host, () => resolve(server));
  });
}

// workerd answers an uncaught exception with a bare 500 and logs the error; Cloudflare answers a
// request that went over its CPU or memory limit with 503 (error 1102).
function failed(res, w, e) {
  const overLimit = e?.name === 'LimitExceeded';
  log(`[${w.short}] ${overLimit ? 'request ended' : 'uncaught exception'}: ${e?.message ?? e}`);
  if (!res.headersSent) res.writeHead(overLimit ? 503 : 500, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(overLimit ? 'Error 1102: Worker exceeded resource limits' : 'Internal Server Error');
}

// Test-only admin endpoint (opt-in): GET /imports -> per-worker import report (see README);
// ANY /fetch/<worker>/<path> -> that worker's Default.fetch directly, even an internal one, so tests
// can show that internal workers refuse calls that did not come through core.
function serveAdmin(port) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (await lane.cron.door(url, res)) return;
    const door = url.pathname.match(/^\/fetch\/([a-z]+)(\/.*)$/);
    if (door) {
      const w = [...lane.workers.values()].find((x) => x.short === door[1]);
      if (!w) return res.writeHead(404).end();
      req.url = door[2] + url.search;
      try {
        return await sendWebResponse(res, await lane.dispatchFetch(w, await toWebRequest(req)), req.method);
      } catch (e) {
        return failed(res, w, e);
      }
    }
    const put = url.pathname.match(/^\/r2\/([^/]+)\/(.+)$/);
    if (put && (req.method === 'GET' || req.method === 'DELETE')) {
      // Reads an object as stored, or loses it as a fault would (tests of publish healing).
      const bucket = new R2Bucket(lane.mf.laneBridge, resourceKey('R2', put[1])); // as the workers' bindings do
      const key = decodeURIComponent(put[2]);
      if (req.method === 'DELETE') return (await bucket.delete(key), res.writeHead(204).end());
      const object = await bucket.get(key);
      if (!object) return res.writeHead(404).end();
      const type = object.httpMetadata?.contentType ?? 'application/octet-stream';
      return res.writeHead(200, { 'content-type': type }).end(Buffer.from(await object.arrayBuffer()));
    }
    if (put && req.method === 'PUT') {
      // Seeds an object the product could not upload (e.g. larger than the upload limit).
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const bucket = new R2Bucket(lane.mf.laneBridge, resourceKey('R2', put[1])); // as the workers' bindings do
      // Without a Content-Type the object is stored without one, as an S3 client or the dashboard may.
      const contentType = req.headers['content-type'];
      const httpMetadata = contentType ? { contentType } : {};
      await bucket.put(decodeURIComponent(put[2]), new Uint8Array(Buffer.concat(chunks)), { httpMetadata });
      return res.writeHead(204).end();
    }
    const d1 = url.pathname.match(/^\/d1\/([^/]+)$/);
    if (d1 && req.method === 'POST') {
      // Runs statements on a database as stored, outside any worker call (not metered): seeding
      // for scale tests and benchmarks. Body {"statements": [[sql, params], ...]}, one batch.
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const { statements } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      try {
        const results = await new D1Bridge(lane.mf.laneBridge, resourceKey('D1', decodeURIComponent(d1[1]))).batch(statements);
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
      } catch (e) {
        return res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(e?.message ?? e) }));
      }
    }
    const rpc = url.pathname.match(/^\/durable-objects\/([^/]+)\/([^/]+)\/([^/]+)\/([A-Za-z_][A-Za-z0-9_]*)$/);
    if (rpc && req.method === 'POST') {
      // An RPC call into the object named <name> of <script>/<class>, as a stub would make it (the
      // object's event metered as its own invocation): body {"args": [...]}, answer {"result": ...}.
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const [script, className, name, method] = rpc.slice(1, 5).map(decodeURIComponent);
      const json = (status, value) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      try {
        const { args = [] } = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        const result = await lane.durable.call(script, className, name, method, args);
        return json(200, { result: result ?? null });
      } catch (e) {
        return json(e?.name === 'NotFound' ? 404 : 400, { error: String(e?.message ?? e) });
      }
    }
    let body;
    if (url.pathname === '/imports') body = lane.importReport();
    else if (url.pathname === '/memory') body = Object.fromEntries([...lane.workers.values()].map((w) => [w.short, w.memory()]));
    else if (url.pathname === '/files') body = Object.fromEntries([...lane.workers.values()].map((w) => [w.short, w.files]));
    else if (url.pathname === '/limits') body = lane.figures.report();
    else if (url.pathname === '/timings') body = Object.fromEntries([...lane.workers.values()].map((w) => [w.short, w.timings]));
    else if (url.pathname === '/durable-objects') body = lane.durable.report();
    else if (url.pathname === '/drain') body = (await lane.drain(), { drained: true });
    else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...body, ...(url.pathname === '/timings' ? { lane: lane.timings } : {}) }));
  });
  return new Promise((resolve) => server.listen(Number(port), opts.host, () => resolve(server)));
}

const servers = [];
let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  for (const s of servers) s.close();
  try {
    await lane.stop();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  await lane.start();
  const urls = [];
  for (const [short, def] of Object.entries(PUBLIC)) {
    const w = [...lane.workers.values()].find((x) => x.short === short);
    if (!w) continue;
    const port = opts[`port-${short}`] ?? def;
    const s = await serveWorker(w, port);
    servers.push(s);
    urls.push(`${short}=http://${opts.host}:${s.address().port}`);
  }
  if (opts['admin-port'] !== undefined) {
    const s = await serveAdmin(opts['admin-port']);
    servers.push(s);
    urls.push(`admin=http://${opts.host}:${s.address().port}`);
  }
  const loads = [...lane.workers.values()].map((w) => `${w.short}:${Math.round(w.timings.loadMs)}ms`).join(' ');
  log(`started in ${Math.round(lane.timings.startMs)} ms (${loads})`);
  process.stdout.write(`lane ready ${urls.join(' ')}\n`);
} catch (e) {
  log(`failed to start: ${e instanceof WorkersRefused ? e.message : (e?.stack ?? e)}`);
  await lane.stop().catch(() => {});
  process.exit(1);
}
