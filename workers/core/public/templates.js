// The template chooser of the "New site" form (issue 26.5): a picture of each template, made at
// build time from the renderer itself (python -m tools.thumbnails: /templates/<id>/thumb.webp), its
// trade in plain words, and a full preview of every page before choosing. The templates themselves
// are customer's (customer/templates.py, listed by the catalogue); creating the site from one is a
// single call, POST /sites {name, template}.

import { modal } from './lib/dialog.js';
import { html } from './lib/html.js';

const picture = (t, file) => `/templates/${encodeURIComponent(t.id)}/${file}.webp?v=${encodeURIComponent(t.version)}`;
const pagesInWords = (t) => (t.pages.length === 1 ? 'one page' : `${t.pages.length} pages: ${t.pages.join(', ')}`);

function card(t, checked) {
  return html`<li class="template-card">
    <label class="template-pick"><input type="radio" name="template" value="${t.id}" ${checked && html`checked`}>
      <img src="${picture(t, 'thumb')}" alt="" width="480" height="300" loading="lazy">
      <span class="template-name">${t.name}</span></label>
    <p class="muted small">${t.pitch} ${pagesInWords(t)}.</p>
    <button type="button" class="secondary" data-preview="${t.id}">Preview<span class="sr-only"> the ${t.name} template</span></button></li>`;
}

// The fieldset: "A blank page" first, then every template (the first one chosen).
export function chooser(templates) {
  return html`<fieldset class="templates"><legend>Start from a template</legend>
    <ul class="template-grid">
      <li class="template-card"><label class="template-pick"><input type="radio" name="template" value="">
        <span class="blank" aria-hidden="true"></span><span class="template-name">A blank page</span></label>
        <p class="muted small">One page with a big headline: you add the blocks.</p></li>
      ${templates.map((t, i) => card(t, i === 0))}
    </ul></fieldset>`;
}

function previewMarkup(t) {
  return html`<h2 id="preview-title">${t.name}: how the template looks</h2>
    <p class="muted">${t.pitch} Your business name goes where it says “Harbour Lane”; you change every word and picture later.</p>
    <div class="row" role="group" aria-label="Pages">${t.pages.map((title, n) => html`<button type="button" class="secondary" data-page="${n}" aria-pressed="${n === 0 ? 'true' : 'false'}">${title}</button>`)}</div>
    <div class="template-page" tabindex="0" aria-label="The page, scrolls"><img id="preview-page" src="${picture(t, 'page-0')}" alt="${`The ${t.pages[0]} page of the ${t.name} template`}" width="512"></div>
    <div class="row"><button type="button" value="use">Use this template</button><button type="button" class="secondary" value="close">Close</button></div>`;
}

// A dialog with every page of the template; resolves true when she chooses it.
export async function previewTemplate(t) {
  const answer = await modal({
    labelledBy: 'preview-title',
    className: 'template-preview',
    markup: previewMarkup(t),
    onClick: (button, close) => {
      if (button.value) return close(button.value);
      const n = Number(button.dataset.page);
      const img = document.getElementById('preview-page');
      img.src = picture(t, `page-${n}`);
      img.alt = `The ${t.pages[n]} page of the ${t.name} template`;
      button.parentElement.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
    },
  });
  return answer === 'use';
}

// Preview buttons open the preview; "Use this template" chooses it in the form.
export function wireChooser(form, templates) {
  form.addEventListener('click', async (ev) => {
    const button = ev.target.closest('button[data-preview]');
    if (!button) return;
    const t = templates.find((x) => x.id === button.dataset.preview);
    if (t && (await previewTemplate(t))) {
      const radio = form.querySelector(`input[name=template][value="${CSS.escape(t.id)}"]`);
      radio.checked = true;
      radio.focus();
    }
  });
}
