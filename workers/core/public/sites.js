// Sites: the dashboard (with starter templates), the site editor and the leads inbox. Helpers come
// from portal.js through `register`. The editor has no Save button: every change is saved as it is
// made (autosave.js), with the ETag it was based on (If-Match); what the server does not have yet is
// kept in the browser and put back after a reload (recover.js); a stale write (412) keeps the
// owner's text beside the other version. Blocks are added where the owner wants them, moved and
// deleted in place (no full re-render); undo and redo cover the whole editing session.

import { BLOCKS, loadCatalogue, starterWith, render, read, summary, picked, listItem, renumber, listSpec } from './blockforms.js';
import { prepare, squareIcon } from './photos.js';
import { Saver, SaveStatus, draftKey, keptKey, store } from './autosave.js';
import { sort, normal, same, words, blockWords } from './recover.js';

let ui; // { api, send, esc, flash, errorMessage, plainWords, go, onSubmit, view, fieldError, clearFieldErrors, showFieldError, confirmDialog, setLeaveGuard }
const enc = encodeURIComponent;
const PALETTES = { ocean: 'Ocean blue', forest: 'Forest green', sunset: 'Sunset red', slate: 'Slate grey', berry: 'Berry' };
const FONTS = { modern: 'Modern', classic: 'Classic', editorial: 'Editorial', technical: 'Technical' };
const LANGUAGES = [['en', 'English'], ['de', 'German'], ['fr', 'French'], ['it', 'Italian'], ['es', 'Spanish'], ['nl', 'Dutch'], ['pt', 'Portuguese'], ['de-CH', 'Swiss German'], ['fr-CH', 'Swiss French']];

// A view whose data arrives after the owner has gone elsewhere must not draw over the new view.
const stillOn = (path) => location.pathname === path;

const kb = (n) => `${Math.max(1, Math.round(n / 1024))} KB`;
const when = (t) => new Date(t * 1000).toLocaleString();

// A message in the status area, optionally with one action (Undo, Reload).
function notice(message, kind = 'ok', action = null) {
  const box = document.getElementById('flash');
  box.innerHTML = `<div class="alert ${kind}">${ui.esc(message)} ${action ? `<button type="button" class="secondary" id="notice-action">${ui.esc(action.label)}</button>` : ''}</div>`;
  if (action) document.getElementById('notice-action').addEventListener('click', action.run, { once: true });
}

// Runs `fn` with `button` disabled (no double clicks); errors land next to the field or in `where`.
async function busy(button, where, fn) {
  if (button?.disabled) return;
  button && (button.disabled = true, button.setAttribute('aria-busy', 'true'));
  where && ui.clearFieldErrors(where);
  try {
    return await fn();
  } catch (e) {
    if (e.status === undefined && !(e instanceof Error)) throw e;
    if (e.status === 412) stale();
    else if (!(e.status !== undefined && where && ui.showFieldError(where, e))) {
      const message = e.status !== undefined ? ui.errorMessage(e) : e.message;
      const alert = where?.querySelector(':scope > .form-alert');
      if (alert) alert.textContent = message;
      else notice(message, 'error');
    }
  } finally {
    button && (button.disabled = false, button.removeAttribute('aria-busy'));
    if (button && document.activeElement === document.body) button.focus();
  }
}

// --- uploads -------------------------------------------------------------------------------------
async function uploadPhoto(siteId, file, progress = () => {}, made = null) {
  progress(`Preparing “${file.name}”…`);
  made ||= await prepare(file);
  progress(`Uploading “${file.name}”…`);
  const base = `/sites/${enc(siteId)}/assets`;
  const { data } = await ui.send('POST', `${base}?name=${enc(file.name)}`, undefined, { raw: made.original });
  for (const [i, variant] of made.variants.entries()) {
    progress(`Making “${file.name}” fit every screen (${i + 1} of ${made.variants.length})…`);
    await ui.send('POST', `${base}/${data.sha256}/variants`, undefined, { raw: variant });
  }
  return data;
}

// --- dashboard -----------------------------------------------------------------------------------
// The starter templates load with the dashboard only (the editor never needs them).
let TEMPLATES = [];
let placeholder;

function templatePreview(t) {
  if (!t) return '<p>An empty site with one page: you add the blocks.</p>';
  const pages = [['Home', t.home('Your business', ['', ''])], ...t.pages('Your business', ['', '']).map((p) => [p.title, p.blocks])];
  return `<div class="mock" data-palette="${t.palette}"><p class="mock-hero">${ui.esc(t.home('Your business', ['', ''])[0].heading)}</p></div>
    <p>${ui.esc(t.pitch)}</p><ul>${pages.map(([title, blocks]) => `<li><strong>${ui.esc(title)}</strong>: ${blocks.map((b) => ui.esc(BLOCKS[b.type].label.toLowerCase())).join(', ')}</li>`).join('')}</ul>`;
}

async function dashboard() {
  const here = location.pathname;
  const [{ sites }, templates] = await Promise.all([ui.api('GET', '/sites'), import('./templates.js'), loadCatalogue(ui.api)]);
  if (!stillOn(here)) return;
  ({ TEMPLATES, placeholder } = templates);
  ui.view('Your sites', `<h1>Your sites</h1>
    ${sites.length ? `<ul class="blocks">${sites.map((s) => `<li class="card"><a href="/sites/${ui.esc(s.id)}" data-link><strong>${ui.esc(s.name)}</strong></a>
      <span class="muted">· ${s.live_version ? `live at <a href="${ui.esc(s.url)}">${ui.esc(s.default_host)}</a>` : 'not published yet'}</span>
      · <a href="/sites/${ui.esc(s.id)}/leads" data-link>Enquiries</a>
      · <a href="/sites/${ui.esc(s.id)}/insights" data-link>Insights</a></li>`).join('')}</ul>`
      : '<p>No sites yet. Create your first one below.</p>'}
    <h2 id="h-new">New site</h2>
    <form class="card" id="new" aria-labelledby="h-new"><div class="stack narrow"><label for="new-name">Name of your business or site</label><input id="new-name" name="name" required maxlength="80"></div>
      <fieldset class="templates"><legend>Start from</legend>
      ${[{ id: '', name: 'A blank page' }, ...TEMPLATES].map((t, i) => `<label class="template inline"><input type="radio" name="template" value="${t.id}" ${i === 1 ? 'checked' : ''}> ${ui.esc(t.name)}</label>`).join('')}
      </fieldset>
      <div id="template-preview" class="template-preview" aria-live="polite"></div>
      <p class="form-alert" role="alert"></p>
      <button type="submit">Create the site</button></form>`);
  const form = document.getElementById('new');
  const chosen = () => TEMPLATES.find((t) => t.id === form.elements.template.value);
  const show = () => (document.getElementById('template-preview').innerHTML = templatePreview(chosen()));
  form.addEventListener('change', show);
  show();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const button = form.querySelector('button[type=submit]');
    busy(button, form, async () => {
      const name = form.elements.name.value;
      const site = await ui.api('POST', '/sites', { name });
      const template = chosen();
      if (template) await applyTemplate(site, template, (m) => notice(m));
      ui.go(`/sites/${site.id}`, template ? `Your site is ready with the ${template.name.toLowerCase()} starter. Change the words and pictures, then publish.` : 'Your site is created. Add blocks, then publish.');
    });
  });
}

