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

async function signup() {
  // The plan the landing page chose, by its name (an unknown id from a mistyped link says nothing).
  const { plans } = attribution().plan ? await api('GET', '/plans').catch(() => ({ plans: [] })) : { plans: [] };
  const plan = plans.find((p) => p.id === attribution().plan && p.monthly_price_eur > 0)?.name;
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
  if (!me.has_password) return choosePassword(() => go('/', 'Your password is saved. You are signed in.'));
  go('/', 'You are signed in.');
}

// The link usually opens in a new tab, so the plan chosen on the landing page comes from the
// account (kept at sign-up), not from this tab's storage.
async function afterVerify({ account }) {
  me = account;
  const plan = account.attribution?.plan;
  const next = (said) => (plan && plan !== 'free' ? go(`/billing?upgrade=${encodeURIComponent(plan)}`, said) : go('/', said));
  // Confirming the email drops any password typed before it (someone else may have signed up
  // with this address), so the owner chooses hers now, already signed in.
  if (!account.has_password) return choosePassword(() => next('Your email is confirmed and your password is saved.'));
  next('Your email is verified.');
}

// After a link first confirmed the address: the account has no password until its owner picks one.
function choosePassword(done) {
  view('Choose your password', `<h1>Choose your password</h1>
    <p>Your email address is confirmed. Now choose the password you will use to log in.
    You can use the same one you typed when you signed up.</p>
    <form class="stack card" id="f">
      ${password('Password (at least 8 characters)', 'new_password', 'new-password')}
      <button type="submit">Save my password</button>
    </form>`);
  onSubmit(document.getElementById('f'), async (data) => {
    await api('POST', '/account/password', data);
    me = await loadMe();
    done();
  });
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
// The plans' names, prices and what each includes come from the API (shared/plans.py: `limits` are
// already sentences); nothing about a plan is written here.
const STATUS_WORDS = {
  trialing: 'free trial',
  past_due: 'your last payment failed: update your card to keep it',
  unpaid: 'unpaid',
  canceled: 'cancelled',
  incomplete: 'waiting for the first payment',
};
const EVERY = { month: 'a month', year: 'a year' };
const PAID_EVERY = { month: 'paid monthly', year: 'paid yearly' };

async function billing(params) {
  const status = params.get('checkout');
  const returning = status === 'success' && params.get('session_id');
  // Back from paying: billing asks Stripe now, in case its webhook is late or lost.
  if (returning) await api('POST', '/billing/checkout/confirm', { session_id: params.get('session_id') }).catch(() => {});
  const [{ plans }, sub] = await Promise.all([api('GET', '/plans'), api('GET', '/billing/subscription').catch((e) => ({ error: e }))]);
  // What this tab asked Stripe for (a checkout or a switch): the page waits until billing says so.
  let asked = null;
  try {
    asked = JSON.parse(sessionStorage.getItem('billing-asked') || 'null');
  } catch {
    asked = null;
  }
  // A checkout is waited for only on its return page (Back from Stripe's page paid nothing).
  if (asked?.kind === 'checkout' && status !== 'success') {
    sessionStorage.removeItem('billing-asked');
    asked = null;
  }
  // Back from a checkout this tab did not start (another tab, another device): wait for any paid plan.
  if (returning && !asked) asked = { kind: 'checkout', plan: null, interval: null };
  const state = { plans, sub, interval: sub.interval || asked?.interval || 'month', wanted: params.get('upgrade'), firstPayment: Boolean(returning) };
  renderBilling(state);
  if (status === 'cancelled') flash('Checkout cancelled. Nothing was charged.', 'error');
  if (asked && !sub.error && !reached(sub, asked)) {
    waitForStripe(state, asked);
  } else {
    sessionStorage.removeItem('billing-asked');
    if (returning && !sub.error && sub.plan !== 'free') flash('Payment received. Thank you!');
  }
  // Arriving with the plan chosen on the landing page (after verifying): straight to its checkout.
  // The address loses `upgrade` first, so coming Back from Stripe shows this page, not a loop.
  const chosen = state.wanted && main.querySelector(`button[data-plan="${CSS.escape(state.wanted)}"]`);
  if (chosen) {
    history.replaceState(null, '', '/billing');
    flash(`Taking you to the payment page for ${chosen.dataset.name}…`);
    await checkout(chosen, state.interval);
    return;
  }
  followBilling(++billingVisit);
}

const reached = (sub, asked) =>
  asked.plan ? sub.plan === asked.plan && (sub.interval || 'month') === asked.interval : sub.plan !== 'free';
let billingVisit = 0; // each opening of the billing view; an older one's watcher stops
let billingState = null; // what the billing view shows now
let billingWaiting = false;
const billingSignature = (sub) => (sub.error ? 'error' : [sub.plan, sub.interval, sub.status, sub.cancel_at_period_end].join('|'));

// While the billing view is open it keeps following the subscription (changes made in Stripe's
// billing portal or by a late webhook): checks after 2, 4, 8 s, then every 15 s, and when the tab
// comes back into view; redraws when something changed, unless a switch is being confirmed.
async function followBilling(visit) {
  let delay = 2000;
  const wake = () => document.visibilityState === 'visible' && check();
  const check = async () => {
    if (visit !== billingVisit || location.pathname !== '/billing') return false;
    if (billingWaiting || document.getElementById('confirm-switch') || document.hidden) return true;
    const sub = await api('GET', '/billing/subscription').catch(() => null);
    if (visit !== billingVisit || location.pathname !== '/billing') return false;
    if (sub && billingState && billingSignature(sub) !== billingSignature(billingState.sub) && !billingWaiting) {
      renderBilling({ ...billingState, sub, interval: sub.interval || billingState.interval });
      flash(`Your plan was updated: ${nameOf(billingState.plans, sub.plan)}${sub.interval ? `, ${PAID_EVERY[sub.interval]}` : ''}.`);
    }
    return true;
  };
  document.addEventListener('visibilitychange', wake);
  while (await new Promise((resolve) => setTimeout(resolve, delay)).then(check)) delay = Math.min(delay * 2, 15_000);
  document.removeEventListener('visibilitychange', wake);
}
const nameOf = (plans, id) => plans.find((p) => p.id === id)?.name || 'Free';

// Polls the subscription with backoff (0.5 s, doubling up to 8 s, for about two minutes) until
// billing has what Stripe was asked for, saying so meanwhile; then the page shows it, no reload.
async function waitForStripe(state, asked) {
  billingWaiting = true;
  try {
    await waitingForStripe(state, asked);
  } finally {
    billingWaiting = false;
  }
}

async function waitingForStripe(state, asked) {
  const box = document.getElementById('billing-wait');
  const which = asked.plan ? `Your ${esc(nameOf(state.plans, asked.plan))} plan` : 'Your new plan';
  box.innerHTML = `<p class="alert">Waiting for Stripe… ${which} shows here as soon as Stripe confirms it.</p>`;
  const started = Date.now();
  let delay = 500;
  while (Date.now() - started < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 8000);
    if (location.pathname !== '/billing' || !document.getElementById('billing-wait')) return; // she moved on
    const sub = await api('GET', '/billing/subscription').catch(() => null);
    if (sub && reached(sub, asked)) {
      sessionStorage.removeItem('billing-asked');
      const first = asked.kind === 'checkout';
      renderBilling({ ...state, sub, interval: sub.interval || state.interval, firstPayment: first || state.firstPayment });
      flash(first ? `Payment received. You are on ${nameOf(state.plans, sub.plan)} now.` : `You are on ${nameOf(state.plans, sub.plan)} now.`);
      return;
    }
  }
  box.innerHTML = '<p class="alert error">Stripe has not confirmed the change yet. It may take a few more minutes: open this page again later. Nothing was charged twice.</p>';
}

