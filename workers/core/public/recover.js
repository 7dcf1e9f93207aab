// What this browser kept and the server does not have: after a reload, a failed save or a change
// made in another tab. `sort` decides per kept draft: put it back into the editor (the server has
// not changed since it was kept) or keep it beside the editor (it has: the owner chooses, block by
// block). `words` turns a kept block into plain lines the owner can read and copy: field labels and
// values, never an id or a hash.

import { BLOCKS, DAYS, render, read } from './blockforms.js';
import { draftsFor, keptKey, readStored, store } from './autosave.js';

export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// A block as the editor's form reads it back, so a server block and a kept one compare fairly.
export function normal(block, ctx) {
  const spec = BLOCKS[block.type];
  if (!spec) return block;
  const box = document.createElement('div');
  box.innerHTML = render(spec.fields, block, ctx);
  return { type: block.type, id: block.id, ...read(box, spec.fields, 'x') };
}

// The drafts kept for one document (a page id, or 'site'), against the server's copy `now` (in the
// editor's shape) and its ETag: { restore: a body to show and save, kept: a body to offer }.
export function sort(siteId, doc, now, etag) {
  let restore = null;
  let kept = readStored(keptKey(siteId, doc));
  for (const draft of draftsFor(siteId, doc)) {
    store(draft.key, null); // this editor's saver keeps it from here on
    if (same(draft.body, now)) continue;
    if (!restore && draft.etag === etag) restore = draft.body;
    else if (!kept || draft.at > kept.at) kept = { body: draft.body, at: draft.at };
  }
  if (kept && same(kept.body, now)) kept = null;
  store(keptKey(siteId, doc), kept);
  return { restore, kept: kept?.body || null };
}

const dayName = Object.fromEntries(DAYS);

export function words(fields, value, prefix = '') {
  const out = [];
  for (const f of fields) {
    const v = value?.[f.name];
    if (f.kind === 'image' || v === undefined || v === null || v === '') continue;
    if (f.kind === 'list') {
      (v || []).forEach((item, i) => {
        const head = `${prefix}${f.itemLabel} ${i + 1}`;
        out.push(...(f.item ? words(f.item, item, `${head}, `) : [`${head}: ${item}`]));
      });
    } else if (f.kind === 'hours') {
      for (const h of v) out.push(`${prefix}${dayName[h.day] || h.day}: ${h.closed ? 'closed' : `${h.opens || '?'} to ${h.closes || '?'}`}`);
    } else if (f.kind === 'check') out.push(`${prefix}${f.label}: ${v ? 'yes' : 'no'}`);
    else if (f.kind === 'choice') out.push(`${prefix}${f.label}: ${f.options.find(([k]) => k === v)?.[1] ?? v}`);
    else out.push(`${prefix}${f.label}: ${v}`);
  }
  return out;
}

export const blockWords = (block) => words(BLOCKS[block.type]?.fields || [], block).join('\n');

// What the server has, in the shapes the savers send (so a kept draft compares fairly).
export const serverPage = (s, ctx) => ({ title: s.page.title, description: s.page.description, ...(s.page.slug ? { slug: s.page.slug } : {}), blocks: s.blocks.map((b) => normal(b, ctx)) });
export const serverSite = (site) => ({ theme: { palette: site.theme.palette, fonts: site.theme.fonts, primary: site.theme.primary || '', logo: site.theme.logo || '' },
  seo: { title: site.seo.title || '', description: site.seo.description || '', language: site.seo.language || 'en', social_image: site.seo.social_image || '', favicon: site.seo.favicon || '' } });
