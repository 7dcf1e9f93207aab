// Undo and redo across the editing session: snapshots of the page (settings and blocks) taken as
// the owner edits; a step redraws the page's forms from the snapshot and saves it like any change.
// Also `ed.edited()`, the one way a panel says "the page changed" (a snapshot soon, a save soon).

import { html } from '../lib/html.js';
import { notice } from '../lib/notice.js';
import { blockItem, moveButtons, renumberAll } from './blocklist.js';
import { registerPanel } from './panels.js';
import { pageBody } from './saving.js';

let shortcut = null; // the open editor's Ctrl/Cmd+Z and Ctrl/Cmd+Shift+Z (or Y)
document.addEventListener('keydown', (ev) => shortcut?.(ev));

// The page's forms as a snapshot says, keeping open the blocks that were open.
export function drawPage(ed, body) {
  const list = document.getElementById('blocks');
  const form = document.getElementById('page-form');
  const open = new Set([...list.querySelectorAll('li.block details[open]')].map((d) => d.closest('li').dataset.id));
  list.innerHTML = html`${body.blocks.map((b) => blockItem(b, ed.ctx, open.has(b.id)))}`;
  for (const li of list.children) renumberAll(li);
  for (const name of ['title', 'description', 'slug']) if (form.elements[name]) form.elements[name].value = body[name] ?? '';
  moveButtons();
}

function history(ed, el) {
  const past = [];
  const future = [];
  let last = JSON.stringify(pageBody());
  const undoButton = el.querySelector('#undo');
  const redoButton = el.querySelector('#redo');
  const buttons = () => {
    undoButton.disabled = !past.length;
    redoButton.disabled = !future.length;
  };
  const remember = () => {
    const now = JSON.stringify(pageBody());
    if (now === last) return;
    past.push(last);
    if (past.length > 100) past.shift();
    future.length = 0;
    last = now;
    buttons();
  };
  let timer = null;
  const travel = (from, to, words) => {
    clearTimeout(timer);
    remember();
    if (!from.length) return;
    to.push(last);
    last = from.pop();
    drawPage(ed, JSON.parse(last));
    buttons();
    ed.savers.page.changed();
    ed.savers.page.now();
    notice(words);
  };
  const edited = () => {
    clearTimeout(timer);
    timer = setTimeout(remember, 600);
    ed.savers.page.changed();
  };
  return { remember, edited, undo: () => travel(past, future, 'Undone.'), redo: () => travel(future, past, 'Redone.'), typing: () => JSON.stringify(pageBody()) !== last };
}

function mount(el, ed) {
  const steps = history(ed, el);
  Object.assign(ed, { edited: steps.edited, undo: steps.undo, redo: steps.redo, remember: steps.remember, pageBody });
  // The page as the server now has it (a restored draft or version): drawn, undoable, previewed.
  ed.replacePage = ({ data, etag }, words) => {
    ed.store.set({ page: data, blocks: data.blocks, pageEtag: etag });
    drawPage(ed, data);
    steps.remember();
    ed.refreshPreview(true);
    notice(words);
  };
  ed.on('changed:blocks', steps.remember);
  el.querySelector('#undo').addEventListener('click', steps.undo);
  el.querySelector('#redo').addEventListener('click', steps.redo);
  shortcut = (ev) => {
    if (!ed.visit.live || !(ev.ctrlKey || ev.metaKey) || !['z', 'y'].includes(ev.key.toLowerCase()) || document.querySelector('dialog[open]')) return;
    // Inside a text field the browser's own undo works on what is typed there, until it is saved.
    const typing = ev.target.matches('input:not([type=checkbox]), textarea') && steps.typing();
    if (typing || ev.target.closest('#kept, #add-page, #seo, #theme, #library')) return;
    ev.preventDefault();
    (ev.key.toLowerCase() === 'y' || ev.shiftKey ? steps.redo : steps.undo)();
  };
}

registerPanel({
  id: 'undo', place: 'bar', order: 20,
  render: () => html`<span class="row" role="group" aria-label="Undo and redo"><button type="button" class="secondary" id="undo" disabled>Undo</button><button type="button" class="secondary" id="redo" disabled>Redo</button></span>`,
  mount,
});
