// One Python worker on the lane: its own Pyodide (like its own isolate), the bundle's files where
// workerd puts them (files.mjs: the `workers` SDK comes only from the bundle's python_modules/),
// and the two runtime-internal modules the SDK imports (`_pyodide_entrypoint_helper`,
// `_cloudflare_compat_flags`), provided here the way workerd's python-entrypoint-helper does.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPyodide, version as pyodideVersion } from 'pyodide';
import { compatFlags } from './compat.mjs';
import { BUNDLE_ROOT, installSdkStub, vendoredTops, writeBundle } from './files.mjs';
import { LimitExceeded, Meter, inGlobalScope } from './limits.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUNTIME_PY = fs.readFileSync(path.join(HERE, 'lane_runtime.py'));
const SELF_SRC = fs.readFileSync(fileURLToPath(import.meta.url)); // part of the snapshot recipe

const STARTUP_LIMIT_MS = 1000; // Cloudflare's start-up budget for global scope

// CPU seconds of this thread, where every Pyodide runs (limits are counted on it).
function threadCpuSeconds() {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1e6;
}

// Stdlib (and Pyodide) modules imported before the snapshot is taken, so every worker starts with
// them warm: what the bundles and the vendored SDK import. The SDK itself is not in the snapshot:
// it belongs to each bundle (python_modules/), as on Cloudflare.
const PREIMPORT = [
  'asyncio', 'json', 'base64', 'hashlib', 'hmac', 'secrets', 'uuid', 'datetime', 'dataclasses',
  'typing', 'enum', 're', 'urllib.parse', 'http', 'http.client', 'email.utils', 'inspect',
  'functools', 'collections', 'decimal', 'string', 'time', 'logging', 'io', 'contextlib',
  'collections.abc', 'importlib.util', 'site', 'pyodide.ffi', 'pyodide.http', 'pyodide.code',
];

// Python's `js` module is the JS global scope. Node's has extras that a Worker without
// nodejs_compat lacks; hiding them keeps `js.process.env` & co. from working only on the lane.
const NODE_ONLY = new Set(['process', 'Buffer', 'require', 'global', 'setImmediate', 'clearImmediate', 'module', '__dirname', '__filename']);
const jsglobals = new Proxy(globalThis, {
  has: (t, p) => !NODE_ONLY.has(p) && Reflect.has(t, p),
  get: (t, p) => (NODE_ONLY.has(p) ? undefined : Reflect.get(t, p)),
});

// ---------------------------------------------------------------------------------------------
// The upload snapshot (`python_dedicated_snapshot`). At upload Cloudflare runs the worker's global
// scope and snapshots it; every JS object Python then holds must be serializable
// (workerd src/pyodide/internal/snapshot.ts `getHiwireSerializer`): the entrypoint helper, the
// compat-flags object, or a value reached through an import proxy (`js`, or a JS module imported
// from Python), which is recorded as its module name and attribute path
// (src/pyodide/internal/serializeJsModule.ts). Anything else, such as the result of calling a JS
// function (`js.Object.new()`), fails the upload with "Can't serialize top-level variable".
// The lane does the same: global scope runs under workerd's import proxies, then every JS object
// Python took hold of while importing goes through the same serializer rules.

const importName = Symbol('importName');
const getAccessorList = Symbol('getAccessorList');
const getObject = Symbol('getObject');
const getPrototypeOfKey = 'Reflect.getProtoTypeOf';

// workerd's createImportProxy, switched by `phase.creating`: on while global scope runs (as
// IS_CREATING_SNAPSHOT is at upload), off afterwards (a restored worker gets plain objects).
function createImportProxy(phase, name, mod, accessorList = []) {
  if (!mod || !['object', 'function'].includes(typeof mod)) return mod;
  return new Proxy(mod, {
    get(target, prop, receiver) {
      if (prop === importName) return name;
      if (prop === getAccessorList) return accessorList;
      if (prop === getObject) return target;
      const orig = Reflect.get(target, prop, receiver);
      if (!phase.creating) return orig;
      const descr = Reflect.getOwnPropertyDescriptor(target, prop);
      if (descr && descr.writable === false && !descr.configurable) return orig;
      if (descr && descr.set && !descr.get) return orig;
      if (!['object', 'function'].includes(typeof orig)) return orig;
      return createImportProxy(phase, name, orig, [...accessorList, prop]);
    },
    apply(target, thisArg, argumentList) {
      thisArg = thisArg?.[getObject] ?? thisArg;
      return Reflect.apply(target, thisArg, argumentList);
    },
    getPrototypeOf(target) {
      const proto = Reflect.getPrototypeOf(target);
      return phase.creating ? createImportProxy(phase, name, proto, [...accessorList, getPrototypeOfKey]) : proto;
    },
  });
}