function planCard(p, state) {
  const { sub, interval } = state;
  const current = sub.error ? null : sub.plan;
  const paid = p.monthly_price_eur > 0;
  const price = interval === 'year' && paid ? p.yearly_price_eur : p.monthly_price_eur;
  const saving = interval === 'year' && paid ? `<p class="muted">Instead of €${esc(p.monthly_price_eur * 12)} paid monthly</p>` : '';
  const onIt = p.id === current && (!paid || (sub.interval || 'month') === interval);
  let action = '';
  if (onIt) action = '<p><strong>Your current plan</strong></p>';
  else if (paid && (!current || current === 'free')) action = `<button data-plan="${esc(p.id)}" data-name="${esc(p.name)}" ${p.id === state.wanted ? 'autofocus' : ''}>Choose ${esc(p.name)}${interval === 'year' ? ', paid yearly' : ''}</button>`;
  else if (paid && sub.status === 'active') {
    const label = p.id === current ? `Switch to paying ${interval === 'year' ? 'yearly' : 'monthly'}` : `Switch to ${p.name}${interval === 'year' ? ', paid yearly' : ''}`;
    action = `<button class="secondary" data-switch="${esc(p.id)}" data-name="${esc(p.name)}" data-label="${esc(label)}">${esc(label)}</button>`;
  }
  return `<section class="card" aria-labelledby="plan-${esc(p.id)}">
      <h2 id="plan-${esc(p.id)}">${esc(p.name)}</h2><p><strong>€${esc(price)}</strong> ${esc(paid ? EVERY[interval] : 'forever')}</p>${saving}
      <ul>${p.limits.map((line) => `<li>${esc(line.charAt(0).toUpperCase() + line.slice(1))}</li>`).join('')}</ul>${action}</section>`;
}

