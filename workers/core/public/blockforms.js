// The block forms: every block type as real form controls (text, links, pictures from the site's
// library, lists whose items are added, removed and reordered one by one, a weekly grid for opening
// hours, money fields for prices, a choice of layout). Built from the block catalogue customer
// serves (GET /api/v1/catalogue, defined once in customer/blocks.py and customer/catalogue.py): no block or field is
// named here. `render` writes a block's fields, `read` turns them back into the block and stamps
// each control with the API's path for it (data-path, e.g. "blocks[2].items[0].title") so a 400
// can be shown next to the right control.

import { api } from './lib/api.js';
import { html } from './lib/html.js';

export const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];
const CURRENCIES = ['€', '$', '£', 'CHF '];
const PERIODS = ['per month', 'per year', 'per hour', 'per session', 'one-off'];
// What a refused control accepts, in the portal's words (lib/words.js shows it under the control).
const LINK_WORDS = 'Enter a web address (https://…), an email (mailto:…), a phone number (tel:…) or a page of your site (/about).';
const MISSING_PICTURE = 'That picture is not in your library any more; choose another.';

// type -> its label, field specs, starter (make), needsImage and closesPage; filled by loadCatalogue before any
// form is drawn.
export let BLOCKS = {};
// id -> words: the colour palettes and font pairs a site can choose (customer/blocks.py).
export const THEMES = { palettes: {}, fonts: {} };
// The templates a new site can start from (customer/templates.py): id, name, pitch, page titles, version.
export const TEMPLATES = [];
let loading = null;

const spec = (c) => ({ kind: c.kind, name: c.name, label: c.label, max: c.max_length, hint: c.hint, type: c.input_type, options: c.options,
  item: c.item ? c.item.map(spec) : null, itemLabel: c.item_label, itemMax: c.item_max_length, min: c.min_items });

// The catalogue (blocks, palettes, fonts) arrives once per page load; a failed fetch is tried again
// next time.
export function loadCatalogue() {
  loading ||= api('GET', '/catalogue').then(({ blocks, palettes, fonts, templates }) => {
    const words = (choices) => Object.fromEntries(choices.map((c) => [c.id, c.label]));
    TEMPLATES.splice(0, TEMPLATES.length, ...templates);
    Object.assign(THEMES, { palettes: words(palettes), fonts: words(fonts) });
    BLOCKS = Object.fromEntries(Object.entries(blocks).map(([type, b]) => [type, { label: b.label, fields: b.fields.map(spec), make: b.starter, needsImage: b.needs_image, closesPage: b.closes_page }]));
  }).catch((e) => {
    loading = null;
    throw e;
  });
  return loading;
}

// A new block of a type that needs a picture: its starter with `sha` in its first picture field
// (directly, or as the first item of its first list of pictures).
export function starterWith(type, sha) {
  const { fields, make } = BLOCKS[type];
  const direct = fields.find((f) => f.kind === 'image');
  if (direct) return { ...make, [direct.name]: sha };
  const list = fields.find((f) => f.kind === 'list' && f.item?.some((i) => i.kind === 'image'));
  return list ? { ...make, [list.name]: [{ [list.item.find((i) => i.kind === 'image').name]: sha }] } : make;
}

let serial = 0;
const uid = (name) => `f${++serial}-${name}`;

