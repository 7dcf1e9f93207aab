// The site's settings, saved as they change with the site's ETag: colours and fonts (the choices
// come from the API's catalogue), and search and sharing (title, description, language, the
// picture shown when shared, the browser-tab icon made square from a library picture).

import { THEMES, picked } from '../blockforms.js';
import { html } from '../lib/html.js';
import { squareIcon } from '../photos.js';
import { uploadPhoto } from '../uploads.js';
import { registerPanel } from './panels.js';
import { pickImage } from './pickers.js';

const LANGUAGES = [['en', 'English'], ['de', 'German'], ['fr', 'French'], ['it', 'Italian'], ['es', 'Spanish'], ['nl', 'Dutch'], ['pt', 'Portuguese'], ['de-CH', 'Swiss German'], ['fr-CH', 'Swiss French']];
const PICTURES = [['seo-social', 'seo.social_image'], ['seo-icon', 'seo.favicon'], ['th-logo', 'theme.logo']];

const options = (choices, current) => Object.entries(choices).map(([k, v]) => html`<option value="${k}" ${current === k && html`selected`}>${v}</option>`);
const theme0 = (ed) => ed.siteDraft.restore?.theme || ed.site.theme;
const seo0 = (ed) => ed.siteDraft.restore?.seo || ed.site.seo;

// Every change here goes to the site's saver; Enter saves at once.
function saving(ed, form) {
  form.addEventListener('change', () => ed.savers.site.changed());
  form.addEventListener('input', () => ed.savers.site.changed());
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ed.savers.site.now();
  });
}

registerPanel({
  id: 'theme', title: 'Colours and fonts', short: 'Colours', order: 40,
  render: (ed) => html`<form class="stack" id="theme" novalidate>
    <label for="th-palette">Colours</label><select id="th-palette" name="palette" data-path="theme.palette">${options(THEMES.palettes, theme0(ed).palette)}</select>
    <label><input type="checkbox" name="own" id="th-own" ${theme0(ed).primary && html`checked`}> Use my own brand colour instead</label>
    <label for="th-primary">Brand colour (buttons, links and coloured bands; the other colours are made from it)</label>
    <input type="color" id="th-primary" name="primary" data-path="theme.primary" value="${theme0(ed).primary || '#0b6e99'}">
    <label for="th-fonts">Fonts</label><select id="th-fonts" name="fonts" data-path="theme.fonts">${options(THEMES.fonts, theme0(ed).fonts)}</select>
    <div class="field image-field" data-field="logo"><span class="label" id="th-logo-label">Logo (shown at the top of every page; the browser-tab icon is made from it)</span>${picked(theme0(ed).logo, ed.ctx, 'th-logo')}</div>
    <p class="form-alert" role="alert"></p></form>`,
  mount: (el, ed) => {
    const form = el.querySelector('#theme');
    saving(ed, form);
    stampPictures();
    // Picking a colour means using it.
    form.elements.primary.addEventListener('input', () => (form.elements.own.checked = true));
    form.addEventListener('click', (ev) => {
      const button = ev.target.closest('[data-pick]');
      if (button) chooseLogo(ed, form, button);
    });
  },
});

// The logo: shown as chosen, and the browser-tab icon made square from it (unless one is chosen).
async function chooseLogo(ed, form, button) {
  const sha = await pickImage(ed, button);
  if (sha === undefined) return;
  button.closest('.picked').outerHTML = picked(sha, ed.ctx, button.id);
  const icon = document.getElementById('seo-icon');
  if (sha && icon && !icon.dataset.value) {
    const made = await ed.act(document.getElementById('th-logo'), form, async () => {
      const square = await squareIcon(`/api/v1${ed.base}/assets/${sha}`);
      const uploaded = await uploadPhoto(ed.site.id, square.original, undefined, square);
      await ed.refreshLibrary();
      return uploaded.sha256;
    });
    if (made) icon.closest('.picked').outerHTML = picked(made, ed.ctx, 'seo-icon');
  }
  stampPictures();
  document.getElementById('th-logo').focus();
  ed.savers.site.changed();
}

function seoForm(ed) {
  const seo = seo0(ed);
  return html`<form class="stack" id="seo" novalidate>
    <label for="seo-title">Title in search results</label><input id="seo-title" name="title" data-path="seo.title" maxlength="70" value="${seo.title}">
    <label for="seo-desc">Description in search results</label><input id="seo-desc" name="description" data-path="seo.description" maxlength="160" value="${seo.description}">
    <label for="seo-lang">Language of the site</label><select id="seo-lang" name="language" data-path="seo.language">${options(Object.fromEntries(LANGUAGES), seo.language || 'en')}</select>
    <div class="field image-field" data-field="social_image"><span class="label" id="seo-social-label">Picture shown when the site is shared</span>${picked(seo.social_image, ed.ctx, 'seo-social')}</div>
    <div class="field image-field" data-field="favicon"><span class="label" id="seo-icon-label">Icon in the browser tab (made square and small for you)</span>${picked(seo.favicon, ed.ctx, 'seo-icon')}</div>
    <p class="form-alert" role="alert"></p></form>`;
}

// A picture chosen for sharing or as the icon (the icon is cropped square and uploaded first).
async function choosePicture(ed, form, button) {
  const isIcon = button.id === 'seo-icon';
  let sha = await pickImage(ed, button);
  if (sha === undefined) return;
  if (isIcon && sha) {
    const made = await ed.act(button, form, async () => {
      const icon = await squareIcon(`/api/v1${ed.base}/assets/${sha}`);
      const uploaded = await uploadPhoto(ed.site.id, icon.original, undefined, icon);
      await ed.refreshLibrary();
      return uploaded.sha256;
    });
    if (!made) return;
    sha = made;
  }
  button.closest('.picked').outerHTML = picked(sha, ed.ctx, button.id);
  stampPictures();
  document.getElementById(button.id).focus();
  ed.savers.site.changed();
}

// The picture buttons' API paths, so a refusal lands by the right one.
function stampPictures() {
  for (const [id, path] of PICTURES) {
    const button = document.getElementById(id);
    if (button) button.dataset.path = path;
  }
}

registerPanel({
  id: 'seo', title: 'Search and sharing', short: 'Search', order: 50,
  render: seoForm,
  mount: (el, ed) => {
    const form = el.querySelector('#seo');
    saving(ed, form);
    stampPictures();
    ed.on('pictures:seo', stampPictures);
    form.addEventListener('click', (ev) => {
      const button = ev.target.closest('[data-pick]');
      if (button) choosePicture(ed, form, button);
    });
  },
});
