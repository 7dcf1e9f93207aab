// Bindings for the lane: Miniflare runs the real workerd simulators for D1, R2 and KV (state
// under --state). Its Node proxies (and the D1 bridge) are wrapped in small classes named like workerd's
// (D1Database, R2Bucket, KvNamespace, ...) because the Python SDK decides how to convert a binding
// by `constructor.name`; with the raw proxies (null prototype) it would pass JsProxy objects
// through untouched and Python code would see different types than on Cloudflare.
//
// Every property access or call on a Miniflare proxy is a synchronous round trip to workerd, so D1
// and R2 go through the host worker's Bridge instead (below) and the wrappers keep plain JS values.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// Miniflare is CommonJS: `import` from it makes Node scan its 4.4 MB with the CJS lexer for named
// exports on every start (0.64 s of CPU to load it, against 0.25 s through require).
const require = createRequire(import.meta.url);
const { Miniflare } = require('miniflare');
// Miniflare's own undici (package-lock.json pins one), for the bridge's connection pool.
const { Pool } = createRequire(require.resolve('miniflare'))('undici');

// One JS worker in Miniflare owns every bucket/database/namespace. Binding names there are
// derived from the resource identity, so two Python workers that bind the same bucket_name share
// one bucket, while two `DB` bindings of different databases stay apart.
export function resourceKey(kind, id) {
  return `${kind}_${id}`.replace(/[^A-Za-z0-9_]/g, '_');
}