function renderBilling(state) {
  billingState = state;
  const { plans, sub, interval } = state;
  const current = sub.error ? null : sub.plan;
  const paidNow = current && current !== 'free';
  const words = STATUS_WORDS[sub.status];
  view('Billing', `<h1>Billing</h1>
    ${sub.error ? `<div class="alert error">${esc(errorMessage(sub.error))}</div>` : `<p id="your-plan">Your plan: <strong>${esc(nameOf(plans, current))}</strong>${paidNow && sub.interval ? `, ${esc(PAID_EVERY[sub.interval] || '')}` : ''}${words ? ` (${esc(words)})` : ''}${paidNow && sub.cancel_at_period_end && sub.current_period_end ? `. It ends on ${esc(day(sub.current_period_end))}; nothing more will be charged` : ''}</p>`}
    <div id="billing-wait" aria-live="polite"></div>
    ${paidNow && state.firstPayment ? `<section class="card next-step" aria-labelledby="next-h"><h2 id="next-h">Next: build your site</h2>
      <p>Your ${esc(nameOf(plans, current))} plan is ready. <a href="/" data-link>Build your site</a>, then <a href="/" data-link id="next-domain">connect your domain</a> in its editor (under “Your domain”).</p></section>` : ''}
    <fieldset class="interval"><legend>How often to pay</legend>
      <label class="inline"><input type="radio" name="interval" value="month" ${interval === 'month' ? 'checked' : ''}> Every month</label>
      <label class="inline"><input type="radio" name="interval" value="year" ${interval === 'year' ? 'checked' : ''}> Every year (2 months free)</label>
    </fieldset>
    <div class="plans">${plans.map((p) => planCard(p, state)).join('')}</div>
    ${paidNow ? '<section class="card" id="details" aria-live="polite"><p class="muted">Loading your payments…</p></section><p><button class="secondary" id="manage">Change the card or cancel</button></p>' : ''}`);
  for (const radio of main.querySelectorAll('input[name=interval]')) {
    radio.addEventListener('change', () => {
      renderBilling({ ...state, interval: radio.value, wanted: null });
      main.querySelector(`input[name=interval][value="${radio.value}"]`)?.focus();
    });
  }
  for (const button of main.querySelectorAll('button[data-plan]')) button.addEventListener('click', () => checkout(button, interval));
  for (const button of main.querySelectorAll('button[data-switch]')) button.addEventListener('click', () => switchPlan(button, state));
  if (paidNow && state.firstPayment) nextStepLinks();
  if (document.getElementById('details')) billingDetails(sub);
  document.getElementById('manage')?.addEventListener('click', async () => {
    try {
      location.assign((await api('POST', '/billing/portal')).url);
    } catch (e) {
      flash(errorMessage(e), 'error');
    }
  });
}

// "Connect your domain" goes to the site's editor when she has a site already.
async function nextStepLinks() {
  const { sites } = await api('GET', '/sites').catch(() => ({ sites: [] }));
  const link = document.getElementById('next-domain');
  if (link && sites?.length) link.setAttribute('href', `/sites/${encodeURIComponent(sites[0].id)}`);
}

