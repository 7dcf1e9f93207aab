// The site's pictures: upload (photos from a phone are turned upright and made smaller in the
// browser), where each is used, delete an unused one. Redrawn when the store's assets change.

import { Refusal } from '../lib/action.js';
import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { kb } from '../lib/format.js';
import { html } from '../lib/html.js';
import { notice } from '../lib/notice.js';
import { uploadPhoto } from '../uploads.js';
import { registerPanel } from './panels.js';

const card = (a, ed) => html`<li class="card"><img src="${ed.ctx.thumb(a.sha256)}" alt="" width="120" height="90">
  <p><strong>${a.name || 'Picture'}</strong><br><span class="muted">${a.width && `${a.width} × ${a.height} pixels · `}${kb(a.size)}</span><br>
  ${a.used_in.length ? `Used on: ${a.used_in.join(', ')}` : html`<span class="muted">Not used</span>`}</p>
  ${a.missing && html`<p class="field-error">Missing: we lost this picture. Upload it again from your device, then publish.</p>`}
  ${!a.used_in.length && html`<button type="button" class="secondary" data-delete-asset="${a.sha256}" aria-label="Delete ${a.name || 'picture'}">Delete</button>`}</li>`;

function render(ed) {
  const { assets } = ed.store.state;
  return html`<div id="library"><form class="stack narrow" id="upload" novalidate><label for="upload-file">Add photos or pictures</label>
    <input type="file" id="upload-file" name="file" accept="image/*" multiple aria-describedby="upload-hint">
    <p class="hint" id="upload-hint">Photos straight from your phone are fine: they are turned the right way up and made smaller for you.</p>
    <p class="form-alert" role="alert"></p><p class="muted" role="status" id="upload-status"></p>
    <button type="submit" class="secondary">Upload</button></form>
    ${assets.length ? html`<ul class="thumbs library">${assets.map((a) => card(a, ed))}</ul>` : html`<p class="muted">No pictures yet.</p>`}</div>`;
}

async function upload(ed, form) {
  const files = [...form.elements.file.files];
  if (!files.length) throw new Refusal('Choose one or more pictures first.');
  const line = form.querySelector('#upload-status');
  for (const file of files) await uploadPhoto(ed.site.id, file, (m) => (line.textContent = m));
  await ed.refreshLibrary();
  notice(files.length === 1 ? 'Picture added.' : `${files.length} pictures added.`);
  document.getElementById('upload-file').focus();
}

async function remove(ed, button) {
  if (!(await confirmDialog('Delete this picture from your library?', 'Delete the picture', { danger: true }))) return;
  await api('DELETE', `${ed.base}/assets/${button.dataset.deleteAsset}`);
  await ed.refreshLibrary();
  notice('Picture deleted.');
  document.getElementById('upload-file').focus();
}

function mount(el, ed) {
  ed.refreshLibrary = async () => ed.store.set({ assets: (await api('GET', `${ed.base}/assets`)).assets });
  el.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target.closest('#upload');
    if (form) ed.act(form.querySelector('button'), form, () => upload(ed, form));
  });
  el.addEventListener('click', (ev) => {
    const button = ev.target.closest('[data-delete-asset]');
    if (button) ed.act(button, null, () => remove(ed, button));
  });
}

registerPanel({ id: 'images', title: 'Pictures', order: 30, watch: ['assets'], render, mount });
