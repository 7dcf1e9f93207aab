// The SmartPages portal: a small single-page app over core's JSON API. No framework, no build
// step, nothing from a CDN. Every value from the API is escaped before it reaches the DOM.

import { addTurnstile } from './turnstile.js';

const main = document.getElementById('main');
const flashBox = document.getElementById('flash');

export const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// --- API ---------------------------------------------------------------------------------------
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `The server answered ${status}.`);
    Object.assign(this, { status, code: error?.code || 'error', requiredPlan: error?.required_plan, field: error?.field });
  }
}

// One request. `etag` goes out as If-Match (the editor's writes); the answer's ETag comes back.
export async function send(method, path, body, { etag, raw } = {}) {
  const init = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
  if (etag) init.headers['if-match'] = etag;
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, { message: 'Cannot reach SmartPages. Check your connection and try again; nothing you typed is lost.' });
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data?.error);
  return { data, etag: res.headers.get('etag') };
}

export async function api(method, path, body) {
  return (await send(method, path, body)).data;
}

// --- state -------------------------------------------------------------------------------------
let me = null; // the signed-in account, or null

async function loadMe() {
  try {
    me = (await api('GET', '/account')).account;
  } catch (e) {
    if (e.status !== 401) throw e;
    me = null;
  }
  return me;
}

// Where the visitor came from: kept from the deep link in this tab until sign-up stores it with
// the account; after that the account's copy is the one that travels (to Stripe's metadata).
function attribution() {
  if (me?.attribution && Object.keys(me.attribution).length) return me.attribution;
  try {
    return JSON.parse(sessionStorage.getItem('attribution') || '{}');
  } catch {
    return {};
  }
}

// --- rendering helpers -------------------------------------------------------------------------
export function flash(message, kind = 'ok') {
  flashBox.innerHTML = message ? `<div class="alert ${kind}">${esc(message)}</div>` : '';
}

// The API's messages name fields by their path ("blocks[2].items[0].title: must be …"); owners
// see the words after the path, next to the field itself, in plainer language.
const PLAIN = [
  [/^required$|^must not be empty$/, 'Fill this in.'],
  [/^must be at most (\d+) characters$/, 'Too long: at most $1 characters.'],
  [/^must be an http\(s\), mailto: or tel: link.*/, 'Enter a web address (https://…), an email (mailto:…), a phone number (tel:…) or a page of your site (/about).'],
  [/^must have (\d+) to (\d+) items$/, 'Keep between $1 and $2 of these.'],
  [/^must be lower-case letters.*/, 'Use lower-case letters, digits and hyphens only.'],
  [/^must not contain control characters$/, 'Remove the unusual characters.'],
  [/^no image .*/, 'That image is not in your library any more; choose another.'],
];

export function plainWords(message) {
  const text = String(message || '').replace(/^[\w.[\]'"-]+: /, '');
  for (const [pattern, words] of PLAIN) if (pattern.test(text)) return text.replace(pattern, words);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function errorMessage(e) {
  if (e.status === 402 && e.requiredPlan) return `${e.message} Go to Billing to upgrade.`;
  if (e.status === 401 && ['unauthenticated', 'not_signed_in', 'session_expired'].includes(e.code)) return 'Your session has ended. Log in again.';
  if (e.field) return plainWords(e.message);
  if (e.status === 429) return 'Too many attempts. Wait a while and try again.';
  return e.message;
}

function setNav() {
  const links = me
    ? [['/', 'Sites'], ['/billing', 'Billing'], ['/account', 'Account']]
    : [['/login', 'Log in'], ['/signup', 'Sign up']];
  document.getElementById('nav').innerHTML =
    links.map(([href, text]) => `<a href="${href}" data-link>${esc(text)}</a>`).join('') +
    (me ? '<a href="#" id="logout">Log out</a>' : '');
  document.getElementById('logout')?.addEventListener('click', async (ev) => {
    ev.preventDefault();
    await api('POST', '/auth/logout').catch(() => {});
    me = null;
    go('/login', 'You are logged out.');
  });
}

export function view(title, html) {
  document.title = `${title} · SmartPages`;
  main.classList.remove('wide');
  main.innerHTML = html;
  main.focus();
}

// Binds a form: collects named fields, disables the button while busy, shows errors inline.
export function onSubmit(form, handler) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = form.querySelector('button[type=submit]');
    const data = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      data[el.name] = el.type === 'checkbox' ? el.checked : el.value;
    }
    button && (button.disabled = true);
    flash('');
    clearFieldErrors(form);
    try {
      await handler(data);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      // A wrong password is the password field's error, not a session problem.
      const path = e.field || (e.code === 'invalid_credentials' || e.code === 'wrong_password' ? (form.querySelector('[name=current_password]') ? 'current_password' : 'password') : null);
      if (!showFieldError(form, e, path)) flash(errorMessage(e), 'error');
    } finally {
      button && (button.disabled = false);
    }
  });
}

