// The editor's two choosers: a block type for "+ Insert here", and a picture from the site's
// library (thumbnails, with an upload right there). Both are dialogs; both resolve with the choice.

import { BLOCKS } from '../blockforms.js';
import { modal } from '../lib/dialog.js';
import { html } from '../lib/html.js';
import { errorMessage } from '../lib/words.js';
import { uploadPhoto } from '../uploads.js';

// Resolves with a block type, or null.
export function chooseType(ed) {
  const none = !ed.store.state.assets.length;
  return modal({
    className: 'chooser',
    labelledBy: 'chooser-h',
    markup: html`<h2 id="chooser-h">Add a block here</h2><ul class="types">${Object.entries(BLOCKS).map(([t, spec]) => html`<li><button type="button" class="secondary" data-type="${t}"
      ${spec.needsImage && none && html`disabled aria-describedby="chooser-hint"`}>${spec.label}</button></li>`)}</ul>
      ${none && html`<p class="hint" id="chooser-hint">Blocks with pictures need a picture under “Pictures” first.</p>`}
      <div class="row"><button type="button" class="secondary" data-cancel>Cancel</button></div>`,
    onClick: (button, close) => close(button.dataset.type || null),
  }).then((type) => type || null);
}

const thumbs = (ed, current) => html`<ul class="thumbs">${ed.store.state.assets.map((a) => html`<li><button type="button" class="thumb" data-sha="${a.sha256}" aria-pressed="${a.sha256 === current}">
  <img src="${ed.ctx.thumb(a.sha256)}" alt="" width="120" height="90"><span>${a.name || 'Picture'}</span></button></li>`)}</ul>`;

// Resolves with a picture's sha256, '' for "No picture", or undefined (cancelled).
export function pickImage(ed, button) {
  return modal({
    className: 'picker',
    labelledBy: 'picker-h',
    markup: html`<h2 id="picker-h">Choose a picture</h2>
      ${ed.store.state.assets.length ? thumbs(ed, button.dataset.value) : html`<p>No pictures yet: add one below.</p>`}
      <label for="picker-file">Add a new picture</label><input type="file" id="picker-file" accept="image/*">
      <p class="form-alert" role="alert" id="picker-alert"></p>
      <div class="row"><button type="button" class="secondary" data-none>No picture</button><button type="button" class="secondary" data-cancel>Cancel</button></div>`,
    onClick: (t, close) => {
      if (t.dataset.sha) close(t.dataset.sha);
      else if (t.hasAttribute('data-none')) close('');
      else if (t.hasAttribute('data-cancel')) close(undefined);
    },
    setup: (dialog, close) => dialog.querySelector('#picker-file').addEventListener('change', async (ev) => {
      const alert = dialog.querySelector('#picker-alert');
      try {
        const uploaded = await uploadPhoto(ed.site.id, ev.target.files[0], (m) => (alert.textContent = m));
        await ed.refreshLibrary();
        close(uploaded.sha256);
      } catch (e) {
        alert.textContent = e.status !== undefined ? errorMessage(e) : e.message;
      }
    }),
  });
}
