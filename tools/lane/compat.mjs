// Compatibility flags as workerd computes them (compatibility-date.c++ compileCompatibilityFlags):
// each flag is on when listed, or when its enable date is on or before `compatibility_date` and
// its disable flag is not listed; then flags implied by another (impliedByAfterDate) follow, in
// schema order. The table is workerd's own schema at the pinned version (compat-flags.json, made
// by gen_compat_flags.py and checked against the binary by tests/lane/test_compat_flags.py).

import fs from 'node:fs';

const TABLE = JSON.parse(fs.readFileSync(new URL('./compat-flags.json', import.meta.url), 'utf8'));

// -> { enable_flag_name: bool } for every flag (the object workerd hands Python as
// `_cloudflare_compat_flags`). Throws workerd's message for a list it would refuse.
export function compatFlags(date, listed = []) {
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
  const out = {};
  for (const f of TABLE) if (f.enable) out[f.enable] = byField[f.field];
  return out;
}