// A field's error goes right under it, tied to it for screen readers; the field gets the focus.
export function fieldError(input, message, focus = true) {
  const id = `${input.id || (input.id = `f${Math.random().toString(36).slice(2)}`)}-error`;
  let box = document.getElementById(id);
  if (!box) {
    box = document.createElement('p');
    box.id = id;
    box.className = 'field-error';
    (input.closest('label') || input).insertAdjacentElement('afterend', box); // outside the label: not part of its name
  }
  box.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), id].filter((v) => v && !v.includes(id)).concat(id).join(' '));
  if (focus) input.focus(); // not while the owner types elsewhere (the editor saves as she types)
}

export function clearFieldErrors(root) {
  for (const box of root.querySelectorAll('.field-error')) box.remove();
  for (const input of root.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    const left = (input.getAttribute('aria-describedby') || '').split(' ').filter((id) => id && !id.endsWith('-error'));
    left.length ? input.setAttribute('aria-describedby', left.join(' ')) : input.removeAttribute('aria-describedby');
  }
}

// Finds the input the API's `field` path names: by data-path (the editor) or by name.
export function showFieldError(root, e, path = e.field, focus = true) {
  if (!path) return false;
  const input = root.querySelector(`[data-path="${CSS.escape(path)}"]`) || root.querySelector(`[name="${CSS.escape(path.split('.').pop())}"]`);
  if (!input) return false;
  fieldError(input, plainWords(e.message), focus);
  return true;
}

// Asks before something that cannot be undone; resolves true or false. A real <dialog>: focus is
// trapped inside it and comes back to the button that opened it.
export function confirmDialog(question, yes, { danger = false } = {}) {
  const dialog = document.createElement('dialog');
  dialog.setAttribute('aria-labelledby', 'dialog-q');
  dialog.innerHTML = `<p id="dialog-q">${esc(question)}</p><form method="dialog" class="row">
    <button value="yes" class="${danger ? 'danger' : ''}">${esc(yes)}</button><button value="no" class="secondary" autofocus>Cancel</button></form>`;
  const opener = document.activeElement;
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => {
    dialog.remove();
    opener?.focus?.();
    resolve(dialog.returnValue === 'yes');
  }));
}

// The editor registers a guard (is anything unsaved?) and a flush (save what waits): leaving
// within the portal saves first and asks only if something still could not be saved.
let leaveGuard = null;
let leaveFlush = null;
export function setLeaveGuard(guard, flush = null) {
  leaveGuard = guard;
  leaveFlush = flush;
}
window.addEventListener('beforeunload', (ev) => {
  if (leaveGuard?.()) ev.preventDefault();
});
async function mayLeave() {
  if (leaveGuard?.() && leaveFlush) await leaveFlush().catch(() => {});
  if (!leaveGuard?.()) return true;
  const ok = await confirmDialog('Some of your changes are not saved yet. They stay in this browser and come back when you open this page again. Leave anyway?', 'Leave', { danger: true });
  if (ok) leaveGuard = null;
  return ok;
}

const field = (label, name, type = 'text', extra = '') =>
  `<label>${esc(label)}<input name="${name}" type="${type}" ${extra}></label>`;
const password = (label, name, autocomplete) =>
  field(label, name, 'password', `required minlength="8" maxlength="256" autocomplete="${autocomplete}"`);

