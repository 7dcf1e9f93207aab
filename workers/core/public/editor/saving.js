// Saving as the owner edits (no Save button): one Saver (autosave.js) for the page (its settings
// and blocks, PUT with the page's ETag) and one for the site's settings (PATCH with the site's
// ETag), the status line they share, the conflict alert, and the leave guard. What is on screen
// is the draft: the savers read it from the forms (`pageBody`, `siteBody`).

import { BLOCKS, read, summary } from '../blockforms.js';
import { Saver, SaveStatus, draftKey } from '../autosave.js';
import { send } from '../lib/api.js';
import { clearFieldErrors, showFieldError } from '../lib/fields.js';
import { html } from '../lib/html.js';
import { notice } from '../lib/notice.js';
import { setLeaveGuard } from '../lib/router.js';
import { errorMessage } from '../lib/words.js';
import { registerPanel } from './panels.js';

let open = []; // the open editor's savers (stopped when an editor is drawn again)

const readBlock = (li, i) => ({ type: li.dataset.type, id: li.dataset.id, ...read(li.querySelector('form'), BLOCKS[li.dataset.type].fields, `blocks[${i}]`) });

export function pageBody() {
  const form = document.getElementById('page-form');
  return { title: form.elements.title.value, description: form.elements.description.value,
    ...(form.elements.slug ? { slug: form.elements.slug.value } : {}), blocks: [...document.getElementById('blocks').children].map(readBlock) };
}

export function siteBody() {
  const theme = document.getElementById('theme').elements;
  const seo = document.getElementById('seo').elements;
  return { theme: { palette: theme.palette.value, fonts: theme.fonts.value, primary: theme.own.checked ? theme.primary.value : '', logo: document.getElementById('th-logo').dataset.value || '' },
    seo: { title: seo.title.value, description: seo.description.value, language: seo.language.value,
      social_image: document.getElementById('seo-social').dataset.value || '', favicon: document.getElementById('seo-icon').dataset.value || '' } };
}

// A refusal is shown by its field (an autosave never moves the focus), else in the notice area.
const invalid = (ids) => (e) => {
  const roots = ids.map((id) => document.getElementById(id));
  for (const root of roots) clearFieldErrors(root);
  if (!roots.some((root) => showFieldError(root, e, e.field, false))) notice(`Not saved: ${errorMessage(e)}`, 'error');
};

// A block the server refuses (a half-typed link) does not hold back the others: they are saved
// with that block as it was last saved, and the refusal is shown by its field (still unsaved,
// still kept in the browser).
async function writePage(ed, body) {
  const { store } = ed;
  let sent = body;
  let refused = null;
  for (;;) {
    let reply;
    try {
      reply = await send('PUT', ed.pageUrl, sent, { etag: store.state.pageEtag });
    } catch (e) {
      const at = e.status === 400 && /^blocks\[(\d+)\]/.exec(e.field || '');
      const i = at ? Number(at[1]) : -1;
      const before = at && store.state.blocks.find((b) => b.id === sent.blocks[i]?.id);
      if (!before || before === sent.blocks[i]) throw e;
      refused ||= e;
      sent = { ...sent, blocks: sent.blocks.map((b, n) => (n === i ? before : b)) };
      continue;
    }
    store.set({ page: reply.data, blocks: reply.data.blocks, pageEtag: reply.etag });
    if (!refused) return reply;
    ed.emit('saved:page', sent);
    throw refused;
  }
}

function pageSaver(ed) {
  return new Saver({
    key: draftKey(ed.site.id, ed.page.id),
    snapshot: pageBody,
    base: () => ed.store.state.pageEtag,
    write: (body) => writePage(ed, body),
    onSaved: (body) => {
      clearFieldErrors(document.getElementById('blocks'));
      clearFieldErrors(document.getElementById('page-form'));
      [...document.getElementById('blocks').children].forEach((li, i) => (li.querySelector('.summary').textContent = summary(body.blocks[i] || {})));
      ed.emit('saved:page', body);
    },
    onInvalid: invalid(['page-form', 'blocks']),
    onConflict: () => ed.emit('conflict', 'page'),
  });
}

function siteSaver(ed) {
  const { store } = ed;
  return new Saver({
    key: draftKey(ed.site.id, 'site'),
    snapshot: siteBody,
    base: () => store.state.siteEtag,
    write: async (body) => {
      const { site } = store.state;
      const reply = await send('PATCH', ed.base, { theme: { ...site.theme, ...body.theme }, seo: { ...site.seo, ...body.seo } }, { etag: store.state.siteEtag });
      store.set({ site: reply.data, siteEtag: reply.etag });
      return reply;
    },
    onSaved: (body) => {
      clearFieldErrors(document.getElementById('theme'));
      clearFieldErrors(document.getElementById('seo'));
      ed.emit('saved:site', body);
    },
    onInvalid: invalid(['theme', 'seo']),
    onConflict: () => ed.emit('conflict', 'site'),
  });
}

function mount(el, ed) {
  for (const old of open) old.stop();
  const savers = { page: pageSaver(ed), site: siteSaver(ed) };
  open = Object.values(savers);
  ed.savers = savers;
  // Everything saved? Saves what waits first; false when something could not be saved.
  ed.saveAll = async () => (await Promise.all(open.map((x) => x.flush()))).every(Boolean);
  const status = new SaveStatus(el.querySelector('#save-status'));
  for (const saver of open) status.track(saver);
  const mine = open;
  setLeaveGuard(() => mine.some((x) => x.unsaved), () => Promise.all(mine.map((x) => x.flush())));
  ed.on('drawn', () => {
    if (ed.pageDraft.restore) savers.page.changed();
    if (ed.siteDraft.restore) savers.site.changed();
    if (ed.pageDraft.restore || ed.siteDraft.restore) notice('Changes that had not reached SmartPages yet are back in the editor and are being saved now.');
  });
}

registerPanel({
  id: 'save', place: 'bar', order: 10,
  render: () => html`<p class="save-status" id="save-status" role="status" aria-live="polite">Saved</p>`,
  mount,
});

// A write refused because the page or the site changed elsewhere: the text stays where it is.
function conflictAlert(what) {
  return html`<div class="alert error"><p>${what === 'page' ? 'This page' : 'The site’s settings'} changed in another tab or on another device since you opened it, so your latest changes were not saved. Nothing you typed is lost: it stays here.</p>
      <button type="button" class="secondary" id="conflict-load">Load the other version (your text is kept to copy)</button></div>`;
}

registerPanel({
  id: 'conflict', place: 'top', order: 10,
  render: () => html`<div id="conflict" class="conflict" role="alert"></div>`,
  mount: (el, ed) => {
    ed.on('conflict', (what) => {
      el.querySelector('#conflict').innerHTML = conflictAlert(what);
    });
    el.addEventListener('click', (ev) => {
      if (ev.target.id !== 'conflict-load') return;
      for (const x of open) x.stop();
      ed.reopen().then(() => document.getElementById('kept')?.focus());
    });
  },
});
