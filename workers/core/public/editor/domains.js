// The site's own domain: connect one, the DNS records to add at her provider, check again,
// disconnect. Loaded after the editor is drawn; redrawn when the store's domains change.

import { onSubmit } from '../lib/action.js';
import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { enc } from '../lib/format.js';
import { html } from '../lib/html.js';
import { errorMessage } from '../lib/words.js';
import { registerPanel } from './panels.js';

const records = (d) => html`<table><caption class="muted">Add these records at your DNS provider</caption><thead><tr><th scope="col">Type</th><th scope="col">Name</th><th scope="col">Value</th></tr></thead>
  <tbody>${d.dns_records.map((r) => html`<tr><td>${r.type}</td><td><code>${r.name}</code></td><td><code>${r.value}</code>${r.note && html`<br><span class="muted">${r.note}</span>`}</td></tr>`)}</tbody></table>`;

const domainCard = (d, site) => html`<div class="card"><p><strong>${d.hostname}</strong> · ${d.paused ? 'paused' : d.status}
  <button class="secondary" data-refresh="${d.hostname}">Check again</button>
  <button class="danger" data-remove="${d.hostname}">Remove</button></p>
  ${d.paused && html`<p class="alert">This domain was paused when your paid plan ended: visitors to ${d.hostname} are sent to ${site.default_host}. To use it again, <a href="/billing" data-link>be on a plan with custom domains</a> and publish your site.</p>`}
  <div class="table-scroll">${records(d)}</div></div>`;

function render(ed) {
  const { domains } = ed.store.state;
  if (!domains) return html`<div id="domains"><p class="muted">Loading…</p></div>`;
  if (domains.error) {
    const e = domains.error;
    return html`<div id="domains"><p class="alert error">${errorMessage(e)}${e.status === 402 && html` <a href="/billing" data-link>See plans</a>`}</p></div>`;
  }
  return html`<div id="domains">${domains.list.map((d) => domainCard(d, ed.site))}
    <form class="row" id="add-domain"><label for="domain-name">Your domain (for example www.example.com)</label><input id="domain-name" name="hostname" required maxlength="253">
    <button type="submit" class="secondary">Connect</button><p class="form-alert" role="alert"></p></form></div>`;
}

async function refresh(ed) {
  try {
    const list = (await api('GET', '/domains')).domains.filter((d) => d.site_id === ed.site.id);
    ed.store.set({ domains: { list } });
  } catch (e) {
    ed.store.set({ domains: { error: e } });
  }
}

function bind(el, ed) {
  const form = el.querySelector('#add-domain');
  if (!form) return;
  onSubmit(form, async ({ hostname }) => {
    await api('POST', '/domains', { site_id: ed.site.id, hostname });
    await refresh(ed);
  });
}

function mount(el, ed) {
  ed.store.watch(['domains'], () => bind(el, ed));
  el.addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-refresh], [data-remove]');
    if (!b) return;
    ed.act(b, null, async () => {
      if (b.dataset.refresh) await api('POST', `/domains/${enc(b.dataset.refresh)}/refresh`, {});
      else {
        if (!(await confirmDialog(`Disconnect ${b.dataset.remove} from this site?`, 'Disconnect', { danger: true }))) return;
        await api('DELETE', `/domains/${enc(b.dataset.remove)}`);
      }
      await refresh(ed);
    });
  });
  refresh(ed);
}

registerPanel({ id: 'domains', title: 'Your domain', short: 'Domain', order: 70, watch: ['domains'], roles: ['owner'], render, mount });
