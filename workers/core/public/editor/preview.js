// The preview of the draft (the private preview host): a page switcher, phone and desktop sizes,
// refreshed shortly after each save.

import { api } from '../lib/api.js';
import { html } from '../lib/html.js';
import { notice } from '../lib/notice.js';
import { errorMessage } from '../lib/words.js';
import { registerPanel } from './panels.js';
import { refreshSite } from './status.js';

function render(ed) {
  const { site, page } = ed;
  return html`<div class="row"><label for="pv-page">Page</label><select id="pv-page">${site.pages.map((p) => html`<option value="${p.path}" ${p.id === page.id && html`selected`}>${p.title}</option>`)}</select>
        <span class="row" role="group" aria-label="Screen size"><button type="button" class="secondary" data-size="desktop" aria-pressed="true">Desktop</button><button type="button" class="secondary" data-size="phone" aria-pressed="false">Phone</button></span>
        <button type="button" class="secondary" id="pv-refresh">Refresh</button></div>
      <p class="muted" id="pv-hint">Your draft, as visitors will see it once you publish; only you can see it. Click a block to edit it, type straight into its text, use “+” to add a block there and Alt+↑/↓ to move one.</p>
      <div class="frame" id="pv-frame"><iframe class="preview" title="Your page: click a block to edit it" id="pv" aria-describedby="pv-hint"></iframe></div>`;
}

function mount(el, ed) {
  const frame = el.querySelector('#pv');
  // `ed.preview.keep(src)`: a panel that already shows `src` in the frame (on-page editing) may
  // keep it rather than have it reloaded.
  ed.preview = { frame, keep: () => false };
  const show = () => {
    const url = ed.store.state.site.preview_url;
    if (!url) return;
    const src = url.replace(/\/$/, '') + el.querySelector('#pv-page').value;
    if (ed.preview.keep(src)) return;
    frame.src = 'about:blank';
    frame.src = src;
  };
  let timer = null;
  let building = false;
  let again = false;
  // One build at a time: a save during a build asks for one more after it, so two builds never
  // race and the frame always ends on the latest draft.
  const build = async () => {
    if (!ed.visit.live) return;
    if (building) {
      again = true;
      return;
    }
    building = true;
    try {
      await api('POST', `${ed.base}/preview`, {});
      await refreshSite(ed);
      if (!again) show();
    } catch (e) {
      if (e.status !== 0) notice(`The preview could not be refreshed: ${errorMessage(e)}`, 'error');
    } finally {
      building = false;
      if (again) {
        again = false;
        build();
      }
    }
  };
  // Asks for a fresh preview build (after a pause, so a burst of saves asks once).
  ed.refreshPreview = (now = false) => {
    clearTimeout(timer);
    timer = setTimeout(build, now ? 0 : 1200);
  };
  ed.on('saved:page', () => ed.refreshPreview());
  ed.on('saved:site', () => ed.refreshPreview());
  ed.on('changed:blocks', () => ed.refreshPreview());
  ed.store.state.site.preview_url ? show() : ed.refreshPreview(true);
  el.querySelector('#pv-page').addEventListener('change', show);
  el.querySelector('#pv-refresh').addEventListener('click', () => ed.refreshPreview(true));
  el.addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-size]');
    if (!b) return;
    for (const o of el.querySelectorAll('[data-size]')) o.setAttribute('aria-pressed', String(o === b));
    el.querySelector('#pv-frame').classList.toggle('phone', b.dataset.size === 'phone');
  });
}

registerPanel({ id: 'preview', title: 'Preview', place: 'preview', order: 10, render, mount });
