// Sites: the dashboard and the site editor (pages, blocks, theme, SEO, images, live preview,
// publishing with version history, domains). Helpers come from portal.js through `register`.

let api, esc, flash, errorMessage, go, onSubmit, view;

// The block forms. Lists (items, plans, images, hours, links) are edited as JSON: one labelled
// field, keyboard friendly, validated by the server, whose 400 names the exact field.
const TEXT = 'text', AREA = 'textarea', CHECK = 'checkbox', IMAGE = 'image', LIST = 'json';
const BLOCKS = {
  hero: { label: 'Hero', fields: [['heading', 'Heading'], ['subheading', 'Subheading'], ['image', 'Image', IMAGE],
    ['image_alt', 'Image description'], ['cta_label', 'Button label'], ['cta_href', 'Button link']], make: { heading: 'Welcome' } },
  rich_text: { label: 'Text', fields: [['markdown', 'Text (Markdown: **bold**, *italic*, [link](https://…), lists)', AREA]],
    make: { markdown: 'Tell your visitors what you do.' } },
  image: { label: 'Image', fields: [['asset', 'Image', IMAGE], ['alt', 'Description for people who cannot see it'], ['caption', 'Caption']], needsImage: true },
  gallery: { label: 'Gallery', fields: [['heading', 'Heading'], ['images', 'Images: [{"asset": "<sha256>", "alt": "…"}]', LIST]], needsImage: true },
  features: { label: 'Features', fields: [['heading', 'Heading'], ['items', 'Items: [{"title": "…", "text": "…"}]', LIST]],
    make: { heading: 'Why us', items: [{ title: 'Friendly', text: 'We answer within a day.' }] } },
  pricing: { label: 'Pricing table', fields: [['heading', 'Heading'], ['plans', 'Plans: [{"name", "price", "period", "features": […]}]', LIST]],
    make: { heading: 'Prices', plans: [{ name: 'Basic', price: '€10', period: 'per month', features: ['One thing'] }] } },
  testimonials: { label: 'Testimonials', fields: [['heading', 'Heading'], ['items', 'Testimonials: [{"quote", "author", "role"}]', LIST]],
    make: { heading: 'What customers say', items: [{ quote: 'Wonderful service.', author: 'A happy customer' }] } },
  cta: { label: 'Call to action', fields: [['heading', 'Heading'], ['text', 'Text'], ['label', 'Button label'], ['href', 'Button link']],
    make: { heading: 'Ready?', label: 'Get in touch', href: 'mailto:hello@example.com' } },
  lead_form: { label: 'Contact form', fields: [['heading', 'Heading'], ['intro', 'Intro'], ['ask_phone', 'Ask for a phone number', CHECK],
    ['submit_label', 'Button label'], ['thanks', 'Thank-you message']], make: { heading: 'Contact us' } },
  hours_location: { label: 'Opening hours and location', fields: [['heading', 'Heading'],
    ['hours', 'Hours: [{"day": "mon", "opens": "09:00", "closes": "17:00"}]', LIST], ['address', 'Address', AREA],
    ['phone', 'Phone'], ['email', 'Email'], ['map_url', 'Map link']], make: { heading: 'Visit us' } },
  footer: { label: 'Footer', fields: [['text', 'Text'], ['links', 'Links: [{"label": "…", "href": "…"}]', LIST]], make: { text: '© Your business' } },
};

async function dashboard() {
  const { sites } = await api('GET', '/sites');
  view('Your sites', `<h1>Your sites</h1>
    ${sites.length ? `<ul class="blocks">${sites.map((s) => `<li class="card"><a href="/sites/${esc(s.id)}" data-link><strong>${esc(s.name)}</strong></a>
      <span class="muted">· ${s.live_version ? `live at <a href="${esc(s.url)}">${esc(s.default_host)}</a>` : 'not published yet'}</span></li>`).join('')}</ul>`
      : '<p>No sites yet. Create your first one below.</p>'}
    <h2>New site</h2>
    <form class="stack card" id="new"><label>Name of your business or site<input name="name" required maxlength="100"></label>
    <button type="submit">Create the site</button></form>`);
  onSubmit(document.getElementById('new'), async (data) => {
    const site = await api('POST', '/sites', data);
    go(`/sites/${site.id}`, 'Your site is created. Add blocks, then publish.');
  });
}