// --- auth views --------------------------------------------------------------------------------
async function start(params) {
  // Landing pages and funnels link here with the plan and campaign; keep them through sign-up.
  // The keys and the value rule are core's (shared/attribution.py): a value core would refuse (a
  // typo in a campaign link) is dropped here rather than blocking the sign-up.
  const { attribution: contract } = await api('GET', '/plans');
  const valid = new RegExp(contract.pattern, 'u');
  const kept = {};
  for (const key of contract.keys) {
    const value = (params.get(key) || '').slice(0, 200);
    if (value && valid.test(value)) kept[key] = value;
  }
  sessionStorage.setItem('attribution', JSON.stringify(kept));
  const signedIn = me || (await loadMe());
  // Replaces the deep link in the history, so Back does not run it again.
  history.replaceState(null, '', signedIn ? '/billing' + (kept.plan ? `?upgrade=${encodeURIComponent(kept.plan)}` : '') : '/signup');
  return route();
}

function signup() {
  const plan = attribution().plan;
  view('Sign up', `<h1>Create your SmartPages account</h1>
    ${plan ? `<p class="muted">You chose the <strong>${esc(plan)}</strong> plan. You can pay after verifying your email.</p>` : ''}
    <form class="stack card" id="f">
      ${field('Email', 'email', 'email', 'required autocomplete="email"')}
      ${password('Password (at least 8 characters)', 'password', 'new-password')}
      <button type="submit">Sign up</button>
    </form>
    <p>Already have an account? <a href="/login" data-link>Log in</a>.</p>`);
  onSubmit(document.getElementById('f'), async ({ email, password }) => {
    await api('POST', '/auth/signup', { email, password, attribution: attribution() });
    view('Check your email', `<h1>Check your email</h1><div class="card"><p>We sent a link to
      <strong>${esc(email)}</strong>. Open it to verify your address and continue.</p></div>`);
  });
  addTurnstile(document.getElementById('f'));
}

function login() {
  view('Log in', `<h1>Log in</h1>
    <form class="stack card" id="f">
      ${field('Email', 'email', 'email', 'required autocomplete="email"')}
      <label>Password<input name="password" type="password" required autocomplete="current-password"></label>
      <button type="submit">Log in</button>
    </form>
    <p><a href="/forgot" data-link>Forgot your password?</a> · <a href="/magic-link" data-link>Email me a sign-in link</a></p>`);
  onSubmit(document.getElementById('f'), async (data) => {
    me = (await api('POST', '/auth/login', data)).account;
    go('/');
  });
}

function askLink(title, path, intro) {
  return () => {
    view(title, `<h1>${esc(title)}</h1><p>${esc(intro)}</p>
      <form class="stack card" id="f">${field('Email', 'email', 'email', 'required autocomplete="email"')}
      <button type="submit">Send the link</button></form>`);
    onSubmit(document.getElementById('f'), async (data) => {
      await api('POST', path, data);
      flash('If that address has an account, a link is on its way.');
    });
    addTurnstile(document.getElementById('f'));
  };
}

// Links from email land here; the token is POSTed (GET never changes anything).
function fromLink(title, path, after) {
  return async (params) => {
    view(title, `<h1>${esc(title)}</h1><p>One moment…</p>`);
    try {
      const result = await api('POST', path, { token: params.get('token') || '' });
      await after(result);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      view(title, `<h1>${esc(title)}</h1><div class="alert error">${esc(errorMessage(e))}</div>
        <p><a href="/login" data-link>Log in</a> or ask for a new link.</p>`);
    }
  };
}

async function afterSignIn() {
  me = await loadMe();
  go('/', 'You are signed in.');
}

// The link usually opens in a new tab, so the plan chosen on the landing page comes from the
// account (kept at sign-up), not from this tab's storage.
async function afterVerify({ account }) {
  me = account;
  const plan = account.attribution?.plan;
  if (plan && plan !== 'free') return go(`/billing?upgrade=${encodeURIComponent(plan)}`, 'Your email is verified.');
  go('/', 'Your email is verified.');
}

function reset(params) {
  newPassword(params, {
    title: 'Choose a new password',
    note: '<p class="muted">Every other device will be logged out.</p>',
    button: 'Save the password',
    path: '/auth/password/reset',
    done: () => go('/', 'Your password is changed.'),
  });
}

// The link the old address gets after an email change: the account comes back to it.
function undoEmail(params) {
  newPassword(params, {
    title: 'Undo the email change',
    intro: '<p>Your account goes back to this address. Choose a new password: whoever changed the email may know the old one.</p>',
    button: 'Undo the change',
    path: '/auth/email/revert',
    done: () => go('/account', 'Your email is back, and every other device is logged out.'),
  });
}

