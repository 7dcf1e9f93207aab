// The account: sessions, password, email, the data export (everything as JSON, each published site
// as a zip ready to host elsewhere) and deleting the account (14 days to change her mind).

import { act, onSubmit } from './lib/action.js';
import { api, download } from './lib/api.js';
import { modal } from './lib/dialog.js';
import { day, when } from './lib/format.js';
import { html } from './lib/html.js';
import { notice } from './lib/notice.js';
import { addRoute, go } from './lib/router.js';
import { loadMe, session } from './lib/session.js';
import { field, password } from './auth.js';

const main = document.getElementById('main');

function sessionsCard(sessions) {
  return html`<div class="card"><table><thead><tr><th scope="col">Device</th><th scope="col">Started</th><th scope="col">Last seen</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>${sessions.map((s) => html`<tr><td>${s.device}${s.current && html` <strong>(this device)</strong>`}</td>
      <td>${when(s.created_at)}</td><td>${when(s.last_seen_at)}</td>
      <td>${!s.current && html`<button class="secondary" data-revoke="${s.id}">Log out</button>`}</td></tr>`)}</tbody></table>
    <p><button class="secondary" id="revoke-all">Log out every other device</button></p></div>`;
}

function accountPage(me, sessions, sites) {
  return html`<h1>Account</h1>
    <p>Signed in as <strong>${me.email}</strong>${!me.email_verified && ' (not verified)'}.</p>
    <h2>Sessions</h2>${sessionsCard(sessions)}
    <h2>${me.has_password ? 'Change password' : 'Choose a password'}</h2>
    <form class="stack card" id="pw">
      ${me.has_password ? html`<label>Current password<input name="current_password" type="password" required autocomplete="current-password"></label>`
        : html`<p>You have no password yet: you signed in with a link from your email. Choose one to log in with.</p>`}
      ${password('New password', 'new_password', 'new-password')}
      <p class="muted">Every other device will be logged out.</p>
      <button type="submit">Change password</button></form>
    <h2>Change email</h2>
    <form class="stack card" id="em">${field('New email', 'new_email', 'email', { autocomplete: 'email' })}
      <label>Password<input name="password" type="password" required autocomplete="current-password"></label>
      <button type="submit">Send a confirmation link</button></form>
    <h2>Your data</h2>
    <div class="card" id="export-card"><p>Download everything SmartPages holds about you and your sites (account, sites, pages, pictures, enquiries, billing) as one file.</p>
      <p class="form-alert" role="alert"></p>
      <p class="row"><button class="secondary" id="export">Download my data</button> <span id="export-status" role="status"></span></p></div>
    ${siteZips(sites)}
    <h2>Delete account</h2>
    <div class="card"><p>Your sites go offline at once. You then have 14 days to change your mind: sign in and everything comes back. After that, your sites, pictures and enquiries are deleted for good.</p>
      <button class="danger" id="delete-open">Delete my account…</button></div>`;
}