// workerd's describeValue and createUnserializableObjectError, verbatim in substance.
function describeValue(val) {
  try {
    const out = [];
    const type = typeof val;
    const isObject = type === 'object';
    out.push(`Value: ${val}`);
    out.push(`Type: ${type}`);
    try {
      const constructorName = val?.constructor?.name;
      if (constructorName) out.push(`Constructor name: ${constructorName}`);
    } catch {}
    if (val && isObject) {
      try {
        out.push(`Keys: ${Object.keys(val).slice(0, 10).join(', ')}`);
      } catch {}
    }
    try {
      if (val && isObject && typeof val.stack === 'string') out.push(`Stack:\n${val.stack}`);
    } catch {}
    try {
      out.push(`toStringTag: ${Object.prototype.toString.call(val)}`);
    } catch {}
    try {
      const contents = JSON.stringify(val);
      if (contents?.length > 100) out.push(`Contents: ${contents.slice(0, 100)}...`);
      else if (contents) out.push(`Contents: ${contents}`);
    } catch {}
    return out.join('\n');
  } catch (err) {
    return `Error describing value: ${err}`;
  }
}

export class UnserializableTopLevel extends Error {
  constructor(worker, obj) {
    super(`${worker}: Can't serialize top-level variable.
Please review any global variables you or your imported modules create at the top-level of your code, and consider deleting them.

Description of the value:
${describeValue(obj)}
`);
    this.name = 'PythonUserError';
  }
}

// Every JS object Python holds (Pyodide's hiwire table), as [slot, value]. Freed slots throw;
// the table is scanned past gaps (Pyodide's own serializer stops at the first one, so the lane
// is, if anything, stricter).
function hiwireEntries(py) {
  const out = [];
  for (let i = 0, misses = 0; misses < 4096; i++) {
    let v;
    try {
      v = py._module.__hiwire_get(i);
    } catch {
      misses++;
      continue;
    }
    misses = 0;
    out.push([i, v]);
  }
  return out;
}

// workerd's ExecutionContext: the SDK patches waitUntil only when the tag matches.
class ExecutionContext {
  constructor(onWaitUntil) {
    this._onWaitUntil = onWaitUntil;
    this.props = {};
  }
  waitUntil(p) {
    this._onWaitUntil(p);
  }
  passThroughOnException() {}
  get [Symbol.toStringTag]() {
    return 'ExecutionContext';
  }
}

// Same as workerd's patchWaitUntil: a Python future handed to waitUntil must be copied, since
// Pyodide destroys the proxy when the call that created it returns.
const waitUntilPatched = new WeakSet();
function patchWaitUntil(ctx) {
  if (Object.prototype.toString.call(ctx) !== '[object ExecutionContext]' || waitUntilPatched.has(ctx)) return;
  const orig = ctx.waitUntil.bind(ctx);
  ctx.waitUntil = (p) =>
    orig(
      (async () => {
        if (p && typeof p.copy === 'function') p = p.copy();
        await p;
        if (p && typeof p.destroy === 'function') p.destroy();
      })(),
    );
  waitUntilPatched.add(ctx);
}

