// The site's team (owner only): who helps her and how, invitations waiting to be accepted (withdraw
// one and its emailed link stops working), and a form to invite someone by email as an editor
// (edits and publishes) or a viewer (only looks). Her plan says how many people she may invite.

import { onSubmit } from '../lib/action.js';
import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { day, enc } from '../lib/format.js';
import { html } from '../lib/html.js';
import { notice } from '../lib/notice.js';
import { errorMessage } from '../lib/words.js';
import { registerPanel } from './panels.js';

export const ROLE_NAMES = { editor: 'Editor: edits and publishes', viewer: 'Viewer: only looks' };

const seatsLine = ({ used, limit }) => (limit === 0
  ? html`<p class="muted">Your plan has no team places. <a href="/billing" data-link>See plans</a> to invite people.</p>`
  : html`<p class="muted" id="team-seats">${used} of ${limit} team place${limit === 1 ? '' : 's'} used on your plan.</p>`);

const member = (m) => html`<li class="row"><span><strong>${m.email}</strong> · ${ROLE_NAMES[m.role]}</span>
  <button type="button" class="secondary" data-remove="${m.id}" data-email="${m.email}">Remove</button></li>`;

const invitation = (i) => html`<li class="row"><span><strong>${i.email}</strong> · ${ROLE_NAMES[i.role]} · invited, the link works until ${day(i.expires_at)}</span>
  <button type="button" class="secondary" data-revoke="${i.id}" data-email="${i.email}">Withdraw</button></li>`;

const inviteForm = html`<form id="invite" class="stack" novalidate><label for="team-email">Email address of the person to invite</label>
  <input id="team-email" name="email" type="email" required maxlength="254" autocomplete="off" data-accepts="Enter an email address, like name@example.com.">
  <label for="team-role">What they may do</label><select id="team-role" name="role">
  <option value="editor">${ROLE_NAMES.editor}</option><option value="viewer">${ROLE_NAMES.viewer}</option></select>
  <p class="form-alert" role="alert"></p><button type="submit" class="secondary">Send the invitation</button></form>`;

function render(ed) {
  const { team } = ed.store.state;
  if (!team) return html`<div id="team"><p class="muted">Loading…</p></div>`;
  if (team.error) return html`<div id="team"><p class="alert error">${errorMessage(team.error)}</p></div>`;
  return html`<div id="team"><p>People you invite see this site in their own portal. They never see your billing or your account, nor this site's enquiries, and cannot delete the site or take it offline.</p>
    ${seatsLine(team.seats)}
    ${team.members.length > 0 && html`<h3>In your team</h3><ul class="plain" id="team-members">${team.members.map(member)}</ul>`}
    ${team.invitations.length > 0 && html`<h3>Invited</h3><ul class="plain" id="team-invitations">${team.invitations.map(invitation)}</ul>`}
    ${inviteForm}</div>`;
}

async function refresh(ed) {
  try {
    ed.store.set({ team: await api('GET', `${ed.base}/team`) });
  } catch (e) {
    ed.store.set({ team: { error: e } });
  }
}

function bind(el, ed) {
  const form = el.querySelector('#invite');
  if (!form || form.dataset.bound) return;
  form.dataset.bound = '1';
  onSubmit(form, async ({ email, role }) => {
    const made = await api('POST', `${ed.base}/team/invitations`, { email, role });
    await refresh(ed);
    ed.emit('team:changed');
    notice(made.mailed ? `Invitation sent to ${made.email}.` : `Invitation saved, but the email could not be sent just now: withdraw it and invite ${made.email} again later.`);
  });
}

async function change(ed, button) {
  const { email } = button.dataset;
  if (button.dataset.remove) {
    if (!(await confirmDialog(`Remove ${email} from this site's team? They can no longer see or change it.`, 'Remove', { danger: true }))) return;
    await api('DELETE', `${ed.base}/team/members/${enc(button.dataset.remove)}`);
  } else {
    await api('DELETE', `${ed.base}/team/invitations/${enc(button.dataset.revoke)}`);
  }
  await refresh(ed);
  ed.emit('team:changed');
  notice(button.dataset.remove ? `${email} was removed from the team.` : `The invitation to ${email} was withdrawn: its link no longer works.`);
}

function mount(el, ed) {
  ed.store.watch(['team'], () => bind(el, ed));
  el.addEventListener('click', (ev) => {
    const button = ev.target.closest('[data-remove], [data-revoke]');
    if (button) ed.act(button, null, () => change(ed, button));
  });
  refresh(ed);
}

registerPanel({ id: 'team', title: 'Your team', short: 'Team', order: 80, watch: ['team'], roles: ['owner'], render, mount });