// D1 goes through a small handler inside workerd (one round trip per statement, results as
// JSON) rather than Miniflare's D1 proxy, which costs a round trip for prepare, bind and run each
// (~3x slower). D1 results are JSON-safe: workerd returns BLOB columns as arrays of numbers.
// R2 goes through it too (head, get, put, delete, list): through the proxy each property of an
// object was a synchronous round trip (~25 ms an object listed, 1.6 s for 60 objects; no CPU, but
// the whole lane stood still meanwhile, 8 s of the editor tests' run). An object's metadata comes
// back as JSON, a body as the reply's raw bytes.
// The lane calls it with an HTTP request of its own (bridgeCall below), never as an RPC method of a
// Miniflare proxy: the proxy makes a method call asynchronous only once one has returned a Promise,
// and a synchronous call's result never is one, so every statement blocked the lane's whole event
// loop (Atomics.wait) while it ran: 18.6 s of the editor tests' 77 s. Nor through Miniflare's
// dispatchFetch or a binding proxy's fetch: both go through undici's fetch (WHATWG requests,
// responses and streams) and close the connection after each request. BridgeClient sends undici's
// plain requests over connections it keeps: 500 D1 statements took 1.05 s of the lane's CPU and
// 0.99 s of workerd's through the binding's fetch, 0.36 s and 0.81 s this way.
// A secret of each start in a header of every bridge request, as Miniflare's proxy has one: another
// process on this machine that finds workerd's loopback port gets the host's placeholder reply.
const BRIDGE_PATH = '/__lane/bridge';
const BRIDGE_SECRET = crypto.randomUUID();
const hostScript = (handlers = '') => `
const json = async (p) => JSON.stringify((await p) ?? null);
function stmt(db, sql, params) {
  const s = db.prepare(sql);
  return params.length ? s.bind(...params) : s;
}
const OPS = new Set(['d1', 'd1batch', 'd1exec', 'r2head', 'r2get', 'r2put', 'r2delete', 'r2list']);
function r2meta(o) {
  return o && {
    key: o.key, version: o.version, size: o.size, etag: o.etag, httpEtag: o.httpEtag,
    checksums: o.checksums?.toJSON?.() ?? {}, uploaded: o.uploaded, httpMetadata: o.httpMetadata ?? {},
    customMetadata: o.customMetadata ?? {}, range: o.range, storageClass: o.storageClass,
  };
}
function revive(key, v) {
  if (v && typeof v === 'object' && typeof v.$bytes === 'string') return Uint8Array.from(atob(v.$bytes), (c) => c.charCodeAt(0));
  if (v && typeof v === 'object' && typeof v.$date === 'string') return new Date(v.$date);
  return v;
}
class Bridge {
  constructor(env) {
    this.env = env;
  }
  async fetch(request) {
    const { op, args } = JSON.parse(await request.text(), revive);
    if (!OPS.has(op)) return new Response('unknown bridge operation', { status: 404 });
    try {
      const out = await this[op](...args);
      return out instanceof Response ? out : new Response(out);
    } catch (e) {
      return Response.json({ name: e?.name ?? 'Error', message: String(e?.message ?? e) }, { status: 500 });
    }
  }
  d1(binding, sql, params, mode, arg) {
    const s = stmt(this.env[binding], sql, params);
    return json(arg === undefined || arg === null ? s[mode]() : s[mode](arg)); // JSON carries undefined as null
  }
  d1batch(binding, statements) {
    const db = this.env[binding];
    return json(db.batch(statements.map(([sql, params]) => stmt(db, sql, params))));
  }
  d1exec(binding, sql) {
    return json(this.env[binding].exec(sql));
  }
  async r2head(binding, key) {
    return JSON.stringify(r2meta(await this.env[binding].head(key)));
  }
  // The body as the reply's bytes, the metadata in a header (null: no object; no body: onlyIf failed).
  async r2get(binding, key, options) {
    const o = await this.env[binding].get(key, options);
    const meta = encodeURIComponent(JSON.stringify(o && { ...r2meta(o), hasBody: 'body' in o }));
    return new Response(o && 'body' in o ? o.body : null, { headers: { 'x-r2-object': meta } });
  }
  async r2put(binding, key, value, options) {
    return JSON.stringify(r2meta(await this.env[binding].put(key, value, options)));
  }
  async r2delete(binding, keys) {
    await this.env[binding].delete(keys);
    return 'null';
  }
  async r2list(binding, options) {
    const page = await this.env[binding].list(options);
    const { truncated, cursor, delimitedPrefixes } = page;
    return JSON.stringify({ objects: page.objects.map(r2meta), truncated, cursor, delimitedPrefixes: delimitedPrefixes ?? [] });
  }
}
export default {
  fetch(request, env) {
    const bridged = request.headers.get('x-lane-bridge') === '${BRIDGE_SECRET}';
    if (bridged && new URL(request.url).pathname === '${BRIDGE_PATH}') return new Bridge(env).fetch(request);
    return new Response('lane bindings host');
  },${handlers}
}
`;

// The host worker's bridge, over connections kept between requests (see hostScript). A reply is
// undici's: { statusCode, headers (lower-case names), body (with text() and arrayBuffer()) }.
class BridgeClient {
  constructor(origin) {
    this.pool = new Pool(origin);
  }
  post(body) {
    return this.pool.request({ path: BRIDGE_PATH, method: 'POST', body, headers: { 'x-lane-bridge': BRIDGE_SECRET } });
  }
  close() {
    return this.pool.close();
  }
}

// `extra`: more of the host worker (queues.mjs: its queue handler, producers, consumers).
export async function startMiniflare(workers, stateDir, extra = {}) {
  const { handlers, serviceBindings, ...options } = extra;
  const r2Buckets = {};
  const d1Databases = {};
  const kvNamespaces = {};
  for (const w of workers) {
    for (const b of w.config.r2_buckets ?? []) r2Buckets[resourceKey('R2', b.bucket_name)] = b.bucket_name;
    for (const d of w.config.d1_databases ?? []) {
      const id = d.database_id ?? d.database_name;
      d1Databases[resourceKey('D1', id)] = id;
    }
    for (const k of w.config.kv_namespaces ?? []) kvNamespaces[resourceKey('KV', k.id ?? k.binding)] = k.id ?? k.binding;
  }
  fs.mkdirSync(stateDir, { recursive: true });
  const mf = new Miniflare({
    name: 'lane-bindings',
    modules: true,
    script: hostScript(handlers),
    compatibilityDate: '2026-07-30',
    r2Buckets,
    d1Databases,
    kvNamespaces,
    serviceBindings,
    defaultPersistRoot: path.resolve(stateDir),
    ...options,
  });
  mf.laneBridge = new BridgeClient((await mf.ready).origin);
  return mf;
}