// The object registered as `_pyodide_entrypoint_helper`. It is created before the snapshot is
// restored (the deserializer hands it back), and its env is filled in later.
function makeHelper(worker, phase) {
  const cloudflareWorkersModule = {
    env: {},
    waitUntil: (p) => worker.trackWaitUntil(p),
  };
  const cloudflareSocketsModule = {
    connect() {
      throw new Error('lane: cloudflare:sockets connect() is not simulated');
    },
  };
  return {
    cloudflareWorkersModule,
    cloudflareSocketsModule,
    // python-entrypoint.js doAnImport: the module comes back behind an import proxy.
    async doAnImport(name) {
      if (name === 'cloudflare:workers') return createImportProxy(phase, name, cloudflareWorkersModule);
      if (name === 'cloudflare:sockets') return createImportProxy(phase, name, cloudflareSocketsModule);
      throw new Error(`lane: cannot import JS module '${name}'`);
    },
    patchWaitUntil,
    // workers.patch_env(): the env is patched for as long as the generator is suspended.
    *patch_env_helper(patch) {
      const env = cloudflareWorkersModule.env;
      const entries = patch instanceof Map ? [...patch.entries()] : Object.entries(patch ?? {});
      const saved = entries.map(([k]) => [k, Object.getOwnPropertyDescriptor(env, k)]);
      for (const [k, v] of entries) env[k] = v;
      try {
        yield;
      } finally {
        for (const [k, d] of saved) (d ? Object.defineProperty(env, k, d) : delete env[k]);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Interpreter setup and the memory snapshot.

// The lane's own Python glue (workerd's equivalent lives in its internal modules).
function installLaneRuntime(py) {
  py.FS.writeFile(`${py.FS.sitePackages ?? '/lib/python3.13/site-packages'}/lane_runtime.py`, RUNTIME_PY);
}

export function snapshotKey() {
  const recipe = crypto.createHash('sha256').update(RUNTIME_PY).update(SELF_SRC).digest('hex');
  return `pyodide-${pyodideVersion}-${recipe.slice(0, 12)}.snapshot`;
}

function registerRuntimeModules(py, helper, flags) {
  py.registerJsModule('_cloudflare_compat_flags', flags);
  py.registerJsModule('_pyodide_entrypoint_helper', helper);
}

// Builds the snapshot: Pyodide + lane_runtime + PREIMPORT, no bundle code and no SDK (each worker
// imports its own). The two registered JS modules are serialized by name and handed back fresh
// for each worker on restore.
export async function buildSnapshot(file) {
  const py = await loadPyodide({ jsglobals, _makeSnapshot: true, stdout: () => {}, stderr: () => {} });
  const helper = makeHelper({ trackWaitUntil() {} }, { creating: false });
  const flags = {};
  registerRuntimeModules(py, helper, flags);
  installLaneRuntime(py);
  py.runPython(`import lane_runtime\n${PREIMPORT.map((m) => `import ${m}`).join('\n')}`);
  const snap = py.makeMemorySnapshot({
    serializer: (obj) => {
      if (obj === helper) return { lane: 'helper' };
      if (obj === flags) return { lane: 'flags' };
      throw new Error('lane: unexpected JS reference in snapshot');
    },
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Snapshots of older recipes are dead weight (~20 MB each).
  for (const old of fs.readdirSync(path.dirname(file))) {
    if (old.endsWith('.snapshot') && old !== path.basename(file)) fs.rmSync(path.join(path.dirname(file), old));
  }
  // A name of its own: two lanes starting on a cold cache both build, and the last rename wins.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, snap);
  fs.renameSync(tmp, file);
}

// A call that was running in an isolate when a fatal error ended it (workerd: the request fails).
export class IsolateFailed extends Error {
  constructor(worker, cause) {
    super(`${worker}: the isolate failed (${cause}) and was replaced`);
    this.name = 'IsolateFailed';
  }
}

// A fatal Pyodide error also surfaces as an uncaught error from its event loop; PyWorker.fatal has
// already dealt with it, so it must not end the lane. Anything else still does.
let surviving = false;
export function survivePyodideFatalErrors() {
  if (surviving) return;
  surviving = true;
  const handle = (error) => {
    if (error?.pyodide_fatal_error) return;
    process.stderr.write(`lane: uncaught error: ${error?.stack ?? error}\n`);
    process.exit(1);
  };
  process.on('unhandledRejection', handle);
  process.on('uncaughtException', handle);
}

// ---------------------------------------------------------------------------------------------

export class PyWorker {
  constructor({ name, short, dir, config, srcDir, secrets, log, plan, figures }) {
    this.plan = plan; // limits.mjs PLANS entry
    this.figures = figures; // limits.mjs RouteFigures, shared by the lane
    this.secrets = secrets; // { file, values } from .dev.vars
    this.dir = dir; // the staged bundle, build/<worker>
    this.name = name; // wrangler `name`, e.g. smartpages-core
    this.short = short; // folder name, e.g. core
    this.config = config;
    this.srcDir = srcDir;
    this.log = log;
    this.pending = new Set(); // waitUntil promises
    this.inflight = new Set(); // reject functions of the calls this isolate holds
    this.replaced = 0; // isolates replaced after a fatal error
    this.timings = {};
    // workerd's flags for this worker: listed ones plus every flag its date turns on.
    this.flags = compatFlags(config.compatibility_date, config.compatibility_flags);
  }

  trackWaitUntil(p) {
    const tracked = Promise.resolve(p)
      .catch((e) => this.log(`waitUntil failed: ${e?.message ?? e}`))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  // Load the interpreter (from the snapshot when given) and the bundle, then import the main
  // module, as workerd does at isolate start-up.
  async load({ snapshot }) {
    const t0 = performance.now();
    this.snapshot = snapshot; // kept to replace the isolate after a fatal error
    const phase = { creating: false }; // true while global scope runs (the upload snapshot)
    this.helper = makeHelper(this, phase);
    const flags = { ...this.flags };
    const stderr = (line) => process.stderr.write(`[${this.short}] ${line}\n`);
    // The worker's `js`: workerd's import proxy over the global scope (python.ts loadPyodide).
    const globals = createImportProxy(phase, 'global this', jsglobals);
    const common = { jsglobals: globals, stdout: stderr, stderr, env: { HOME: '/home/pyodide' } };
    if (snapshot) {
      this.py = await loadPyodide({
        ...common,
        _loadSnapshot: snapshot,
        _snapshotDeserializer: (o) => (o.lane === 'helper' ? this.helper : flags),
      });
    } else {
      this.py = await loadPyodide(common);
      registerRuntimeModules(this.py, this.helper, flags);
    }
    this.timings.interpreterMs = performance.now() - t0;
    // Pyodide calls this once when it can no longer be used (e.g. the wasm stack overflowed).
    this.py._api.on_fatal = (error) => this.fatal(error);
    // The file system is not part of a memory snapshot, so the files go in every time.
    installLaneRuntime(this.py);
    installSdkStub(this.py, this.flags);
    this.files = writeBundle(this.py, this.dir, this.srcDir);
    const main = (this.config.main ?? 'src/entry.py').replace(/^src\//, '').replace(/\.py$/, '').replace(/\//g, '.');
    this.rt = this.py.pyimport('lane_runtime');
    this.rt.install_guards();
    this.rt.install_step_timer(threadCpuSeconds);
    const tops = fs.readdirSync(this.srcDir).map((f) => f.replace(/\.py$/, ''));
    this.importLog = this.rt.ImportLog(this.py.toPy(tops), this.py.toPy(vendoredTops(this.dir)));
    this.rt.setup_search_path(BUNDLE_ROOT, Boolean(this.flags.python_process_pth_files));
    // Global scope, as Cloudflare's dedicated snapshot runs it at deploy: no randomness, clock or
    // I/O, and at most 1 s of CPU (Pyodide runs on this thread, so this thread's CPU time while
    // the synchronous import runs is the import's).
    const before = new Set(hiwireEntries(this.py).map(([, v]) => v));
    const t1 = performance.now();
    const cpu0 = threadCpuSeconds();
    phase.creating = true;
    try {
      this.main = inGlobalScope(() => this.rt.import_main(main, Boolean(this.flags.python_check_rng_state)));
    } finally {
      phase.creating = false;
    }
    this.timings.importMs = performance.now() - t1;
    this.timings.importCpuMs = (threadCpuSeconds() - cpu0) * 1000;
    if (this.flags.python_dedicated_snapshot) this.checkSnapshot(before, flags);
    if (this.timings.importCpuMs > STARTUP_LIMIT_MS) {
      throw new Error(`Python Worker startup exceeded CPU limit ${Math.round(this.timings.importCpuMs)}<=${STARTUP_LIMIT_MS} with snapshot ${snapshot ? 'lane' : 'none'}`);
    }
    this.rt.before_first_request();
    this.timings.loadMs = performance.now() - t0;
  }

  // A fatal error poisons the isolate, as on Cloudflare: every call it holds fails, its waitUntil
  // work is dropped, and the next call gets a fresh isolate (a cold start). Other workers, each
  // on its own Pyodide, keep running.
  fatal(error) {
    if (this.replacing) return;
    const cause = error?.message ?? String(error);
    this.log(`isolate failed (fatal Pyodide error: ${cause}): ${this.inflight.size} call(s) fail, replacing it`);
    for (const reject of this.inflight) reject(new IsolateFailed(this.short, cause));
    this.inflight.clear();
    this.pending.clear();
    this.replacing = (async () => {
      await this.load({ snapshot: this.snapshot });
      this.setEnv(this.env);
      this.replaced += 1;
      this.log(`isolate replaced (${this.replaced} so far)`);
    })().finally(() => {
      this.replacing = null;
    });
  }

  // The upload snapshot's serializer over what global scope left in Python's hands (entries the
  // lane itself made before the import are not the worker's).
  checkSnapshot(before, flags) {
    for (const [, obj] of hiwireEntries(this.py)) {
      if (before.has(obj) || obj === null || obj === this.helper || obj === flags) continue;
      let name;
      try {
        name = obj[importName];
      } catch {}
      if (name) continue;
      throw new UnserializableTopLevel(this.short, obj);
    }
  }

  setEnv(env) {
    this.env = env;
    this.helper.cloudflareWorkersModule.env = env;
  }

  // workerd's entrypoint call: a new instance of the class per call, `fetch` relaxed, RPC
  // methods strict, conversions by the SDK. Each call is metered against the plan's limits
  // (limits.mjs); `route` names it in the figures (method + path, or the RPC method).
  async call(className, method, args, route = `${className}.${method}`) {
    if (this.replacing) await this.replacing;
    let reject;
    const failed = new Promise((_, r) => (reject = r));
    this.inflight.add(reject);
    try {
      return await Promise.race([this.callOnce(className, method, args, route), failed]);
    } finally {
      this.inflight.delete(reject);
    }
  }

  async callOnce(className, method, args, route) {
    const cls = this.main[className];
    if (!cls) throw new TypeError(`There is no '${className}' class defined in the Python Worker's main module`);
    const meter = new Meter(this.plan, Meter.current());
    return await meter.run(async () => {
      const ctx = new ExecutionContext((p) => this.trackWaitUntil(p));
      const instance = cls(ctx, this.env);
      const cpu = this.rt.new_cpu_cell();
      try {
        if (!this.rt.has_method(instance, method)) throw new TypeError(`Method ${method} does not exist`);
        return await this.rt.start_call(cpu, method === 'fetch', instance, method, ...args);
      } finally {
        instance.destroy();
        meter.cpu[0] += cpu.get(0);
        cpu.destroy();
        this.settle(meter, route);
      }
    });
  }

  // An event into one of this worker's Durable Objects (durable.mjs: `object`, whose instance
  // lives across calls): an invocation of its own, metered like a request; RPC methods strict,
  // `fetch` relaxed, `alarm` relaxed with its argument unconverted, as workerd calls them.
  async callDurable(object, method, args, route) {
    if (this.replacing) await this.replacing;
    let reject;
    const failed = new Promise((_, r) => (reject = r));
    this.inflight.add(reject);
    try {
      return await Promise.race([this.durableOnce(object, method, args, route), failed]);
    } finally {
      this.inflight.delete(reject);
    }
  }

  async durableOnce(object, method, args, route) {
    const meter = new Meter(this.plan, null);
    meter.durableObject = object; // its outbound calls open the object's input gate
    return await meter.run(async () => {
      const instance = object.pyInstance();
      await object.unblocked(); // blockConcurrencyWhile work the constructor started
      const cpu = this.rt.new_cpu_cell();
      try {
        if (!this.rt.has_method(instance, method)) throw new TypeError(`Method ${method} does not exist`);
        if (method === 'alarm') return await this.rt.start_handler(cpu, instance, method, ...args);
        return await this.rt.start_call(cpu, method === 'fetch', instance, method, ...args);
      } finally {
        meter.cpu[0] += cpu.get(0);
        cpu.destroy();
        this.settle(meter, route);
      }
    });
  }

  // The DurableObject subclasses the main module exports (workerd's introspection).
  durableObjectClasses() {
    const names = this.rt.durable_object_classes(this.main);
    const out = names.toJs();
    names.destroy();
    return out;
  }

  // Records the call's figures; over a CPU or memory limit the call fails as on Cloudflare (a
  // subrequest or binding-operation breach already failed the call that went over).
  settle(meter, route) {
    meter.finish(this.py._module.HEAPU8.length);
    this.figures.record(this.short, route, meter);
    for (const b of meter.breaches) this.log(`limit exceeded on ${route}: ${b.limit} ${Math.round(b.figure * 10) / 10} > ${b.max} (${meter.plan.name} plan)`);
    const fatal = meter.fatal;
    if (fatal) throw new LimitExceeded(fatal.limit, fatal.figure, fatal.max);
  }

  // The interpreter's linear memory (WebAssembly memory only grows): what Python code held.
  memory() {
    return { wasmBytes: this.py._module.HEAP8.buffer.byteLength };
  }

  importReport() {
    const r = this.importLog.report();
    const js = r.toJs({ dict_converter: Object.fromEntries });
    r.destroy();
    return js;
  }
}
