// Reads the staged bundles (build/<worker>/) and their unstaged secrets (workers/<worker>/).

import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';

export function readWorkers(buildDir, repoRoot) {
  const workers = [];
  for (const short of fs.readdirSync(buildDir).sort()) {
    const dir = path.join(buildDir, short);
    const tomlFile = path.join(dir, 'wrangler.toml');
    if (!fs.existsSync(tomlFile)) continue;
    const config = parseToml(fs.readFileSync(tomlFile, 'utf8'));
    const flags = config.compatibility_flags ?? [];
    if (!flags.includes('python_workers')) throw new Error(`${tomlFile}: not a Python worker (no python_workers flag)`);
    const main = config.main ?? 'src/entry.py';
    workers.push({
      short,
      name: config.name ?? short,
      dir,
      config,
      srcDir: path.join(dir, path.dirname(main)),
      secrets: readSecrets(dir) ?? readSecrets(path.join(repoRoot, 'workers', short)) ?? { file: null, values: {} },
    });
  }
  if (!workers.length) throw new Error(`no worker bundles in ${buildDir} (run: python3 -m tools.build)`);
  return workers;
}

// `.dev.vars` as wrangler reads it: beside the bundle's wrangler.toml (the deploy rehearsal writes
// one there; staged bundles never hold one), else the worker's source folder, falling back to
// `.dev.vars.example` so a clean clone runs.
function readSecrets(dir) {
  for (const name of ['.dev.vars', '.dev.vars.example']) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return { file, values: parseDotenv(fs.readFileSync(file, 'utf8')) };
  }
  return null;
}

export function parseDotenv(text) {
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (/^"(.*)"$/s.test(v)) v = v.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"');
    else if (/^'(.*)'$/s.test(v)) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1]] = v;
  }
  return out;
}