// --- the editor ----------------------------------------------------------------------------------
function blockForm(block, index, images) {
  const spec = BLOCKS[block.type];
  const input = ([name, label, kind = TEXT]) => {
    const id = `f-${index}-${name}`;
    const value = block[name];
    if (kind === CHECK) return `<label class="inline" for="${id}"><input id="${id}" type="checkbox" name="${name}" ${value ? 'checked' : ''}> ${esc(label)}</label>`;
    if (kind === IMAGE) {
      return `<label for="${id}">${esc(label)}<select id="${id}" name="${name}"><option value="">(none)</option>
        ${images.map((a) => `<option value="${esc(a.sha256)}" ${a.sha256 === value ? 'selected' : ''}>${esc(a.name || a.sha256.slice(0, 12))}</option>`).join('')}</select></label>`;
    }
    if (kind === AREA || kind === LIST) {
      const text = kind === LIST ? JSON.stringify(value ?? [], null, 1) : value ?? '';
      return `<label for="${id}">${esc(label)}<textarea id="${id}" name="${name}" data-kind="${kind}">${esc(text)}</textarea></label>`;
    }
    return `<label for="${id}">${esc(label)}<input id="${id}" name="${name}" value="${esc(value)}"></label>`;
  };
  return `<form class="stack" data-block="${index}">${spec.fields.map(input).join('')}
    <div class="row"><button type="submit">Save block</button></div></form>`;
}

function readBlock(form, block) {
  const next = { type: block.type, id: block.id };
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') next[el.name] = el.checked;
    else if (el.dataset.kind === LIST) {
      try {
        next[el.name] = JSON.parse(el.value || '[]');
      } catch {
        throw new Error(`${el.name}: this is not valid JSON.`);
      }
    } else if (el.value !== '') next[el.name] = el.value;
  }
  return next;
}