async function applyTemplate(site, template, progress) {
  const images = [];
  for (let n = 0; n < 2; n += 1) images.push((await uploadPhoto(site.id, await placeholder(template, n), progress)).sha256);
  const base = `/sites/${enc(site.id)}`;
  progress('Writing your pages…');
  // Editor writes name the version they change (If-Match): the new site's and its home page's.
  const home = `${base}/pages/${enc(site.pages[0].id)}`;
  const [siteNow, homeNow] = await Promise.all([ui.send('GET', base), ui.send('GET', home)]);
  await ui.send('PATCH', base, { theme: { palette: template.palette, fonts: template.fonts } }, { etag: siteNow.etag });
  await ui.send('PUT', home, { blocks: template.home(site.name, images) }, { etag: homeNow.etag });
  for (const page of template.pages(site.name, images)) {
    try {
      await ui.api('POST', `${base}/pages`, page);
    } catch (e) {
      if (e.status !== 402) throw e; // the plan has no contact forms: the page without them
      await ui.api('POST', `${base}/pages`, { ...page, blocks: page.blocks.filter((b) => b.type !== 'lead_form') });
    }
  }
}

// --- the editor ----------------------------------------------------------------------------------
async function load(siteId, pageId) {
  const base = `/sites/${enc(siteId)}`;
  const [siteReply, library, { versions }, inbox] = await Promise.all([
    ui.send('GET', base), ui.api('GET', `${base}/assets`), ui.api('GET', `${base}/versions`), ui.api('GET', `${base}/leads`).catch(() => ({ unread: 0 })),
    loadCatalogue(ui.api),
  ]);
  const site = siteReply.data;
  const id = site.pages.some((p) => p.id === pageId) ? pageId : site.pages[0]?.id;
  const pageReply = await ui.send('GET', `${base}/pages/${enc(id)}`);
  return { base, site, siteEtag: siteReply.etag, page: pageReply.data, pageEtag: pageReply.etag, blocks: pageReply.data.blocks, assets: library.assets, versions, unread: inbox.unread };
}

let savers = []; // the open editor's (stopped when the editor is drawn again)
let shortcut = null; // the open editor's Ctrl/Cmd+Z and Ctrl/Cmd+Shift+Z (or Y)
document.addEventListener('keydown', (ev) => shortcut?.(ev));

