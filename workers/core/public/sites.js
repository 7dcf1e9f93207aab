// Sites: the dashboard (with the template chooser) and the leads inbox. The editor is editor/.

import { TEMPLATES, loadCatalogue } from './blockforms.js';
import { act } from './lib/action.js';
import { api } from './lib/api.js';
import { confirmDialog } from './lib/dialog.js';
import { enc, when } from './lib/format.js';
import { html } from './lib/html.js';
import { notice } from './lib/notice.js';
import { addRoute, go } from './lib/router.js';
import { waitingInvitation } from './invite.js';
import { chooser, wireChooser } from './templates.js';

// --- dashboard -----------------------------------------------------------------------------------
function siteList(sites) {
  if (!sites.length) return html`<p>No sites yet. Create your first one below.</p>`;
  return html`<ul class="blocks">${sites.map((s) => html`<li class="card"><a href="/sites/${s.id}" data-link><strong>${s.name}</strong></a>
      <span class="muted">· ${s.live_version ? html`live at <a href="${s.url}">${s.default_host}</a>` : 'not published yet'}</span>
      · <a href="/sites/${s.id}/leads" data-link>Enquiries</a>
      · <a href="/sites/${s.id}/insights" data-link>Insights</a></li>`)}</ul>`;
}

// Sites of others she is in the team of (customer/team.py): she edits or looks, the owner keeps the rest.
const SHARED_ROLE = { editor: 'you can edit and publish it', viewer: 'you can look at it' };
function sharedList(sites) {
  if (!sites.length) return '';
  return html`<h2 id="h-shared">Shared with you</h2><ul class="blocks" id="shared-sites" aria-labelledby="h-shared">${sites.map((s) => html`<li class="card"><a href="/sites/${s.id}" data-link><strong>${s.name}</strong></a>
      <span class="muted">· ${s.owner_email} shared it with you: ${SHARED_ROLE[s.role]}</span></li>`)}</ul>`;
}

async function dashboard(visit) {
  const invitation = waitingInvitation(); // opened signed out: back to it now she is signed in
  if (invitation) return go(`/invite?token=${encodeURIComponent(invitation)}`);
  const [{ sites: all }] = await Promise.all([api('GET', '/sites'), loadCatalogue()]);
  const sites = all.filter((s) => (s.role || 'owner') === 'owner');
  if (!visit.view('Your sites', html`<h1>Your sites</h1>${siteList(sites)}${sharedList(all.filter((s) => s.role && s.role !== 'owner'))}
    <h2 id="h-new">New site</h2>
    <form class="card" id="new" aria-labelledby="h-new"><div class="stack narrow"><label for="new-name">Name of your business or site</label><input id="new-name" name="name" required maxlength="80"></div>
      ${chooser(TEMPLATES)}
      <p class="form-alert" role="alert"></p>
      <button type="submit">Create the site</button></form>`)) return;
  const form = document.getElementById('new');
  wireChooser(form, TEMPLATES);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(form.querySelector('button[type=submit]'), form, async () => {
      const template = TEMPLATES.find((t) => t.id === form.elements.template.value);
      const site = await api('POST', '/sites', { name: form.elements.name.value, ...(template && { template: template.id }) });
      go(`/sites/${site.id}`, template ? `Your site is ready with the ${template.name.toLowerCase()} template. Change the words and pictures, then publish.` : 'Your site is created. Add blocks, then publish.');
    });
  });
}

// --- the leads inbox -----------------------------------------------------------------------------
// A form the owner shaped: every question with its answer, in the form's order.
const answers = (list) => html`<dl class="answers">${list.map((a) => html`<dt>${a.label}</dt><dd class="message">${a.value || '—'}</dd>`)}</dl>`;
const leadItem = (lead) => html`<li class="card lead${!lead.read && ' unread'}" data-id="${lead.id}" aria-labelledby="lead-${lead.id}">
    <h2 class="row" id="lead-${lead.id}">${lead.name || lead.email} ${!lead.read && html`<span class="badge">New</span>`}<span class="muted small">${when(lead.created_at)}</span></h2>
    <p><a href="mailto:${lead.email}">${lead.email}</a>${lead.phone && html` · <a href="tel:${lead.phone}">${lead.phone}</a>`}</p>
    ${lead.answers?.length ? answers(lead.answers) : html`<p class="message">${lead.message}</p>`}<p class="muted">Sent from the page ${lead.page}</p>
    <div class="row"><button type="button" class="secondary" data-read="${lead.read ? '0' : '1'}">${lead.read ? 'Mark as new' : 'Mark as read'}</button>
    <button type="button" class="danger" data-delete>Delete</button></div></li>`;

function countLeads() {
  const all = document.querySelectorAll('li.lead').length;
  const fresh = document.querySelectorAll('li.lead.unread').length;
  document.getElementById('lead-count').textContent = all ? `${all} enquir${all === 1 ? 'y' : 'ies'}, ${fresh} new.` : 'No enquiries yet. When a visitor sends one of your contact forms, it appears here and in your email.';
}

async function markLead(button, li, url) {
  const read = button.dataset.read === '1';
  await api('PATCH', url, { read });
  li.classList.toggle('unread', !read);
  li.querySelector('.badge')?.remove();
  if (!read) li.querySelector('h2 .muted').insertAdjacentHTML('beforebegin', '<span class="badge">New</span>');
  button.dataset.read = read ? '0' : '1';
  button.textContent = read ? 'Mark as new' : 'Mark as read';
  countLeads();
}

async function deleteLead(li, url) {
  if (!(await confirmDialog(`Delete the enquiry from ${li.querySelector('h2').firstChild.textContent.trim()}? This cannot be undone.`, 'Delete', { danger: true }))) return;
  await api('DELETE', url);
  const next = li.nextElementSibling || li.previousElementSibling;
  li.remove();
  countLeads();
  (next?.querySelector('button') || document.getElementById('main')).focus();
  notice('Enquiry deleted.');
}

async function leads(visit) {
  const base = `/sites/${enc(decodeURIComponent(visit.match[1]))}`;
  const [site, inbox] = await Promise.all([api('GET', base), api('GET', `${base}/leads`)]);
  if (!visit.view(`Enquiries · ${site.name}`, html`<p><a href="${base}" data-link>← Back to editing ${site.name}</a></p>
    <h1>Enquiries for ${site.name}</h1>
    <p class="row"><span id="lead-count" role="status"></span>${inbox.leads.length > 0 && html`<a class="button secondary" href="/api/v1${base}/leads.csv" download>Download all as a spreadsheet (CSV)</a>`}</p>
    <ul class="blocks" id="leads">${inbox.leads.map(leadItem)}</ul>`)) return;
  countLeads();
  document.getElementById('leads').addEventListener('click', (ev) => {
    const button = ev.target.closest('button');
    if (!button) return;
    const li = button.closest('li.lead');
    const url = `${base}/leads/${enc(li.dataset.id)}`;
    if (button.dataset.read) act(button, null, () => markLead(button, li, url));
    else if (button.hasAttribute('data-delete')) act(button, null, () => deleteLead(li, url));
  });
}

export function register() {
  addRoute('/', dashboard);
  addRoute(/^\/sites\/([^/]+)\/leads$/, leads);
}