// Each site as a folder of web pages she can host anywhere (customer/sitezip.py): only a published
// one, and only her own (a site shared with her is its owner's to download).
function siteZips(all) {
  const sites = all.filter((s) => !s.role || s.role === 'owner');
  if (!sites.length) return '';
  return html`<div class="card" id="zip-card"><h3>Your sites as websites</h3>
    <p>Download a site as a zip of web pages and pictures, ready to put on any web host or open from a folder on your computer.</p>
    <p class="form-alert" role="alert"></p>
    <ul class="items">${sites.map((s) => html`<li class="row">${s.live_version
      ? html`<button class="secondary" data-zip="${s.id}" data-slug="${s.slug}">Download ${s.name} as a website</button>`
      : html`<span>${s.name}: not published yet. Publish it first to download it as a website.</span>`}</li>`)}</ul>
    <p id="zip-status" role="status"></p></div>`;
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// A site's zip: fetched first, so a refusal (too big, not published) shows by the buttons, not as a file.
function downloadZip(button) {
  const status = document.getElementById('zip-status');
  status.textContent = 'Preparing your site…';
  return act(button, document.getElementById('zip-card'), async () => {
    try {
      save(await download(`/sites/${encodeURIComponent(button.dataset.zip)}/export.zip`), `${button.dataset.slug}-site.zip`);
      status.textContent = 'Your site is downloaded. Unzip it and open index.html.';
    } catch (e) {
      status.textContent = '';
      throw e;
    }
  });
}

async function account(visit) {
  const [{ sessions }, sub, { plans }, { sites }] = await Promise.all([
    api('GET', '/account/sessions'),
    api('GET', '/billing/subscription').catch(() => null),
    api('GET', '/plans').catch(() => ({ plans: [] })),
    api('GET', '/sites').catch(() => ({ sites: [] })),
  ]);
  if (!visit.view('Account', accountPage(session.me, sessions, sites))) return;
  document.getElementById('export').addEventListener('click', () => exportData());
  document.getElementById('delete-open').addEventListener('click', () => deleteDialog(sub, plans));
  main.addEventListener('click', (ev) => {
    const zip = ev.target.closest('[data-zip]');
    if (zip) return downloadZip(zip);
    const b = ev.target.closest('[data-revoke]');
    if (!b) return;
    act(b, null, async () => {
      await api('DELETE', `/account/sessions/${encodeURIComponent(b.dataset.revoke)}`);
      go('/account', 'That device is logged out.');
    });
  });
  const all = document.getElementById('revoke-all');
  all.addEventListener('click', () => act(all, null, async () => {
    const { other_sessions_ended: n } = await api('DELETE', '/account/sessions');
    go('/account', `${n} other session(s) ended.`);
  }));
  onSubmit(document.getElementById('pw'), async (data) => {
    await api('POST', '/account/password', data);
    const first = !session.me.has_password;
    await loadMe();
    go('/account', first ? 'Your password is saved.' : 'Your password is changed.');
  });
  onSubmit(document.getElementById('em'), async (data) => {
    await api('POST', '/account/email', data);
    notice('Check your new inbox: nothing changes until you follow the link.');
  });
}

// Her data as a file: the account export (JSON), saved under a name she recognises; an error
// stays by the button (fetched first, so a failure never downloads an error as the file).
function exportData() {
  const status = document.getElementById('export-status');
  status.textContent = 'Gathering your data…';
  return act(document.getElementById('export'), document.getElementById('export-card'), async () => {
    try {
      save(await download('/account/export'), `smartpages-export-${new Date().toISOString().slice(0, 10)}.json`);
      status.textContent = 'Your data is downloaded.';
    } catch (e) {
      status.textContent = '';
      throw e;
    }
  });
}

// Deleting asks first, in a dialog: what happens to the subscription and the sites, in plain
// words, the 14 days to change her mind, and the password.
function deleteDialog(sub, plans) {
  const paying = sub && sub.subscribed_plan && !['canceled', 'incomplete_expired', 'none'].includes(sub.status);
  const planName = plans.find((p) => p.id === sub?.subscribed_plan)?.name || 'paid';
  const charge = paying
    ? `Your ${planName} subscription is cancelled at once: you will not be charged again. Your past invoices stay with Stripe, our payment provider, for bookkeeping. If you come back, you choose a plan again.`
    : 'You have no paid plan, so nothing is charged.';
  const until = day(Date.now() / 1000 + 14 * 86400);
  modal({
    labelledBy: 'delete-h',
    markup: html`<h2 id="delete-h">Delete your account?</h2>
      <p>Your sites go offline at once and you are logged out everywhere.</p>
      <p id="delete-money">${charge}</p>
      <p id="delete-window">You have 14 days to change your mind: sign in before ${until} and everything comes back, your sites online again. After that, your account, sites, pages, pictures and enquiries are deleted for good.</p>
      <form class="stack" id="del">
        <p class="form-alert" role="alert"></p>
        <label>Type your password to confirm<input name="password" type="password" required autocomplete="current-password"></label>
        <p class="row"><button type="submit" class="danger">Delete my account</button> <button type="button" class="secondary" id="delete-cancel">Keep my account</button></p>
      </form>`,
    onClick: (button, close) => button.id === 'delete-cancel' && close(),
    setup: (dialog, close) => {
      dialog.querySelector('input[name=password]').focus();
      // A wrong password goes under the field; anything else stays in the dialog (its alert line).
      onSubmit(dialog.querySelector('#del'), async (data) => {
        const { deletes_at: at } = await api('DELETE', '/account', data);
        session.me = null;
        close();
        go('/login', `Your account will be deleted on ${day(at)}. Your sites are offline. Changed your mind? Log in before then and everything comes back.`);
      });
    },
  });
}

export function register() {
  addRoute('/account', account);
}
