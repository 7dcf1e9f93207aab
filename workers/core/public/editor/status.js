// Where the site stands (live or not, what the draft changed), Publish and Take offline, and the
// published versions (any can be made live again). Both redraw when the store's site or versions change.

import { api, send } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { enc, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { notice } from '../lib/notice.js';
import { registerPanel } from './panels.js';

// The site and its versions again, after publishing or a rollback. The site's ETag stays the one
// the settings were based on: a change from another tab must come back as a conflict.
export async function refreshSite(ed, { versions = false } = {}) {
  const [site, list] = await Promise.all([send('GET', ed.base), versions ? api('GET', `${ed.base}/versions`) : null]);
  if (ed.visit.live) ed.store.set({ site: site.data, ...(list ? { versions: list.versions } : {}) });
}

// A member of the team (not the owner) publishes but never takes the site offline, and the
// enquiries (visitors' personal data) are the owner's (customer/team.py).
function statusCard({ site, unread }, base, role) {
  const owner = role === 'owner';
  const changes = site.draft_changes;
  return html`<div class="card status" id="status"><p class="row"><span>${site.live_version ? html`Live at <a href="${site.url}" id="live-link">${site.default_host}</a> (version ${site.live_version}).` : 'Not published yet: only you can see it.'}</span>
      <button type="button" id="publish">Publish</button>${owner && site.live_version && html`<button type="button" class="secondary" id="unpublish">Take offline</button>`}
      ${owner && html`<a href="${base}/leads" data-link>Enquiries${unread > 0 && ` (${unread} new)`}</a> ·`}
      <a href="${base}/insights" data-link>Insights</a></p>
      ${changes?.length ? html`<p>Changes not live yet:</p><ul class="changes">${changes.map((c) => html`<li>${c}</li>`)}</ul>` : site.live_version && changes && html`<p class="muted">What you see here is live.</p>`}</div>`;
}

// What the owner sees is what is published: everything waiting is saved first, or nothing goes.
async function publish(ed) {
  if (!(await ed.saveAll())) {
    notice('Your latest changes are not saved yet, so nothing was published. Publish again once the status says “Saved”; nothing you typed is lost.', 'error');
    return;
  }
  if (!(await confirmDialog('Publish your site now? Visitors see the changes within a minute.', 'Publish'))) return;
  if (!(await ed.saveAll())) {
    notice('Your latest changes are not saved yet, so nothing was published.', 'error');
    return;
  }
  const result = await api('POST', `${ed.base}/publish`, {});
  await refreshSite(ed, { versions: true });
  notice(result.unchanged ? 'Nothing to publish: your site already shows these changes.' : `Published version ${result.version}.`);
  document.getElementById('publish').focus();
}

async function unpublish(ed) {
  if (!(await confirmDialog('Take your site offline? Visitors will see “site not found” until you publish again.', 'Take offline', { danger: true }))) return;
  await api('POST', `${ed.base}/unpublish`, {});
  await refreshSite(ed, { versions: true });
  notice('Your site is offline. Publish to bring it back.');
  document.getElementById('publish').focus();
}

registerPanel({
  id: 'status', place: 'top', order: 20, watch: ['site', 'unread'],
  render: (ed) => statusCard(ed.store.state, ed.base, ed.role),
  mount: (el, ed) => {
    el.addEventListener('click', (ev) => {
      const button = ev.target.closest('button');
      if (button?.id === 'publish') ed.act(button, null, () => publish(ed));
      if (button?.id === 'unpublish') ed.act(button, null, () => unpublish(ed));
    });
  },
});

const versionList = ({ versions }) => html`<ul id="versions">${versions.length ? versions.map((v) => html`<li>Version ${v.number} · ${when(v.created_at)}
      ${v.live ? html`<strong>(live)</strong>` : html`<button type="button" class="secondary" data-rollback="${v.number}">Make this version live again</button>`}</li>`) : html`<li>Nothing published yet.</li>`}</ul>`;

registerPanel({
  id: 'versions', title: 'Published versions', short: 'Versions', order: 60, watch: ['versions'],
  render: (ed) => versionList(ed.store.state),
  mount: (el, ed) => el.addEventListener('click', (ev) => {
    const button = ev.target.closest('[data-rollback]');
    if (!button) return;
    ed.act(button, null, async () => {
      const n = button.dataset.rollback;
      if (!(await confirmDialog(`Make version ${n} live again? Your draft stays as it is.`, `Make version ${n} live`))) return;
      await api('POST', `${ed.base}/versions/${enc(n)}/rollback`, {});
      await refreshSite(ed, { versions: true });
      notice(`Version ${n} is live again.`);
      document.getElementById('publish').focus();
    });
  }),
});