// One operation of the host worker's Bridge (see hostScript), as JSON over BridgeClient;
// bytes travel as {"$bytes": base64}, dates as {"$date": ISO}. Its error comes back with the same name and message.
async function bridgeCall(bridge, op, args) {
  return JSON.parse(await (await bridgeFetch(bridge, op, args)).body.text());
}

// The same, for an operation whose reply is more than JSON (r2get): the 200 reply itself.
async function bridgeFetch(bridge, op, args) {
  const body = JSON.stringify({ op, args }, function encode(key, v) {
    const raw = this[key]; // before toJSON: a Date (R2's cacheExpiry, onlyIf's uploadedBefore) stays one
    if (raw instanceof Date) return { $date: raw.toISOString() };
    return v instanceof Uint8Array || v instanceof ArrayBuffer ? { $bytes: Buffer.from(v).toString('base64') } : v;
  });
  const reply = await bridge.post(body);
  if (reply.statusCode === 200) return reply;
  const text = await reply.body.text();
  if (reply.statusCode !== 500) throw new Error(`lane: bridge ${op}: ${reply.statusCode} ${text}`);
  const { name, message } = JSON.parse(text);
  const error = new Error(message);
  error.name = name;
  throw error;
}

// One D1 database as seen through the bridge.
export class D1Bridge {
  constructor(bridge, key) {
    this.bridge = bridge;
    this.key = key;
  }
  async run(sql, params, mode, arg) {
    return await bridgeCall(this.bridge, 'd1', [this.key, sql, params, mode, arg]);
  }
  async batch(statements) {
    return await bridgeCall(this.bridge, 'd1batch', [this.key, statements]);
  }
  async exec(sql) {
    return await bridgeCall(this.bridge, 'd1exec', [this.key, sql]);
  }
}

// ---------------------------------------------------------------------------------------------
// D1

export class D1Database {
  constructor(d1Bridge) {
    this._db = d1Bridge;
  }
  prepare(sql) {
    return new D1PreparedStatement(this._db, String(sql), []);
  }
  async batch(statements) {
    return await this._db.batch([...statements].map((s) => [s._sql, s._params]));
  }
  async exec(sql) {
    return await this._db.exec(String(sql));
  }
  async dump() {
    throw new Error('lane: D1 dump() is not simulated');
  }
}

// Immutable like workerd's: bind() returns a new statement.
export class D1PreparedStatement {
  constructor(db, sql, params) {
    this._db = db;
    this._sql = sql;
    this._params = params;
  }
  bind(...values) {
    return new D1PreparedStatement(this._db, this._sql, values.map(d1Value));
  }
  async first(column) {
    return await this._db.run(this._sql, this._params, 'first', column);
  }
  async all() {
    return await this._db.run(this._sql, this._params, 'all');
  }
  async run() {
    return await this._db.run(this._sql, this._params, 'run');
  }
  async raw(options) {
    return await this._db.run(this._sql, this._params, 'raw', options);
  }
}

function d1Value(v) {
  if (v === undefined) return null;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  return v;
}

// Migrations the way wrangler does them: files in name order, each applied once, recorded in
// the `d1_migrations` table (id, name, applied_at).
export async function applyMigrations(db, dir, log) {
  if (!dir || !fs.existsSync(dir)) return [];
  await db.exec(
    'CREATE TABLE IF NOT EXISTS d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);',
  );
  const done = new Set((await db.run('SELECT name FROM d1_migrations', [], 'all')).results.map((r) => r.name));
  const applied = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    if (done.has(file)) continue;
    const statements = splitSql(fs.readFileSync(path.join(dir, file), 'utf8')).map((sql) => [sql, []]);
    statements.push(['INSERT INTO d1_migrations (name) VALUES (?)', [file]]);
    await db.batch(statements); // one transaction per file, like wrangler
    applied.push(file);
    log?.(`migration applied ${file}`);
  }
  return applied;
}