async function editor(params, match) {
  const here = location.pathname;
  const s = await load(decodeURIComponent(match[1]), params.get('page'));
  if (!stillOn(here)) return;
  for (const old of savers) old.stop();
  savers = [];
  const { site, page, base } = s;
  const ctx = {
    esc: ui.esc,
    thumb: (sha) => {
      const a = s.assets.find((x) => x.sha256 === sha);
      const small = a?.variants?.find((v) => v.content_type === 'image/webp' && v.width <= 480);
      return `/api/v1${base}/assets/${small ? small.variant : sha}`;
    },
    imageName: (sha) => {
      const a = s.assets.find((x) => x.sha256 === sha);
      return a ? a.name || 'Uploaded picture' : 'A picture no longer in your library';
    },
  };
  const pageUrl = `${base}/pages/${enc(page.id)}`;
  const esc = ui.esc;

  // What this browser kept and the server does not have yet: put back if the server has not
  // changed since (a save that failed, a reload while offline), offered beside the editor if it has.
  const serverPage = () => ({ title: s.page.title, description: s.page.description, ...(s.page.slug ? { slug: s.page.slug } : {}), blocks: s.blocks.map((b) => normal(b, ctx)) });
  const serverSite = () => ({ theme: { palette: s.site.theme.palette, fonts: s.site.theme.fonts },
    seo: { title: s.site.seo.title || '', description: s.site.seo.description || '', language: s.site.seo.language || 'en', social_image: s.site.seo.social_image || '', favicon: s.site.seo.favicon || '' } });
  const pageDraft = sort(site.id, page.id, serverPage(), s.pageEtag);
  const siteDraft = sort(site.id, 'site', serverSite(), s.siteEtag);
  const shown = pageDraft.restore || { ...serverPage(), blocks: s.blocks };
  const theme0 = siteDraft.restore?.theme || site.theme;
  const seo0 = siteDraft.restore?.seo || site.seo;

  const insertButton = (label) => `<div class="insert"><button type="button" class="secondary add-here" data-insert aria-label="Insert here: a new block above ${esc(label.toLowerCase())}">+ Insert here</button></div>`;
  const blockItem = (b, open = false) => {
    const spec = BLOCKS[b.type];
    return `<li class="card block" data-id="${esc(b.id)}" data-type="${b.type}" aria-label="${esc(spec.label)} block">${insertButton(spec.label)}
      <div class="row block-head"><span class="handle" draggable="true" title="Drag to move" aria-hidden="true">⠿</span>
        <strong>${esc(spec.label)}</strong> <span class="muted summary">${esc(summary(b))}</span>
        <span class="row push"><button type="button" class="secondary" data-move="-1" aria-label="Move ${esc(spec.label)} block up">↑</button>
        <button type="button" class="secondary" data-move="1" aria-label="Move ${esc(spec.label)} block down">↓</button>
        <button type="button" class="danger" data-delete>Delete</button></span></div>
      <details ${open ? 'open' : ''}><summary>Edit ${esc(spec.label.toLowerCase())}</summary>
      <form class="stack block-form" novalidate>${render(spec.fields, b, ctx)}</form></details></li>`;
  };

  ui.view(`Edit ${site.name}`, `<h1>${esc(site.name)}</h1>
    <div class="toolbar"><p class="save-status" id="save-status" role="status" aria-live="polite">Saved</p>
      <span class="row" role="group" aria-label="Undo and redo"><button type="button" class="secondary" id="undo" disabled>Undo</button><button type="button" class="secondary" id="redo" disabled>Redo</button></span></div>
    <div id="conflict" class="conflict" role="alert"></div>
    <div class="card status" id="status"></div>
    <section class="card kept" id="kept" aria-labelledby="h-kept" hidden></section>
    <div class="editor"><div class="panels">
      <section aria-labelledby="h-pages"><h2 id="h-pages">Pages</h2>
        <nav class="row" aria-label="Pages of this site">${site.pages.map((p) => `<a href="${base}?page=${esc(p.id)}" data-link ${p.id === page.id ? 'aria-current="page"' : ''}>${esc(p.title)}</a>`).join('')}</nav>
        <details class="panel"><summary>Page settings for “${esc(page.title)}”</summary>
        <form class="stack" id="page-form" novalidate>
          <label for="pg-title">Page name (in the menu)</label><input id="pg-title" name="title" data-path="title" maxlength="80" value="${esc(shown.title)}">
          ${page.slug ? `<label for="pg-slug">Address</label><input id="pg-slug" name="slug" data-path="slug" maxlength="60" value="${esc(shown.slug)}" aria-describedby="pg-slug-hint"><p class="hint" id="pg-slug-hint">Your page will be at /${esc(page.slug)}/</p>` : ''}
          <label for="pg-desc">Description for search engines</label><input id="pg-desc" name="description" data-path="description" maxlength="160" value="${esc(shown.description)}">
          <p class="form-alert" role="alert"></p>
          ${page.slug ? '<div class="row"><button type="button" class="danger" id="delete-page">Delete this page</button></div>' : ''}</form></details>
        <form class="row" id="add-page" novalidate><label for="new-page">New page name</label><input id="new-page" name="title" data-path="title" maxlength="80" required>
          <button type="submit" class="secondary">Add page</button><p class="form-alert" role="alert"></p></form>
      </section>
      <section aria-labelledby="h-blocks"><h2 id="h-blocks">Blocks on “${esc(page.title)}”</h2>
        <p class="hint" id="move-hint">Every change is saved as you make it. Add a block where you want it with “+ Insert here”; move a block with its ↑ and ↓ buttons, Alt+↑/↓ or by dragging ⠿.</p>
        <ol class="blocks" id="blocks" aria-describedby="move-hint">${shown.blocks.map((b) => blockItem(b)).join('')}</ol>
        <form class="row" id="add-block" novalidate><label for="add-type">Block type</label><select id="add-type" name="type" data-path="block">${Object.entries(BLOCKS).map(([t, spec]) => `<option value="${t}">${esc(spec.label)}</option>`).join('')}</select>
          <button type="submit">Add block</button><p class="form-alert" role="alert"></p></form>
      </section>
      <section aria-labelledby="h-images"><h2 id="h-images">Pictures</h2><div id="library"></div></section>
      <section aria-labelledby="h-theme"><h2 id="h-theme">Colours and fonts</h2>
        <form class="stack" id="theme" novalidate>
          <label for="th-palette">Colours</label><select id="th-palette" name="palette" data-path="theme.palette">${Object.entries(PALETTES).map(([k, v]) => `<option value="${k}" ${theme0.palette === k ? 'selected' : ''}>${v}</option>`).join('')}</select>
          <label for="th-fonts">Fonts</label><select id="th-fonts" name="fonts" data-path="theme.fonts">${Object.entries(FONTS).map(([k, v]) => `<option value="${k}" ${theme0.fonts === k ? 'selected' : ''}>${v}</option>`).join('')}</select>
          <p class="form-alert" role="alert"></p></form></section>
      <section aria-labelledby="h-seo"><h2 id="h-seo">Search and sharing</h2>
        <form class="stack" id="seo" novalidate>
          <label for="seo-title">Title in search results</label><input id="seo-title" name="title" data-path="seo.title" maxlength="70" value="${esc(seo0.title)}">
          <label for="seo-desc">Description in search results</label><input id="seo-desc" name="description" data-path="seo.description" maxlength="160" value="${esc(seo0.description)}">
          <label for="seo-lang">Language of the site</label><select id="seo-lang" name="language" data-path="seo.language">${LANGUAGES.map(([k, v]) => `<option value="${k}" ${(seo0.language || 'en') === k ? 'selected' : ''}>${v}</option>`).join('')}</select>
          <div class="field image-field" data-field="social_image"><span class="label" id="seo-social-label">Picture shown when the site is shared</span>${picked(seo0.social_image, ctx, 'seo-social')}</div>
          <div class="field image-field" data-field="favicon"><span class="label" id="seo-icon-label">Icon in the browser tab (made square and small for you)</span>${picked(seo0.favicon, ctx, 'seo-icon')}</div>
          <p class="form-alert" role="alert"></p></form></section>
      <section aria-labelledby="h-versions"><h2 id="h-versions">Published versions</h2><ul id="versions"></ul></section>
      <section aria-labelledby="h-domains"><h2 id="h-domains">Your domain</h2><div id="domains"><p class="muted">Loading…</p></div></section>
    </div>
    <section class="preview-pane" aria-labelledby="h-preview"><h2 id="h-preview">Preview</h2>
      <div class="row"><label for="pv-page">Page</label><select id="pv-page">${site.pages.map((p) => `<option value="${esc(p.path)}" ${p.id === page.id ? 'selected' : ''}>${esc(p.title)}</option>`).join('')}</select>
        <span class="row" role="group" aria-label="Screen size"><button type="button" class="secondary" data-size="desktop" aria-pressed="true">Desktop</button><button type="button" class="secondary" data-size="phone" aria-pressed="false">Phone</button></span>
        <button type="button" class="secondary" id="pv-refresh">Refresh</button></div>
      <p class="muted">Your draft, as visitors will see it once you publish. Only you can see this preview.</p>
      <div class="frame" id="pv-frame"><iframe class="preview" title="Preview of your draft" id="pv"></iframe></div>
    </section></div>`);
  document.getElementById('main').classList.add('wide');
  const list = document.getElementById('blocks');
  const pageForm = document.getElementById('page-form');
  const theme = document.getElementById('theme');
  const seo = document.getElementById('seo');

  // --- status and preview --------------------------------------------------------------------------
  const status = () => {
    const changes = s.site.draft_changes;
    document.getElementById('status').innerHTML = `<p class="row"><span>${s.site.live_version ? `Live at <a href="${esc(s.site.url)}" id="live-link">${esc(s.site.default_host)}</a> (version ${esc(s.site.live_version)}).` : 'Not published yet: only you can see it.'}</span>
      <button type="button" id="publish">Publish</button>${s.site.live_version ? '<button type="button" class="secondary" id="unpublish">Take offline</button>' : ''}
      <a href="${base}/leads" data-link>Enquiries${s.unread ? ` (${esc(s.unread)} new)` : ''}</a>
      · <a href="${base}/insights" data-link>Insights</a></p>
      ${changes?.length ? `<p>Changes not live yet:</p><ul class="changes">${changes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>` : s.site.live_version && changes ? '<p class="muted">What you see here is live.</p>' : ''}`;
    document.getElementById('publish').addEventListener('click', (ev) => publish(ev.currentTarget));
    document.getElementById('unpublish')?.addEventListener('click', (ev) => unpublish(ev.currentTarget));
  };
  const versions = () => {
    document.getElementById('versions').innerHTML = s.versions.map((v) => `<li>Version ${esc(v.number)} · ${esc(when(v.created_at))}
      ${v.live ? '<strong>(live)</strong>' : `<button type="button" class="secondary" data-rollback="${esc(v.number)}">Make this version live again</button>`}</li>`).join('') || '<li>Nothing published yet.</li>';
  };
  // The site as the status bar shows it. Its ETag stays the one the settings were based on: a
  // change from another tab must come back as a conflict, not be overwritten.
  const refreshSite = async () => {
    s.site = (await ui.send('GET', base)).data;
    if (stillOn(here)) status();
  };
  const frame = document.getElementById('pv');
  const showPreview = () => {
    if (!s.site.preview_url) return;
    frame.src = 'about:blank';
    frame.src = s.site.preview_url.replace(/\/$/, '') + document.getElementById('pv-page').value;
  };
  let previewTimer = null;
  const refreshPreview = (now = false) => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(async () => {
      if (!stillOn(here)) return;
      try {
        await ui.api('POST', `${base}/preview`, {});
        await refreshSite();
        showPreview();
      } catch (e) {
        if (e.status !== 0) notice(`The preview could not be refreshed: ${ui.errorMessage(e)}`, 'error');
      }
    }, now ? 0 : 1200);
  };
  status();
  versions();
  s.site.preview_url ? showPreview() : refreshPreview(true);
  document.getElementById('pv-page').addEventListener('change', showPreview);
  document.getElementById('pv-refresh').addEventListener('click', () => refreshPreview(true));
  for (const b of document.querySelectorAll('[data-size]')) {
    b.addEventListener('click', () => {
      for (const o of document.querySelectorAll('[data-size]')) o.setAttribute('aria-pressed', String(o === b));
      document.getElementById('pv-frame').classList.toggle('phone', b.dataset.size === 'phone');
    });
  }

  // --- saving as the owner edits: the page (blocks and settings) and the site's settings --------
  const readBlock = (li, i) => ({ type: li.dataset.type, id: li.dataset.id, ...read(li.querySelector('form'), BLOCKS[li.dataset.type].fields, `blocks[${i}]`) });
  const pageBody = () => ({ title: pageForm.elements.title.value, description: pageForm.elements.description.value,
    ...(pageForm.elements.slug ? { slug: pageForm.elements.slug.value } : {}), blocks: [...list.children].map(readBlock) });
  const siteBody = () => ({ theme: { palette: theme.elements.palette.value, fonts: theme.elements.fonts.value },
    seo: { title: seo.elements.title.value, description: seo.elements.description.value, language: seo.elements.language.value,
      social_image: document.getElementById('seo-social').dataset.value || '', favicon: document.getElementById('seo-icon').dataset.value || '' } });
  const invalid = (roots) => (e) => {
    for (const root of roots) ui.clearFieldErrors(root);
    if (!roots.some((root) => ui.showFieldError(root, e, e.field, false))) notice(`Not saved: ${ui.errorMessage(e)}`, 'error');
  };
  const pageSaver = new Saver({
    key: draftKey(site.id, page.id),
    snapshot: pageBody,
    base: () => s.pageEtag,
    // A block the server refuses (a half-typed link) does not hold back the others: they are saved
    // with that block as it was last saved, and the refusal is shown by its field (still unsaved,
    // still kept in the browser).
    write: async (body) => {
      let sent = body;
      let refused = null;
      for (;;) {
        let reply;
        try {
          reply = await ui.send('PUT', pageUrl, sent, { etag: s.pageEtag });
        } catch (e) {
          const at = e.status === 400 && /^blocks\[(\d+)\]/.exec(e.field || '');
          const i = at ? Number(at[1]) : -1;
          const before = at && s.blocks.find((b) => b.id === sent.blocks[i]?.id);
          if (!before || before === sent.blocks[i]) throw e;
          refused ||= e;
          sent = { ...sent, blocks: sent.blocks.map((b, n) => (n === i ? before : b)) };
          continue;
        }
        s.page = reply.data;
        s.blocks = reply.data.blocks;
        s.pageEtag = reply.etag;
        if (!refused) return reply;
        refreshPreview();
        throw refused;
      }
    },
    onSaved: (body) => {
      ui.clearFieldErrors(list);
      ui.clearFieldErrors(pageForm);
      [...list.children].forEach((li, i) => (li.querySelector('.summary').textContent = summary(body.blocks[i] || {})));
      const link = document.querySelector(`nav[aria-label="Pages of this site"] [aria-current="page"]`);
      if (link) link.textContent = s.page.title;
      refreshPreview();
    },
    onInvalid: invalid([pageForm, list]),
    onConflict: () => conflict('page'),
  });
  const siteSaver = new Saver({
    key: draftKey(site.id, 'site'),
    snapshot: siteBody,
    base: () => s.siteEtag,
    write: async (body) => {
      const reply = await ui.send('PATCH', base, { theme: { ...s.site.theme, ...body.theme }, seo: { ...s.site.seo, ...body.seo } }, { etag: s.siteEtag });
      s.site = reply.data;
      s.siteEtag = reply.etag;
      return reply;
    },
    onSaved: () => {
      ui.clearFieldErrors(theme);
      ui.clearFieldErrors(seo);
      status();
      refreshPreview();
    },
    onInvalid: invalid([theme, seo]),
    onConflict: () => conflict('site'),
  });
  savers = [pageSaver, siteSaver];
  const saveStatus = new SaveStatus(document.getElementById('save-status'));
  saveStatus.track(pageSaver);
  saveStatus.track(siteSaver);
  ui.setLeaveGuard(() => savers.some((x) => x.unsaved), () => Promise.all(savers.map((x) => x.flush())));
  const conflict = (what) => {
    const box = document.getElementById('conflict');
    box.innerHTML = `<div class="alert error"><p>${what === 'page' ? 'This page' : 'The site’s settings'} changed in another tab or on another device since you opened it, so your latest changes were not saved. Nothing you typed is lost: it stays here.</p>
      <button type="button" class="secondary" id="conflict-load">Load the other version (your text is kept to copy)</button></div>`;
    document.getElementById('conflict-load').addEventListener('click', () => {
      for (const x of savers) x.stop();
      editor(params, match).then(() => document.getElementById('kept')?.focus());
    }, { once: true });
  };
  if (pageDraft.restore) pageSaver.changed();
  if (siteDraft.restore) siteSaver.changed();
  if (pageDraft.restore || siteDraft.restore) notice('Changes that had not reached SmartPages yet are back in the editor and are being saved now.');

  // --- undo and redo across the session: snapshots of the page, taken as it is saved ----------
  const past = [];
  const future = [];
  let last = JSON.stringify(pageBody());
  const undoButton = document.getElementById('undo');
  const redoButton = document.getElementById('redo');
  const undoButtons = () => {
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
    undoButtons();
  };
  let recordTimer = null;
  const edited = () => {
    clearTimeout(recordTimer);
    recordTimer = setTimeout(remember, 600);
    pageSaver.changed();
  };
  const drawPage = (body) => {
    const open = new Set([...list.querySelectorAll('li.block details[open]')].map((d) => d.closest('li').dataset.id));
    list.innerHTML = body.blocks.map((b) => blockItem(b, open.has(b.id))).join('');
    for (const li of list.children) renumberAll(li);
    for (const name of ['title', 'description', 'slug']) if (pageForm.elements[name]) pageForm.elements[name].value = body[name] ?? '';
    moveButtons();
  };
  const travel = (from, to, words) => {
    clearTimeout(recordTimer);
    remember();
    if (!from.length) return;
    to.push(last);
    last = from.pop();
    drawPage(JSON.parse(last));
    undoButtons();
    pageSaver.changed();
    pageSaver.now();
    notice(words);
  };
  const undo = () => travel(past, future, 'Undone.');
  const redo = () => travel(future, past, 'Redone.');
  undoButton.addEventListener('click', undo);
  redoButton.addEventListener('click', redo);
  shortcut = (ev) => {
    if (!stillOn(here) || !(ev.ctrlKey || ev.metaKey) || !['z', 'y'].includes(ev.key.toLowerCase()) || document.querySelector('dialog[open]')) return;
    // Inside a text field the browser's own undo works on what is typed there, until it is saved.
    const typing = ev.target.matches('input:not([type=checkbox]), textarea') && JSON.stringify(pageBody()) !== last;
    if (typing || ev.target.closest('#kept, #add-page, #seo, #theme, #library')) return;
    ev.preventDefault();
    (ev.key.toLowerCase() === 'y' || ev.shiftKey ? redo : undo)();
  };

  // --- the kept panel: text the other version does not have, to copy or put back --------------
  const keptItems = [];
  if (pageDraft.kept) {
    const k = pageDraft.kept;
    const settings = ['title', 'description', 'slug'].filter((n) => n in k && k[n] !== (serverPage()[n] ?? ''));
    if (settings.length) {
      keptItems.push({ label: 'Page settings', text: words([{ kind: 'text', name: 'title', label: 'Page name' }, { kind: 'text', name: 'description', label: 'Description' }, { kind: 'text', name: 'slug', label: 'Page address' }], k).join('\n'),
        apply: () => {
          for (const n of settings) pageForm.elements[n] && (pageForm.elements[n].value = k[n]);
          return pageSaver;
        } });
    }
    k.blocks.forEach((b, at) => {
      const current = s.blocks.find((x) => x.id === b.id);
      if (current && same(normal(current, ctx), b)) return;
      // Only the lines that differ from the version shown (all of them for a deleted block).
      const mine = blockWords(b).split('\n');
      const theirs = current ? blockWords(normal(current, ctx)).split('\n') : [];
      const differ = mine.filter((line) => line && !theirs.includes(line));
      keptItems.push({ label: `${BLOCKS[b.type].label}${current ? '' : ' (deleted in the other version)'}`,
        text: differ.join('\n') || 'A different picture, or the same words in another order.',
        apply: () => {
          const li = [...list.children].find((x) => x.dataset.id === b.id);
          if (li) li.outerHTML = blockItem(b, true);
          else (list.children[at] || list).insertAdjacentHTML(list.children[at] ? 'beforebegin' : 'beforeend', blockItem(b, true));
          const back = [...list.children].find((x) => x.dataset.id === b.id);
          renumberAll(back);
          moveButtons();
          return pageSaver;
        } });
    });
  }
  if (siteDraft.kept) {
    const k = siteDraft.kept;
    keptItems.push({ label: 'Colours, fonts, search and sharing', text: [`Colours: ${PALETTES[k.theme.palette] || k.theme.palette}`, `Fonts: ${FONTS[k.theme.fonts] || k.theme.fonts}`,
      `Title in search results: ${k.seo.title}`, `Description in search results: ${k.seo.description}`].join('\n'),
    apply: () => {
      theme.elements.palette.value = k.theme.palette;
      theme.elements.fonts.value = k.theme.fonts;
      for (const n of ['title', 'description', 'language']) seo.elements[n].value = k.seo[n];
      for (const [id, v] of [['seo-social', k.seo.social_image], ['seo-icon', k.seo.favicon]]) document.getElementById(id).closest('.picked').outerHTML = picked(v, ctx, id);
      for (const [id, path] of [['seo-social', 'seo.social_image'], ['seo-icon', 'seo.favicon']]) document.getElementById(id).dataset.path = path;
      return siteSaver;
    } });
  }
  const keptBox = document.getElementById('kept');
  const drawKept = () => {
    if (!keptItems.length) {
      keptBox.hidden = true;
      keptBox.innerHTML = '';
      store(keptKey(site.id, page.id), null);
      store(keptKey(site.id, 'site'), null);
      return;
    }
    keptBox.hidden = false;
    keptBox.tabIndex = -1;
    keptBox.innerHTML = `<h2 id="h-kept">Your text that was not saved</h2>
      <p>This page or the site’s settings were changed in another tab or on another device. The editor shows that version now; what you had typed is below, to copy or to put back.</p>
      ${keptItems.map((item, i) => `<div class="kept-item"><label for="kept-${i}">${esc(item.label)}: your version</label>
        <textarea id="kept-${i}" readonly rows="${Math.min(8, item.text.split('\n').length + 1)}">${esc(item.text)}</textarea>
        <button type="button" class="secondary" data-put-back="${i}">Put my version back</button></div>`).join('')}
      <button type="button" class="secondary" id="kept-forget">Forget my text (I have what I need)</button>`;
  };
  keptBox.addEventListener('click', (ev) => {
    const button = ev.target.closest('button');
    if (!button) return;
    if (button.id === 'kept-forget') keptItems.length = 0;
    else {
      const [item] = keptItems.splice(Number(button.dataset.putBack), 1);
      const saver = item.apply();
      saver === pageSaver ? edited() : saver.changed();
      notice(`${item.label}: your version is back and is being saved.`);
    }
    drawKept();
    (keptBox.querySelector('[data-put-back]') || document.getElementById('save-status')).focus?.();
  });
  drawKept();

  // --- the block list: moved, deleted, added in place -----------------------------------------
  const moveButtons = () => {
    const items = [...list.children];
    items.forEach((li, i) => {
      li.querySelector('[data-move="-1"]').disabled = i === 0;
      li.querySelector('[data-move="1"]').disabled = i === items.length - 1;
    });
  };
  moveButtons();
  const indexOf = (li) => [...list.children].indexOf(li);

  const moveTo = (li, to, focus) => {
    const from = indexOf(li);
    const count = list.children.length;
    if (to < 0 || to >= count || to === from) return;
    list.insertBefore(li, list.children[to + (to > from ? 1 : 0)] || null);
    moveButtons();
    edited();
    pageSaver.now();
    notice(`${BLOCKS[li.dataset.type].label} block moved to place ${to + 1} of ${count}.`);
    (focus && !focus.disabled ? focus : li.querySelector('[data-move]:not(:disabled)'))?.focus();
  };

  const deleteBlock = (li) => {
    const at = indexOf(li);
    const label = BLOCKS[li.dataset.type].label;
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    moveButtons();
    edited();
    pageSaver.now();
    (next?.querySelector('[data-delete]') || document.getElementById('add-type')).focus();
    notice(`${label} block deleted.`, 'ok', {
      label: 'Undo',
      run: () => {
        list.insertBefore(li, list.children[at] || null);
        moveButtons();
        edited();
        pageSaver.now();
        notice(`${label} block is back.`);
        li.querySelector('[data-delete]').focus();
      },
    });
  };

  // A new block at `at` (a place in the list): what waits is saved first, then one POST.
  const insertBlock = async (type, at) => {
    const spec = BLOCKS[type];
    const first = s.assets[0]?.sha256;
    if (spec.needsImage && !first) throw new Error('Add a picture under “Pictures” first.');
    if (!(await pageSaver.flush())) throw new Error('Your latest changes are not saved yet (see above), so the block was not added. Nothing you typed is lost.');
    const made = spec.needsImage ? starterWith(type, first) : spec.make;
    const { data, etag } = await ui.send('POST', `${pageUrl}/blocks`, { type, ...made, position: at }, { etag: s.pageEtag });
    s.pageEtag = etag;
    s.blocks.splice(at, 0, data);
    const before = list.children[at];
    before ? before.insertAdjacentHTML('beforebegin', blockItem(data, true)) : list.insertAdjacentHTML('beforeend', blockItem(data, true));
    const li = list.children[at];
    renumberAll(li);
    moveButtons();
    remember();
    li.querySelector('form input, form textarea, form [data-pick]')?.focus();
    notice(`${spec.label} block added at place ${at + 1} of ${list.children.length}.`);
    refreshPreview();
  };
  const chooseType = (opener) => new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'chooser';
    dialog.setAttribute('aria-labelledby', 'chooser-h');
    dialog.innerHTML = `<h2 id="chooser-h">Add a block here</h2><ul class="types">${Object.entries(BLOCKS).map(([t, spec]) => `<li><button type="button" class="secondary" data-type="${t}"
      ${spec.needsImage && !s.assets.length ? 'disabled aria-describedby="chooser-hint"' : ''}>${esc(spec.label)}</button></li>`).join('')}</ul>
      ${s.assets.length ? '' : '<p class="hint" id="chooser-hint">Blocks with pictures need a picture under “Pictures” first.</p>'}
      <div class="row"><button type="button" class="secondary" data-cancel>Cancel</button></div>`;
    document.body.append(dialog);
    let result = null;
    dialog.addEventListener('click', (ev) => {
      const t = ev.target.closest('button');
      if (!t) return;
      result = t.dataset.type || null;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (!result) opener.focus();
      resolve(result);
    });
    dialog.showModal();
  });

  // Image picker: the site's library as a dialog of thumbnails, plus an upload right there.
  const pickImage = (button) => new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = 'picker';
    dialog.setAttribute('aria-labelledby', 'picker-h');
    dialog.innerHTML = `<h2 id="picker-h">Choose a picture</h2>
      ${s.assets.length ? `<ul class="thumbs">${s.assets.map((a) => `<li><button type="button" class="thumb" data-sha="${esc(a.sha256)}" aria-pressed="${a.sha256 === button.dataset.value}">
        <img src="${esc(ctx.thumb(a.sha256))}" alt="" width="120" height="90"><span>${esc(a.name || 'Picture')}</span></button></li>`).join('')}</ul>` : '<p>No pictures yet: add one below.</p>'}
      <label for="picker-file">Add a new picture</label><input type="file" id="picker-file" accept="image/*">
      <p class="form-alert" role="alert" id="picker-alert"></p>
      <div class="row"><button type="button" class="secondary" data-none>No picture</button><button type="button" class="secondary" data-cancel>Cancel</button></div>`;
    document.body.append(dialog);
    let result;
    const done = (value) => {
      result = value;
      dialog.close();
    };
    dialog.addEventListener('close', () => {
      dialog.remove();
      button.focus();
      resolve(result);
    });
    dialog.addEventListener('click', (ev) => {
      const t = ev.target.closest('button');
      if (!t) return;
      if (t.dataset.sha) done(t.dataset.sha);
      else if (t.hasAttribute('data-none')) done('');
      else if (t.hasAttribute('data-cancel')) done(undefined);
    });
    dialog.querySelector('#picker-file').addEventListener('change', async (ev) => {
      const file = ev.target.files[0];
      const alert = dialog.querySelector('#picker-alert');
      try {
        const uploaded = await uploadPhoto(site.id, file, (m) => (alert.textContent = m));
        await refreshLibrary();
        done(uploaded.sha256);
      } catch (e) {
        alert.textContent = e.status !== undefined ? ui.errorMessage(e) : e.message;
      }
    });
    dialog.showModal();
  });
  const choose = async (button) => {
    const sha = await pickImage(button);
    if (sha === undefined) return false;
    const box = button.closest('.picked');
    const id = button.id;
    box.outerHTML = picked(sha, ctx, id);
    document.getElementById(id).focus();
    return true;
  };

  // --- block list events (delegated: nothing re-renders the whole editor) --------------------
  const specOfBox = (li, box) => {
    const names = [];
    for (let el = box; el && el !== li; el = el.parentElement) if (el.dataset?.field) names.unshift(el.dataset.field);
    return listSpec(li.dataset.type, names);
  };
  const renumberAll = (li) => {
    for (const box of li.querySelectorAll('.field.list')) renumber(box, specOfBox(li, box).itemLabel);
  };
  for (const li of list.children) renumberAll(li);
  list.addEventListener('input', edited);
  list.addEventListener('change', edited);
  list.addEventListener('submit', (ev) => {
    ev.preventDefault(); // Enter in a field: save now
    pageSaver.now();
  });
  list.addEventListener('click', async (ev) => {
    const button = ev.target.closest('button');
    if (!button) return;
    const li = button.closest('li.block');
    if (button.hasAttribute('data-insert')) {
      const type = await chooseType(button);
      if (type) await busy(null, null, () => insertBlock(type, indexOf(li)));
    } else if (button.dataset.move) {
      moveTo(li, indexOf(li) + Number(button.dataset.move), button);
    } else if (button.hasAttribute('data-delete')) {
      deleteBlock(li);
    } else if (button.hasAttribute('data-pick')) {
      if (await choose(button)) edited();
    } else if (button.dataset.addItem) {
      const box = button.closest('.field.list');
      const spec = specOfBox(li, box);
      const items = box.querySelector('.items');
      items.insertAdjacentHTML('beforeend', listItem(spec, spec.item ? {} : '', items.children.length, ctx));
      renumber(box, spec.itemLabel);
      items.lastElementChild.querySelector('input, textarea, [data-pick]')?.focus();
      edited();
    } else if (button.dataset.itemMove || button.hasAttribute('data-item-remove')) {
      const item = button.closest('li.item');
      const box = item.closest('.field.list');
      const label = specOfBox(li, box).itemLabel;
      if (button.dataset.itemMove === '-1' && item.previousElementSibling) item.parentElement.insertBefore(item, item.previousElementSibling);
      else if (button.dataset.itemMove === '1' && item.nextElementSibling) item.parentElement.insertBefore(item.nextElementSibling, item);
      else if (button.hasAttribute('data-item-remove')) {
        const next = item.nextElementSibling || item.previousElementSibling;
        item.remove();
        renumber(box, label);
        (next?.querySelector('[data-item-remove]') || box.querySelector('[data-add-item]')).focus();
        edited();
        return;
      }
      renumber(box, label);
      (button.disabled ? item.querySelector('[data-item-move]:not(:disabled)') : button).focus();
      edited();
    }
  });
  // Keyboard: Alt+↑/↓ anywhere in a block moves it. Mouse: drag by the handle.
  list.addEventListener('keydown', (ev) => {
    if (!ev.altKey || !['ArrowUp', 'ArrowDown'].includes(ev.key)) return;
    const li = ev.target.closest('li.block');
    ev.preventDefault();
    moveTo(li, indexOf(li) + (ev.key === 'ArrowUp' ? -1 : 1), ev.target);
  });
  let dragged = null;
  list.addEventListener('dragstart', (ev) => {
    dragged = ev.target.closest('li.block');
    ev.dataTransfer.effectAllowed = 'move';
    ev.dataTransfer.setData('text/plain', dragged.dataset.id);
    dragged.classList.add('dragging');
  });
  list.addEventListener('dragover', (ev) => {
    if (dragged) ev.preventDefault();
  });
  list.addEventListener('dragend', () => dragged?.classList.remove('dragging'));
  list.addEventListener('drop', (ev) => {
    ev.preventDefault();
    const target = ev.target.closest('li.block');
    if (!dragged || !target || target === dragged) return;
    const li = dragged;
    dragged = null;
    moveTo(li, indexOf(target), li.querySelector('.handle'));
  });

  // --- adding blocks (before a closing footer) and pages ---------------------------------------
  const addForm = document.getElementById('add-block');
  addForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(addForm.querySelector('button'), addForm, async () => {
      const count = list.children.length;
      const at = count && BLOCKS[list.lastElementChild.dataset.type].closesPage ? count - 1 : count;
      try {
        await insertBlock(addForm.elements.type.value, at);
      } catch (e) {
        if (e.status !== undefined) throw e;
        ui.fieldError(addForm.elements.type, e.message);
      }
    });
  });
  const addPage = document.getElementById('add-page');
  addPage.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(addPage.querySelector('button'), addPage, async () => {
      const created = await ui.api('POST', `${base}/pages`, { title: addPage.elements.title.value });
      await Promise.all(savers.map((x) => x.flush())); // what is not saved stays in this browser
      ui.go(`${base}?page=${enc(created.id)}`, 'Page added.');
    });
  });
  pageForm.addEventListener('input', edited);
  pageForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    pageSaver.now();
  });
  document.getElementById('delete-page')?.addEventListener('click', (ev) => {
    const button = ev.currentTarget;
    busy(button, pageForm, async () => {
      if (!(await ui.confirmDialog(`Delete the page “${s.page.title}” and its blocks? This cannot be undone.`, 'Delete the page', { danger: true }))) return;
      pageSaver.stop();
      await pageSaver.running?.catch(() => {});
      await ui.send('DELETE', pageUrl, undefined, { etag: s.pageEtag });
      store(draftKey(site.id, page.id), null);
      pageSaver.version = pageSaver.savedVersion;
      ui.go(base, 'Page deleted.');
    });
  });

  // --- library -----------------------------------------------------------------------------------
  const library = document.getElementById('library');
  const drawLibrary = () => {
    library.innerHTML = `<form class="stack narrow" id="upload" novalidate><label for="upload-file">Add photos or pictures</label>
      <input type="file" id="upload-file" name="file" accept="image/*" multiple aria-describedby="upload-hint">
      <p class="hint" id="upload-hint">Photos straight from your phone are fine: they are turned the right way up and made smaller for you.</p>
      <p class="form-alert" role="alert"></p><p class="muted" role="status" id="upload-status"></p>
      <button type="submit" class="secondary">Upload</button></form>
      ${s.assets.length ? `<ul class="thumbs library">${s.assets.map((a) => `<li class="card"><img src="${esc(ctx.thumb(a.sha256))}" alt="" width="120" height="90">
        <p><strong>${esc(a.name || 'Picture')}</strong><br><span class="muted">${a.width ? `${esc(a.width)} × ${esc(a.height)} pixels · ` : ''}${kb(a.size)}</span><br>
        ${a.used_in.length ? `Used on: ${esc(a.used_in.join(', '))}` : '<span class="muted">Not used</span>'}</p>
        ${a.missing ? '<p class="field-error">Missing: we lost this picture. Upload it again from your device, then publish.</p>' : ''}
        ${a.used_in.length ? '' : `<button type="button" class="secondary" data-delete-asset="${esc(a.sha256)}" aria-label="Delete ${esc(a.name || 'picture')}">Delete</button>`}</li>`).join('')}</ul>` : '<p class="muted">No pictures yet.</p>'}`;
    const form = document.getElementById('upload');
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(form.querySelector('button'), form, async () => {
        const files = [...form.elements.file.files];
        if (!files.length) return ui.fieldError(form.elements.file, 'Choose one or more pictures first.');
        const line = document.getElementById('upload-status');
        for (const file of files) await uploadPhoto(site.id, file, (m) => (line.textContent = m));
        await refreshLibrary();
        notice(files.length === 1 ? 'Picture added.' : `${files.length} pictures added.`);
        document.getElementById('upload-file').focus();
      });
    });
  };
  const refreshLibrary = async () => {
    s.assets = (await ui.api('GET', `${base}/assets`)).assets;
    drawLibrary();
  };
  drawLibrary();
  library.addEventListener('click', (ev) => {
    const button = ev.target.closest('[data-delete-asset]');
    if (!button) return;
    busy(button, null, async () => {
      if (!(await ui.confirmDialog('Delete this picture from your library?', 'Delete the picture', { danger: true }))) return;
      await ui.api('DELETE', `${base}/assets/${button.dataset.deleteAsset}`);
      await refreshLibrary();
      notice('Picture deleted.');
      document.getElementById('upload-file').focus();
    });
  });

  // --- site settings (theme, SEO): saved as they change, on the site's ETag ---------------------
  theme.addEventListener('change', () => siteSaver.changed());
  seo.addEventListener('input', () => siteSaver.changed());
  seo.addEventListener('change', () => siteSaver.changed());
  for (const form of [theme, seo]) {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      siteSaver.now();
    });
  }
  seo.addEventListener('click', async (ev) => {
    const button = ev.target.closest('[data-pick]');
    if (!button) return;
    const isIcon = button.id === 'seo-icon';
    const chosen = await pickImage(button);
    if (chosen === undefined) return;
    let sha = chosen;
    if (isIcon && sha) {
      await busy(button, seo, async () => {
        const icon = await squareIcon(`/api/v1${base}/assets/${sha}`);
        sha = (await uploadPhoto(site.id, icon.original, undefined, icon)).sha256;
        await refreshLibrary();
      });
    }
    button.closest('.picked').outerHTML = picked(sha, ctx, button.id);
    document.getElementById(button.id).dataset.path = isIcon ? 'seo.favicon' : 'seo.social_image';
    document.getElementById(button.id).focus();
    siteSaver.changed();
  });
  for (const [id, path] of [['seo-social', 'seo.social_image'], ['seo-icon', 'seo.favicon']]) document.getElementById(id).dataset.path = path;

  // --- publishing: what the owner sees, after everything waiting is saved ------------------------
  const saveAll = async () => (await Promise.all(savers.map((x) => x.flush()))).every(Boolean);
  const publish = (button) => busy(button, null, async () => {
    if (!(await saveAll())) {
      notice('Your latest changes are not saved yet, so nothing was published. Publish again once the status says “Saved”; nothing you typed is lost.', 'error');
      return;
    }
    if (!(await ui.confirmDialog('Publish your site now? Visitors see the changes within a minute.', 'Publish'))) return;
    if (!(await saveAll())) return notice('Your latest changes are not saved yet, so nothing was published.', 'error');
    const result = await ui.api('POST', `${base}/publish`, {});
    s.versions = (await ui.api('GET', `${base}/versions`)).versions;
    await refreshSite();
    versions();
    notice(result.unchanged ? 'Nothing to publish: your site already shows these changes.' : `Published version ${result.version}.`);
    document.getElementById('publish').focus();
  });
  const unpublish = (button) => busy(button, null, async () => {
    if (!(await ui.confirmDialog('Take your site offline? Visitors will see “site not found” until you publish again.', 'Take offline', { danger: true }))) return;
    await ui.api('POST', `${base}/unpublish`, {});
    await refreshSite();
    s.versions = (await ui.api('GET', `${base}/versions`)).versions;
    versions();
    notice('Your site is offline. Publish to bring it back.');
    document.getElementById('publish').focus();
  });
  document.getElementById('versions').addEventListener('click', (ev) => {
    const button = ev.target.closest('[data-rollback]');
    if (!button) return;
    busy(button, null, async () => {
      const n = button.dataset.rollback;
      if (!(await ui.confirmDialog(`Make version ${n} live again? Your draft stays as it is.`, `Make version ${n} live`))) return;
      await ui.api('POST', `${base}/versions/${enc(n)}/rollback`, {});
      s.versions = (await ui.api('GET', `${base}/versions`)).versions;
      await refreshSite();
      versions();
      notice(`Version ${n} is live again.`);
      document.getElementById('publish').focus();
    });
  });
  conflictHere = conflict;
  domains(site);
}

