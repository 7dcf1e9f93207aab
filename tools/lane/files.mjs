// The file system a worker's Python sees, laid out as workerd lays it out:
// - the bundle's modules (the main module's folder, `src/`) under /session/metadata, the cwd and
//   first on sys.path;
// - the vendored packages wrangler uploads from `python_modules/` beside wrangler.toml, under
//   /session/metadata/python_modules, on sys.path just before site-packages
//   (workerd's setup_python_search_path.py);
// - in site-packages, when the date turns `enable_python_external_sdk` on, the stub workerd puts
//   there instead of the `workers` SDK (python-entrypoint-helper.ts injectWorkersApi): a bundle
//   without its own python_modules/workers fails to import it with workerd's message.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const BUNDLE_ROOT = '/session/metadata';
export const VENDOR_DIR = 'python_modules';

// Verbatim from the pinned workerd binary (tests/lane/test_bundle_files.py checks it is there).
const STUB = [
  `err = ModuleNotFoundError("No module named '$MODNAME'", name="$MODNAME")`,
  `err.add_note("You need to update to workers-py >= 1.90 or to pass disable_python_external_sdk")`,
  `raise err`,
].join('\n');

export function installSdkStub(py, flags) {
  if (!flags.enable_python_external_sdk) {
    // workerd would inject its own built-in copy of the SDK; the lane has none to offer.
    throw new Error('lane: disable_python_external_sdk (or a date before 2026-04-21) needs the SDK built into workerd, which the lane does not have; vendor workers-runtime-sdk in python_modules/ instead');
  }
  const site = py.FS.sitePackages ?? '/lib/python3.13/site-packages';
  py.FS.mkdirTree(`${site}/workers`);
  py.FS.writeFile(`${site}/workers/__init__.py`, STUB.replaceAll('$MODNAME', 'workers'));
  py.FS.writeFile(`${site}/asgi.py`, STUB.replaceAll('$MODNAME', 'asgi'));
}

// Writes the bundle into the interpreter's file system and returns, per uploaded path (as
// `wrangler deploy` names its modules: relative to the main module's folder, vendored ones under
// `python_modules/`), the sha256 of the bytes read back from that file system.
export function writeBundle(py, bundleDir, srcDir) {
  const files = {};
  const walk = (from, to, rel) => {
    py.FS.mkdirTree(to);
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (e.name === '__pycache__') continue;
      if (e.isDirectory()) {
        walk(path.join(from, e.name), `${to}/${e.name}`, `${rel}${e.name}/`);
      } else {
        py.FS.writeFile(`${to}/${e.name}`, fs.readFileSync(path.join(from, e.name)));
        files[`${rel}${e.name}`] = crypto.createHash('sha256').update(py.FS.readFile(`${to}/${e.name}`)).digest('hex');
      }
    }
  };
  walk(srcDir, BUNDLE_ROOT, '');
  const vendor = path.join(bundleDir, VENDOR_DIR);
  if (fs.existsSync(vendor)) walk(vendor, `${BUNDLE_ROOT}/${VENDOR_DIR}`, `${VENDOR_DIR}/`);
  return files;
}

// Top-level module names the bundle vendors (for the import log).
export function vendoredTops(bundleDir) {
  const vendor = path.join(bundleDir, VENDOR_DIR);
  if (!fs.existsSync(vendor)) return [];
  return fs
    .readdirSync(vendor, { withFileTypes: true })
    .filter((e) => (e.isDirectory() && !e.name.endsWith('.dist-info')) || /\.py$/.test(e.name))
    .map((e) => e.name.replace(/\.py$/, ''));
}