// A page an emailed link opens to choose a new password; the link's token goes with it.
function newPassword(params, { title, intro = '', note = '', button, path, done }) {
  view(title, `<h1>${title}</h1>${intro}
    <form class="stack card" id="f">
      ${password('New password', 'password', 'new-password')}
      ${note}
      <button type="submit">${button}</button>
    </form>`);
  onSubmit(document.getElementById('f'), async (data) => {
    await api('POST', path, { ...data, token: params.get('token') || '' });
    await loadMe();
    done();
  });
}

// --- billing -----------------------------------------------------------------------------------
async function billing(params) {
  // Back from paying: billing asks Stripe now, in case its webhook is late or lost.
  if (params.get('checkout') === 'success' && params.get('session_id')) {
    await api('POST', '/billing/checkout/confirm', { session_id: params.get('session_id') }).catch(() => {});
  }
  const [{ plans }, sub] = await Promise.all([api('GET', '/plans'), api('GET', '/billing/subscription').catch((e) => ({ error: e }))]);
  const current = sub.error ? null : sub.plan;
  const status = params.get('checkout');
  if (status === 'success') flash('Payment received. Your plan is active as soon as Stripe confirms it.');
  if (status === 'cancelled') flash('Checkout cancelled. Nothing was charged.', 'error');
  const wanted = params.get('upgrade');
  view('Billing', `<h1>Billing</h1>
    ${sub.error ? `<div class="alert error">${esc(errorMessage(sub.error))}</div>` : `<p>Your plan: <strong>${esc(current)}</strong>
      ${sub.status && sub.status !== 'none' ? `(${esc(sub.status)})` : ''}</p>`}
    <div class="plans">${plans.map((p) => `<section class="card" aria-labelledby="plan-${esc(p.id)}">
      <h2 id="plan-${esc(p.id)}">${esc(p.name)}</h2><p><strong>€${esc(p.monthly_price_eur)}</strong> a month</p>
      <ul>${Object.entries(p.entitlements).map(([k, v]) => `<li>${esc(k.replaceAll('_', ' '))}: ${esc(v === true ? 'yes' : v === false ? 'no' : v)}</li>`).join('')}</ul>
      ${p.id === current ? '<p class="muted">Current plan</p>' : p.monthly_price_eur > 0 && (!current || current === 'free')
        ? `<button data-plan="${esc(p.id)}" ${p.id === wanted ? 'autofocus' : ''}>Choose ${esc(p.name)}</button>`
        : p.monthly_price_eur > 0 && sub.status === 'active' ? `<button class="secondary" data-switch="${esc(p.id)}" data-name="${esc(p.name)}">Switch to ${esc(p.name)}</button>` : ''}
    </section>`).join('')}</div>
    ${current && current !== 'free' ? '<section class="card" id="details" aria-live="polite"><p class="muted">Loading your payments…</p></section><p><button class="secondary" id="manage">Change the card or cancel</button></p>' : ''}`);
  const checkout = async (button) => {
    button.disabled = true;
    try {
      const { url } = await api('POST', '/billing/checkout', { plan: button.dataset.plan, attribution: attribution() });
      location.assign(url);
    } catch (e) {
      flash(errorMessage(e), 'error');
      button.disabled = false;
    }
  };
  for (const button of main.querySelectorAll('button[data-plan]')) button.addEventListener('click', () => checkout(button));
  // Arriving with the plan chosen on the landing page (after verifying): straight to its checkout.
  // The address loses `upgrade` first, so coming Back from Stripe shows this page, not a loop.
  const chosen = wanted && main.querySelector(`button[data-plan="${CSS.escape(wanted)}"]`);
  if (chosen) {
    history.replaceState(null, '', '/billing');
    flash(`Taking you to the payment page for ${chosen.textContent.replace('Choose ', '')}…`);
    await checkout(chosen);
  }
  if (document.getElementById('details')) billingDetails(sub);
  for (const button of main.querySelectorAll('button[data-switch]')) button.addEventListener('click', () => switchPlan(button));
  document.getElementById('manage')?.addEventListener('click', async () => {
    try {
      location.assign((await api('POST', '/billing/portal')).url);
    } catch (e) {
      flash(errorMessage(e), 'error');
    }
  });
}

const money = (cents, currency) => new Intl.NumberFormat(undefined, { style: 'currency', currency: (currency || 'eur').toUpperCase() }).format(cents / 100);
const day = (t) => new Date(t * 1000).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' });

