// The site's pages: switch between them, the open page's settings (name, address, description;
// saved with the page), add a page, delete one.

import { store as keep, draftKey } from '../autosave.js';
import { api, send } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { enc } from '../lib/format.js';
import { html } from '../lib/html.js';
import { go } from '../lib/router.js';
import { registerPanel } from './panels.js';

const SLUG_WORDS = 'Use lower-case letters, digits and hyphens only.';

function render(ed) {
  const { site, page, base, shown } = ed;
  return html`<nav class="row" aria-label="Pages of this site">${site.pages.map((p) => html`<a href="${base}?page=${p.id}" data-link ${p.id === page.id && html`aria-current="page"`}>${p.title}</a>`)}</nav>
    <details class="panel"><summary>Page settings for “${page.title}”</summary>
    <form class="stack" id="page-form" novalidate>
      <label for="pg-title">Page name (in the menu)</label><input id="pg-title" name="title" data-path="title" maxlength="80" value="${shown.title}">
      ${page.slug && html`<label for="pg-slug">Address</label><input id="pg-slug" name="slug" data-path="slug" maxlength="60" value="${shown.slug}" aria-describedby="pg-slug-hint" data-accepts="${SLUG_WORDS}"><p class="hint" id="pg-slug-hint">Your page will be at /${page.slug}/</p>`}
      <label for="pg-desc">Description for search engines</label><input id="pg-desc" name="description" data-path="description" maxlength="160" value="${shown.description}">
      <p class="form-alert" role="alert"></p>
      ${page.slug && html`<div class="row"><button type="button" class="danger" id="delete-page">Delete this page</button></div>`}</form></details>
    <form class="row" id="add-page" novalidate><label for="new-page">New page name</label><input id="new-page" name="title" data-path="title" maxlength="80" required>
      <button type="submit" class="secondary">Add page</button><p class="form-alert" role="alert"></p></form>`;
}

async function deletePage(ed) {
  const { page: saver } = ed.savers;
  if (!(await confirmDialog(`Delete the page “${ed.store.state.page.title}” and its blocks? This cannot be undone.`, 'Delete the page', { danger: true }))) return;
  saver.stop();
  await saver.running?.catch(() => {});
  await send('DELETE', ed.pageUrl, undefined, { etag: ed.store.state.pageEtag });
  keep(draftKey(ed.site.id, ed.page.id), null);
  saver.version = saver.savedVersion;
  go(ed.base, 'Page deleted.');
}

function mount(el, ed) {
  const pageForm = el.querySelector('#page-form');
  const addPage = el.querySelector('#add-page');
  pageForm.addEventListener('input', () => ed.edited());
  pageForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ed.savers.page.now();
  });
  el.querySelector('#delete-page')?.addEventListener('click', (ev) => ed.act(ev.currentTarget, pageForm, () => deletePage(ed)));
  addPage.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ed.act(addPage.querySelector('button'), addPage, async () => {
      const created = await api('POST', `${ed.base}/pages`, { title: addPage.elements.title.value });
      await ed.saveAll(); // what is not saved stays in this browser
      go(`${ed.base}?page=${enc(created.id)}`, 'Page added.');
    });
  });
  ed.store.watch(['page'], ({ page }) => {
    const link = el.querySelector('nav [aria-current="page"]');
    if (link) link.textContent = page.title;
  });
}

registerPanel({ id: 'pages', title: 'Pages', order: 10, render, mount });
