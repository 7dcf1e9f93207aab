// The block forms: every block type as real form controls (text, links, pictures from the site's
// library, lists whose items are added, removed and reordered one by one, a weekly grid for opening
// hours, money fields for prices). Mirrors customer/blocks.py. `render` writes a block's fields,
// `read` turns them back into the block and stamps each control with the API's path for it
// (data-path, e.g. "blocks[2].items[0].title") so a 400 can be shown next to the right control.

const f = (kind, name, label, extra = {}) => ({ kind, name, label, ...extra });
const text = (name, label, max, extra) => f('text', name, label, { max, ...extra });
const area = (name, label, max, extra) => f('area', name, label, { max, ...extra });
const link = (name, label) => f('link', name, label);
const check = (name, label) => f('check', name, label);
const image = (name, label) => f('image', name, label);
const list = (name, label, item, itemLabel, min, max, extra) => f('list', name, label, { item, itemLabel, min, max, ...extra });

export const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];
const CURRENCIES = ['€', '$', '£', 'CHF '];
const PERIODS = ['per month', 'per year', 'per hour', 'per session', 'one-off'];

export const BLOCKS = {
  hero: { label: 'Big headline', fields: [text('heading', 'Headline', 120), text('subheading', 'Line under the headline', 300),
    image('image', 'Picture'), text('image_alt', 'Describe the picture (for people who cannot see it)', 300),
    text('cta_label', 'Button text', 40), link('cta_href', 'Button goes to')], make: { heading: 'Welcome' } },
  rich_text: { label: 'Text', fields: [area('markdown', 'Text', 20000, { hint: 'Write **bold**, *italic*, ## for a heading, - for a list, [words](https://…) for a link.' })],
    make: { markdown: 'Tell your visitors what you do.' } },
  image: { label: 'Picture', fields: [image('asset', 'Picture'), text('alt', 'Describe the picture (for people who cannot see it)', 300), text('caption', 'Caption', 300)], needsImage: true },
  gallery: { label: 'Photo gallery', fields: [text('heading', 'Heading', 120),
    list('images', 'Photos', [image('asset', 'Photo'), text('alt', 'Describe the photo', 300)], 'Photo', 1, 24)], needsImage: true },
  features: { label: 'Features', fields: [text('heading', 'Heading', 120),
    list('items', 'Features', [text('title', 'Title', 80), area('text', 'Text', 400)], 'Feature', 1, 12)],
    make: { heading: 'Why us', items: [{ title: 'Friendly', text: 'We answer within a day.' }] } },
  pricing: { label: 'Prices', fields: [text('heading', 'Heading', 120),
    list('plans', 'Price plans', [text('name', 'Name', 60), f('money', 'price', 'Price'), f('period', 'period', 'Charged'),
      list('features', 'What is included', null, 'Line', 0, 12), text('cta_label', 'Button text', 40), link('cta_href', 'Button goes to'),
      check('highlighted', 'Highlight this plan')], 'Plan', 1, 6)],
    make: { heading: 'Prices', plans: [{ name: 'Basic', price: '€10', period: 'per month', features: ['One thing'] }] } },
  testimonials: { label: 'Testimonials', fields: [text('heading', 'Heading', 120),
    list('items', 'Testimonials', [area('quote', 'What they said', 600), text('author', 'Who said it', 80), text('role', 'Their role or town', 80)], 'Testimonial', 1, 12)],
    make: { heading: 'What customers say', items: [{ quote: 'Wonderful service.', author: 'A happy customer' }] } },
  cta: { label: 'Call to action', fields: [text('heading', 'Heading', 120), text('text', 'Text', 400), text('label', 'Button text', 40), link('href', 'Button goes to')],
    make: { heading: 'Ready?', label: 'Get in touch', href: 'mailto:hello@example.com' } },
  lead_form: { label: 'Contact form', fields: [text('heading', 'Heading', 120), text('intro', 'Intro', 400), check('ask_phone', 'Ask for a phone number'),
    text('submit_label', 'Button text', 40), text('thanks', 'Thank-you message', 200)], make: { heading: 'Contact us' } },
  hours_location: { label: 'Opening hours and address', fields: [text('heading', 'Heading', 120), f('hours', 'hours', 'Opening hours'),
    area('address', 'Address', 300), text('phone', 'Phone', 40, { type: 'tel' }), text('email', 'Email', 254, { type: 'email' }), link('map_url', 'Map link')],
    make: { heading: 'Visit us' } },
  footer: { label: 'Footer', fields: [text('text', 'Text', 500), list('links', 'Links', [text('label', 'Text', 60), link('href', 'Goes to')], 'Link', 0, 10)],
    make: { text: '© Your business' } },
};

const LINK_HINT = 'A web address (https://…), mailto:you@example.com, tel:+41… or a page of your site such as /about.';

let serial = 0;
const uid = (name) => `f${++serial}-${name}`;

