// An invitation to a site's team, from the emailed link (/invite?token=…): what it is, then
// accepting it signed in with the address it was sent to. Signed out, the link waits in this
// browser until it expires, and her sites page brings her back here once she has logged in or
// created her account (the confirmation link may open in another tab: hence localStorage).

import { act } from './lib/action.js';
import { api } from './lib/api.js';
import { day } from './lib/format.js';
import { html } from './lib/html.js';
import { addRoute, go } from './lib/router.js';
import { loadMe } from './lib/session.js';
import { errorMessage } from './lib/words.js';

const KEY = 'sp-invite';
const ROLE_WORDS = { editor: 'edit and publish', viewer: 'look at' };
const GONE = {
  expired: 'This invitation has expired. Ask the site’s owner to invite you again.',
  revoked: 'The owner withdrew this invitation. Ask them to invite you again.',
  accepted: 'This invitation was accepted already. The site is in your list of sites.',
};

// The invitation link this browser keeps for after sign-in, if it has not expired.
export function waitingInvitation() {
  try {
    const kept = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (kept && kept.until > Date.now()) return kept.token;
  } catch { /* unreadable: forgotten below */ }
  localStorage.removeItem(KEY);
  return null;
}

const intro = (found) => html`<p><strong>${found.invited_by || 'The owner'}</strong> invited <strong>${found.email}</strong> to ${ROLE_WORDS[found.role]} the website <strong>${found.site_name}</strong>. The invitation works until ${day(found.expires_at)}.</p>`;

function signedOut(visit, found) {
  visit.view('Your invitation', html`<h1>You are invited to ${found.site_name}</h1>${intro(found)}
    <p>To accept, log in or create a free account with <strong>${found.email}</strong>. You come back here afterwards.</p>
    <p class="row"><a class="button" href="/signup" data-link>Create an account</a><a class="button secondary" href="/login" data-link>Log in</a></p>`);
}

function wrongAccount(visit, found, me) {
  visit.view('Your invitation', html`<h1>You are invited to ${found.site_name}</h1>${intro(found)}
    <p class="alert error">You are logged in as ${me.email}, but this invitation is for ${found.email}. Log out, then log in or create an account with ${found.email}, and open the link from the email again.</p>`);
}

function acceptView(visit, found, token) {
  if (!visit.view('Your invitation', html`<h1>You are invited to ${found.site_name}</h1>${intro(found)}
    <div id="accept-area"><p class="form-alert" role="alert"></p><button type="button" id="accept">Accept and open ${found.site_name}</button></div>`)) return;
  const button = document.getElementById('accept');
  button.addEventListener('click', () => act(button, document.getElementById('accept-area'), async () => {
    const joined = await api('POST', '/invitations/accept', { token });
    go(`/sites/${encodeURIComponent(joined.site_id)}`, `You joined the team of ${joined.site_name}.`);
  }));
}

async function invitation(visit) {
  const token = visit.params.get('token') || '';
  let found;
  try {
    found = await api('POST', '/invitations/lookup', { token });
  } catch (e) {
    localStorage.removeItem(KEY);
    const said = e.status === 404 ? 'This invitation link is not known. Open the whole link from the email, or ask the owner to invite you again.' : errorMessage(e);
    visit.view('Your invitation', html`<h1>Your invitation</h1><p class="alert error">${said}</p>`);
    return;
  }
  if (found.state !== 'open') {
    localStorage.removeItem(KEY);
    visit.view('Your invitation', html`<h1>Your invitation to ${found.site_name}</h1><p class="alert error">${GONE[found.state]}</p><p><a href="/" data-link>Go to your sites</a></p>`);
    return;
  }
  const me = await loadMe();
  if (!visit.live) return;
  if (!me) {
    localStorage.setItem(KEY, JSON.stringify({ token, until: found.expires_at * 1000 }));
    return signedOut(visit, found);
  }
  localStorage.removeItem(KEY); // seen signed in: the emailed link still works
  if (me.email.toLowerCase() !== found.email.toLowerCase()) return wrongAccount(visit, found, me);
  return acceptView(visit, found, token);
}

export function register() {
  addRoute('/invite', invitation, { open: true });
}
