// "Your text that was not saved": what this browser kept of a version the server no longer has
// (another tab or device changed the page or the site's settings since). Per block, the lines that
// differ, to copy or to put back; kept (sp-kept:…) until the owner chooses.

import { BLOCKS, THEMES, picked } from '../blockforms.js';
import { keptKey, store as keep } from '../autosave.js';
import { html } from '../lib/html.js';
import { notice } from '../lib/notice.js';
import { blockWords, normal, same, serverPage, words } from '../recover.js';
import { blockItem, moveButtons, renumberAll } from './blocklist.js';
import { registerPanel } from './panels.js';

const PAGE_FIELDS = [{ kind: 'text', name: 'title', label: 'Page name' }, { kind: 'text', name: 'description', label: 'Description' }, { kind: 'text', name: 'slug', label: 'Page address' }];

function pageSettingsItem(ed, k) {
  const server = serverPage(ed.store.state, ed.ctx);
  const settings = ['title', 'description', 'slug'].filter((n) => n in k && k[n] !== (server[n] ?? ''));
  if (!settings.length) return [];
  return [{ label: 'Page settings', text: words(PAGE_FIELDS, k).join('\n'), saver: 'page',
    apply: () => {
      const form = document.getElementById('page-form');
      for (const n of settings) if (form.elements[n]) form.elements[n].value = k[n];
    } }];
}

function blockItems(ed, k) {
  const list = document.getElementById('blocks');
  return k.blocks.flatMap((b, at) => {
    const current = ed.store.state.blocks.find((x) => x.id === b.id);
    if (current && same(normal(current, ed.ctx), b)) return [];
    // Only the lines that differ from the version shown (all of them for a deleted block).
    const theirs = current ? blockWords(normal(current, ed.ctx)).split('\n') : [];
    const differ = blockWords(b).split('\n').filter((line) => line && !theirs.includes(line));
    return [{ label: `${BLOCKS[b.type].label}${current ? '' : ' (deleted in the other version)'}`, saver: 'page',
      text: differ.join('\n') || 'A different picture, or the same words in another order.',
      apply: () => {
        const li = [...list.children].find((x) => x.dataset.id === b.id);
        const markup = blockItem(b, ed.ctx, true);
        if (li) li.outerHTML = markup;
        else (list.children[at] || list).insertAdjacentHTML(list.children[at] ? 'beforebegin' : 'beforeend', markup);
        renumberAll([...list.children].find((x) => x.dataset.id === b.id));
        moveButtons();
      } }];
  });
}

function siteItem(ed, k) {
  const { palettes, fonts } = THEMES;
  return { label: 'Colours, fonts, search and sharing', saver: 'site',
    text: [`Colours: ${palettes[k.theme.palette] || k.theme.palette}`, `Fonts: ${fonts[k.theme.fonts] || k.theme.fonts}`,
      `Title in search results: ${k.seo.title}`, `Description in search results: ${k.seo.description}`].join('\n'),
    apply: () => {
      const theme = document.getElementById('theme').elements;
      const seo = document.getElementById('seo').elements;
      theme.palette.value = k.theme.palette;
      theme.fonts.value = k.theme.fonts;
      for (const n of ['title', 'description', 'language']) seo[n].value = k.seo[n];
      for (const [id, v] of [['seo-social', k.seo.social_image], ['seo-icon', k.seo.favicon]]) document.getElementById(id).closest('.picked').outerHTML = picked(v, ed.ctx, id);
      ed.emit('pictures:seo');
    } };
}

const keptMarkup = (items) => html`<h2 id="h-kept">Your text that was not saved</h2>
  <p>This page or the site’s settings were changed in another tab or on another device. The editor shows that version now; what you had typed is below, to copy or to put back.</p>
  ${items.map((item, i) => html`<div class="kept-item"><label for="kept-${i}">${item.label}: your version</label>
    <textarea id="kept-${i}" readonly rows="${Math.min(8, item.text.split('\n').length + 1)}">${item.text}</textarea>
    <button type="button" class="secondary" data-put-back="${i}">Put my version back</button></div>`)}
  <button type="button" class="secondary" id="kept-forget">Forget my text (I have what I need)</button>`;

function mount(el, ed) {
  const items = [
    ...(ed.pageDraft.kept ? [...pageSettingsItem(ed, ed.pageDraft.kept), ...blockItems(ed, ed.pageDraft.kept)] : []),
    ...(ed.siteDraft.kept ? [siteItem(ed, ed.siteDraft.kept)] : []),
  ];
  const box = el.querySelector('#kept');
  const draw = () => {
    box.hidden = !items.length;
    box.innerHTML = items.length ? keptMarkup(items) : '';
    if (items.length) return;
    keep(keptKey(ed.site.id, ed.page.id), null);
    keep(keptKey(ed.site.id, 'site'), null);
  };
  box.addEventListener('click', (ev) => {
    const button = ev.target.closest('button');
    if (!button) return;
    if (button.id === 'kept-forget') items.length = 0;
    else {
      const [item] = items.splice(Number(button.dataset.putBack), 1);
      item.apply();
      item.saver === 'page' ? ed.edited() : ed.savers.site.changed();
      notice(`${item.label}: your version is back and is being saved.`);
    }
    draw();
    (box.querySelector('[data-put-back]') || document.getElementById('save-status')).focus?.();
  });
  ed.on('drawn', draw);
}

registerPanel({
  id: 'kept', place: 'top', order: 30,
  render: () => html`<section class="card kept" id="kept" aria-labelledby="h-kept" tabindex="-1" hidden></section>`,
  mount,
});