// Split an SQL script into statements: `;` outside quotes and comments, keeping
// CREATE TRIGGER ... BEGIN ... END; together.
export function splitSql(sql) {
  const out = [];
  let cur = '';
  let depth = 0; // BEGIN ... END nesting (triggers)
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    const two = sql.slice(i, i + 2);
    if (two === '--') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      cur += '\n';
      continue;
    }
    if (two === '/*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      while (j < sql.length && !(sql[j] === close && sql[j + 1] !== close)) j += sql[j] === close ? 2 : 1;
      cur += sql.slice(i, j + 1);
      i = j;
      continue;
    }
    if (/[A-Za-z]/.test(c) && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? ' ')) {
      const word = /^[A-Za-z_]+/.exec(sql.slice(i))[0].toUpperCase();
      if (word === 'BEGIN' && /CREATE\s+(TEMP\w*\s+)?TRIGGER/i.test(cur)) depth++;
      if (word === 'END' && depth > 0) depth--;
    }
    if (c === ';' && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

// ---------------------------------------------------------------------------------------------
// R2

const HTTP_METADATA_HEADERS = {
  contentType: 'content-type',
  contentLanguage: 'content-language',
  contentDisposition: 'content-disposition',
  contentEncoding: 'content-encoding',
  cacheControl: 'cache-control',
  cacheExpiry: 'expires',
};

export class R2Bucket {
  constructor(bridge, key) {
    this._bridge = bridge; // the host worker's Bridge (see hostScript)
    this._key = key;
  }
  async head(key) {
    const o = await bridgeCall(this._bridge, 'r2head', [this._key, String(key)]);
    return o ? new R2Object(o) : null;
  }
  async get(key, options) {
    const reply = await bridgeFetch(this._bridge, 'r2get', [this._key, String(key), r2Options(options) ?? {}]);
    const o = JSON.parse(decodeURIComponent(reply.headers['x-r2-object']));
    const bytes = new Uint8Array(await reply.body.arrayBuffer());
    if (!o) return null;
    // Without a body (onlyIf failed) workerd returns an R2Object, otherwise an R2ObjectBody.
    return o.hasBody ? new R2ObjectBody(o, bytes) : new R2Object(o);
  }
  async put(key, value, options) {
    const o = await bridgeCall(this._bridge, 'r2put', [this._key, String(key), await r2Value(value), r2Options(options) ?? {}]);
    return o ? new R2Object(o) : null;
  }
  async delete(keys) {
    await bridgeCall(this._bridge, 'r2delete', [this._key, Array.isArray(keys) ? keys.map(String) : String(keys)]);
  }
  async list(options) {
    const page = await bridgeCall(this._bridge, 'r2list', [this._key, r2Options(options) ?? {}]);
    return {
      objects: page.objects.map((o) => new R2Object(o)),
      truncated: page.truncated,
      ...(page.truncated ? { cursor: page.cursor } : {}),
      delimitedPrefixes: [...(page.delimitedPrefixes ?? [])],
    };
  }
  createMultipartUpload() {
    throw new Error('lane: R2 multipart uploads are not simulated');
  }
}

async function r2Value(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  // Copies into a plain Uint8Array: Miniflare's proxy rejects Node Buffers and Pyodide views.
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof Blob) return new Uint8Array(await value.arrayBuffer());
  if (value instanceof ReadableStream) return new Uint8Array(await new Response(value).arrayBuffer());
  throw new TypeError(`lane: unsupported R2 put value ${value?.constructor?.name}`);
}

