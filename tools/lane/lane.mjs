// The lane: every worker bundle on its own Pyodide, bindings from Miniflare, service bindings
// between the Python workers, and the static assets of workers that declare [assets].

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnalyticsEngineDataset, D1Bridge, D1Database, KvNamespace, R2Bucket, applyMigrations, resourceKey, startMiniflare } from './bindings.mjs';
import { readWorkers } from './config.mjs';
import { StateLock, Watchdog } from './hygiene.mjs';
import { Meter, PLANS, RouteFigures, installFetchMeter, meterMethods, meterWebCrypto } from './limits.mjs';
import { laneRefusal } from './compat.mjs';
import { PyWorker, buildSnapshot, snapshotKey, survivePyodideFatalErrors } from './pyworker.mjs';
import { Cron } from './cron.mjs';
import { DurableObjects, checkDurableObjects } from './durable.mjs';
import { HOST_QUEUE_HANDLER, QueueJournal, deliverBatch, producerBinding, queueOptions } from './queues.mjs';
import { Fetcher, assetsFetcher, installCaches, installWebGlobals } from './web.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '../..');
// Workers whose start-up failed; each one's error is logged where it failed.
export class WorkersRefused extends Error {
  constructor(workers) {
    super(`${workers.length} worker(s) failed to start: ${workers.join(', ')}`);
    this.name = 'WorkersRefused';
  }
}

export class Lane {
  constructor({ build = path.join(REPO, 'build'), state = path.join(REPO, '.state/lane'), cache = path.join(REPO, '.cache/lane'), snapshot = true, vars = {}, plan = 'paid', log = (m) => process.stderr.write(`lane: ${m}\n`) } = {}) {
    // vars: { worker: { NAME: value } } set last, like `wrangler dev --var` (tests use it for origins).
    Object.assign(this, { buildDir: path.resolve(build), stateDir: path.resolve(state), cacheDir: path.resolve(cache), useSnapshot: snapshot, vars, log });
    if (!PLANS[plan]) throw new Error(`--plan ${plan}: choose ${Object.keys(PLANS).join(' or ')}`);
    this.plan = PLANS[plan];
    this.figures = new RouteFigures(this.plan);
    this.timings = {};
  }

  async start() {
    const t0 = performance.now();
    this.lock = new StateLock(this.stateDir); // before anything opens the state's files
    this.watchdog = new Watchdog();
    survivePyodideFatalErrors();
    installWebGlobals();
    installCaches();
    installFetchMeter();
    meterWebCrypto(globalThis.crypto.subtle);
    const specs = readWorkers(this.buildDir, REPO);
    // A date (or flag) whose Python the lane does not run is refused before anything starts.
    for (const spec of specs) {
      const refusal = laneRefusal(spec.short, spec.config.compatibility_date, spec.config.compatibility_flags);
      if (refusal) throw new Error(refusal);
    }
    // Miniflare (workerd) starts while the interpreters load.
    this.queueJournal = new QueueJournal(this.stateDir);
    const queues = queueOptions(specs, (short, queue, messages) => deliverBatch(this, short, queue, messages));
    this.mfPromise = startMiniflare(specs, this.stateDir, { handlers: HOST_QUEUE_HANDLER, ...queues });

    let snapshot = null;
    if (this.useSnapshot) {
      const file = path.join(this.cacheDir, snapshotKey());
      if (!fs.existsSync(file)) {
        const ts = performance.now();
        await buildSnapshot(file);
        this.timings.snapshotBuildMs = performance.now() - ts;
        this.log(`snapshot built ${path.basename(file)} in ${Math.round(this.timings.snapshotBuildMs)} ms`);
      }
      snapshot = fs.readFileSync(file);
    }

    this.workers = new Map();
    for (const spec of specs) {
      const w = new PyWorker({ ...spec, plan: this.plan, figures: this.figures, log: (m) => this.log(`[${spec.short}] ${m}`) });
      this.workers.set(spec.name, w);
    }
    // Sequential: two cores, and parallel loads only contend for them. Every worker loads even when
    // one fails, and each failure is logged under its worker's name: a deploy refuses each worker on
    // its own, so one start shows every broken worker, not only the first.
    const refused = [];
    for (const w of this.workers.values()) {
      try {
        await w.load({ snapshot });
      } catch (e) {
        refused.push(w.short);
        this.log(`${w.short} failed to start: ${e?.stack ?? e}`);
      }
    }
    if (refused.length) throw new WorkersRefused(refused);

    // Durable Objects: refused where Cloudflare's deploy would refuse them, then one namespace
    // per migrated class (its alarms resume from the state folder).
    const loaded = [...this.workers.values()];
    checkDurableObjects(loaded, (w) => w.durableObjectClasses());
    this.durable = new DurableObjects(this.stateDir, this.log);
    this.durable.register(loaded);

    this.mf = await this.mfPromise;
    this.watchdog.guardChildren(); // workerd, now that Miniflare has started it
    this.timings.miniflareReadyMs = performance.now() - t0;
    await this.migrate();
    for (const w of this.workers.values()) w.setEnv(await this.makeEnv(w));
    this.durable.start();
    await this.queueJournal.replay(this.mf, this.log);
    this.timings.startMs = performance.now() - t0;
    this.cron = new Cron(this);
    this.cron.start();
    return this;
  }

