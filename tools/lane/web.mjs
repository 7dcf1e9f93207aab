// Web-platform pieces: a Request with `cf`, service-binding Fetchers, [assets], node:http glue.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { outbound } from './limits.mjs';

// undici's Request has no `cf` and wants `duplex: "half"` for stream bodies; workerd's has `cf`
// (null unless the request came from the internet) and needs no duplex. Python code builds
// requests with `js.Request.new(...)`, so the global itself is replaced (dev tooling only).
export function installWebGlobals() {
  const Base = globalThis.Request;
  if (Base.name === 'Request' && Base.__lane) return;
  const CF = Symbol('cf');
  class Request extends Base {
    constructor(input, init) {
      const withDuplex = init && typeof init === 'object' && init.body != null && !('duplex' in init) ? { ...init, duplex: 'half' } : init;
      super(input, withDuplex);
      this[CF] = init?.cf ?? (input instanceof Base ? input.cf : null) ?? null;
    }
    get cf() {
      return this[CF];
    }
  }
  Request.__lane = true;
  globalThis.Request = Request;
  capPbkdf2(globalThis.crypto.subtle);
}

// Cloudflare's WebCrypto refuses PBKDF2 above 100,000 iterations; Node's does not.
const PBKDF2_MAX = 100_000;
function capPbkdf2(subtle) {
  for (const name of ['deriveBits', 'deriveKey']) {
    const orig = subtle[name].bind(subtle);
    subtle[name] = (algorithm, ...rest) => {
      const iterations = algorithm?.iterations;
      if (String(algorithm?.name).toUpperCase() === 'PBKDF2' && iterations > PBKDF2_MAX) {
        return Promise.reject(new DOMException(`Pbkdf2 failed: iteration counts above ${PBKDF2_MAX} are not supported (requested ${iterations}).`, 'NotSupportedError'));
      }
      return orig(algorithm, ...rest);
    };
  }
}

// A service binding: `fetch` plus any RPC method name, like workerd's Fetcher. `then` stays
// undefined so the binding itself is not mistaken for a promise.
export class Fetcher {
  constructor(fetchImpl) {
    this._fetch = fetchImpl;
  }
  async fetch(input, init) {
    return await this._fetch(new Request(input, init));
  }
  connect() {
    throw new Error('lane: connect() on a service binding is not simulated');
  }