function r2Options(options) {
  if (!options || typeof options !== 'object') return options;
  const out = { ...options };
  if (out.httpMetadata instanceof Headers) {
    const h = out.httpMetadata;
    out.httpMetadata = {};
    for (const [k, name] of Object.entries(HTTP_METADATA_HEADERS)) if (h.has(name)) out.httpMetadata[k] = h.get(name);
  }
  if (out.onlyIf instanceof Headers) {
    const h = out.onlyIf;
    out.onlyIf = {};
    if (h.has('if-match')) out.onlyIf.etagMatches = h.get('if-match');
    if (h.has('if-none-match')) out.onlyIf.etagDoesNotMatch = h.get('if-none-match');
  }
  return out;
}

// Metadata is copied once (each field on the proxy would be a round trip).
export class R2Object {
  constructor(o) {
    this.key = o.key;
    this.version = o.version;
    this.size = o.size;
    this.etag = o.etag;
    this.httpEtag = o.httpEtag;
    this.checksums = o.checksums;
    this.uploaded = new Date(o.uploaded);
    this.httpMetadata = { ...(o.httpMetadata ?? {}) };
    if (typeof this.httpMetadata.cacheExpiry === 'string') this.httpMetadata.cacheExpiry = new Date(this.httpMetadata.cacheExpiry); // JSON made it a string
    this.customMetadata = { ...(o.customMetadata ?? {}) };
    this.range = o.range;
    this.storageClass = o.storageClass;
  }
  writeHttpMetadata(headers) {
    for (const [k, name] of Object.entries(HTTP_METADATA_HEADERS)) {
      const v = this.httpMetadata[k];
      if (v !== undefined) headers.set(name, v instanceof Date ? v.toUTCString() : String(v));
    }
  }
}

export class R2ObjectBody extends R2Object {
  constructor(o, bytes) {
    super(o);
    this._bytes = bytes;
    this._used = false;
  }
  get body() {
    const bytes = this._take();
    return new ReadableStream({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    });
  }
  get bodyUsed() {
    return this._used;
  }
  _take() {
    if (this._used) throw new TypeError('Body has already been used. It can only be used once.');
    this._used = true;
    return this._bytes;
  }
  async arrayBuffer() {
    const b = this._take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
  async bytes() {
    return new Uint8Array(this._take());
  }
  async text() {
    return new TextDecoder().decode(this._take());
  }
  async json() {
    return JSON.parse(await this.text());
  }
  async blob() {
    return new Blob([this._take()], { type: this.httpMetadata.contentType ?? '' });
  }
}

// ---------------------------------------------------------------------------------------------
// KV: values are copied like R2 values; results are plain JS values already.

export class KvNamespace {
  constructor(mfKv) {
    this._kv = mfKv;
  }
  async get(key, options) {
    return await this._kv.get(key, options);
  }
  async getWithMetadata(key, options) {
    const r = await this._kv.getWithMetadata(key, options);
    return { value: r.value, metadata: r.metadata, cacheStatus: r.cacheStatus ?? null };
  }
  async put(key, value, options) {
    return await this._kv.put(String(key), await r2Value(value), options);
  }
  async delete(key) {
    return await this._kv.delete(String(key));
  }
  async list(options) {
    const r = await this._kv.list(options);
    return { keys: r.keys.map((k) => ({ ...k })), list_complete: r.list_complete, cursor: r.cursor, cacheStatus: r.cacheStatus ?? null };
  }
}

// ---------------------------------------------------------------------------------------------
// Workers Analytics Engine: `[[analytics_engine_datasets]] binding/dataset`. `writeDataPoint` is
// synchronous and returns nothing, as on workerd (writes are non-blocking: the point is appended
// to `<state>/analytics/<dataset>.jsonl` after the call has returned). The limits are AE's
// (developers.cloudflare.com/analytics/analytics-engine/limits/): up to 20 blobs, 20 doubles and
// 1 index per point, an index of at most 96 bytes, blobs of at most 16 KB together per point, and
// 250 points per invocation; a point over a limit throws a TypeError (workerd's words where
// known: "Maximum of 20 blobs supported.") and nothing is stored. `meterOf` gives the current
// call's meter (limits.mjs) for the per-invocation count; AE writes are not binding operations
// against the 1,000 (they are no I/O the request waits for) and hold no connection.

export const AE_LIMITS = { blobs: 20, doubles: 20, indexes: 1, indexBytes: 96, blobBytes: 16 * 1024, perInvocation: 250 };

// A blob or index as [text kept, its size in bytes] (an ArrayBuffer is kept as its UTF-8 reading).
function aeValue(value, what) {
  if (value === null || value === undefined) return ['', 0];
  if (typeof value === 'string') return [value, Buffer.byteLength(value)];
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return [new TextDecoder().decode(bytes), bytes.byteLength];
  }
  throw new TypeError(`${what} must be a string, an ArrayBuffer or null.`);
}

