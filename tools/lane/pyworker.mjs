// One Python worker on the lane: its own Pyodide (like its own isolate), the real `workers` SDK,
// the bundle's files under /session/metadata (where workerd puts them), and the two
// runtime-internal modules the SDK imports (`_pyodide_entrypoint_helper`,
// `_cloudflare_compat_flags`), provided here the way workerd's python-entrypoint-helper does.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPyodide, version as pyodideVersion } from 'pyodide';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUNTIME_PY = fs.readFileSync(path.join(HERE, 'lane_runtime.py'));
const SELF_SRC = fs.readFileSync(fileURLToPath(import.meta.url)); // part of the snapshot recipe
const BUNDLE_ROOT = '/session/metadata';

// Stdlib modules imported before the snapshot is taken, so every worker starts with them warm.
const PREIMPORT = [
  'asyncio', 'json', 'base64', 'hashlib', 'hmac', 'secrets', 'uuid', 'datetime', 'dataclasses',
  'typing', 'enum', 're', 'urllib.parse', 'http', 'http.client', 'email.utils', 'inspect',
  'functools', 'collections', 'decimal', 'string', 'time', 'logging',
];

// Python's `js` module is the JS global scope. Node's has extras that a Worker without
// nodejs_compat lacks; hiding them keeps `js.process.env` & co. from working only on the lane.
const NODE_ONLY = new Set(['process', 'Buffer', 'require', 'global', 'setImmediate', 'clearImmediate', 'module', '__dirname', '__filename']);
const jsglobals = new Proxy(globalThis, {
  has: (t, p) => !NODE_ONLY.has(p) && Reflect.has(t, p),
  get: (t, p) => (NODE_ONLY.has(p) ? undefined : Reflect.get(t, p)),
});

