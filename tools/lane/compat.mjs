// Compatibility flags as workerd computes them (compatibility-date.c++ compileCompatibilityFlags):
// each flag is on when listed, or when its enable date is on or before `compatibility_date` and
// its disable flag is not listed; then flags implied by another (impliedByAfterDate) follow, in
// ordinal order. The table is the schema of the workerd `wrangler deploy` targets (the pinned
// wrangler's own, compat-flags.json, read from its binary by gen_compat_flags.py and checked
// against it by tests/lane/test_compat_flags.py).

import fs from 'node:fs';

const TABLE = JSON.parse(fs.readFileSync(new URL('./compat-flags.json', import.meta.url), 'utf8'));

// -> { enable_flag_name: bool } for every flag (the object workerd hands Python as
// `_cloudflare_compat_flags`). Throws workerd's message for a list it would refuse.
export function compatFlags(date, listed = []) {
  const byField = fieldsOn(date, listed);
  const out = {};
  for (const f of TABLE) if (f.enable) out[f.enable] = byField[f.field];
  return out;
}

// The Python each release flag runs (workerd's pyodide_extra.capnp releases, by field).
export const PYTHON_RELEASES = {
  pythonWorkers: { pyodide: '0.26.0a2', python: '3.12' },
  pythonWorkers20250116: { pyodide: '0.28.2', python: '3.13' },
  pythonWorkers20260610: { pyodide: '314.0.4', python: '3.14' },
  pythonWorkers314: { pyodide: '314.0.6', python: '3.14' },
  pythonWorkersDevPyodide: { pyodide: 'dev', python: 'dev' },
};
// The release the lane runs: npm `pyodide` 0.28.x, Python 3.13.
export const LANE_RELEASE = 'pythonWorkers20250116';

// workerd's getPythonSnapshotRelease: of the fields carrying $pythonSnapshotRelease that are on,
// the one with the highest index. -> { field, flag, pyodide, python } (null for a JS worker).
export function pythonRelease(date, listed = []) {
  const byField = fieldsOn(date, listed);
  let found = null;
  for (const f of TABLE) if (f.pythonRelease && byField[f.field]) found = f;
  if (!found) return null;
  const release = PYTHON_RELEASES[found.field];
  if (!release) throw new Error(`lane: unknown Python release ${found.field}: add it to PYTHON_RELEASES (compat.mjs)`);
  return { field: found.field, flag: found.enable, ...release };
}

// Refuses a worker whose date and flags select a Python the lane does not run (the lane would
// rehearse 3.13 while Cloudflare runs another). -> null when the lane runs it, else the message.
export function laneRefusal(name, date, listed = []) {
  const release = pythonRelease(date, listed);
  if (!release || release.field === LANE_RELEASE) return null;
  const lane = PYTHON_RELEASES[LANE_RELEASE];
  return (
    `${name}: compatibility_date ${date} runs Python ${release.python} (Pyodide ${release.pyodide}, ` +
    `${release.flag}) on Cloudflare, but the lane runs Python ${lane.python} (Pyodide ${lane.pyodide} line): ` +
    'keep the date (and flags) on the lane\'s Python, or move the lane first (tools/lane/README.md, "Moving to Python 3.14")'
  );
}

function fieldsOn(date, listed) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date ?? '')) throw new Error(`Invalid compatibility date: ${date}`);
  const requested = new Set(listed);
  if (requested.size !== listed.length) throw new Error(`Compatibility flag specified multiple times: ${listed}`);
  const errors = [];
  const byField = {};
  const implied = [];
  for (const f of TABLE) {
    const byFlag = f.enable !== undefined && requested.delete(f.enable);
    const disabled = f.disable !== undefined && requested.delete(f.disable);
    const byDate = Boolean(f.allDates) || (f.date !== undefined && date >= f.date);
    for (const i of f.impliedBy ?? []) {
      if (date >= i.date && !disabled) for (const other of i.fields) implied.push([f.field, other]);
    }
    if (byFlag && disabled) errors.push(`Compatibility flags are mutually contradictory: ${f.enable} vs ${f.disable}`);
    if (byFlag && byDate) {
      errors.push(f.date ? `The compatibility flag ${f.enable} became the default as of ${f.date} so does not need to be specified anymore.` : `The compatibility flag ${f.enable} is the default, so does not need to be specified anymore.`);
    }
    if (byFlag && f.experimental) errors.push(`The compatibility flag ${f.enable} is experimental and cannot yet be used in Workers deployed to Cloudflare.`);
    byField[f.field] = byFlag || (byDate && !disabled);
  }
  for (const [field, other] of implied) if (byField[other]) byField[field] = true;
  for (const flag of requested) errors.push(`No such compatibility flag: ${flag}`);
  if (errors.length) throw new Error(errors.join('\n'));
  return byField;
}

// CLI for tools/deploy.py's pre-check: `node tools/lane/compat.mjs NAME DATE [FLAG...]` prints the
// refusal and exits 1, or exits 0.
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(new URL(import.meta.url))) {
  const [name, date, ...flags] = process.argv.slice(2);
  try {
    const refusal = laneRefusal(name, date, flags);
    if (refusal) {
      console.log(refusal);
      process.exit(1);
    }
  } catch (e) {
    console.log(`${name}: ${e.message}`);
    process.exit(1);
  }
}