  // Each call is a subrequest of the caller and holds one of its connections (limits.mjs).
  static forWorker(lane, target, entrypoint) {
    const f = new Fetcher((req) => outbound('subrequests', () => lane.dispatchFetch(target, req, entrypoint)));
    return new Proxy(f, {
      get(t, prop, receiver) {
        if (typeof prop !== 'string' || prop in t) return Reflect.get(t, prop, receiver);
        if (prop === 'then' || prop === 'toJSON') return undefined;
        return (...args) => outbound('subrequests', () => lane.rpc(target, entrypoint, prop, args));
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Cache API (`caches.default`). Miniflare's Node proxy for caches cannot carry Node's own
// Request/Response objects, so the lane keeps an in-memory cache with the rules Workers apply:
// GET only, no `no-store`/`private`, no `Set-Cookie` unless cached privately, expiry from
// s-maxage/max-age/Expires, 206 and `Vary: *` refused. Nothing persists across restarts.

function freshFor(headers) {
  const cc = (headers.get('cache-control') ?? '').toLowerCase();
  if (/(^|,)\s*(no-store|private)\b/.test(cc)) return 0;
  const m = /s-maxage=(\d+)/.exec(cc) ?? /max-age=(\d+)/.exec(cc);
  if (m) return Number(m[1]) * 1000;
  const exp = headers.get('expires');
  return exp ? Math.max(0, Date.parse(exp) - Date.now()) : 0;
}

export class Cache {
  constructor() {
    this._entries = new Map();
  }
  _key(request) {
    const r = request instanceof globalThis.Request ? request : new Request(String(request));
    return r.method === 'GET' ? r.url : null;
  }
  async put(request, response) {
    const key = this._key(request);
    if (!key) throw new TypeError('Cannot cache response to non-GET request.');
    if (response.status === 206) throw new TypeError('Cannot cache response to a range request (206 Partial Content).');
    if ((response.headers.get('vary') ?? '').includes('*')) throw new TypeError("Cannot cache response with 'Vary: *' header.");
    const ttl = freshFor(response.headers);
    const body = new Uint8Array(await response.arrayBuffer());
    if (ttl <= 0 || response.headers.has('set-cookie')) return;
    this._entries.set(key, { status: response.status, headers: [...response.headers], body, expires: Date.now() + ttl });
  }
  async match(request) {
    const key = this._key(request);
    const e = key && this._entries.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this._entries.delete(key);
      return undefined;
    }
    const headers = new Headers(e.headers);
    headers.set('cf-cache-status', 'HIT');
    return new Response(e.body.slice(), { status: e.status, headers });
  }
  async delete(request) {
    const key = this._key(request);
    return Boolean(key) && this._entries.delete(key);
  }
}

export function installCaches() {
  const named = new Map();
  globalThis.caches = {
    default: new Cache(),
    async open(name) {
      if (!named.has(name)) named.set(name, new Cache());
      return named.get(name);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Static assets ([assets] in wrangler.toml), close to Workers' asset routing.

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8', '.woff2': 'font/woff2', '.woff': 'font/woff', '.map': 'application/json',
  '.xml': 'application/xml', '.webmanifest': 'application/manifest+json',
};

function globToRegExp(glob) {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

// True when the worker must run before assets for this path (run_worker_first).
export function workerFirst(assets, pathname) {
  const rules = assets.run_worker_first;
  if (rules === true) return true;
  if (!Array.isArray(rules)) return false;
  const pos = rules.filter((r) => !r.startsWith('!'));
  const neg = rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1));
  return pos.some((g) => globToRegExp(g).test(pathname)) && !neg.some((g) => globToRegExp(g).test(pathname));
}

// Cloudflare never serves its config files as assets.
const CONFIG_FILES = new Set(['/_headers', '/_redirects']);

// `_headers`: a path pattern on its own line, then indented `Name: value` lines (Cloudflare's format).
function headerRules(dir) {
  const file = path.join(dir, '_headers');
  if (!fs.existsSync(file)) return [];
  const rules = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (/^\s/.test(line)) {
      const colon = line.indexOf(':');
      rules.at(-1)?.headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    } else {
      rules.push({ pattern: globToRegExp(line.trim()), headers: [] });
    }
  }
  return rules;
}

function findAsset(dir, pathname) {
  let p;
  try {
    p = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (CONFIG_FILES.has(p)) return null;
  const candidates = p.endsWith('/') ? [`${p}index.html`] : [p, `${p}.html`, `${p}/index.html`];
  for (const c of candidates) {
    const file = path.join(dir, path.normalize(c));
    if (!file.startsWith(dir + path.sep)) continue;
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  }
  return null;
}

function serveFile(file, request, status = 200, dir = path.dirname(file)) {
  const body = fs.readFileSync(file);
  const etag = `"${crypto.createHash('sha1').update(body).digest('hex')}"`;
  const headers = { 'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', etag };
  const { pathname } = new URL(request.url);
  for (const rule of headerRules(dir)) {
    if (rule.pattern.test(pathname)) for (const [name, value] of rule.headers) headers[name.toLowerCase()] = value;
  }
  // The edge weakens the ETag of what it compresses, so browsers send it back as W/"…".
  const given = (request.headers.get('if-none-match') ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (given.includes(etag)) return new Response(null, { status: 304, headers });
  return new Response(request.method === 'HEAD' ? null : body, { status, headers });
}

function isNavigation(request) {
  return request.headers.get('sec-fetch-mode') === 'navigate' || (request.headers.get('accept') ?? '').includes('text/html');
}

// Asset answer for a request, or null when the worker should handle it.
export function matchAsset(dir, assets, request, { hasWorker }) {
  const { pathname } = new URL(request.url);
  if (!['GET', 'HEAD'].includes(request.method)) return null;
  const file = findAsset(dir, pathname);
  if (file) return serveFile(file, request, 200, dir);
  if (assets.not_found_handling === 'single-page-application' && (isNavigation(request) || !hasWorker)) {
    const index = findAsset(dir, '/');
    if (index) return serveFile(index, request, 200, dir);
  }
  if (assets.not_found_handling === '404-page' && !hasWorker) {
    const page = findAsset(dir, '/404.html');
    if (page) return serveFile(page, request, 404, dir);
  }
  return hasWorker ? null : new Response('Not Found', { status: 404 });
}

// The local stack's extra CSP sources (core's LOCAL_FRAME_SRC dev var, e.g. the sites at
// http://*.localhost:*) join frame-src here, so the committed `_headers` never names localhost.
export function withLocalFrameSrc(response, sources) {
  const csp = response?.headers.get('content-security-policy');
  if (!csp || !sources) return response;
  const headers = new Headers(response.headers);
  headers.set('content-security-policy', csp.replace(/frame-src ([^;]*)/, `frame-src $1 ${sources}`));
  return new Response(response.body, { status: response.status, headers });
}

export function assetsFetcher(dir, assets) {
  const root = path.resolve(dir);
  return new Fetcher(async (req) => matchAsset(root, assets, req, { hasWorker: false }));
}

// ---------------------------------------------------------------------------------------------
// node:http <-> fetch

export async function toWebRequest(req, { scheme = 'http' } = {}) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const host = headers.get('host') ?? '127.0.0.1';
  // What Cloudflare's edge adds (kept when a test sends its own, to simulate clients).
  if (!headers.has('cf-connecting-ip')) headers.set('cf-connecting-ip', req.socket.remoteAddress ?? '127.0.0.1');
  if (!headers.has('x-forwarded-proto')) headers.set('x-forwarded-proto', scheme);
  if (!headers.has('cf-ray')) headers.set('cf-ray', `${crypto.randomBytes(8).toString('hex')}-LANE`);
  const body = ['GET', 'HEAD'].includes(req.method) || !chunks.length ? null : new Uint8Array(Buffer.concat(chunks));
  const cf = { colo: 'LANE', country: headers.get('cf-ipcountry') ?? 'XX', httpProtocol: `HTTP/${req.httpVersion}`, asn: 0, clientTcpRtt: 0 };
  return new Request(`${scheme}://${host}${req.url}`, { method: req.method, headers, body, cf, redirect: 'manual' });
}

export async function sendWebResponse(res, response, method) {
  const headers = {};
  for (const [k, v] of response.headers) if (k !== 'set-cookie') headers[k] = v;
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (response.body && method !== 'HEAD') {
    for await (const chunk of response.body) res.write(chunk);
  }
  res.end();
}

// Cloudflare's edge compresses what a public worker (or its static assets) answers, outside the
// worker: brotli or gzip as the visitor accepts, for these content types, on a 200, 403 or 404
// that is not already encoded and does not say `no-transform`; a strong ETag becomes weak
// (developers.cloudflare.com: speed/optimization/content/brotli/content-compression, cache/reference/etag-headers).
const COMPRESSIBLE = new Set(`text/html text/richtext text/plain text/css text/x-script text/x-component
  text/x-java-source text/x-markdown application/javascript application/x-javascript text/javascript text/js
  image/x-icon image/vnd.microsoft.icon application/x-perl application/x-httpd-cgi text/xml application/xml
  application/xml+rss application/vnd.api+json application/x-protobuf application/json multipart/bag
  multipart/mixed application/xhtml+xml font/ttf font/otf font/x-woff image/svg+xml application/vnd.ms-fontobject
  application/ttf application/x-ttf application/otf application/x-otf application/truetype application/opentype
  application/x-opentype application/font-woff application/eot application/font application/font-sfnt
  application/wasm application/javascript-binast application/manifest+json application/ld+json
  application/graphql+json application/geo+json`.split(/\s+/));
const ENCODERS = {
  // Dynamic content is compressed fast, not small: brotli 4, gzip 6 (zlib's default).
  br: () => zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
  gzip: () => zlib.createGzip(),
};

function acceptedEncoding(acceptEncoding) {
  const offered = new Map();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim().match(/^q=([\d.]+)$/)).find(Boolean);
    offered.set(name.trim(), q ? Number(q[1]) : 1);
  }
  return ['br', 'gzip'].find((name) => (offered.get(name) ?? 0) > 0) ?? null;
}

export function edgeCompressed(acceptEncoding, response) {
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const encoding = acceptedEncoding(acceptEncoding);
  if (!encoding || ![200, 403, 404].includes(response.status) || !COMPRESSIBLE.has(type)) return response;
  if (response.headers.has('content-encoding') || /(^|,)\s*no-transform\s*(,|$)/i.test(response.headers.get('cache-control') ?? '')) return response;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.set('content-encoding', encoding);
  const vary = headers.get('vary');
  if (!/accept-encoding|\*/i.test(vary ?? '')) headers.set('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
  const etag = headers.get('etag');
  if (etag?.startsWith('"')) headers.set('etag', `W/${etag}`);
  let body = null;
  if (response.body) {
    // pipeline, not pipe: a worker's stream that fails mid-body fails the compressed one too.
    const encoder = ENCODERS[encoding]();
    pipeline(Readable.fromWeb(response.body), encoder, () => {});
    body = Readable.toWeb(encoder);
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