async function editor(params, match) {
  const siteId = decodeURIComponent(match[1]);
  const [site, { assets }] = await Promise.all([api('GET', `/sites/${encodeURIComponent(siteId)}`), api('GET', `/sites/${encodeURIComponent(siteId)}/assets`)]);
  const pageId = params.get('page') || site.pages[0]?.id;
  const page = pageId ? await api('GET', `/sites/${encodeURIComponent(siteId)}/pages/${encodeURIComponent(pageId)}`) : null;
  const { versions } = await api('GET', `/sites/${encodeURIComponent(siteId)}/versions`);
  const base = `/sites/${encodeURIComponent(siteId)}`;
  const here = `${base}?page=${encodeURIComponent(pageId || '')}`;
  const theme = site.theme || {}, seo = site.seo || {};
  const reload = (message) => go(here, message);

  view(`Edit ${site.name}`, `<h1>${esc(site.name)}</h1>
    <p class="row"><span>${site.live_version ? `Live (version ${esc(site.live_version)}) at <a href="${esc(site.url)}" id="live-link">${esc(site.default_host)}</a>` : 'Not published yet.'}</span>
      <button id="publish">Publish</button>
      ${site.live_version ? '<button class="secondary" id="unpublish">Take offline</button>' : ''}</p>
    <div class="editor"><section aria-labelledby="h-content">
      <h2 id="h-content">Pages</h2>
      <nav class="row" aria-label="Pages">${site.pages.map((p) => `<a href="${base}?page=${esc(p.id)}" data-link ${p.id === pageId ? 'aria-current="page"' : ''}>${esc(p.title)}</a>`).join('')}</nav>
      <form class="row" id="add-page"><label>New page title<input name="title" required maxlength="80"></label><button type="submit" class="secondary">Add page</button></form>
      ${page ? `<h2>Blocks on “${esc(page.title)}”</h2>
      <ol class="blocks">${page.blocks.map((b, i) => `<li class="card" aria-label="${esc(BLOCKS[b.type]?.label || b.type)} block">
        <div class="row"><strong>${esc(BLOCKS[b.type]?.label || b.type)}</strong>
        <button class="secondary" data-move="${i}" data-by="-1" ${i === 0 ? 'disabled' : ''} aria-label="Move up">↑</button>
        <button class="secondary" data-move="${i}" data-by="1" ${i === page.blocks.length - 1 ? 'disabled' : ''} aria-label="Move down">↓</button>
        <button class="danger" data-delete="${i}">Delete</button></div>
        <details><summary>Edit</summary>${blockForm(b, i, assets)}</details></li>`).join('')}</ol>
      <form class="row" id="add-block"><label>Block type<select name="type">${Object.entries(BLOCKS).map(([t, s]) => `<option value="${t}">${esc(s.label)}</option>`).join('')}</select></label>
        <button type="submit">Add block</button></form>` : ''}
      <h2>Images</h2>
      <form class="row" id="upload"><label>Upload an image (PNG, JPEG, GIF or WebP, up to 1 MB)<input type="file" name="file" accept="image/png,image/jpeg,image/gif,image/webp" required></label>
        <button type="submit" class="secondary">Upload</button></form>
      <p class="muted">${assets.length} image(s) uploaded.</p>
      <h2>Theme</h2>
      <form class="stack" id="theme">
        <label>Colours<select name="palette">${['ocean', 'forest', 'sunset', 'slate', 'berry'].map((p) => `<option ${theme.palette === p ? 'selected' : ''}>${p}</option>`).join('')}</select></label>
        <label>Fonts<select name="fonts">${['modern', 'classic', 'editorial', 'technical'].map((f) => `<option ${theme.fonts === f ? 'selected' : ''}>${f}</option>`).join('')}</select></label>
        <button type="submit" class="secondary">Save theme</button></form>
      <h2>Search and sharing</h2>
      <form class="stack" id="seo">
        <label>Title in search results<input name="title" maxlength="70" value="${esc(seo.title)}"></label>
        <label>Description<input name="description" maxlength="160" value="${esc(seo.description)}"></label>
        <button type="submit" class="secondary">Save</button></form>
      <h2>Versions</h2>
      <ul>${versions.map((v) => `<li>Version ${esc(v.number)} · ${esc(new Date(v.created_at * 1000).toLocaleString())}
        ${v.live ? '<strong>(live)</strong>' : `<button class="secondary" data-rollback="${esc(v.number)}">Roll back to this</button>`}</li>`).join('') || '<li>Nothing published yet.</li>'}</ul>
      <h2>Domains</h2>
      <div id="domains"><p class="muted">Loading…</p></div>
    </section>
    <section aria-labelledby="h-preview"><h2 id="h-preview">Preview</h2>
      <p class="row"><button class="secondary" id="preview">Refresh the preview</button> <span class="muted">A private page for you only; search engines never see it.</span></p>
      ${site.preview_url ? `<iframe class="preview" title="Preview of your site" src="${esc(site.preview_url)}"></iframe>` : '<p>Press “Refresh the preview” to see your page as it will be published.</p>'}
    </section></div>`);
  document.getElementById('main').classList.add('wide');

  const savePage = async (blocks, message) => {
    await api('PUT', `${base}/pages/${encodeURIComponent(page.id)}`, { title: page.title, slug: page.slug, description: page.description, blocks });
    await api('POST', `${base}/preview`, {}).catch(() => {});
    reload(message);
  };
  const guard = (fn) => async (ev) => {
    ev.preventDefault?.();
    try {
      await fn(ev);
    } catch (e) {
      flash(e.status !== undefined ? errorMessage(e) : e.message, 'error');
    }
  };
  document.querySelectorAll('form[data-block]').forEach((form) => form.addEventListener('submit', guard(async () => {
    const i = Number(form.dataset.block);
    const blocks = page.blocks.slice();
    blocks[i] = readBlock(form, blocks[i]);
    await savePage(blocks, 'Block saved.');
  })));
  document.querySelectorAll('[data-move]').forEach((b) => b.addEventListener('click', guard(async () => {
    const i = Number(b.dataset.move), j = i + Number(b.dataset.by);
    const blocks = page.blocks.slice();
    [blocks[i], blocks[j]] = [blocks[j], blocks[i]];
    await savePage(blocks, 'Block moved.');
  })));
  document.querySelectorAll('[data-delete]').forEach((b) => b.addEventListener('click', guard(async () => {
    await savePage(page.blocks.filter((_, i) => i !== Number(b.dataset.delete)), 'Block deleted.');
  })));
  document.getElementById('add-block')?.addEventListener('submit', guard(async () => {
    const type = new FormData(document.getElementById('add-block')).get('type');
    const spec = BLOCKS[type];
    if (spec.needsImage && !assets.length) throw new Error('Upload an image first.');
    const made = spec.needsImage ? (type === 'image' ? { asset: assets[0].sha256 } : { images: [{ asset: assets[0].sha256 }] }) : spec.make;
    await savePage([...page.blocks, { type, ...made }], `${spec.label} block added.`);
  }));
  onSubmit(document.getElementById('add-page'), async ({ title }) => {
    const created = await api('POST', `${base}/pages`, { title });
    go(`${base}?page=${encodeURIComponent(created.id)}`, 'Page added.');
  });
  document.getElementById('upload').addEventListener('submit', guard(async () => {
    const file = document.querySelector('#upload input[type=file]').files[0];
    if (!file) throw new Error('Choose an image first.');
    const res = await fetch(`/api/v1${base}/assets?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file, credentials: 'same-origin' });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error?.message || 'The upload failed.');
    reload('Image uploaded. Choose it in an image block.');
  }));
  onSubmit(document.getElementById('theme'), async (theme) => {
    await api('PATCH', base, { theme });
    await api('POST', `${base}/preview`, {}).catch(() => {});
    reload('Theme saved.');
  });
  onSubmit(document.getElementById('seo'), async (data) => {
    await api('PATCH', base, { seo: { ...seo, ...data } });
    reload('Saved.');
  });
  document.getElementById('preview').addEventListener('click', guard(async () => {
    await api('POST', `${base}/preview`, {});
    reload('Preview refreshed.');
  }));
  document.getElementById('publish').addEventListener('click', guard(async () => {
    const result = await api('POST', `${base}/publish`, {});
    reload(`Published version ${result.version}.`);
  }));
  document.getElementById('unpublish')?.addEventListener('click', guard(async () => {
    await api('POST', `${base}/unpublish`, {});
    reload('Your site is offline.');
  }));
  document.querySelectorAll('[data-rollback]').forEach((b) => b.addEventListener('click', guard(async () => {
    await api('POST', `${base}/versions/${encodeURIComponent(b.dataset.rollback)}/rollback`, {});
    reload(`Version ${b.dataset.rollback} is live again.`);
  })));
  domains(site);
}

async function domains(site) {
  const box = document.getElementById('domains');
  let listed;
  try {
    listed = (await api('GET', '/domains')).domains.filter((d) => d.site_id === site.id);
  } catch (e) {
    box.innerHTML = `<p class="alert error">${esc(errorMessage(e))}${e.status === 402 ? ' <a href="/billing" data-link>See plans</a>' : ''}</p>`;
    return;
  }
  box.innerHTML = `${listed.map((d) => `<div class="card"><p><strong>${esc(d.hostname)}</strong> · ${esc(d.status)}
      <button class="secondary" data-refresh="${esc(d.hostname)}">Check again</button>
      <button class="danger" data-remove="${esc(d.hostname)}">Remove</button></p>
      <table><caption class="muted">Add these records at your DNS provider</caption><thead><tr><th scope="col">Type</th><th scope="col">Name</th><th scope="col">Value</th></tr></thead>
      <tbody>${d.dns_records.map((r) => `<tr><td>${esc(r.type)}</td><td><code>${esc(r.name)}</code></td><td><code>${esc(r.value)}</code>${r.note ? `<br><span class="muted">${esc(r.note)}</span>` : ''}</td></tr>`).join('')}</tbody></table></div>`).join('')}
    <form class="row" id="add-domain"><label>Your domain (for example www.example.com)<input name="hostname" required maxlength="253"></label>
    <button type="submit" class="secondary">Connect</button></form>`;
  onSubmit(document.getElementById('add-domain'), async ({ hostname }) => {
    await api('POST', '/domains', { site_id: site.id, hostname });
    domains(site);
  });
  box.querySelectorAll('[data-refresh]').forEach((b) => b.addEventListener('click', async () => {
    await api('POST', `/domains/${encodeURIComponent(b.dataset.refresh)}/refresh`, {}).catch((e) => flash(errorMessage(e), 'error'));
    domains(site);
  }));
  box.querySelectorAll('[data-remove]').forEach((b) => b.addEventListener('click', async () => {
    await api('DELETE', `/domains/${encodeURIComponent(b.dataset.remove)}`).catch((e) => flash(errorMessage(e), 'error'));
    domains(site);
  }));
}

export function register(ui) {
  ({ api, esc, flash, errorMessage, go, onSubmit, view } = ui);
  ui.addRoute(/^\/$/, dashboard);
  ui.addRoute(/^\/sites\/([^/]+)$/, editor);
}
