// Who changed what on this site and when (customer/team.py records it): the newest first, for the
// owner and everyone in her team. Read again after each save, publish and team change.

import { api } from '../lib/api.js';
import { when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { errorMessage } from '../lib/words.js';
import { registerPanel } from './panels.js';

const DID = {
  site_changed: () => 'changed the site’s settings',
  page_added: (s) => `added the page “${s}”`,
  page_saved: (s) => `edited the page “${s}”`,
  page_deleted: (s) => `deleted the page “${s}”`,
  page_restored: (s) => `put back an earlier draft of the page “${s}”`,
  picture_added: () => 'added a picture',
  picture_deleted: () => 'deleted a picture',
  published: (s) => `published version ${s}`,
  rolled_back: (s) => `made version ${s} live again`,
  unpublished: () => 'took the site offline',
  invited: (s) => `invited ${s}`,
  invitation_revoked: (s) => `withdrew the invitation to ${s}`,
  joined: (s) => `joined the team as ${s}`,
  member_removed: (s) => `removed ${s} from the team`,
};

const line = (a) => html`<li><strong>${a.who}</strong> ${(DID[a.action] || (() => 'made a change'))(a.subject)} <span class="muted small">· ${when(a.at)}</span></li>`;

function render(ed) {
  const { activity } = ed.store.state;
  if (!activity) return html`<div id="activity"><p class="muted">Loading…</p></div>`;
  if (activity.error) return html`<div id="activity"><p class="alert error">${errorMessage(activity.error)}</p></div>`;
  if (!activity.list.length) return html`<div id="activity"><p class="muted">Nothing changed yet.</p></div>`;
  return html`<div id="activity"><ul class="plain" id="activity-list">${activity.list.map(line)}</ul></div>`;
}

async function refresh(ed) {
  try {
    ed.store.set({ activity: { list: (await api('GET', `${ed.base}/activity`)).activity } });
  } catch (e) {
    ed.store.set({ activity: { error: e } });
  }
}

function mount(el, ed) {
  for (const event of ['saved:page', 'saved:site', 'team:changed']) ed.on(event, () => refresh(ed));
  ed.store.watch(['versions'], () => refresh(ed));
  refresh(ed);
}

registerPanel({
  id: 'activity', title: 'Who changed what', short: 'Activity', order: 90, watch: ['activity'],
  roles: ['owner', 'editor', 'viewer'], render, mount,
});
