// Per-request platform limits, measured and enforced like Cloudflare's (developers.cloudflare.com
// /workers/platform/limits): CPU time, subrequests, operations on Cloudflare bindings,
// simultaneous outbound connections and isolate memory, with the Paid plan's limits by default
// and `--plan free` for the Free plan's.
//
// Each call into a worker (an HTTP request at the front door or a service-binding call) gets a
// Meter, carried through the worker's async work by AsyncLocalStorage (so `fetch` and binding
// calls find it) and, on the Python side, through a contextvar (lane_runtime.py times every
// asyncio step of the call: Pyodide runs on one thread, so synchronous Python time is CPU time).
// Workers reached over service bindings share the caller's connection pool, as on Cloudflare.

import { AsyncLocalStorage } from 'node:async_hooks';

export const PLANS = {
  // CPU: 30 s is the Paid default (`limits.cpu_ms` raises it to 5 min); memory is per isolate.
  paid: { name: 'paid', cpuMs: 30_000, subrequests: 10_000, bindingOps: 1_000, connections: 6, memoryMB: 128 },
  free: { name: 'free', cpuMs: 10, subrequests: 50, bindingOps: 1_000, connections: 6, memoryMB: 128 },
};

// How Cloudflare reports each breach (the worker sees the exception; the visitor a 503).
const MESSAGES = {
  cpuMs: 'Python Worker exceeded CPU time limit',
  subrequests: 'Too many subrequests.',
  bindingOps: 'Too many API requests by single Worker invocation.',
  memoryMB: 'Worker has exceeded memory limit.',
};

export class LimitExceeded extends Error {
  constructor(limit, figure, max) {
    super(MESSAGES[limit]);
    this.name = 'LimitExceeded';
    Object.assign(this, { limit, figure, max });
  }
}

const current = new AsyncLocalStorage();

class ConnectionPool {
  constructor(max) {
    Object.assign(this, { max, open: 0, peak: 0, waiting: [] });
  }
  async hold(work) {
    if (this.open >= this.max) await new Promise((resolve) => this.waiting.push(resolve)); // queued, as on Cloudflare
    this.open += 1;
    this.peak = Math.max(this.peak, this.open);
    try {
      return await work();
    } finally {
      this.open -= 1;
      this.waiting.shift()?.();
    }
  }
}

export class Meter {
  constructor(plan, parent) {
    this.plan = plan;
    this.pool = (parent instanceof Meter && parent.pool) || new ConnectionPool(plan.connections);
    this.cpu = [0]; // seconds, added to by lane_runtime's step timer
    this.subrequests = 0;
    this.bindingOps = 0;
    this.breaches = [];
  }

  static current() {
    return current.getStore();
  }

  run(fn) {
    return current.run(this, fn);
  }

  count(kind) {
    this[kind] += 1;
    if (this[kind] > this.plan[kind]) this.fail(new LimitExceeded(kind, this[kind], this.plan[kind]));
  }

  fail(error) {
    this.breaches.push(error);
    throw error;
  }

  // The breach that ends the whole request (CPU, memory), if any.
  get fatal() {
    return this.breaches.find((b) => b.limit === 'cpuMs' || b.limit === 'memoryMB');
  }

  // Checked when the call ends: CPU (the lane cannot pre-empt a running Python step) and memory
  // (the isolate's wasm heap, which only grows). Either ends the request on Cloudflare.
  finish(memoryBytes) {
    const cpuMs = this.cpu[0] * 1000;
    const memoryMB = memoryBytes / 2 ** 20;
    this.figures = { cpuMs, subrequests: this.subrequests, bindingOps: this.bindingOps, connections: this.pool.peak, memoryMB };
    if (cpuMs > this.plan.cpuMs) this.breaches.push(new LimitExceeded('cpuMs', cpuMs, this.plan.cpuMs));
    if (memoryMB > this.plan.memoryMB) this.breaches.push(new LimitExceeded('memoryMB', memoryMB, this.plan.memoryMB));
  }
}