// What the owner sees in the block's header: its first words (its first filled-in text field),
// never an id or a hash.
export function summary(block) {
  const texts = (BLOCKS[block.type]?.fields || []).filter((f) => f.kind === 'text' || f.kind === 'area');
  const words = texts.map((f) => block[f.name]).find((v) => typeof v === 'string' && v.trim()) || '';
  return String(words).replace(/[#*_[\]()]/g, '').trim().slice(0, 60);
}

// ctx: { thumb(sha) -> url, imageName(sha) -> words }. Returns html`…` (escaped by default).
export function render(fields, value, ctx) {
  return html`${fields.map((spec) => field(spec, value?.[spec.name], ctx))}`;
}

function field(spec, value, ctx) {
  const id = uid(spec.name);
  const wrap = (inner, cls = 'field') => html`<div class="${cls}" data-field="${spec.name}">${inner}</div>`;
  const label = html`<label for="${id}">${spec.label}</label>`;
  switch (spec.kind) {
    case 'check':
      return wrap(html`<label class="inline" for="${id}"><input id="${id}" type="checkbox" ${value && html`checked`}> ${spec.label}</label>`);
    case 'area':
      return wrap(html`${label}${spec.hint && html`<p class="hint" id="${id}-hint">${spec.hint}</p>`}
        <textarea id="${id}" maxlength="${spec.max}" ${spec.hint && html`aria-describedby="${id}-hint"`}>${value ?? ''}</textarea>`);
    case 'link':
      return wrap(html`${label}<input id="${id}" inputmode="url" maxlength="${spec.max}" value="${value ?? ''}" aria-describedby="${id}-hint" data-accepts="${LINK_WORDS}">
        <p class="hint" id="${id}-hint">${spec.hint}</p>`);
    case 'choice': {
      const current = value || spec.options[0][0];
      return wrap(html`${label}<select id="${id}">${spec.options.map(([v, words]) => html`<option value="${v}" ${v === current && html`selected`}>${words}</option>`)}</select>`);
    }
    case 'image':
      return wrap(html`<span class="label" id="${id}-label">${spec.label}</span>${picked(value, ctx, id)}`, 'field image-field');
    case 'money':
      return wrap(money(spec, value, id, label));
    case 'period':
      return wrap(html`${label}<input id="${id}" list="periods" maxlength="30" value="${value ?? ''}">
        <datalist id="periods">${PERIODS.map((p) => html`<option value="${p}">`)}</datalist>`);
    case 'hours':
      return wrap(hours(value || [], id), 'field hours');
    case 'list':
      return wrap(html`<fieldset><legend>${spec.label}</legend><ol class="items">${(value || []).map((item, i) => listItem(spec, item, i, ctx))}</ol>
        <button type="button" class="secondary" data-add-item="${spec.name}">Add ${spec.itemLabel.toLowerCase()}</button></fieldset>`, 'field list');
    default:
      return wrap(html`${label}<input id="${id}" type="${spec.type || 'text'}" maxlength="${spec.max}" value="${value ?? ''}">`);
  }
}

function money(spec, value, id, label) {
  const [, cur = '€', amount = value ?? ''] = /^(€|\$|£|CHF ?)?\s*(.*)$/.exec(value ?? '') || [];
  const current = CURRENCIES.find((c) => c.trim() === (cur || '').trim()) || '€';
  return html`${label}<div class="money">
    <select aria-label="Currency" id="${id}-cur">${CURRENCIES.map((c) => html`<option ${c === current && html`selected`} value="${c}">${c.trim()}</option>`)}</select>
    <input id="${id}" inputmode="decimal" maxlength="26" value="${amount}" placeholder="25 or 25.50"></div>`;
}

export function picked(value, ctx, id = uid('img')) {
  return html`<div class="picked">${value ? html`<img src="${ctx.thumb(value)}" alt="" width="96" height="72">` : html`<span class="muted">No picture chosen.</span>`}
    <button type="button" class="secondary" data-pick data-value="${value || ''}" id="${id}" aria-describedby="${id}-label ${id}-name" data-accepts="${MISSING_PICTURE}">Choose picture</button>
    <span class="muted" id="${id}-name">${value ? ctx.imageName(value) : ''}</span></div>`;
}

export function listItem(spec, item, i, ctx) {
  const inner = spec.item ? render(spec.item, item, ctx)
    : field({ kind: 'text', name: 'value', label: `${spec.itemLabel} ${i + 1}`, max: spec.itemMax }, item, ctx);
  return html`<li class="item"><fieldset><legend>${spec.itemLabel} ${i + 1}</legend>${inner}
    <div class="row"><button type="button" class="secondary" data-item-move="-1">Move up</button>
    <button type="button" class="secondary" data-item-move="1">Move down</button>
    <button type="button" class="secondary" data-item-remove>Remove ${spec.itemLabel.toLowerCase()}</button></div></fieldset></li>`;
}

// The weekly grid: a table on a wide screen, one row per day (times side by side) on a phone.
function hours(value, id) {
  const byDay = Object.fromEntries(value.map((h) => [h.day, h]));
  return html`<fieldset><legend>Opening hours</legend><p class="hint">Leave a day empty to leave it out; tick “Closed” to say so.</p>
    <table><thead><tr><th scope="col">Day</th><th scope="col">Opens</th><th scope="col">Closes</th><th scope="col">Closed</th></tr></thead><tbody>
    ${DAYS.map(([day, name]) => {
      const h = byDay[day] || {};
      return html`<tr data-day="${day}"><th scope="row">${name}</th>
        <td data-label="Opens"><input type="time" aria-label="${name} opens" data-hour="opens" value="${h.opens || ''}" id="${id}-${day}-o"></td>
        <td data-label="Closes"><input type="time" aria-label="${name} closes" data-hour="closes" value="${h.closes || ''}"></td>
        <td><label class="inline closed"><input type="checkbox" aria-label="Closed on ${name}" data-hour="closed" ${h.closed && html`checked`}><span class="phone-only" aria-hidden="true">Closed</span></label></td></tr>`;
    })}</tbody></table></fieldset>`;
}

// --- reading -------------------------------------------------------------------------------------
const own = (scope, name) => scope.querySelector(`:scope > [data-field="${name}"]`);

export function read(scope, fields, path) {
  const out = {};
  for (const spec of fields) {
    const box = own(scope, spec.name);
    if (!box) continue;
    const here = `${path}.${spec.name}`;
    out[spec.name] = readField(box, spec, here);
  }
  return out;
}

function control(box) {
  return box.querySelector('input:not([type=hidden]), textarea, select, [data-pick]');
}

function readField(box, spec, here) {
  switch (spec.kind) {
    case 'check': {
      const input = box.querySelector('input');
      input.dataset.path = here;
      return input.checked;
    }
    case 'image': {
      const button = box.querySelector('[data-pick]');
      button.dataset.path = here;
      return button.dataset.value || '';
    }
    case 'money': {
      const input = box.querySelector('input');
      input.dataset.path = here;
      const amount = input.value.trim();
      return amount ? `${box.querySelector('select').value}${amount}` : '';
    }
    case 'hours': {
      const rows = [];
      for (const tr of box.querySelectorAll('tr[data-day]')) {
        const get = (k) => tr.querySelector(`[data-hour=${k}]`);
        const entry = { day: tr.dataset.day, opens: get('opens').value, closes: get('closes').value, closed: get('closed').checked };
        if (!entry.opens && !entry.closes && !entry.closed) continue;
        for (const k of ['opens', 'closes', 'closed']) get(k).dataset.path = `${here}[${rows.length}].${k}`;
        rows.push(entry);
      }
      return rows;
    }
    case 'list': {
      const items = [...box.querySelector('.items').children];
      const first = box.querySelector('[data-add-item]');
      first.dataset.path = here; // "must have 1 to 12 items" lands by the Add button
      return items.map((li, i) => {
        const scope = li.querySelector(':scope > fieldset');
        if (spec.item) return read(scope, spec.item, `${here}[${i}]`);
        const input = control(own(scope, 'value'));
        input.dataset.path = `${here}[${i}]`;
        return input.value;
      });
    }
    default: {
      const input = control(box);
      input.dataset.path = here;
      return input.value;
    }
  }
}

// Renumbers a list's legends and item controls after an add, remove or move.
export function renumber(listBox, itemLabel) {
  [...listBox.querySelector('.items').children].forEach((li, i) => {
    li.querySelector(':scope > fieldset > legend').textContent = `${itemLabel} ${i + 1}`;
    const items = listBox.querySelector('.items').children;
    li.querySelector(':scope > fieldset > .row > [data-item-move="-1"]').disabled = i === 0;
    li.querySelector(':scope > fieldset > .row > [data-item-move="1"]').disabled = i === items.length - 1;
  });
}

// The spec of a (possibly nested) list by its field names, e.g. ('pricing', ['plans', 'features']).
export function listSpec(type, names) {
  let fields = BLOCKS[type].fields;
  let spec = null;
  for (const name of names) {
    spec = fields.find((s) => s.name === name);
    fields = spec?.item || [];
  }
  return spec;
}
