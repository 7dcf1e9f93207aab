// Durable Objects on the lane, for Python Workers: a wrangler.toml `[[durable_objects.bindings]]`
// (name, class_name, optional script_name) whose class a `[[migrations]]` entry created
// (`new_sqlite_classes`, or `new_classes` for the key-value backend) gives the worker an env
// binding shaped like workerd's DurableObjectNamespace. The class is the Python class of that
// worker's main module (a `workers.DurableObject` subclass), constructed once per id with
// (ctx, env) as workerd's python-entrypoint-helper does, and called through the same SDK code.
//
// - One live instance per id for as long as the lane runs (never evicted; a fatal Pyodide error
//   that replaces the worker's isolate drops its objects' instances, as on Cloudflare).
// - Input gate: an object's events (RPC calls, `fetch`, `alarm`) start in arrival order, one at a
//   time, and the next one only while every running event awaits an outbound call (a fetch, a
//   binding, another object), never while one awaits the object's storage or computes;
//   `ctx.blockConcurrencyWhile(fn)` holds delivery until `fn` settles. See README.md.
// - Storage: one SQLite file per object under `<state>/durable-objects/<script>/<class>/<id>.sqlite`
//   (Node's built-in node:sqlite), `ctx.storage.sql.exec` with workerd's cursor API, its error
//   messages (SQLite's message + `: SQLITE_<CODE>`), its refusals (`_cf_` names, BEGIN/SAVEPOINT)
//   and Cloudflare's documented SQL limits; alarms kept in the object's `_cf_METADATA` table and
//   an index under the state folder, fired by the lane (also after a restart), retried on failure.
// - Metering: a stub call is a subrequest of the caller (and holds one of its connections);
//   each event the object handles is its own invocation with its own meter (limits.mjs).

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { splitSql } from './bindings.mjs';
import v8 from 'node:v8';
import { outbound } from './limits.mjs';

