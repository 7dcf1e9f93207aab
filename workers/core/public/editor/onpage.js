// Editing on the page: the preview is the editing surface. The preview's own script
// (onpage/frame.js, loaded only by the editor's private preview) reports what the owner does
// there; this module turns each report into the same change a form would make, so autosave
// (with the page's ETag), undo and the leave guard work as for any edit:
//   select {block}          the block's form opens beside the preview
//   edit {block, field, v}  the text typed in place goes into the block's form control
//   insert {before | end}   the block-type chooser, then a new block at that place
//   move {block, by | to}   the block moves one place (Alt+↑/↓ on the page) or to another's
//                           place (dragged onto it)
// Messages are taken only from the preview frame's window and the preview's origin; each is
// checked (a block on this page, a field path, a string) before anything changes.

import { BLOCKS } from '../blockforms.js';
import { registerPanel } from './panels.js';

const FIELD = /^[a-z_]{1,40}(\.\d{1,2}\.[a-z_]{1,40})*(\.\d{1,2})?$/;
const MAX_TEXT = 20_000;

// The form control of `path` (e.g. "items.0.title", "plans.1.features.2") in a block's form.
export function controlFor(li, path) {
  const parts = path.split('.');
  let scope = li.querySelector('form');
  for (let i = 0; i < parts.length; i += 1) {
    const box = scope?.querySelector(`:scope > [data-field="${CSS.escape(parts[i])}"]`);
    if (!box) return null;
    if (i === parts.length - 1) return box.querySelector('input:not([type=hidden]):not([type=checkbox]), textarea');
    i += 1;
    const item = box.querySelector(':scope .items')?.children[Number(parts[i])];
    scope = item?.querySelector(':scope > fieldset');
    if (scope && i === parts.length - 1) return scope.querySelector(':scope > [data-field="value"] input');
  }
  return null;
}

const previewOrigin = (ed) => {
  try {
    return new URL(ed.store.state.site.preview_url).origin;
  } catch {
    return null;
  }
};

function talk(ed, frame) {
  return (message) => {
    const origin = previewOrigin(ed);
    if (origin) frame.contentWindow?.postMessage({ sp: 1, ...message }, origin);
  };
}

function handlers(ed, state) {
  const { blocks } = ed;
  const ids = () => [...blocks.list.children].map((li) => li.dataset.id);
  const index = (id) => ids().indexOf(id);
  return {
    ready() {
      state.post({ type: 'labels', labels: Object.fromEntries(Object.entries(BLOCKS).map(([t, spec]) => [t, spec.label])) });
      if (state.selected) state.post({ type: 'select', block: state.selected, focus: state.refocus });
      state.refocus = false;
    },
    select({ block, keyboard }) {
      state.selected = block;
      const wide = matchMedia('(min-width: 60rem)').matches;
      blocks.open(block, { focus: Boolean(keyboard), scroll: wide || Boolean(keyboard) });
    },
    edit({ block, field, value }) {
      const li = blocks.element(block);
      const control = li && FIELD.test(field) && typeof value === 'string' && value.length <= MAX_TEXT ? controlFor(li, field) : null;
      if (!control || control.value === value) return;
      control.value = value;
      state.applying = true;
      control.dispatchEvent(new Event('input', { bubbles: true }));
      state.applying = false;
      state.shows = JSON.stringify(ed.pageBody());
    },
    async insert({ before, end }) {
      const had = new Set(ids());
      let at = before ? index(before) : -1;
      if (end) {
        const last = blocks.list.lastElementChild;
        at = last && BLOCKS[last.dataset.type]?.closesPage ? ids().length - 1 : ids().length;
      }
      if (at < 0) return;
      await blocks.insert(at, null);
      state.selected = ids().find((id) => !had.has(id)) || state.selected;
    },
    move({ block, by, to }) {
      const li = blocks.element(block);
      const place = typeof to === 'string' ? index(to) : index(block) + by;
      if (!li || !(by === 1 || by === -1 || (typeof to === 'string' && place >= 0))) return;
      state.selected = block;
      state.refocus = by !== undefined;
      blocks.move(li, place, ed.preview.frame);
      state.shows = JSON.stringify(ed.pageBody());
      state.post({ type: 'order', ids: ids() });
    },
  };
}

function mount(el, ed) {
  const { frame } = ed.preview;
  const state = { post: talk(ed, frame), selected: null, refocus: false, shows: null, applying: false, force: false };
  const on = handlers(ed, state);
  // The frame keeps what it shows (no reload while the owner types in it) as long as the page is
  // what the frame made it; a change from the forms, undo or the site's settings reloads it.
  ed.preview.keep = (src) => {
    const same = frame.src === new URL(src, location.href).href && !state.force && state.shows === JSON.stringify(ed.pageBody());
    state.force = false;
    if (!same) state.shows = null;
    return same;
  };
  ed.on('saved:site', () => (state.force = true));
  window.addEventListener('message', (ev) => {
    if (!ed.visit.live || ev.source !== frame.contentWindow || ev.origin !== previewOrigin(ed)) return;
    const data = ev.data;
    if (!data || data.sp !== 1 || typeof data.type !== 'string' || !Object.hasOwn(on, data.type)) return;
    if (data.type !== 'ready' && data.type !== 'insert' && typeof data.block !== 'string') return;
    if (data.type === 'insert' && !(typeof data.before === 'string' || data.end === true)) return;
    on[data.type](data);
  });
}

registerPanel({ id: 'onpage', place: 'preview', order: 20, render: () => '', mount });