// The next charge, the card and the invoices (Stripe's hosted pages), under the plans.
async function billingDetails(sub) {
  const box = document.getElementById('details');
  try {
    const d = await api('GET', '/billing/details');
    const next = d.next_charge_at ? `<p>Next charge: <strong>${esc(day(d.next_charge_at))}</strong></p>`
      : sub.current_period_end ? `<p>Your plan ends on <strong>${esc(day(sub.current_period_end))}</strong>; nothing more will be charged.</p>` : '';
    const card = d.card ? `<p>Paying with ${esc(d.card.brand)} ending in <strong>${esc(d.card.last4)}</strong></p>` : '';
    const rows = d.invoices.map((i) => `<li>${esc(day(i.created))}: ${esc(money(i.amount, i.currency))} (${esc(i.status)})${i.url ? ` · <a href="${esc(i.url)}" target="_blank" rel="noopener">View invoice</a>` : ''}</li>`).join('');
    box.innerHTML = `<h2>Payments</h2>${next}${card}${rows ? `<h3>Invoices</h3><ul>${rows}</ul>` : ''}`;
  } catch (e) {
    box.innerHTML = `<div class="alert error">${esc(errorMessage(e))}</div>`;
  }
}

// Switching paid plans: Stripe's prorated preview first, then the switch at the same date.
async function switchPlan(button) {
  button.disabled = true;
  try {
    const p = await api('POST', '/billing/plan/preview', { plan: button.dataset.switch });
    const change = p.proration_amount >= 0 ? `${money(p.proration_amount, p.currency)} for the rest of this month`
      : `a credit of ${money(-p.proration_amount, p.currency)} for the rest of this month`;
    const box = document.getElementById('details') || main;
    box.insertAdjacentHTML('afterbegin', `<div class="alert" id="confirm-switch"><p>Switching to <strong>${esc(button.dataset.name)}</strong> now:
      ${esc(change)}. Your next charge, on ${esc(day(p.next_charge_at))}, will be <strong>${esc(money(p.amount_due, p.currency))}</strong>.</p>
      <p><button id="do-switch">Switch to ${esc(button.dataset.name)}</button> <button class="secondary" id="keep">Keep my plan</button></p></div>`);
    document.getElementById('keep').addEventListener('click', () => go('/billing'));
    document.getElementById('do-switch').addEventListener('click', async (ev) => {
      ev.target.disabled = true;
      try {
        await api('POST', '/billing/plan', { plan: button.dataset.switch, proration_date: p.proration_date });
        go('/billing', `You are switching to ${button.dataset.name}. It takes effect as soon as Stripe confirms it.`);
      } catch (e) {
        flash(errorMessage(e), 'error');
        ev.target.disabled = false;
      }
    });
  } catch (e) {
    flash(errorMessage(e), 'error');
    button.disabled = false;
  }
}

