// What the block list does in place (nothing redraws the whole editor): a block drawn as its
// form, moved, deleted (with Undo), inserted at a place, and the items of its lists added,
// moved and removed. Used by editor/blocks.js (the panel) and editor/undo.js (redraws a snapshot).

import { BLOCKS, listItem, listSpec, render, renumber, starterWith, summary } from '../blockforms.js';
import { send } from '../lib/api.js';
import { Refusal } from '../lib/action.js';
import { html } from '../lib/html.js';
import { notice } from '../lib/notice.js';

const list = () => document.getElementById('blocks');
export const indexOf = (li) => [...list().children].indexOf(li);

const insertButton = (label) => html`<div class="insert"><button type="button" class="secondary add-here" data-insert aria-label="Insert here: a new block above ${label.toLowerCase()}">+ Insert here</button></div>`;

export function blockItem(b, ctx, open = false) {
  const spec = BLOCKS[b.type];
  return html`<li class="card block" data-id="${b.id}" data-type="${b.type}" aria-label="${spec.label} block">${insertButton(spec.label)}
    <div class="row block-head"><span class="handle" draggable="true" title="Drag to move" aria-hidden="true">⠿</span>
      <strong>${spec.label}</strong> <span class="muted summary">${summary(b)}</span>
      <span class="row push"><button type="button" class="secondary" data-move="-1" aria-label="Move ${spec.label} block up">↑</button>
      <button type="button" class="secondary" data-move="1" aria-label="Move ${spec.label} block down">↓</button>
      <button type="button" class="danger" data-delete>Delete</button></span></div>
    <details ${open && html`open`}><summary>Edit ${spec.label.toLowerCase()}</summary>
    <form class="stack block-form" novalidate>${render(spec.fields, b, ctx)}</form></details></li>`;
}

const specOfBox = (li, box) => {
  const names = [];
  for (let el = box; el && el !== li; el = el.parentElement) if (el.dataset?.field) names.unshift(el.dataset.field);
  return listSpec(li.dataset.type, names);
};

// Numbers and first/last buttons after a change: the lists inside a block, and the blocks.
export function renumberAll(li) {
  for (const box of li.querySelectorAll('.field.list')) renumber(box, specOfBox(li, box).itemLabel);
}

export function moveButtons() {
  const items = [...list().children];
  items.forEach((li, i) => {
    li.querySelector('[data-move="-1"]').disabled = i === 0;
    li.querySelector('[data-move="1"]').disabled = i === items.length - 1;
  });
}

export function moveTo(ed, li, to, focus) {
  const from = indexOf(li);
  const count = list().children.length;
  if (to < 0 || to >= count || to === from) return;
  list().insertBefore(li, list().children[to + (to > from ? 1 : 0)] || null);
  moveButtons();
  ed.edited();
  ed.savers.page.now();
  notice(`${BLOCKS[li.dataset.type].label} block moved to place ${to + 1} of ${count}.`);
  (focus && !focus.disabled ? focus : li.querySelector('[data-move]:not(:disabled)'))?.focus();
}

export function deleteBlock(ed, li) {
  const at = indexOf(li);
  const label = BLOCKS[li.dataset.type].label;
  const next = li.nextElementSibling || li.previousElementSibling;
  const changed = () => {
    moveButtons();
    ed.edited();
    ed.savers.page.now();
  };
  li.remove();
  changed();
  (next?.querySelector('[data-delete]') || document.getElementById('add-type')).focus();
  notice(`${label} block deleted.`, 'ok', {
    label: 'Undo',
    run: () => {
      list().insertBefore(li, list().children[at] || null);
      changed();
      notice(`${label} block is back.`);
      li.querySelector('[data-delete]').focus();
    },
  });
}

// A new block at `at` (a place in the list): what waits is saved first, then one POST.
export async function insertBlock(ed, type, at) {
  const spec = BLOCKS[type];
  const { store } = ed;
  const first = store.state.assets[0]?.sha256;
  if (spec.needsImage && !first) throw new Refusal('Add a picture under “Pictures” first.');
  if (!(await ed.savers.page.flush())) throw new Refusal('Your latest changes are not saved yet (see above), so the block was not added. Nothing you typed is lost.');
  const made = spec.needsImage ? starterWith(type, first) : spec.make;
  const { data, etag } = await send('POST', `${ed.pageUrl}/blocks`, { type, ...made, position: at }, { etag: store.state.pageEtag });
  const blocks = [...store.state.blocks];
  blocks.splice(at, 0, data);
  store.set({ pageEtag: etag, blocks });
  const before = list().children[at];
  const markup = blockItem(data, ed.ctx, true);
  before ? before.insertAdjacentHTML('beforebegin', markup) : list().insertAdjacentHTML('beforeend', markup);
  const li = list().children[at];
  renumberAll(li);
  moveButtons();
  ed.emit('changed:blocks');
  li.querySelector('form input, form textarea, form [data-pick]')?.focus();
  notice(`${spec.label} block added at place ${at + 1} of ${list().children.length}.`);
}

// The items of a list inside a block (features, photos, price plans and their lines, ...).
export function addItem(ed, li, button) {
  const box = button.closest('.field.list');
  const spec = specOfBox(li, box);
  const items = box.querySelector('.items');
  items.insertAdjacentHTML('beforeend', listItem(spec, spec.item ? {} : '', items.children.length, ed.ctx));
  renumber(box, spec.itemLabel);
  items.lastElementChild.querySelector('input, textarea, [data-pick]')?.focus();
  ed.edited();
}

export function moveOrRemoveItem(ed, li, button) {
  const item = button.closest('li.item');
  const box = item.closest('.field.list');
  const label = specOfBox(li, box).itemLabel;
  if (button.hasAttribute('data-item-remove')) {
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    renumber(box, label);
    (next?.querySelector('[data-item-remove]') || box.querySelector('[data-add-item]')).focus();
  } else {
    if (button.dataset.itemMove === '-1' && item.previousElementSibling) item.parentElement.insertBefore(item, item.previousElementSibling);
    else if (button.dataset.itemMove === '1' && item.nextElementSibling) item.parentElement.insertBefore(item.nextElementSibling, item);
    renumber(box, label);
    (button.disabled ? item.querySelector('[data-item-move]:not(:disabled)') : button).focus();
  }
  ed.edited();
}