// What the owner sees in the block's header: its first words, never an id or a hash.
export function summary(block) {
  const words = block.heading || block.markdown || block.text || block.caption || block.alt || '';
  return String(words).replace(/[#*_[\]()]/g, '').trim().slice(0, 60);
}

// ctx: { esc, thumb(sha) -> url, imageName(sha) -> words }
export function render(fields, value, ctx) {
  return fields.map((spec) => field(spec, value?.[spec.name], ctx)).join('');
}

function field(spec, value, ctx) {
  const { esc } = ctx;
  const id = uid(spec.name);
  const wrap = (inner, cls = 'field') => `<div class="${cls}" data-field="${spec.name}">${inner}</div>`;
  switch (spec.kind) {
    case 'check':
      return wrap(`<label class="inline" for="${id}"><input id="${id}" type="checkbox" ${value ? 'checked' : ''}> ${esc(spec.label)}</label>`);
    case 'area':
      return wrap(`<label for="${id}">${esc(spec.label)}</label>${spec.hint ? `<p class="hint" id="${id}-hint">${esc(spec.hint)}</p>` : ''}
        <textarea id="${id}" maxlength="${spec.max}" ${spec.hint ? `aria-describedby="${id}-hint"` : ''}>${esc(value ?? '')}</textarea>`);
    case 'link':
      return wrap(`<label for="${id}">${esc(spec.label)}</label><input id="${id}" inputmode="url" maxlength="500" value="${esc(value ?? '')}" aria-describedby="${id}-hint">
        <p class="hint" id="${id}-hint">${esc(LINK_HINT)}</p>`);
    case 'image':
      return wrap(`<span class="label" id="${id}-label">${esc(spec.label)}</span>${picked(value, ctx, id)}`, 'field image-field');
    case 'money': {
      const [, cur = '€', amount = value ?? ''] = /^(€|\$|£|CHF ?)?\s*(.*)$/.exec(value ?? '') || [];
      const current = CURRENCIES.find((c) => c.trim() === (cur || '').trim()) || '€';
      return wrap(`<label for="${id}">${esc(spec.label)}</label><div class="money">
        <select aria-label="Currency" id="${id}-cur">${CURRENCIES.map((c) => `<option ${c === current ? 'selected' : ''} value="${esc(c)}">${esc(c.trim())}</option>`).join('')}</select>
        <input id="${id}" inputmode="decimal" maxlength="26" value="${esc(amount)}" placeholder="25 or 25.50"></div>`);
    }
    case 'period':
      return wrap(`<label for="${id}">${esc(spec.label)}</label><input id="${id}" list="periods" maxlength="30" value="${esc(value ?? '')}">
        <datalist id="periods">${PERIODS.map((p) => `<option value="${p}">`).join('')}</datalist>`);
    case 'hours':
      return wrap(hours(value || [], ctx, id), 'field hours');
    case 'list':
      return wrap(`<fieldset><legend>${esc(spec.label)}</legend><ol class="items">${(value || []).map((item, i) => listItem(spec, item, i, ctx)).join('')}</ol>
        <button type="button" class="secondary" data-add-item="${spec.name}">Add ${esc(spec.itemLabel.toLowerCase())}</button></fieldset>`, 'field list');
    default:
      return wrap(`<label for="${id}">${esc(spec.label)}</label><input id="${id}" type="${spec.type || 'text'}" maxlength="${spec.max}" value="${esc(value ?? '')}">`);
  }
}

export function picked(value, ctx, id = uid('img')) {
  const { esc } = ctx;
  const name = value ? ctx.imageName(value) : '';
  return `<div class="picked">${value ? `<img src="${esc(ctx.thumb(value))}" alt="" width="96" height="72">` : '<span class="muted">No picture chosen.</span>'}
    <button type="button" class="secondary" data-pick data-value="${esc(value || '')}" id="${id}" aria-describedby="${id}-label ${id}-name">Choose picture</button>
    <span class="muted" id="${id}-name">${esc(name)}</span></div>`;
}

export function listItem(spec, item, i, ctx) {
  const { esc } = ctx;
  const inner = spec.item ? render(spec.item, item, ctx)
    : field(text('value', `${spec.itemLabel} ${i + 1}`, 120), item, ctx);
  return `<li class="item"><fieldset><legend>${esc(spec.itemLabel)} ${i + 1}</legend>${inner}
    <div class="row"><button type="button" class="secondary" data-item-move="-1">Move up</button>
    <button type="button" class="secondary" data-item-move="1">Move down</button>
    <button type="button" class="secondary" data-item-remove>Remove ${esc(spec.itemLabel.toLowerCase())}</button></div></fieldset></li>`;
}

function hours(value, ctx, id) {
  const { esc } = ctx;
  const byDay = Object.fromEntries(value.map((h) => [h.day, h]));
  return `<fieldset><legend>Opening hours</legend><p class="hint">Leave a day empty to leave it out; tick “Closed” to say so.</p>
    <table><thead><tr><th scope="col">Day</th><th scope="col">Opens</th><th scope="col">Closes</th><th scope="col">Closed</th></tr></thead><tbody>
    ${DAYS.map(([day, name]) => {
      const h = byDay[day] || {};
      return `<tr data-day="${day}"><th scope="row">${name}</th>
        <td><input type="time" aria-label="${name} opens" data-hour="opens" value="${esc(h.opens || '')}" id="${id}-${day}-o"></td>
        <td><input type="time" aria-label="${name} closes" data-hour="closes" value="${esc(h.closes || '')}"></td>
        <td><input type="checkbox" aria-label="Closed on ${name}" data-hour="closed" ${h.closed ? 'checked' : ''}></td></tr>`;
    }).join('')}</tbody></table></fieldset>`;
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
  return box.querySelector('input:not([type=hidden]), textarea, [data-pick]');
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