// Outbound work of the current call: a subrequest (fetch, service binding) or a binding operation
// (D1, R2, KV), holding one of the request's connections while it runs.
export async function outbound(kind, work) {
  const meter = Meter.current();
  if (meter === GLOBAL_SCOPE) throw new Error(GLOBAL_SCOPE_MESSAGE);
  if (!meter) return await work(); // the lane's own work, not a worker's
  meter.count(kind);
  // In a Durable Object's event (durable.mjs), awaiting outbound I/O opens the object's input gate.
  const gate = meter.durableObject;
  gate?.park(1);
  try {
    return await meter.pool.hold(work);
  } finally {
    gate?.park(-1);
  }
}

// A worker's global scope (its main module's import): no I/O, as on Cloudflare.
const GLOBAL_SCOPE = { globalScope: true };
export const GLOBAL_SCOPE_MESSAGE =
  'Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), setting a timeout, and generating random values are not allowed within global scope. To fix this error, perform this operation within a handler. https://developers.cloudflare.com/workers/runtime-apis/handlers/';

export function inGlobalScope(fn) {
  return current.run(GLOBAL_SCOPE, fn);
}

export function installFetchMeter() {
  const orig = globalThis.fetch;
  if (orig.__laneMetered) return;
  const metered = (...args) => {
    if (current.getStore() === GLOBAL_SCOPE) throw new Error(GLOBAL_SCOPE_MESSAGE);
    return outbound('subrequests', () => orig(...args));
  };
  metered.__laneMetered = true;
  globalThis.fetch = metered;
}

// WebCrypto runs on the request's thread on Cloudflare (PBKDF2 at 100,000 iterations is ~40 ms of
// CPU), but on Node's thread pool here: the CPU time other threads than the main one spent while
// the operation ran is added to the calling request's CPU time.
function otherThreadsCpuSeconds() {
  const all = process.cpuUsage();
  const main = process.threadCpuUsage();
  return (all.user + all.system - main.user - main.system) / 1e6;
}

const WEBCRYPTO_WORK = ['digest', 'sign', 'verify', 'encrypt', 'decrypt', 'deriveBits', 'deriveKey'];
export function meterWebCrypto(subtle) {
  if (subtle.__laneMetered) return;
  for (const name of WEBCRYPTO_WORK) {
    const orig = subtle[name].bind(subtle);
    subtle[name] = async (...args) => {
      const meter = Meter.current();
      const start = otherThreadsCpuSeconds();
      try {
        return await orig(...args);
      } finally {
        if (meter instanceof Meter) meter.cpu[0] += Math.max(0, otherThreadsCpuSeconds() - start);
      }
    };
  }
  subtle.__laneMetered = true;
}

// Counts each call of the named async methods of `obj` as one binding operation.
export function meterMethods(obj, names) {
  for (const name of names) {
    const orig = obj[name].bind(obj);
    obj[name] = (...args) => outbound('bindingOps', () => orig(...args));
  }
  return obj;
}

// Per-route figures for the admin endpoint: the worst seen for each worker + method + path shape.
export class RouteFigures {
  constructor(plan) {
    this.plan = plan;
    this.routes = new Map();
    this.breaches = [];
  }
  record(worker, route, meter) {
    // Ids in paths collapse to `:id` so one route is one row.
    const path = route.replace(/\?.*$/, '');
    const key = `${worker} ${path.replace(/\/(?:[a-z]+_)?[0-9a-f-]{8,}(?=\/|$)|\/\d+(?=\/|$)/gi, '/:id')}`;
    const r = this.routes.get(key) ?? { calls: 0 };
    r.calls += 1;
    const figures = Object.fromEntries(Object.entries(meter.figures).map(([k, v]) => [k, Math.round(v * 100) / 100]));
    for (const [k, v] of Object.entries(figures)) r[k] = Math.max(r[k] ?? 0, v);
    r.last = figures;
    this.routes.set(key, r);
    for (const b of meter.breaches) this.breaches.push({ route: key, limit: b.limit, figure: b.figure, max: b.max });
  }
  report() {
    return { plan: this.plan, plans: PLANS, routes: Object.fromEntries(this.routes), breaches: this.breaches };
  }
}