async function checkout(button, interval) {
  button.disabled = true;
  try {
    const { url } = await api('POST', '/billing/checkout', { plan: button.dataset.plan, interval, attribution: attribution() });
    sessionStorage.setItem('billing-asked', JSON.stringify({ kind: 'checkout', plan: button.dataset.plan, interval }));
    location.assign(url);
  } catch (e) {
    flash(errorMessage(e), 'error');
    button.disabled = false;
  }
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

// Switching paid plans or how often to pay: Stripe's prorated preview first, then the switch at the
// same date; the page then waits for Stripe's confirmation and shows the new plan without a reload.
async function switchPlan(button, state) {
  button.disabled = true;
  const interval = state.interval;
  try {
    const p = await api('POST', '/billing/plan/preview', { plan: button.dataset.switch, interval });
    const now = p.next_charge_at <= Date.now() / 1000 + 3600; // a new interval starts a new period today
    const change = p.proration_amount >= 0 ? `${money(p.proration_amount, p.currency)} for the time left in your current period`
      : `a credit of ${money(-p.proration_amount, p.currency)} for the time left in your current period`;
    const cost = now ? `You pay <strong>${esc(money(p.amount_due, p.currency))}</strong> today, ${esc(EVERY[interval])} from now on.`
      : `Your next charge, on ${esc(day(p.next_charge_at))}, will be <strong>${esc(money(p.amount_due, p.currency))}</strong>.`;
    document.getElementById('confirm-switch')?.remove();
    const box = document.getElementById('details') || main;
    box.insertAdjacentHTML('afterbegin', `<div class="alert" id="confirm-switch"><p>${esc(button.dataset.label)} now:
      ${esc(change)}. ${cost}</p>
      <p><button id="do-switch">${esc(button.dataset.label)}</button> <button class="secondary" id="keep">Keep my plan</button></p></div>`);
    document.getElementById('keep').addEventListener('click', () => {
      document.getElementById('confirm-switch').remove();
      button.disabled = false;
      button.focus();
    });
    document.getElementById('do-switch').focus();
    document.getElementById('do-switch').addEventListener('click', async (ev) => {
      ev.target.disabled = true;
      try {
        await api('POST', '/billing/plan', { plan: button.dataset.switch, interval, proration_date: p.proration_date });
        const asked = { kind: 'switch', plan: button.dataset.switch, interval };
        sessionStorage.setItem('billing-asked', JSON.stringify(asked));
        document.getElementById('confirm-switch').remove();
        for (const b of main.querySelectorAll('button[data-switch]')) b.disabled = true;
        flash(`You are switching to ${button.dataset.name}${interval === 'year' ? ', paid yearly' : ''}.`);
        waitForStripe(state, asked);
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
  const [{ sessions }, sub, { plans }] = await Promise.all([
    api('GET', '/account/sessions'),
    api('GET', '/billing/subscription').catch(() => null),
    api('GET', '/plans').catch(() => ({ plans: [] })),
  ]);
  const when = (t) => new Date(t * 1000).toLocaleString();
  view('Account', `<h1>Account</h1>
    <p>Signed in as <strong>${esc(me.email)}</strong>${me.email_verified ? '' : ' (not verified)'}.</p>
    <h2>Sessions</h2>
    <div class="card"><table><thead><tr><th scope="col">Device</th><th scope="col">Started</th><th scope="col">Last seen</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
    <tbody>${sessions.map((s) => `<tr><td>${esc(s.device)}${s.current ? ' <strong>(this device)</strong>' : ''}</td>
      <td>${esc(when(s.created_at))}</td><td>${esc(when(s.last_seen_at))}</td>
      <td>${s.current ? '' : `<button class="secondary" data-revoke="${esc(s.id)}">Log out</button>`}</td></tr>`).join('')}</tbody></table>
    <p><button class="secondary" id="revoke-all">Log out every other device</button></p></div>
    <h2>${me.has_password ? 'Change password' : 'Choose a password'}</h2>
    <form class="stack card" id="pw">
      ${me.has_password ? '<label>Current password<input name="current_password" type="password" required autocomplete="current-password"></label>'
        : '<p>You have no password yet: you signed in with a link from your email. Choose one to log in with.</p>'}
      ${password('New password', 'new_password', 'new-password')}
      <p class="muted">Every other device will be logged out.</p>
      <button type="submit">Change password</button></form>
    <h2>Change email</h2>
    <form class="stack card" id="em">${field('New email', 'new_email', 'email', 'required autocomplete="email"')}
      <label>Password<input name="password" type="password" required autocomplete="current-password"></label>
      <button type="submit">Send a confirmation link</button></form>
    <h2>Your data</h2>
    <div class="card"><p>Download everything SmartPages holds about you and your sites (account, sites, pages, pictures, enquiries, billing) as one file.</p>
      <p class="row"><button class="secondary" id="export">Download my data</button> <span id="export-status" role="status"></span></p></div>
    <h2>Delete account</h2>
    <div class="card"><p>This deletes your sites, pictures and enquiries and ends every session. It cannot be undone.</p>
      <button class="danger" id="delete-open">Delete my account…</button></div>`);
  document.getElementById('export').addEventListener('click', () => exportData());
  document.getElementById('delete-open').addEventListener('click', () => deleteDialog(sub, plans));
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
    const first = !me.has_password;
    me = await loadMe();
    go('/account', first ? 'Your password is saved.' : 'Your password is changed.');
  });
  onSubmit(document.getElementById('em'), async (data) => {
    await api('POST', '/account/email', data);
    flash('Check your new inbox: nothing changes until you follow the link.');
  });
}

// Her data as a file: the account export (JSON), saved under a name she recognises.
async function exportData() {
  const button = document.getElementById('export');
  const status = document.getElementById('export-status');
  button.disabled = true;
  status.textContent = 'Gathering your data…';
  try {
    const res = await fetch('/api/v1/account/export', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => null))?.error);
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `smartpages-export-${new Date().toISOString().slice(0, 10)}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    status.textContent = 'Your data is downloaded.';
  } catch (e) {
    status.textContent = e instanceof ApiError ? errorMessage(e) : 'The download did not work; try again.';
  } finally {
    button.disabled = false;
  }
}

// Deleting asks first, in a dialog: what happens to the subscription, in plain words, and the password.
function deleteDialog(sub, plans) {
  const paying = sub && sub.subscribed_plan && !['canceled', 'incomplete_expired', 'none'].includes(sub.status);
  const planName = plans.find((p) => p.id === sub?.subscribed_plan)?.name || 'paid';
  const charge = paying
    ? `Your ${esc(planName)} subscription is cancelled at once: you will not be charged again. Your past invoices stay with Stripe, our payment provider, for bookkeeping.`
    : 'You have no paid plan, so nothing is charged.';
  const dialog = document.createElement('dialog');
  dialog.setAttribute('aria-labelledby', 'delete-h');
  dialog.innerHTML = `<h2 id="delete-h">Delete your account for good?</h2>
    <p>Your sites go offline and are deleted with their pages, pictures and enquiries. You are logged out everywhere.</p>
    <p id="delete-money">${charge}</p>
    <p class="form-alert" role="alert" id="delete-error"></p>
    <form class="stack" id="del">
      <label>Type your password to confirm<input name="password" type="password" required autocomplete="current-password"></label>
      <p class="row"><button type="submit" class="danger">Delete my account</button> <button type="button" class="secondary" id="delete-cancel">Keep my account</button></p>
    </form>`;
  const opener = document.activeElement;
  document.body.append(dialog);
  dialog.addEventListener('close', () => {
    dialog.remove();
    opener?.focus?.();
  });
  dialog.showModal();
  dialog.querySelector('input[name=password]').focus();
  document.getElementById('delete-cancel').addEventListener('click', () => dialog.close());
  onSubmit(document.getElementById('del'), async (data) => {
    document.getElementById('delete-error').textContent = '';
    try {
      await api('DELETE', '/account', data);
    } catch (e) {
      // A wrong password goes under the field (onSubmit); anything else stays in the dialog too.
      if (!(e instanceof ApiError) || e.field || ['invalid_credentials', 'wrong_password'].includes(e.code)) throw e;
      document.getElementById('delete-error').textContent = errorMessage(e);
      return;
    }
    me = null;
    dialog.close();
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
  // Confirming ends every session, this one too: the owner logs in again with the new address.
  '/confirm-email': fromLink('Confirming your new email', '/auth/email/confirm', async () => {
    me = null;
    go('/login', 'Your new email is confirmed. For your safety every device was logged out: log in with your new email.');
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