// --- account -----------------------------------------------------------------------------------
async function account() {
  const { sessions } = await api('GET', '/account/sessions');
  const when = (t) => new Date(t * 1000).toLocaleString();
  view('Account', `<h1>Account</h1>
    <p>Signed in as <strong>${esc(me.email)}</strong>${me.email_verified ? '' : ' (not verified)'}.</p>
    <h2>Sessions</h2>
    <div class="card"><table><thead><tr><th scope="col">Device</th><th scope="col">Started</th><th scope="col">Last seen</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>${sessions.map((s) => `<tr><td>${esc(s.device)}${s.current ? ' <strong>(this device)</strong>' : ''}</td>
      <td>${esc(when(s.created_at))}</td><td>${esc(when(s.last_seen_at))}</td>
      <td>${s.current ? '' : `<button class="secondary" data-revoke="${esc(s.id)}">Log out</button>`}</td></tr>`).join('')}</tbody></table>
    <p><button class="secondary" id="revoke-all">Log out every other device</button></p></div>
    <h2>Change password</h2>
    <form class="stack card" id="pw">
      <label>Current password<input name="current_password" type="password" required autocomplete="current-password"></label>
      ${password('New password', 'new_password', 'new-password')}
      <p class="muted">Every other device will be logged out.</p>
      <button type="submit">Change password</button></form>
    <h2>Change email</h2>
    <form class="stack card" id="em">${field('New email', 'new_email', 'email', 'required autocomplete="email"')}
      <label>Password<input name="password" type="password" required autocomplete="current-password"></label>
      <button type="submit">Send a confirmation link</button></form>
    <h2>Delete account</h2>
    <form class="stack card" id="del"><p>This deletes your sites and ends every session. It cannot be undone.</p>
      <label>Password<input name="password" type="password" required autocomplete="current-password"></label>
      <button type="submit" class="danger">Delete my account</button></form>`);
  for (const b of main.querySelectorAll('[data-revoke]')) {
    b.addEventListener('click', async () => {
      await api('DELETE', `/account/sessions/${encodeURIComponent(b.dataset.revoke)}`).catch((e) => flash(errorMessage(e), 'error'));
      go('/account', 'That device is logged out.');
    });
  }
  document.getElementById('revoke-all').addEventListener('click', async () => {
    const { other_sessions_ended: n } = await api('DELETE', '/account/sessions');
    go('/account', `${n} other session(s) ended.`);
  });
  onSubmit(document.getElementById('pw'), async (data) => {
    await api('POST', '/account/password', data);
    go('/account', 'Your password is changed.');
  });
  onSubmit(document.getElementById('em'), async (data) => {
    await api('POST', '/account/email', data);
    flash('Check your new inbox: nothing changes until you follow the link.');
  });
  onSubmit(document.getElementById('del'), async (data) => {
    await api('DELETE', '/account', data);
    me = null;
    go('/signup', 'Your account is deleted.');
  });
}

// --- routing -----------------------------------------------------------------------------------
const routes = {
  '/start': start,
  '/signup': signup,
  '/login': login,
  '/forgot': askLink('Reset your password', '/auth/password/forgot', 'We will email you a link to choose a new password.'),
  '/magic-link': askLink('Sign in by email', '/auth/magic-link', 'We will email you a link that signs you in.'),
  '/verify': fromLink('Verifying your email', '/auth/verify', afterVerify),
  '/magic': fromLink('Signing you in', '/auth/magic-link/consume', afterSignIn),
  '/confirm-email': fromLink('Confirming your new email', '/auth/email/confirm', async () => {
    await loadMe();
    go(me ? '/account' : '/login', 'Your new email is confirmed.');
  }),
  '/reset': reset,
  '/undo-email': undoEmail,
  '/billing': billing,
  '/account': account,
};
const PUBLIC = new Set(['/start', '/signup', '/login', '/forgot', '/magic-link', '/verify', '/magic', '/confirm-email', '/reset', '/undo-email']);
const extraRoutes = []; // [pattern RegExp, handler] added by feature modules (sites)

export function addRoute(pattern, handler) {
  extraRoutes.push([pattern, handler]);
}

export function go(path, message) {
  leaveGuard = leaveFlush = null;
  history.pushState(null, '', path);
  return route().then(() => message && flash(message));
}

async function route() {
  const url = new URL(location.href);
  let handler = routes[url.pathname];
  let match = null;
  if (!handler) {
    for (const [pattern, h] of extraRoutes) {
      if ((match = url.pathname.match(pattern))) {
        handler = h;
        break;
      }
    }
  }
  flash('');
  if (!PUBLIC.has(url.pathname) && !me) await loadMe();
  setNav();
  if (!handler) return view('Not found', '<h1>Page not found</h1><p><a href="/" data-link>Go to your sites</a>.</p>');
  if (!PUBLIC.has(url.pathname) && !me) return go('/login');
  try {
    await handler(url.searchParams, match);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 401) return go('/login', errorMessage(e));
    view('Error', `<h1>Something went wrong</h1><div class="alert error">${esc(errorMessage(e))}</div>`);
  }
}

document.addEventListener('click', async (ev) => {
  const a = ev.target.closest('a[data-link]');
  if (!a || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
  ev.preventDefault();
  if (await mayLeave()) go(a.getAttribute('href'));
});
window.addEventListener('popstate', route);

// Feature modules register their routes before the first render. (They get the helpers as an
// argument rather than importing this module: a cycle with top-level await would deadlock.)
const helpers = { addRoute, api, send, esc, flash, errorMessage, plainWords, go, onSubmit, view, fieldError, clearFieldErrors, showFieldError, confirmDialog, setLeaveGuard };
for (const module of await Promise.all([import('./sites.js'), import('./insights.js')])) module.register(helpers);
route();