// A 412 outside the savers (adding a block, deleting a page): the same plain words and way out.
let conflictHere = null;
function stale() {
  if (conflictHere) conflictHere('page');
  else notice('Someone changed this site in another tab or on another device since you opened it, so this was not saved. Reload the page to see the latest version.', 'error');
}

async function domains(site) {
  const box = document.getElementById('domains');
  let listed;
  try {
    listed = (await ui.api('GET', '/domains')).domains.filter((d) => d.site_id === site.id);
  } catch (e) {
    box.innerHTML = `<p class="alert error">${ui.esc(ui.errorMessage(e))}${e.status === 402 ? ' <a href="/billing" data-link>See plans</a>' : ''}</p>`;
    return;
  }
  const esc = ui.esc;
  box.innerHTML = `${listed.map((d) => `<div class="card"><p><strong>${esc(d.hostname)}</strong> · ${d.paused ? 'paused' : esc(d.status)}
      <button class="secondary" data-refresh="${esc(d.hostname)}">Check again</button>
      <button class="danger" data-remove="${esc(d.hostname)}">Remove</button></p>
      ${d.paused ? `<p class="alert">This domain was paused when your paid plan ended: visitors to ${esc(d.hostname)} are sent to ${esc(site.default_host)}. To use it again, <a href="/billing" data-link>be on a plan with custom domains</a> and publish your site.</p>` : ''}
      <table><caption class="muted">Add these records at your DNS provider</caption><thead><tr><th scope="col">Type</th><th scope="col">Name</th><th scope="col">Value</th></tr></thead>
      <tbody>${d.dns_records.map((r) => `<tr><td>${esc(r.type)}</td><td><code>${esc(r.name)}</code></td><td><code>${esc(r.value)}</code>${r.note ? `<br><span class="muted">${esc(r.note)}</span>` : ''}</td></tr>`).join('')}</tbody></table></div>`).join('')}
    <form class="row" id="add-domain"><label for="domain-name">Your domain (for example www.example.com)</label><input id="domain-name" name="hostname" required maxlength="253">
    <button type="submit" class="secondary">Connect</button></form>`;
  ui.onSubmit(document.getElementById('add-domain'), async ({ hostname }) => {
    await ui.api('POST', '/domains', { site_id: site.id, hostname });
    domains(site);
  });
  box.querySelectorAll('[data-refresh]').forEach((b) => b.addEventListener('click', async () => {
    await ui.api('POST', `/domains/${enc(b.dataset.refresh)}/refresh`, {}).catch((e) => notice(ui.errorMessage(e), 'error'));
    domains(site);
  }));
  box.querySelectorAll('[data-remove]').forEach((b) => b.addEventListener('click', async () => {
    if (!(await ui.confirmDialog(`Disconnect ${b.dataset.remove} from this site?`, 'Disconnect', { danger: true }))) return;
    await ui.api('DELETE', `/domains/${enc(b.dataset.remove)}`).catch((e) => notice(ui.errorMessage(e), 'error'));
    domains(site);
  }));
}

