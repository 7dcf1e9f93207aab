// The blocks of the open page, each as its form (blockforms.js), in page order: "+ Insert here"
// above each, ↑/↓, Alt+↑/↓ and drag to move, Delete with Undo, "Add block" at the end (before a
// block that closes the page). Every change goes to the page's saver.

import { BLOCKS, picked } from '../blockforms.js';
import { Refusal } from '../lib/action.js';
import { fieldError } from '../lib/fields.js';
import { html } from '../lib/html.js';
import { registerPanel } from './panels.js';
import { addItem, blockItem, deleteBlock, indexOf, insertBlock, moveButtons, moveOrRemoveItem, moveTo, renumberAll } from './blocklist.js';
import { chooseType, pickImage } from './pickers.js';

function render(ed) {
  return html`<p class="hint" id="move-hint">Every change is saved as you make it. Add a block where you want it with “+ Insert here”; move a block with its ↑ and ↓ buttons, Alt+↑/↓ or by dragging ⠿.</p>
    <ol class="blocks" id="blocks" aria-describedby="move-hint">${ed.shown.blocks.map((b) => blockItem(b, ed.ctx))}</ol>
    <form class="row" id="add-block" novalidate><label for="add-type">Block type</label><select id="add-type" name="type" data-path="block">${Object.entries(BLOCKS).map(([t, spec]) => html`<option value="${t}">${spec.label}</option>`)}</select>
      <button type="submit">Add block</button><p class="form-alert" role="alert"></p></form>`;
}

// A picture button: the library chooser, then the new choice drawn in its place.
async function choose(ed, button) {
  const sha = await pickImage(ed, button);
  if (sha === undefined) return false;
  const id = button.id;
  button.closest('.picked').outerHTML = picked(sha, ed.ctx, id);
  document.getElementById(id).focus();
  return true;
}

async function onClick(ed, button) {
  const li = button.closest('li.block');
  if (button.hasAttribute('data-insert')) {
    const type = await chooseType(ed);
    if (type) await ed.act(null, null, () => insertBlock(ed, type, indexOf(li)));
  } else if (button.dataset.move) moveTo(ed, li, indexOf(li) + Number(button.dataset.move), button);
  else if (button.hasAttribute('data-delete')) deleteBlock(ed, li);
  else if (button.hasAttribute('data-pick')) (await choose(ed, button)) && ed.edited();
  else if (button.dataset.addItem) addItem(ed, li, button);
  else if (button.dataset.itemMove || button.hasAttribute('data-item-remove')) moveOrRemoveItem(ed, li, button);
}

// Mouse: drag a block by its handle.
function draggable(ed, list) {
  let dragged = null;
  list.addEventListener('dragstart', (ev) => {
    dragged = ev.target.closest('li.block');
    ev.dataTransfer.effectAllowed = 'move';
    ev.dataTransfer.setData('text/plain', dragged.dataset.id);
    dragged.classList.add('dragging');
  });
  list.addEventListener('dragover', (ev) => dragged && ev.preventDefault());
  list.addEventListener('dragend', () => dragged?.classList.remove('dragging'));
  list.addEventListener('drop', (ev) => {
    ev.preventDefault();
    const target = ev.target.closest('li.block');
    if (!dragged || !target || target === dragged) return;
    const li = dragged;
    dragged = null;
    moveTo(ed, li, indexOf(target), li.querySelector('.handle'));
  });
}

// "Add block": at the end, but before a block that closes the page (the footer).
function addAtEnd(ed, form, list) {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ed.act(form.querySelector('button'), form, async () => {
      const count = list.children.length;
      const at = count && BLOCKS[list.lastElementChild.dataset.type].closesPage ? count - 1 : count;
      try {
        await insertBlock(ed, form.elements.type.value, at);
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        fieldError(form.elements.type, e.message);
      }
    });
  });
}

function mount(el, ed) {
  const list = el.querySelector('#blocks');
  for (const li of list.children) renumberAll(li);
  moveButtons();
  list.addEventListener('input', () => ed.edited());
  list.addEventListener('change', () => ed.edited());
  list.addEventListener('submit', (ev) => {
    ev.preventDefault(); // Enter in a field: save now
    ed.savers.page.now();
  });
  list.addEventListener('click', (ev) => {
    const button = ev.target.closest('button');
    if (button) onClick(ed, button);
  });
  // Keyboard: Alt+↑/↓ anywhere in a block moves it.
  list.addEventListener('keydown', (ev) => {
    if (!ev.altKey || !['ArrowUp', 'ArrowDown'].includes(ev.key)) return;
    const li = ev.target.closest('li.block');
    ev.preventDefault();
    moveTo(ed, li, indexOf(li) + (ev.key === 'ArrowUp' ? -1 : 1), ev.target);
  });
  draggable(ed, list);
  addAtEnd(ed, el.querySelector('#add-block'), list);
  publish(ed, list);
}

// What other panels (on-page editing, history) may do to the block list.
function publish(ed, list) {
  const element = (id) => list.querySelector(`li.block[data-id="${CSS.escape(id)}"]`);
  ed.blocks = {
    list,
    element,
    // Opens a block's form and brings it into view (a click on the block in the preview); the
    // focus moves to it only when asked (a click that starts typing in the preview keeps it there).
    open(id, { focus = true, scroll = true } = {}) {
      const li = element(id);
      if (!li) return null;
      li.querySelector('details').open = true;
      if (scroll) li.scrollIntoView({ block: 'start' });
      if (focus) li.querySelector('summary').focus({ preventScroll: true });
      return li;
    },
    // The chooser, then a new block at place `at` (what waits is saved first).
    insert: async (at, opener) => {
      const type = await chooseType(ed);
      if (type) await ed.act(null, null, () => insertBlock(ed, type, at));
      else opener?.focus();
    },
    move: (li, to, focus) => moveTo(ed, li, to, focus),
  };
}

registerPanel({ id: 'blocks', title: (ed) => `Blocks on “${ed.page.title}”`, short: 'Blocks', order: 20, render, mount });