// Flags the SDK reads (see _cloudflare_compat_flags.pyi); the lane answers false for any other.
function compatFlags(flagList) {
  const set = new Set(flagList ?? []);
  return new Proxy(
    {},
    {
      get: (_t, p) => (typeof p === 'string' ? set.has(p) : undefined),
      has: (_t, p) => typeof p === 'string',
    },
  );
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
function makeHelper(worker) {
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
    async doAnImport(name) {
      if (name === 'cloudflare:workers') return cloudflareWorkersModule;
      if (name === 'cloudflare:sockets') return cloudflareSocketsModule;
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

function installSdk(py, wheelBytes) {
  // The wheel is unpacked by Python's zipfile into site-packages. The .pth hook is left out: it
  // only loads package patches when `_cloudflare` exists, which is never the case here.
  py.FS.mkdirTree('/tmp/lane');
  py.FS.writeFile('/tmp/lane/sdk.whl', wheelBytes);
  py.FS.writeFile(`${py.FS.sitePackages ?? '/lib/python3.13/site-packages'}/lane_runtime.py`, RUNTIME_PY);
  py.runPython(`
import site, zipfile
with zipfile.ZipFile('/tmp/lane/sdk.whl') as z:
    z.extractall(site.getsitepackages()[0], [n for n in z.namelist() if not n.endswith('.pth')])
`);
}

export function snapshotKey(sdkVersion, sdkSha) {
  const recipe = crypto.createHash('sha256').update(RUNTIME_PY).update(SELF_SRC).update(sdkSha).digest('hex');
  return `pyodide-${pyodideVersion}-sdk-${sdkVersion}-${recipe.slice(0, 12)}.snapshot`;
}

function registerRuntimeModules(py, helper, flags) {
  py.registerJsModule('_cloudflare_compat_flags', flags);
  py.registerJsModule('_pyodide_entrypoint_helper', helper);
}

// Builds the snapshot: Pyodide + SDK + lane_runtime + PREIMPORT, no bundle code (each worker
// imports its own). The two registered JS modules are serialized by name and handed back fresh
// for each worker on restore.
export async function buildSnapshot(wheelBytes, file) {
  const py = await loadPyodide({ jsglobals, _makeSnapshot: true, stdout: () => {}, stderr: () => {} });
  const helper = makeHelper({ trackWaitUntil() {} });
  const flags = compatFlags([]);
  registerRuntimeModules(py, helper, flags);
  installSdk(py, wheelBytes);
  py.runPython(`import workers, lane_runtime\n${PREIMPORT.map((m) => `import ${m}`).join('\n')}`);
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
  fs.writeFileSync(`${file}.tmp`, snap);
  fs.renameSync(`${file}.tmp`, file);
}

// ---------------------------------------------------------------------------------------------

export class PyWorker {
  constructor({ name, short, dir, config, srcDir, secrets, log }) {
    this.secrets = secrets; // { file, values } from .dev.vars
    this.dir = dir; // the staged bundle, build/<worker>
    this.name = name; // wrangler `name`, e.g. smartpages-core
    this.short = short; // folder name, e.g. core
    this.config = config;
    this.srcDir = srcDir;
    this.log = log;
    this.pending = new Set(); // waitUntil promises
    this.timings = {};
  }

  trackWaitUntil(p) {
    const tracked = Promise.resolve(p)
      .catch((e) => this.log(`waitUntil failed: ${e?.message ?? e}`))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  // Load the interpreter (from the snapshot when given), the SDK and the bundle, then import the
  // main module, as workerd does at isolate start-up.
  async load({ wheelBytes, snapshot }) {
    const t0 = performance.now();
    this.helper = makeHelper(this);
    const flags = compatFlags(this.config.compatibility_flags);
    const stderr = (line) => process.stderr.write(`[${this.short}] ${line}\n`);
    const common = { jsglobals, stdout: stderr, stderr, env: { HOME: '/home/pyodide' } };
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
    // The file system is not part of a memory snapshot, so the SDK files go in every time
    // (modules the snapshot did not import are still importable).
    installSdk(this.py, wheelBytes);
    this.writeBundle();
    const main = (this.config.main ?? 'src/entry.py').replace(/^src\//, '').replace(/\.py$/, '').replace(/\//g, '.');
    this.rt = this.py.pyimport('lane_runtime');
    this.rt.install_guards();
    const tops = fs.readdirSync(this.srcDir).map((f) => f.replace(/\.py$/, ''));
    this.importLog = this.rt.ImportLog(this.py.toPy(tops));
    const t1 = performance.now();
    this.py.runPython(`import sys, os\nsys.path.insert(0, '${BUNDLE_ROOT}')\nos.chdir('${BUNDLE_ROOT}')`);
    this.main = this.py.pyimport(main);
    this.timings.importMs = performance.now() - t1;
    this.timings.loadMs = performance.now() - t0;
  }

  writeBundle() {
    const walk = (dir, rel) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name === '__pycache__') continue;
        const to = `${BUNDLE_ROOT}/${rel}${e.name}`;
        if (e.isDirectory()) {
          this.py.FS.mkdirTree(to);
          walk(path.join(dir, e.name), `${rel}${e.name}/`);
        } else {
          this.py.FS.writeFile(to, fs.readFileSync(path.join(dir, e.name)));
          // What the interpreter will import, read back from its own file system (tests compare
          // these digests with wrangler's dry-run output).
          this.files[`${rel}${e.name}`] = crypto.createHash('sha256').update(this.py.FS.readFile(to)).digest('hex');
        }
      }
    };
    this.files = {};
    this.py.FS.mkdirTree(BUNDLE_ROOT);
    walk(this.srcDir, '');
  }

  setEnv(env) {
    this.env = env;
    this.helper.cloudflareWorkersModule.env = env;
  }

  // workerd's entrypoint call: a new instance of the class per call, `fetch` relaxed, RPC
  // methods strict, conversions by the SDK.
  async call(className, method, args) {
    const cls = this.main[className];
    if (!cls) throw new TypeError(`There is no '${className}' class defined in the Python Worker's main module`);
    const ctx = new ExecutionContext((p) => this.trackWaitUntil(p));
    const instance = cls(ctx, this.env);
    try {
      if (!this.rt.has_method(instance, method)) throw new TypeError(`Method ${method} does not exist`);
      const result = await this.rt.call_method(method === 'fetch', instance, method, ...args);
      return result;
    } finally {
      instance.destroy();
    }
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