export class AnalyticsEngineDataset {
  constructor(dataset, file, meterOf) {
    this._dataset = dataset;
    this._file = file;
    this._meterOf = meterOf;
    this._chain = Promise.resolve();
    this._pending = [];
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  writeDataPoint(event = {}) {
    const meter = this._meterOf();
    if (meter?.globalScope) throw new Error('Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), setting a timeout, and generating random values are not allowed within global scope. To fix this error, perform this operation within a handler. https://developers.cloudflare.com/workers/runtime-apis/handlers/');
    const blobs = [...(event.blobs ?? [])];
    const doubles = [...(event.doubles ?? [])];
    const indexes = [...(event.indexes ?? [])];
    if (blobs.length > AE_LIMITS.blobs) throw new TypeError(`Maximum of ${AE_LIMITS.blobs} blobs supported.`);
    if (doubles.length > AE_LIMITS.doubles) throw new TypeError(`Maximum of ${AE_LIMITS.doubles} doubles supported.`);
    if (indexes.length > AE_LIMITS.indexes) throw new TypeError(`Maximum of ${AE_LIMITS.indexes} indexes supported.`);
    const [index, indexSize] = aeValue(indexes[0], 'Index');
    if (indexSize > AE_LIMITS.indexBytes) throw new TypeError(`Index exceeds ${AE_LIMITS.indexBytes} bytes.`);
    const texts = blobs.map((b) => aeValue(b, 'Blob'));
    const total = texts.reduce((n, [, size]) => n + size, 0);
    if (total > AE_LIMITS.blobBytes) throw new TypeError(`Blobs exceed ${AE_LIMITS.blobBytes} bytes in total.`);
    for (const d of doubles) if (typeof d !== 'number') throw new TypeError('Doubles must be numbers.');
    if (meter && !meter.globalScope) {
      meter.aeWrites = (meter.aeWrites ?? 0) + 1;
      if (meter.aeWrites > AE_LIMITS.perInvocation) throw new Error(`Maximum of ${AE_LIMITS.perInvocation} data points per invocation exceeded.`);
    }
    // Kept as given; serialised and appended in batches every 100 ms (as the runtime ships points
    // after the fact, off the request), so a view pays for the checks above and nothing else.
    this._pending.push({ timestamp: Date.now(), index, blobs: texts.map(([text]) => text), doubles });
    if (this._pending.length === 1) setTimeout(() => this._write(), 100).unref();
  }
  _write() {
    const lines = this._pending.splice(0).map((p) =>
      JSON.stringify({ dataset: this._dataset, timestamp: p.timestamp, index1: p.index, blobs: p.blobs, doubles: p.doubles, _sample_interval: 1 }),
    );
    if (lines.length) this._chain = this._chain.then(() => fs.promises.appendFile(this._file, lines.join('\n') + '\n')).catch(() => {});
  }
  async flush() {
    this._write();
    await this._chain;
  }
}