// node:sqlite is "experimental" in Node 22 and says so once on stderr; the lane logs enough.
const { DatabaseSync } = await (async () => {
  const emit = process.emitWarning;
  process.emitWarning = (w, ...rest) => (String(w).includes('SQLite') ? undefined : emit.call(process, w, ...rest));
  try {
    return await import('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
})();

// developers.cloudflare.com/durable-objects/platform/limits/ (SQLite-backed objects).
export const DO_LIMITS = {
  objectBytes: 10 * 2 ** 30, // storage per Durable Object: 10 GB
  valueBytes: 2 * 2 ** 20, // maximum string, BLOB or table row size: 2 MB
  statementBytes: 100 * 1024, // maximum SQL statement length: 100 KB
  boundParameters: 100, // maximum bound parameters per query
  columns: 100, // maximum columns per table
};

// Alarm retries: Cloudflare retries a failed alarm() with exponential backoff starting at 2 s,
// up to 6 times.
const ALARM_RETRIES = 6;

const SQLITE_CODES = {
  1: 'SQLITE_ERROR', 4: 'SQLITE_ABORT', 13: 'SQLITE_FULL', 18: 'SQLITE_TOOBIG', 19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH', 23: 'SQLITE_AUTH', 25: 'SQLITE_RANGE',
};

// workerd's message for an SQLite failure: sqlite3_errmsg + ": " + the code's name.
function sqlError(message, code) {
  return new Error(`${message}: ${SQLITE_CODES[code] ?? `SQLITE_ERROR`}`);
}

const TRANSACTION_MESSAGE =
  'To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will automatically roll back on exceptions, and because it interacts correctly with Durable Objects\' automatic atomic write coalescing.';

// What Cloudflare answers when a key-value-backed class (`new_classes`) reads `storage.sql`.
const SQL_DISABLED_MESSAGE =
  'This Durable Object is not backed by SQLite storage, so the SQL API is not available. SQL can be enabled on a new Durable Object class by using the `new_sqlite_classes` instead of `new_classes` under `[[migrations]]` in your wrangler.toml, but an already-deployed class cannot be converted to SQLite (except by deleting the existing data).';

// ---------------------------------------------------------------------------------------------
// Configuration: which classes the migrations declare, and the start-up refusals.

// The Durable Object classes a worker's `[[migrations]]` leave declared, in order:
// className -> { sqlite }.
export function migratedClasses(config) {
  const classes = new Map();
  for (const m of config.migrations ?? []) {
    for (const c of m.new_classes ?? []) classes.set(c, { sqlite: false });
    for (const c of m.new_sqlite_classes ?? []) classes.set(c, { sqlite: true });
    for (const r of m.renamed_classes ?? []) {
      if (classes.has(r.from)) classes.set(r.to, classes.get(r.from));
      classes.delete(r.from);
    }
    for (const c of m.deleted_classes ?? []) classes.delete(c);
  }
  return classes;
}

// Refuses what Cloudflare's deploy refuses (wording from its API errors): a binding to a class no
// migration created (10061), a migrated class the main module does not export, a binding to an
// unknown script. `exported(worker)` lists the DurableObject subclasses its main module exports
// (workerd's introspection.collect_classes).
export function checkDurableObjects(workers, exported) {
  const byName = new Map(workers.map((w) => [w.name, w]));
  for (const w of workers) {
    const classes = migratedClasses(w.config);
    const mine = new Set(exported(w));
    for (const c of classes.keys()) {
      if (!mine.has(c)) {
        throw new Error(`${w.short}: Cannot apply new-class migration to class '${c}' that is not exported by script (the main module exports no DurableObject subclass named ${c})`);
      }
    }
    for (const b of w.config.durable_objects?.bindings ?? []) {
      const owner = b.script_name ? byName.get(b.script_name) : w;
      if (!owner) throw new Error(`${w.short}: Durable Object binding ${b.name} refers to script '${b.script_name}', which is not on this lane`);
      if (!migratedClasses(owner.config).has(b.class_name)) {
        throw new Error(
          `${w.short}: Cannot create binding for class '${b.class_name}' because it is not currently configured to implement Durable Objects. Ensure a --new-class migration has been applied to it. [code: 10061] (add it to new_sqlite_classes in a [[migrations]] entry of ${owner.short}'s wrangler.toml)`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ids, as workerd's ActorIdFactoryImpl makes them: 16 bytes (HMAC of the name, or random) then
// the first 16 bytes of an HMAC of those under the namespace's key; 64 hex digits.

export class DurableObjectId {
  constructor(hex, name) {
    this._hex = hex;
    this._name = name;
  }
  // A getter, as workerd's: `undefined` (Python: None) for an id not made from a name.
  get name() {
    return this._name;
  }
  toString() {
    return this._hex;
  }
  equals(other) {
    return other instanceof DurableObjectId && other._hex === this._hex;
  }
}

class IdFactory {
  constructor(uniqueKey) {
    this.key = crypto.createHash('sha256').update(uniqueKey).digest();
  }
  mac(base) {
    return crypto.createHmac('sha256', this.key).update(base).digest().subarray(0, 16);
  }
  fromBase(base, name) {
    return new DurableObjectId(Buffer.concat([base, this.mac(base)]).toString('hex'), name);
  }
  fromName(name) {
    return this.fromBase(crypto.createHmac('sha256', this.key).update(String(name)).digest().subarray(0, 16), String(name));
  }
  unique() {
    return this.fromBase(crypto.randomBytes(16));
  }
  fromString(str, name) {
    str = String(str);
    if (!/^[0-9a-fA-F]{64}$/.test(str)) throw new TypeError('Invalid Durable Object ID: must be 64 hex digits');
    const bytes = Buffer.from(str, 'hex');
    if (!this.mac(bytes.subarray(0, 16)).equals(bytes.subarray(16))) throw new TypeError('Durable Object ID is not valid for this namespace.');
    return new DurableObjectId(str.toLowerCase(), name);
  }
}

// ---------------------------------------------------------------------------------------------
// Storage: the object's SQLite file.

function byteLength(v) {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return v.byteLength;
  return 0;
}

function bindValue(v) {
  if (v === undefined || v === null) return null;
  // workerd's bindings are OneOf<bytes, string, double> (api/sql.h), unwrapped by Web IDL's union
  // rules (jsg/value.h, OneOfWrapper): a boolean, with no boolean member, becomes a string.
  if (typeof v === 'boolean') return String(v);
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return v;
  throw new TypeError(`Failed to execute 'exec' on 'SqlStorage': parameter of type ${v?.constructor?.name ?? typeof v} cannot be bound`);
}

// BLOBs come back as ArrayBuffer, as workerd's wrapSqlValue returns them.
function rowValue(v) {
  return v instanceof Uint8Array ? v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) : v;
}

const TRANSACTION_STATEMENT = /^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const RESERVED_NAME = /(^|[^A-Za-z0-9_])_cf_/i;

export class ObjectStore {
  constructor(file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.file = file;
    this.db = new DatabaseSync(file);
    const pageSize = this.db.prepare('PRAGMA page_size').get().page_size;
    this.db.exec(`PRAGMA max_page_count = ${Math.floor(DO_LIMITS.objectBytes / pageSize)}`);
    this.db.exec('CREATE TABLE IF NOT EXISTS _cf_METADATA (key TEXT PRIMARY KEY, value)');
    this.db.exec('CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID');
    this.totalChanges = this.db.prepare('SELECT total_changes() AS n');
  }

  close() {
    this.db.close();
  }

  meta(key) {
    return this.db.prepare('SELECT value FROM _cf_METADATA WHERE key = ?').get(key)?.value ?? null;
  }
  setMeta(key, value) {
    if (value === null) this.db.prepare('DELETE FROM _cf_METADATA WHERE key = ?').run(key);
    else this.db.prepare('INSERT OR REPLACE INTO _cf_METADATA (key, value) VALUES (?, ?)').run(key, value);
  }

  // workerd: pages in use (page_count - freelist_count) times the page size.
  databaseSize() {
    const { n } = this.db.prepare('SELECT (SELECT * FROM pragma_page_count) - (SELECT * FROM pragma_freelist_count) AS n').get();
    return n * this.db.prepare('PRAGMA page_size').get().page_size;
  }

  // ctx.storage.sql.exec(query, ...bindings): every statement runs now; the last one's rows are
  // the cursor's. Only the last statement may take parameters, as in workerd.
  exec(query, bindings) {
    query = String(query);
    if (Buffer.byteLength(query) > DO_LIMITS.statementBytes) throw sqlError('statement too long', 18);
    if (bindings.length > DO_LIMITS.boundParameters) throw sqlError('too many SQL variables', 1);
    if (bindings.some((b) => byteLength(b) > DO_LIMITS.valueBytes)) throw sqlError('string or blob too big', 18);
    if (RESERVED_NAME.test(query.replace(/'(?:[^']|'')*'/g, "''"))) throw sqlError('not authorized', 23);
    const statements = splitSql(query);
    if (!statements.length) throw new Error('SQL code did not contain a statement.');
    // A table past 100 columns is undone (Cloudflare's SQLite refuses it up front).
    const shaping = /\b(CREATE|ALTER)\s+TABLE\b/i.test(query);
    if (shaping) this.db.exec('SAVEPOINT lane_shape');
    try {
      const result = this.run(statements, bindings);
      if (shaping) this.checkColumns();
      return result;
    } catch (e) {
      if (shaping) this.db.exec('ROLLBACK TO lane_shape');
      throw e;
    } finally {
      if (shaping) this.db.exec('RELEASE lane_shape');
    }
  }

  run(statements, bindings) {
    const params = bindings.map(bindValue);
    const before = this.totalChanges.get().n;
    let rows = [];
    let columnNames = [];
    let rowsRead = 0;
    statements.forEach((sql, i) => {
      if (TRANSACTION_STATEMENT.test(sql)) throw new Error(TRANSACTION_MESSAGE);
      const last = i === statements.length - 1;
      let stmt;
      try {
        stmt = this.db.prepare(sql);
        const columns = stmt.columns();
        if (columns.length) {
          rows = stmt.all(...(last ? params : []));
          columnNames = columns.map((c) => c.name);
          rowsRead += rows.length;
        } else {
          stmt.run(...(last ? params : []));
          if (last) {
            rows = [];
            columnNames = [];
          }
        }
      } catch (e) {
        if (e?.errcode === 25) throw new Error('Wrong number of parameter bindings for SQL query.'); // SQLITE_RANGE
        if (e?.code === 'ERR_SQLITE_ERROR') throw sqlError(e.message, e.errcode);
        throw e;
      }
    });
    const rowsWritten = this.totalChanges.get().n - before;
    return { rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, rowValue(v)]))), columnNames, rowsRead, rowsWritten };
  }

  checkColumns() {
    for (const { name } of this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()) {
      const n = this.db.prepare('SELECT count(*) AS n FROM pragma_table_info(?)').get(name).n;
      if (n > DO_LIMITS.columns) throw sqlError(`too many columns on ${name}`, 1);
    }
  }

  // The key-value API of SQLite-backed objects (values structured-cloned, as workerd does).
  kvGet(key) {
    const row = this.db.prepare('SELECT value FROM _cf_KV WHERE key = ?').get(String(key));
    return row ? deserialize(row.value) : undefined;
  }
  kvPut(key, value) {
    const bytes = serialize(value);
    if (Buffer.byteLength(String(key)) + bytes.byteLength > DO_LIMITS.valueBytes) throw new RangeError('Values cannot be larger than 2097152 bytes.');
    this.db.prepare('INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?, ?)').run(String(key), bytes);
  }
  kvDelete(key) {
    return this.db.prepare('DELETE FROM _cf_KV WHERE key = ?').run(String(key)).changes > 0;
  }
  kvList({ prefix = '', limit } = {}) {
    const rows = this.db.prepare('SELECT key, value FROM _cf_KV WHERE substr(key, 1, length(?)) = ? ORDER BY key').all(prefix, prefix);
    return new Map(rows.slice(0, limit ?? rows.length).map((r) => [r.key, deserialize(r.value)]));
  }
  deleteAll() {
    for (const { name } of this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite_%'").all()) {
      this.db.exec(`DROP TABLE IF EXISTS "${name.replace(/"/g, '""')}"`);
    }
    this.db.exec('DELETE FROM _cf_KV');
  }
}

const serialize = (v) => new Uint8Array(v8.serialize(v));
const deserialize = (b) => v8.deserialize(Buffer.from(b));

// ---------------------------------------------------------------------------------------------
// The JS objects Python sees, named like workerd's (the SDK picks wrappers by constructor.name:
// `DurableObjectNamespace` -> _DurableObjectNamespaceWrapper, `DurableObjectStorage` ->
// _BindingWrapper).

export class SqlStorageCursor {
  constructor({ rows, columnNames, rowsRead, rowsWritten }) {
    this._rows = rows;
    this._next = 0;
    this.columnNames = columnNames;
    this.rowsRead = rowsRead;
    this.rowsWritten = rowsWritten;
  }
  next() {
    if (this._next >= this._rows.length) return { done: true, value: undefined };
    return { done: false, value: this._rows[this._next++] };
  }
  [Symbol.iterator]() {
    return this;
  }
  toArray() {
    const out = this._rows.slice(this._next);
    this._next = this._rows.length;
    return out;
  }
  one() {
    const rest = this.toArray();
    if (rest.length === 0) throw new Error('Expected exactly one result from SQL query, but got no results.');
    if (rest.length > 1) throw new Error('Expected exactly one result from SQL query, but got multiple results.');
    return rest[0];
  }
  raw() {
    const names = this.columnNames;
    return this.toArray().map((r) => names.map((n) => r[n]))[Symbol.iterator]();
  }
}

export class SqlStorage {
  constructor(store) {
    this._store = store;
  }
  exec(query, ...bindings) {
    return new SqlStorageCursor(this._store().exec(query, bindings));
  }
  get databaseSize() {
    return this._store().databaseSize();
  }
  // workerd's own test hook (behind its experimental flag): lowers the 10 GB cap to `count` pages.
  setMaxPageCountForTest(count) {
    this._store().db.exec(`PRAGMA max_page_count = ${Math.trunc(Number(count))}`);
  }
}

export class DurableObjectStorage {
  constructor(object) {
    this._object = object;
    this._sql = new SqlStorage(() => object.store());
  }
  get sql() {
    if (!this._object.namespace.info.sqlite) throw new Error(SQL_DISABLED_MESSAGE);
    return this._sql;
  }
  async get(keys) {
    const s = this._object.store();
    return Array.isArray(keys) ? new Map(keys.map((k) => [k, s.kvGet(k)]).filter(([, v]) => v !== undefined)) : s.kvGet(keys);
  }
  async put(keyOrEntries, value) {
    const s = this._object.store();
    if (typeof keyOrEntries === 'object' && keyOrEntries !== null) for (const [k, v] of Object.entries(keyOrEntries)) s.kvPut(k, v);
    else s.kvPut(keyOrEntries, value);
  }
  async delete(keys) {
    const s = this._object.store();
    return Array.isArray(keys) ? keys.filter((k) => s.kvDelete(k)).length : s.kvDelete(keys);
  }
  async list(options) {
    return this._object.store().kvList(options ?? {});
  }
  async deleteAll() {
    this._object.store().deleteAll();
  }
  transactionSync(fn) {
    const db = this._object.store().db;
    db.exec('SAVEPOINT lane_txn');
    try {
      const result = fn();
      db.exec('RELEASE lane_txn');
      return result;
    } catch (e) {
      db.exec('ROLLBACK TO lane_txn');
      db.exec('RELEASE lane_txn');
      throw e;
    }
  }
  async sync() {}
  async getAlarm() {
    return this._object.getAlarm();
  }
  async setAlarm(scheduledTime) {
    const ms = scheduledTime instanceof Date ? scheduledTime.getTime() : Number(scheduledTime);
    if (!Number.isFinite(ms)) throw new TypeError('setAlarm() requires a Date or a number of milliseconds since the epoch');
    this._object.setAlarm(ms);
  }
  async deleteAlarm() {
    this._object.setAlarm(null);
  }
}

export class DurableObjectState {
  constructor(object) {
    this._object = object;
    this.id = object.id;
    this.storage = new DurableObjectStorage(object);
    this.props = {};
  }
  waitUntil(p) {
    this._object.worker.trackWaitUntil(p);
  }
  blockConcurrencyWhile(callback) {
    const done = (async () => await callback())();
    this._object.block(done);
    return done;
  }
  abort(reason) {
    this._object.reset(reason);
  }
  acceptWebSocket() {
    throw new Error('lane: WebSocket hibernation is not simulated');
  }
  getWebSockets() {
    return [];
  }
}

// One object: its id, its storage, its live Python instance, its event queue (the input gate).
class LiveObject {
  constructor(namespace, id) {
    this.namespace = namespace;
    this.worker = namespace.worker;
    this.id = id;
    this.queue = []; // events waiting at the input gate
    this.running = 0; // events started and not finished
    this.parked = 0; // of those, how many await an outbound call (fetch, a binding, another object)
    this.blockers = new Set(); // blockConcurrencyWhile work in flight
    this.instance = null;
  }

  store() {
    if (!this._store) {
      this._store = new ObjectStore(this.namespace.file(this.id));
      if (this.id.name !== undefined) this._store.setMeta('name', this.id.name);
    }
    return this._store;
  }

  // The input gate: events start in arrival order, one at a time, and only while every event
  // already running is parked on an outbound call (workerd lets the next event in while one
  // awaits I/O that is not the object's storage) and no blockConcurrencyWhile work is in flight.
  // Storage calls and timers keep it closed (workerd opens it for timers: stricter here).
  get gateOpen() {
    return this.blockers.size === 0 && this.running === this.parked;
  }

  deliver(work) {
    return new Promise((resolve, reject) => {
      this.queue.push({ work, resolve, reject });
      this.admit();
    });
  }

  admit() {
    while (this.queue.length && this.gateOpen) {
      const { work, resolve, reject } = this.queue.shift();
      this.running += 1;
      (async () => await work())()
        .then(resolve, reject)
        .finally(() => {
          this.running -= 1;
          this.admit();
        });
    }
  }

  // limits.mjs `outbound`: an event of this object awaits (+1) or got back (-1) an outbound call.
  // The gate closes again as the call settles, before the event's code resumes.
  park(delta) {
    this.parked += delta;
    if (delta > 0) this.admit();
  }

  block(promise) {
    this.blockers.add(promise);
    promise
      .catch(() => {})
      .finally(() => {
        this.blockers.delete(promise);
        this.admit();
      });
  }

  // Work blockConcurrencyWhile started (e.g. in the constructor) ends before the event proceeds.
  async unblocked() {
    while (this.blockers.size) await Promise.allSettled([...this.blockers]);
  }

  // The Python instance, created on the first event (and again after an abort or a replaced isolate).
  pyInstance() {
    if (this.instance && this.generation === this.worker.replaced) return this.instance;
    this.generation = this.worker.replaced;
    const cls = this.worker.main[this.namespace.className];
    this.state = new DurableObjectState(this);
    this.instance = cls(this.state, this.worker.env);
    return this.instance;
  }

  reset(reason) {
    this.namespace.log(`${this.namespace.className} ${this.id}: aborted (${reason ?? 'no reason'}); the next event constructs it again`);
    this.instance = null;
  }

  getAlarm() {
    const v = this.store().meta('alarm');
    return v === null ? null : Number(v);
  }

  setAlarm(ms) {
    this.store().setMeta('alarm', ms);
    this.namespace.alarms.set(this, ms);
  }
}

class DurableNamespace {
  constructor(registry, worker, className, info) {
    Object.assign(this, { registry, worker, className, info, log: registry.log });
    this.ids = new IdFactory(`${worker.name}-${className}`);
    this.objects = new Map(); // id hex -> LiveObject
    this.dir = path.join(registry.dir, safe(worker.name), safe(className));
    this.alarms = registry.alarms.forNamespace(this);
  }
  file(id) {
    return path.join(this.dir, `${id}.sqlite`);
  }
  object(id) {
    let o = this.objects.get(id.toString());
    if (!o) {
      o = new LiveObject(this, id);
      this.objects.set(id.toString(), o);
    }
    return o;
  }
  // An event into the object, metered as its own invocation.
  async call(id, method, args, route) {
    const o = this.object(id);
    return await o.deliver(() => this.worker.callDurable(o, method, args, `${this.className}.${route ?? method}`));
  }
}

const safe = (s) => String(s).replace(/[^A-Za-z0-9_.-]/g, '_');

// The binding Python sees as `env.<NAME>`.
export class DurableObjectNamespace {
  constructor(ns) {
    this._ns = ns;
  }
  idFromName(name) {
    return this._ns.ids.fromName(name);
  }
  newUniqueId(options) {
    if (options?.jurisdiction) throw new Error('Jurisdiction restrictions are not implemented in workerd.');
    return this._ns.ids.unique();
  }
  idFromString(str) {
    return this._ns.ids.fromString(str);
  }
  get(id) {
    if (!(id instanceof DurableObjectId)) throw new TypeError("Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of type 'DurableObjectId'.");
    // An id from another namespace is refused, as workerd does.
    this._ns.ids.fromString(id.toString());
    return stub(this._ns, id);
  }
  getByName(name) {
    return this.get(this.idFromName(name));
  }
  jurisdiction() {
    throw new Error('Jurisdiction restrictions are not implemented in workerd.');
  }
}

// workerd's stub class is named DurableObject; the SDK wraps it as a Fetcher (fetch + RPC).
class DurableObject {
  constructor(ns, id) {
    this.id = id;
    this.name = id.name;
    this._ns = ns;
  }
  async fetch(input, init) {
    const request = new Request(input, init);
    return await outbound('subrequests', async () => {
      const res = await this._ns.call(this.id, 'fetch', [request], `fetch ${request.method} ${new URL(request.url).pathname}`);
      if (!(res instanceof Response)) throw new TypeError(`${this._ns.className}.fetch did not return a Response`);
      return res;
    });
  }
}

function cloned(v) {
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}

function stub(ns, id) {
  return new Proxy(new DurableObject(ns, id), {
    get(t, prop, receiver) {
      if (typeof prop !== 'string' || prop in t) return Reflect.get(t, prop, receiver);
      if (prop === 'then' || prop === 'toJSON') return undefined;
      return (...args) => outbound('subrequests', async () => cloned(await ns.call(id, prop, args.map(cloned))));
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Alarms: `<state>/durable-objects/alarms.json` lists every object with an alarm, so a lane
// started on the same state fires what is due (late ones at once), without opening every file.

class Alarms {
  constructor(registry) {
    this.registry = registry;
    this.file = path.join(registry.dir, 'alarms.json');
    this.index = fs.existsSync(this.file) ? JSON.parse(fs.readFileSync(this.file, 'utf8')) : {};
    this.timers = new Map();
    this.stopped = false;
  }
  forNamespace(ns) {
    return {
      set: (object, ms) => this.set(ns, object, ms),
    };
  }
  key(ns, id) {
    return `${ns.worker.name}/${ns.className}/${id}`;
  }
  save() {
    fs.writeFileSync(`${this.file}.tmp`, JSON.stringify(this.index));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }
  set(ns, object, ms, retry = 0) {
    const key = this.key(ns, object.id);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (ms === null) delete this.index[key];
    else this.index[key] = { at: ms, retry, name: object.id.name };
    this.save();
    if (ms !== null) this.schedule(ns, object.id.toString(), ms);
  }
  schedule(ns, idHex, ms) {
    if (this.stopped) return;
    const key = this.key(ns, idHex);
    clearTimeout(this.timers.get(key));
    const delay = Math.min(Math.max(0, ms - Date.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => this.fire(ns, idHex, ms), delay);
    timer.unref();
    this.timers.set(key, timer);
  }
  // After start: every alarm in the index whose namespace is on this lane.
  resume(namespaces) {
    for (const [key, { at }] of Object.entries(this.index)) {
      const [script, className, idHex] = key.split('/');
      const ns = namespaces.find((n) => n.worker.name === script && n.className === className);
      if (ns) this.schedule(ns, idHex, at);
    }
  }
  async fire(ns, idHex, at) {
    const key = this.key(ns, idHex);
    this.timers.delete(key);
    const entry = this.index[key];
    if (!entry || entry.at !== at || this.stopped) return;
    // workerd keeps the name an object was made with, so ctx.id.name survives into the alarm.
    const object = ns.object(ns.ids.fromString(idHex, entry.name));
    const retryCount = entry.retry ?? 0;
    try {
      await object.deliver(async () => {
        // The alarm is cleared as the handler starts; the handler may set a new one.
        if (object.getAlarm() === at) {
          object.store().setMeta('alarm', null);
          delete this.index[key];
          this.save();
        }
        return await ns.worker.callDurable(object, 'alarm', [{ retryCount, isRetry: retryCount > 0 }], `${ns.className}.alarm`);
      });
      this.registry.record({ worker: ns.worker.short, className: ns.className, id: idHex, at, retryCount, outcome: 'ok' });
    } catch (e) {
      this.registry.record({ worker: ns.worker.short, className: ns.className, id: idHex, at, retryCount, outcome: 'exception' });
      ns.log(`[${ns.worker.short}] ${ns.className} ${idHex}: alarm() failed (${e?.message?.split('\n').slice(-2).join(' ') ?? e})`);
      if (retryCount < ALARM_RETRIES && object.getAlarm() === null) {
        const next = Date.now() + 2000 * 2 ** retryCount;
        object.store().setMeta('alarm', next);
        this.set(ns, object, next, retryCount + 1);
      }
    }
  }
  stop() {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

// The lane's Durable Objects: one namespace per (script, class), shared by every binding to it.
export class DurableObjects {
  constructor(stateDir, log) {
    this.dir = path.join(stateDir, 'durable-objects');
    fs.mkdirSync(this.dir, { recursive: true });
    this.log = log;
    this.namespaces = new Map();
    this.fired = []; // alarms run, for the admin door
    this.alarms = new Alarms(this);
  }

  record(run) {
    this.fired.push(run);
    if (this.fired.length > 1000) this.fired.shift(); // the latest 1,000 runs
  }

  // Every class a worker's migrations declare gets its namespace (alarms may need it).
  register(workers) {
    for (const w of workers) {
      for (const [className, info] of migratedClasses(w.config)) {
        this.namespaces.set(`${w.name}/${className}`, new DurableNamespace(this, w, className, info));
      }
    }
  }

  // Once every env is set: alarms in the state folder are scheduled (overdue ones fire now).
  start() {
    this.alarms.resume([...this.namespaces.values()]);
  }

  binding(w, b, workersByName) {
    const owner = b.script_name ? workersByName.get(b.script_name) : w;
    return new DurableObjectNamespace(this.namespaces.get(`${owner.name}/${b.class_name}`));
  }

  // The admin door's RPC call: method(...args) on the object named `name` of script/className,
  // delivered like a stub's call (through the input gate, metered as the object's own event).
  async call(script, className, name, method, args) {
    const ns = this.namespaces.get(`${script}/${className}`);
    if (!ns) throw Object.assign(new Error(`no Durable Object class ${script}/${className} on this lane`), { name: 'NotFound' });
    return await ns.call(ns.ids.fromName(name), method, args);
  }

  // The admin door's view: per namespace, the live objects and their storage size.
  report() {
    const out = {};
    for (const [key, ns] of this.namespaces) {
      out[key] = {
        live: [...ns.objects.values()].map((o) => ({ id: o.id.toString(), name: o.id.name ?? null, alarm: o._store ? o.getAlarm() : null, databaseSize: o._store ? o._store.databaseSize() : null })),
      };
    }
    return { namespaces: out, alarmsFired: this.fired };
  }

  close() {
    this.alarms.stop();
    for (const ns of this.namespaces.values()) for (const o of ns.objects.values()) o._store?.close();
  }
}

