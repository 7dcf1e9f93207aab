// The page's history: its saved drafts and the drafts it was published from, newest first, each
// with its time and what changed in words (customer/history.py); any of them can be put back as
// the draft ("Restore"), which is itself a change undo takes back. Each says who saved it.
// Refreshed after saves and publishing.

import { Refusal } from '../lib/action.js';
import { api, send } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { enc, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { registerPanel } from './panels.js';

const KIND = {
  draft: 'Draft saved',
  restored: 'Earlier draft put back',
};

function title(entry) {
  if (entry.kind === 'published') return `Published as version ${entry.version}`;
  return KIND[entry.kind] || 'Draft saved';
}

// Who saved it, for a site with a team (the address then: customer/history.py).
const by = (entry) => (entry.who ? html` <span class="muted">by ${entry.who}</span>` : '');

function item(entry, i) {
  const said = entry.changes.length ? entry.changes : ['The page as it was when you began editing'];
  const name = `${title(entry)}, ${when(entry.saved_at)}`;
  return html`<li class="card history-entry"><p><strong>${title(entry)}</strong> <span class="muted">${when(entry.saved_at)}</span>${by(entry)}</p>
    <ul class="changes">${said.map((s) => html`<li>${s}</li>`)}</ul>
    ${i === 0 ? html`<p class="muted">This is your draft now.</p>` : html`<button type="button" class="secondary" data-restore="${entry.number}" aria-label="Restore: ${name}">Restore this</button>`}</li>`;
}

function render(ed) {
  const entries = ed.store.state.history;
  if (!entries) return html`<p class="muted" id="history">Loading the history…</p>`;
  return html`<p class="hint">Every few minutes of editing is kept here, and each version you publish (the last 30).</p>
    ${entries.length ? html`<ol class="stack history" id="history">${entries.map(item)}</ol>` : html`<p class="muted" id="history">Nothing changed yet.</p>`}`;
}

async function restore(ed, number) {
  const ok = await confirmDialog('Put this earlier draft back? Your current draft stays in the history, and Undo brings it back too.', 'Restore');
  if (!ok) return;
  if (!(await ed.saveAll())) throw new Refusal('Your latest changes are not saved yet, so nothing was restored. Nothing you typed is lost.');
  const reply = await send('POST', `${ed.pageUrl}/history/${enc(number)}/restore`, {}, { etag: ed.store.state.pageEtag });
  ed.replacePage(reply, 'The earlier draft is back. Undo returns to the one before.');
  await load(ed);
  document.getElementById('h-history')?.focus();
}

async function load(ed) {
  try {
    const { entries } = await api('GET', `${ed.pageUrl}/history`);
    if (ed.visit.live) ed.store.set({ history: entries });
  } catch {
    // The history is a convenience: the editor works without it; it is asked again after a save.
  }
}

function mount(el, ed) {
  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ed.visit.live && load(ed), 1500);
  };
  ed.on('saved:page', soon);
  ed.on('changed:blocks', soon);
  ed.store.watch(['versions'], soon);
  document.getElementById('h-history').tabIndex = -1;
  el.addEventListener('click', (ev) => {
    const button = ev.target.closest('[data-restore]');
    if (button) ed.act(button, null, () => restore(ed, button.dataset.restore));
  });
  load(ed);
}

registerPanel({ id: 'history', title: 'History of this page', short: 'History', order: 65, watch: ['history'], render, mount });
