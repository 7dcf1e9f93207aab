// The site editor: loads what it needs, builds the one store and the editor context `ed`, draws
// every registered panel in its place and mounts it. The panels themselves are the modules listed
// in editor/all.js; see editor/panels.js for how one registers.
//
// ed = {
//   visit, site, page (as loaded), base (/sites/<id>), pageUrl, store (editor/store.js),
//   role: hers on this site ('owner', 'editor' or 'viewer': customer/team.py; each panel says
//     which roles see it),
//   ctx: { thumb(sha), imageName(sha) } for the block forms, shown: the page as first drawn (the
//   server's, or the draft put back), pageDraft/siteDraft: what recover.js sorted,
//   act(button, where, fn): lib/action.js's act, a 412 showing the editor's conflict,
//   on(event, fn) / emit(event, ...args): hooks between panels ('drawn', 'saved:page',
//     'saved:site', 'changed:blocks', 'conflict'), and what panels publish for others: savers and
//     saveAll (saving.js), edited, undo, redo, remember, pageBody, replacePage (undo.js), blocks
//     (blocks.js), preview and refreshPreview (preview.js), refreshLibrary (library.js).
// }

import { loadCatalogue } from '../blockforms.js';
import { act } from '../lib/action.js';
import { api, send } from '../lib/api.js';
import { enc } from '../lib/format.js';
import { html } from '../lib/html.js';
import { serverPage, serverSite, sort } from '../recover.js';
import { addRoute } from '../lib/router.js';
import { panelsIn } from './panels.js';
import { Store } from './store.js';
import './all.js';

async function load(siteId, pageId) {
  const base = `/sites/${enc(siteId)}`;
  const [siteReply, library, { versions }, inbox] = await Promise.all([
    send('GET', base), api('GET', `${base}/assets`), api('GET', `${base}/versions`), api('GET', `${base}/leads`).catch(() => ({ unread: 0 })), // the owner's alone
    loadCatalogue(),
  ]);
  const site = siteReply.data;
  const id = site.pages.some((p) => p.id === pageId) ? pageId : site.pages[0]?.id;
  const pageReply = await send('GET', `${base}/pages/${enc(id)}`);
  return { base, site, siteEtag: siteReply.etag, page: pageReply.data, pageEtag: pageReply.etag, blocks: pageReply.data.blocks, assets: library.assets, versions, unread: inbox.unread };
}

// The thumbnails and names the block forms show for a picture (never its hash).
function pictures(store, base) {
  const find = (sha) => store.state.assets.find((x) => x.sha256 === sha);
  return {
    thumb: (sha) => {
      const small = find(sha)?.variants?.find((v) => v.content_type === 'image/webp' && v.width <= 480);
      return `/api/v1${base}/assets/${small ? small.variant : sha}`;
    },
    imageName: (sha) => {
      const a = find(sha);
      return a ? a.name || 'Uploaded picture' : 'A picture no longer in your library';
    },
  };
}

function context(visit, loaded) {
  const { base, site, page } = loaded;
  const store = new Store(loaded);
  const ctx = pictures(store, base);
  const hooks = {};
  const ed = {
    visit, site, page, base, store, ctx, pageUrl: `${base}/pages/${enc(page.id)}`, role: site.role || 'owner',
    on: (event, fn) => (hooks[event] ||= []).push(fn),
    emit: (event, ...args) => (hooks[event] || []).forEach((fn) => fn(...args)),
    act: (button, where, fn) => act(button, where, fn, { stale: () => ed.emit('conflict', 'page') }),
    reopen: () => openEditor(visit),
  };
  // What this browser kept and the server does not have yet: put back if the server has not
  // changed since (a save that failed, a reload while offline), offered beside the editor if it has.
  ed.pageDraft = sort(site.id, page.id, serverPage(loaded, ctx), loaded.pageEtag);
  ed.siteDraft = sort(site.id, 'site', serverSite(site), loaded.siteEtag);
  ed.shown = ed.pageDraft.restore || { ...serverPage(loaded, ctx), blocks: loaded.blocks };
  return ed;
}

const section = (p, ed) => (p.title
  ? html`<section id="panel-${p.id}" aria-labelledby="h-${p.id}"><h2 id="h-${p.id}">${typeof p.title === 'function' ? p.title(ed) : p.title}</h2><div class="panel-body">${p.render(ed)}</div></section>`
  : html`<div id="panel-${p.id}" class="panel-body">${p.render(ed)}</div>`);

// On a phone the panels stack into one long column above the preview: this list of buttons jumps
// to each (buttons, not #links: a fragment would be a navigation). Hidden on a wide screen.
function jumps(ed) {
  const titled = [...panelsIn('side', ed.role), ...panelsIn('preview', ed.role)].filter((p) => p.title);
  return html`<nav class="jumps" aria-label="Parts of the editor"><ul>${titled.map((p) => html`<li><button type="button" class="secondary" data-jump="${p.id}">${p.short || (typeof p.title === 'function' ? p.id : p.title)}</button></li>`)}</ul></nav>`;
}

function jumpTo(ev) {
  const button = ev.target.closest('[data-jump]');
  if (!button) return;
  const heading = document.getElementById(`h-${button.dataset.jump}`);
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
  heading.closest('section').scrollIntoView({ block: 'start' });
}

function layout(ed) {
  const all = (place) => panelsIn(place, ed.role).map((p) => section(p, ed));
  return html`<h1>${ed.site.name}</h1>
    <div class="toolbar">${all('bar')}</div>${jumps(ed)}
    ${all('top')}
    <div class="editor"><div class="panels">${all('side')}</div>
    <div class="preview-pane">${all('preview')}</div></div>`;
}

export async function openEditor(visit) {
  const loaded = await load(decodeURIComponent(visit.match[1]), visit.params.get('page'));
  if (!visit.live) return;
  const ed = context(visit, loaded);
  if (!visit.view(`Edit ${ed.site.name}`, layout(ed))) return;
  document.getElementById('main').classList.add('wide');
  document.querySelector('.jumps').addEventListener('click', jumpTo);
  const places = ['bar', 'top', 'side', 'preview'].flatMap((place) => panelsIn(place, ed.role));
  for (const p of places) {
    const el = document.getElementById(`panel-${p.id}`);
    const body = p.title ? el.querySelector(':scope > .panel-body') : el;
    if (p.watch.length) ed.store.watch(p.watch, () => visit.live && (body.innerHTML = p.render(ed)));
    p.mount?.(el, ed);
  }
  ed.emit('drawn');
}

export function register() {
  addRoute(/^\/sites\/([^/]+)$/, openEditor);
}
