// On-page editing, the preview's side. Loaded only by the editor's private preview: customer's
// renderer names this script in preview pages alone (render.py, SiteData.editor), and the
// preview's CSP allows exactly this file. It talks to the editor, its parent window, by
// postMessage, only with the portal's origin (this script's own) and only with its parent.
//
// In the page: every block (data-sp-block) is selected by a click (the editor opens its panel)
// and moved with Alt+↑/↓; every text the renderer marks (data-sp-field) is typed in place; a
// text block (data-sp-rich) gets a toolbar (bold, italic, link, heading, list) and is sent to
// the editor as the safe Markdown subset customer renders (customer/markdown.py), so the owner
// never sees Markdown; a "+" between blocks asks the editor for a new block there.
// Messages out: ready, select, edit, insert, move. In: labels, select, order.
'use strict';

const script = document.currentScript;
const EDITOR = script && new URL(script.src).origin;
{
  const send = (message) => window.parent.postMessage({ sp: 1, ...message }, EDITOR);
  const main = document.getElementById('main');
  const blockOf = (el) => el.closest('[data-sp-block]');
  let labels = {};
  let toolbar = null;

  // --- the safe Markdown subset, from what is on the page ---------------------------------------
  const around = (mark, text) => {
    const [, lead, core, tail] = /^(\s*)([\s\S]*?)(\s*)$/.exec(text);
    return core ? `${lead}${mark}${core}${mark}${tail}` : text;
  };
  function inline(node) {
    let out = '';
    for (const n of node.childNodes) {
      if (n.nodeType === 3) out += n.nodeValue.replace(/[\s\u00a0]+/g, ' ');
      if (n.nodeType !== 1) continue;
      const tag = n.tagName;
      const inner = inline(n);
      if (tag === 'BR') out += '\n';
      else if (tag === 'STRONG' || tag === 'B') out += around('**', inner);
      else if (tag === 'EM' || tag === 'I') out += around('*', inner);
      else if (tag === 'CODE') out += inner.trim() ? `\`${inner}\`` : inner;
      else if (tag === 'A' && n.getAttribute('href')) out += `[${inner.trim()}](${n.getAttribute('href')})`;
      else if (tag === 'DIV' || tag === 'P') out += `\n${inner}`;
      else out += inner;
    }
    return out;
  }
  const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean).join('\n');
  function markdown(root) {
    const parts = [];
    let loose = '';
    const flush = () => {
      if (lines(loose)) parts.push(lines(loose));
      loose = '';
    };
    for (const n of root.childNodes) {
      const tag = n.nodeType === 1 ? n.tagName : '';
      if (/^H[1-6]$/.test(tag)) {
        flush();
        const text = inline(n).replace(/\s+/g, ' ').trim();
        if (text) parts.push(`${'#'.repeat(Math.min(3, Math.max(1, Number(tag[1]) - 1)))} ${text}`);
      } else if (tag === 'UL' || tag === 'OL') {
        flush();
        const items = [...n.children].map((li) => inline(li).replace(/\s+/g, ' ').trim()).filter(Boolean);
        if (items.length) parts.push(items.map((t, i) => (tag === 'UL' ? `- ${t}` : `${i + 1}. ${t}`)).join('\n'));
      } else if (tag === 'BLOCKQUOTE') {
        flush();
        const text = lines(inline(n));
        if (text) parts.push(text.split('\n').map((l) => `> ${l}`).join('\n'));
      } else if (tag === 'P' || tag === 'DIV') {
        flush();
        if (lines(inline(n))) parts.push(lines(inline(n)));
      } else if (n.nodeType === 3 || n.nodeType === 1) loose += n.nodeType === 3 ? n.nodeValue : inline({ childNodes: [n] });
    }
    flush();
    return parts.join('\n\n');
  }
  // A plain field: its text, line breaks kept only where the field has lines (a quote).
  function plain(el) {
    const text = inline(el).replace(/[ \t]+/g, ' ');
    return el.hasAttribute('data-sp-lines') ? lines(text) : text.replace(/\s*\n\s*/g, ' ').trim();
  }
  const valueOf = (field) => (field.hasAttribute('data-sp-rich') ? markdown(field) : plain(field));

  // --- selecting and moving blocks --------------------------------------------------------------
  function select(block, focus = false) {
    for (const b of document.querySelectorAll('.sp-selected')) b.classList.remove('sp-selected');
    if (!block) return;
    block.classList.add('sp-selected');
    if (focus) {
      block.focus({ preventScroll: true });
      block.scrollIntoView({ block: 'center' });
    }
  }
  function name(block) {
    const label = labels[block.dataset.spType] || 'Block';
    block.setAttribute('aria-label', `${label} block: click to edit, Alt+Arrow Up or Down to move`);
  }
  function prepare() {
    for (const block of document.querySelectorAll('[data-sp-block]')) {
      block.tabIndex = 0;
      block.setAttribute('role', 'group');
      block.classList.add('sp-block');
      name(block);
    }
    for (const field of document.querySelectorAll('[data-sp-field]')) {
      field.contentEditable = field.hasAttribute('data-sp-rich') ? 'true' : 'plaintext-only';
      field.classList.add('sp-field');
      field.spellcheck = true;
    }
    gaps();
  }
  // "+" between the blocks of the page's body, and after the last one.
  function gaps() {
    for (const gap of document.querySelectorAll('.sp-gap')) gap.remove();
    const shown = [...main.children].filter((el) => el.hasAttribute('data-sp-block'));
    const gap = (where, id) => {
      const div = document.createElement('div');
      div.className = 'sp-gap';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sp-insert';
      button.textContent = '+';
      button.dataset[where] = id;
      const label = where === 'end' ? 'Insert a block at the end' : `Insert a block above ${(labels[document.querySelector(`[data-sp-block="${CSS.escape(id)}"]`)?.dataset.spType] || 'this block').toLowerCase()}`;
      button.setAttribute('aria-label', label);
      div.append(button);
      return div;
    };
    for (const block of shown) {
      const before = gap('before', block.dataset.spBlock);
      before.append(handle(block));
      block.before(before);
    }
    main.append(gap('end', '1'));
  }
  let moving = null; // where Alt+↑/↓ was pressed: it keeps the focus once its block moved
  // Mouse: drag a block by its handle (above it, at the left) onto another block.
  function handle(block) {
    const grip = document.createElement('span');
    grip.className = 'sp-handle';
    grip.dataset.drag = block.dataset.spBlock;
    grip.title = 'Drag to move this block';
    grip.setAttribute('aria-hidden', 'true'); // the keyboard's way is Alt+↑/↓ on the block
    grip.textContent = '⠿ Move';
    return grip;
  }
  // Pointer events rather than HTML5 drag and drop: the same for a mouse, a pen and a finger.
  function draggable() {
    let dragged = null;
    const under = (ev) => {
      const at = document.elementFromPoint(ev.clientX, ev.clientY);
      return at && main.contains(at) ? blockOf(at) : null;
    };
    const mark = (target) => {
      for (const b of document.querySelectorAll('.sp-drop')) b.classList.remove('sp-drop');
      if (target && target.dataset.spBlock !== dragged) target.classList.add('sp-drop');
    };
    document.addEventListener('pointerdown', (ev) => {
      const grip = ev.target.closest?.('[data-drag]');
      if (!grip) return;
      ev.preventDefault();
      dragged = grip.dataset.drag;
      grip.setPointerCapture(ev.pointerId);
      document.documentElement.classList.add('sp-dragging');
    });
    document.addEventListener('pointermove', (ev) => dragged && mark(under(ev)));
    document.addEventListener('pointerup', (ev) => {
      if (!dragged) return;
      const target = under(ev);
      if (target && target.dataset.spBlock !== dragged) send({ type: 'move', block: dragged, to: target.dataset.spBlock });
      dragged = null;
      mark(null);
      document.documentElement.classList.remove('sp-dragging');
    });
  }
  function reorder(ids) {
    const active = moving && moving.isConnected ? moving : document.activeElement;
    const shown = ids.map((id) => main.querySelector(`:scope > [data-sp-block="${CSS.escape(id)}"]`)).filter(Boolean);
    for (const block of shown) main.append(block);
    gaps();
    moving = null;
    if (active && main.contains(active)) active.focus({ preventScroll: true });
    if (active && main.contains(active)) blockOf(active).scrollIntoView({ block: 'nearest' });
  }

  // --- the toolbar of a text block ------------------------------------------------------------------
  const TOOLS = [['bold', 'Bold'], ['italic', 'Italic'], ['link', 'Link'], ['heading', 'Heading'], ['list', 'List']];
  function makeToolbar() {
    // A landmark of its own (everything on the page sits in one), holding the toolbar.
    const bar = document.createElement('div');
    bar.className = 'sp-toolbar';
    bar.setAttribute('role', 'region');
    bar.setAttribute('aria-label', 'Editing tools');
    const tools = document.createElement('div');
    tools.className = 'sp-tools';
    tools.setAttribute('role', 'toolbar');
    tools.setAttribute('aria-label', 'Text style');
    bar.append(tools);
    for (const [tool, words] of TOOLS) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.tool = tool;
      button.textContent = words;
      if (tool !== 'link') button.setAttribute('aria-pressed', 'false');
      tools.append(button);
    }
    const form = document.createElement('form');
    form.className = 'sp-link';
    form.hidden = true;
    const input = document.createElement('input');
    input.type = 'url';
    input.placeholder = 'https://…, mailto:…, tel:… or /page';
    input.setAttribute('aria-label', 'Link goes to');
    const ok = document.createElement('button');
    ok.type = 'submit';
    ok.textContent = 'Add link';
    form.append(input, ok);
    bar.append(form);
    bar.addEventListener('mousedown', (ev) => ev.target.closest('button') && ev.preventDefault());
    bar.addEventListener('click', (ev) => tool(ev.target.closest('[data-tool]')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      link(input.value.trim());
    });
    document.body.append(bar);
    return bar;
  }
  let field = null; // the text block being typed in
  let range = null; // its selection when the link box took the focus
  const SAFE = /^(https?:\/\/.+|mailto:.+|tel:.+|\/(?!\/).*|#.+)$/i;
  function tool(button) {
    if (!button || !field) return;
    const name = button.dataset.tool;
    if (name === 'link') {
      range = getSelection().rangeCount ? getSelection().getRangeAt(0) : null;
      const form = toolbar.querySelector('.sp-link');
      form.hidden = false;
      form.querySelector('input').focus();
      return;
    }
    if (name === 'bold' || name === 'italic') document.execCommand(name);
    if (name === 'list') document.execCommand('insertUnorderedList');
    if (name === 'heading') {
      const inHeading = /^H[1-6]$/.test(blockTag());
      document.execCommand('formatBlock', false, inHeading ? 'p' : 'h2');
    }
    changed(field);
    states();
  }
  function link(href) {
    const form = toolbar.querySelector('.sp-link');
    if (!SAFE.test(href)) {
      form.querySelector('input').setCustomValidity('Enter a web address (https://…), mailto:, tel: or a page of your site (/about).');
      form.querySelector('input').reportValidity();
      return;
    }
    form.querySelector('input').setCustomValidity('');
    form.hidden = true;
    field.focus();
    if (range) {
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    document.execCommand('createLink', false, href);
    changed(field);
  }
  function blockTag() {
    let node = getSelection().anchorNode;
    while (node && node !== field && !(node.nodeType === 1 && /^(H[1-6]|P|LI|DIV)$/.test(node.tagName))) node = node.parentNode;
    return node && node !== field ? node.tagName : '';
  }
  function states() {
    if (!toolbar || !field) return;
    const pressed = { bold: document.queryCommandState('bold'), italic: document.queryCommandState('italic'), heading: /^H[1-6]$/.test(blockTag()), list: blockTag() === 'LI' };
    for (const b of toolbar.querySelectorAll('[aria-pressed]')) b.setAttribute('aria-pressed', String(Boolean(pressed[b.dataset.tool])));
  }
  function showToolbar(rich) {
    toolbar ||= makeToolbar();
    field = rich;
    const box = rich.getBoundingClientRect();
    toolbar.style.top = `${Math.max(0, box.top + window.scrollY - toolbar.offsetHeight - 6)}px`;
    toolbar.style.left = `${Math.max(0, box.left + window.scrollX)}px`;
    toolbar.classList.add('sp-shown');
    states();
  }

  // --- events ----------------------------------------------------------------------------------------
  const timers = new Map();
  function changed(el) {
    const block = blockOf(el);
    clearTimeout(timers.get(el));
    timers.set(el, setTimeout(() => send({ type: 'edit', block: block.dataset.spBlock, field: el.dataset.spField, value: valueOf(el) }), 150));
  }
  function start() {
    document.addEventListener('input', (ev) => {
      const el = ev.target.closest?.('[data-sp-field]');
      if (el) changed(el);
    });
    document.addEventListener('click', (ev) => {
      if (ev.target.closest('.sp-toolbar')) return;
      const insert = ev.target.closest('.sp-insert');
      if (ev.target.closest('a, button, input, textarea, select, label')) ev.preventDefault(); // the preview never navigates or posts
      if (insert) {
        send({ type: 'insert', ...(insert.dataset.before ? { before: insert.dataset.before } : { end: true }) });
        return;
      }
      const block = blockOf(ev.target);
      if (!block) return;
      select(block);
      send({ type: 'select', block: block.dataset.spBlock });
    }, true);
    document.addEventListener('submit', (ev) => ev.target.closest('.sp-link') || ev.preventDefault(), true);
    document.addEventListener('keydown', (ev) => {
      const block = ev.target.closest?.('[data-sp-block]');
      const el = ev.target.closest?.('[data-sp-field]');
      if (block && ev.altKey && (ev.key === 'ArrowUp' || ev.key === 'ArrowDown')) {
        ev.preventDefault();
        moving = ev.target;
        send({ type: 'move', block: block.dataset.spBlock, by: ev.key === 'ArrowUp' ? -1 : 1 });
      } else if (el && ev.key === 'Enter' && !el.hasAttribute('data-sp-rich') && !(el.hasAttribute('data-sp-lines') && ev.shiftKey)) {
        ev.preventDefault(); // a heading or a label is one line
      } else if (block && ev.target === block && (ev.key === 'Enter' || ev.key === ' ')) {
        ev.preventDefault();
        select(block);
        send({ type: 'select', block: block.dataset.spBlock, keyboard: true });
      } else if (ev.key === 'Escape' && el) el.blur();
    });
    document.addEventListener('focusin', (ev) => {
      const rich = ev.target.closest?.('[data-sp-rich]');
      if (rich) showToolbar(rich);
      else if (!ev.target.closest?.('.sp-toolbar')) toolbar?.classList.remove('sp-shown');
    });
    // The toolbar follows the caret: shown while it is in a text block (however it got there).
    document.addEventListener('selectionchange', () => {
      const at = getSelection().anchorNode;
      const rich = (at?.nodeType === 1 ? at : at?.parentElement)?.closest('[data-sp-rich]');
      if (rich && rich !== field) showToolbar(rich);
      else if (rich && !toolbar.classList.contains('sp-shown')) showToolbar(rich);
      states();
    });
    window.addEventListener('message', (ev) => {
      if (ev.source !== window.parent || ev.origin !== EDITOR || !ev.data || ev.data.sp !== 1) return;
      const { type } = ev.data;
      if (type === 'labels' && ev.data.labels && typeof ev.data.labels === 'object') {
        labels = ev.data.labels;
        for (const block of document.querySelectorAll('[data-sp-block]')) name(block);
        gaps();
      } else if (type === 'select' && typeof ev.data.block === 'string') {
        select(document.querySelector(`[data-sp-block="${CSS.escape(ev.data.block)}"]`), Boolean(ev.data.focus));
      } else if (type === 'order' && Array.isArray(ev.data.ids)) reorder(ev.data.ids.filter((id) => typeof id === 'string'));
    });
    prepare();
    draggable();
    send({ type: 'ready', path: location.pathname });
  }
  if (EDITOR && window.parent !== window) start();
}