// --- the leads inbox -----------------------------------------------------------------------------
async function leads(params, match) {
  const siteId = decodeURIComponent(match[1]);
  const base = `/sites/${enc(siteId)}`;
  const [site, inbox] = await Promise.all([ui.api('GET', base), ui.api('GET', `${base}/leads`)]);
  const esc = ui.esc;
  const item = (lead) => `<li class="card lead${lead.read ? '' : ' unread'}" data-id="${esc(lead.id)}" aria-labelledby="lead-${esc(lead.id)}">
    <h2 class="row" id="lead-${esc(lead.id)}">${esc(lead.name)} ${lead.read ? '' : '<span class="badge">New</span>'}<span class="muted small">${esc(when(lead.created_at))}</span></h2>
    <p><a href="mailto:${esc(lead.email)}">${esc(lead.email)}</a>${lead.phone ? ` · <a href="tel:${esc(lead.phone)}">${esc(lead.phone)}</a>` : ''}</p>
    <p class="message">${esc(lead.message)}</p><p class="muted">Sent from the page ${esc(lead.page)}</p>
    <div class="row"><button type="button" class="secondary" data-read="${lead.read ? '0' : '1'}">${lead.read ? 'Mark as new' : 'Mark as read'}</button>
    <button type="button" class="danger" data-delete>Delete</button></div></li>`;
  const count = () => {
    const all = document.querySelectorAll('li.lead').length;
    const fresh = document.querySelectorAll('li.lead.unread').length;
    document.getElementById('lead-count').textContent = all ? `${all} enquir${all === 1 ? 'y' : 'ies'}, ${fresh} new.` : 'No enquiries yet. When a visitor sends one of your contact forms, it appears here and in your email.';
  };
  ui.view(`Enquiries · ${site.name}`, `<p><a href="${base}" data-link>← Back to editing ${esc(site.name)}</a></p>
    <h1>Enquiries for ${esc(site.name)}</h1>
    <p class="row"><span id="lead-count" role="status"></span>${inbox.leads.length ? `<a class="button secondary" href="/api/v1${base}/leads.csv" download>Download all as a spreadsheet (CSV)</a>` : ''}</p>
    <ul class="blocks" id="leads">${inbox.leads.map(item).join('')}</ul>`);
  count();
  document.getElementById('leads').addEventListener('click', (ev) => {
    const button = ev.target.closest('button');
    if (!button) return;
    const li = button.closest('li.lead');
    const url = `${base}/leads/${enc(li.dataset.id)}`;
    if (button.dataset.read) {
      busy(button, null, async () => {
        const read = button.dataset.read === '1';
        await ui.api('PATCH', url, { read });
        li.classList.toggle('unread', !read);
        li.querySelector('.badge')?.remove();
        if (!read) li.querySelector('h2 .muted').insertAdjacentHTML('beforebegin', '<span class="badge">New</span>');
        button.dataset.read = read ? '0' : '1';
        button.textContent = read ? 'Mark as new' : 'Mark as read';
        count();
      });
    } else if (button.hasAttribute('data-delete')) {
      busy(button, null, async () => {
        if (!(await ui.confirmDialog(`Delete the enquiry from ${li.querySelector('h2').firstChild.textContent.trim()}? This cannot be undone.`, 'Delete', { danger: true }))) return;
        await ui.api('DELETE', url);
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        count();
        (next?.querySelector('button') || document.getElementById('main')).focus();
        notice('Enquiry deleted.');
      });
    }
  });
}

export function register(helpers) {
  ui = helpers;
  ui.addRoute(/^\/$/, dashboard);
  ui.addRoute(/^\/sites\/([^/]+)$/, editor);
  ui.addRoute(/^\/sites\/([^/]+)\/leads$/, leads);
}