  async migrate() {
    for (const w of this.workers.values()) {
      for (const d of w.config.d1_databases ?? []) {
        const db = this.d1(d);
        await applyMigrations(db, path.join(w.dir, d.migrations_dir ?? 'migrations'), (m) => this.log(`[${w.short}] ${d.binding}: ${m}`));
      }
    }
  }

  // The env object a worker sees: [vars], secrets, D1/R2/KV, service bindings, ASSETS.
  async makeEnv(w) {
    const c = w.config;
    const env = {};
    for (const [k, v] of Object.entries(c.vars ?? {})) env[k] = v;
    for (const [k, v] of Object.entries(w.secrets.values)) env[k] = v;
    for (const [k, v] of Object.entries(this.vars[w.short] ?? {})) env[k] = v;
    for (const name of c.secrets?.required ?? []) {
      if (!(name in env)) this.log(`[${w.short}] warning: secret ${name} is not set (workers/${w.short}/.dev.vars)`);
    }
    for (const d of c.d1_databases ?? []) env[d.binding] = new D1Database(this.d1(d));
    for (const b of c.r2_buckets ?? []) env[b.binding] = meterMethods(new R2Bucket(this.mf.laneBridge, resourceKey('R2', b.bucket_name)), ['head', 'get', 'put', 'delete', 'list']);
    for (const k of c.kv_namespaces ?? []) env[k.binding] = meterMethods(new KvNamespace(await this.mf.getKVNamespace(resourceKey('KV', k.id ?? k.binding))), ['get', 'getWithMetadata', 'put', 'delete', 'list']);
    for (const p of c.queues?.producers ?? []) env[p.binding] = meterMethods(await producerBinding(this.mf, p, this.queueJournal), ['send', 'sendBatch']);
    for (const a of c.analytics_engine_datasets ?? []) env[a.binding] = this.dataset(a.dataset ?? a.binding);
    for (const s of c.services ?? []) {
      const target = this.workers.get(s.service);
      if (!target) throw new Error(`${w.short}: service binding ${s.binding} -> unknown worker ${s.service}`);
      env[s.binding] = Fetcher.forWorker(this, target, s.entrypoint ?? 'Default');
    }
    const byName = new Map([...this.workers.values()].map((x) => [x.name, x]));
    for (const b of c.durable_objects?.bindings ?? []) env[b.name] = this.durable.binding(w, b, byName);
    if (c.assets?.binding) env[c.assets.binding] = assetsFetcher(path.join(w.dir, c.assets.directory ?? 'public'), c.assets);
    return env;
  }

  // One Analytics Engine dataset, shared by every worker binding it: `<state>/analytics/<dataset>.jsonl`.
  dataset(name) {
    this.datasets ??= new Map();
    if (!this.datasets.has(name)) {
      const file = path.join(this.stateDir, 'analytics', `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.jsonl`);
      this.datasets.set(name, new AnalyticsEngineDataset(name, file, () => Meter.current()));
    }
    return this.datasets.get(name);
  }

  // Each D1 round trip is one binding operation (the lane's own migrations run outside a call).
  d1(d) {
    return meterMethods(new D1Bridge(this.mf.laneBridge, resourceKey('D1', d.database_id ?? d.database_name)), ['run', 'batch', 'exec']);
  }

  worker(shortOrName) {
    for (const w of this.workers.values()) if (w.short === shortOrName || w.name === shortOrName) return w;
    throw new Error(`no worker ${shortOrName}`);
  }

  // A fetch into a worker's entrypoint (from HTTP or a service binding). Errors propagate.
  async dispatchFetch(w, request, entrypoint = 'Default') {
    const res = await w.call(entrypoint, 'fetch', [request], `${request.method} ${new URL(request.url).pathname}`);
    if (!(res instanceof Response)) throw new TypeError(`${w.short}: ${entrypoint}.fetch did not return a Response`);
    return res;
  }

  // An RPC call across a service binding. Arguments are structured-cloned where they can be,
  // as workerd serializes them; objects that cannot be cloned (Request, Response, streams,
  // stubs) pass as they are.
  async rpc(w, entrypoint, method, args) {
    const cloned = args.map((a) => {
      try {
        return structuredClone(a);
      } catch {
        return a;
      }
    });
    return await w.call(entrypoint, method, cloned);
  }

  async drain() {
    for (const w of this.workers.values()) await Promise.allSettled([...w.pending]);
    for (const d of this.datasets?.values() ?? []) await d.flush();
  }

  async stop() {
    this.cron?.stop();
    this.durable?.alarms.stop(); // no alarm starts while the lane stops
    if (this.workers) await this.drain();
    // Also after a failed start, while Miniflare may still be starting.
    const mf = this.mf ?? (await this.mfPromise?.catch(() => null));
    await mf?.laneBridge.close();
    await mf?.dispose();
    this.durable?.close();
    this.watchdog?.release();
    this.lock?.release();
  }

  importReport() {
    const out = {};
    for (const w of this.workers.values()) out[w.short] = w.importReport();
    return out;
  }

}
