// Signing up, logging in and the pages emailed links open (verify, sign-in link, reset, email
// change and its undo). Public routes: no account needed.

import { onSubmit } from './lib/action.js';
import { api } from './lib/api.js';
import { html } from './lib/html.js';
import { notice } from './lib/notice.js';
import { addRoute, go, route } from './lib/router.js';
import { attribution, loadMe, session } from './lib/session.js';
import { errorMessage } from './lib/words.js';
import { addTurnstile } from './turnstile.js';

export const field = (label, name, type = 'text', extra = {}) =>
  html`<label>${label}<input name="${name}" type="${type}" ${extra.required === false ? '' : html`required`} ${extra.autocomplete && html`autocomplete="${extra.autocomplete}"`} ${extra.minlength && html`minlength="${extra.minlength}" maxlength="256"`}></label>`;
export const password = (label, name, autocomplete) => field(label, name, 'password', { autocomplete, minlength: 8 });
const email = (label = 'Email') => field(label, label === 'Email' ? 'email' : 'new_email', 'email', { autocomplete: 'email' });

async function start(visit) {
  // Landing pages and funnels link here with the plan and campaign; keep them through sign-up.
  // The keys and the value rule are core's (shared/attribution.py): a value core would refuse (a
  // typo in a campaign link) is dropped here rather than blocking the sign-up.
  const { attribution: contract } = await api('GET', '/plans');
  const valid = new RegExp(contract.pattern, 'u');
  const kept = {};
  for (const key of contract.keys) {
    const value = (visit.params.get(key) || '').slice(0, 200);
    if (value && valid.test(value)) kept[key] = value;
  }
  sessionStorage.setItem('attribution', JSON.stringify(kept));
  const signedIn = session.me || (await loadMe());
  if (!visit.live) return undefined;
  // Replaces the deep link in the history, so Back does not run it again.
  history.replaceState(null, '', signedIn ? '/billing' + (kept.plan ? `?upgrade=${encodeURIComponent(kept.plan)}` : '') : '/signup');
  return route();
}

async function signup(visit) {
  // The plan the landing page chose, by its name (an unknown id from a mistyped link says nothing).
  const { plans } = attribution().plan ? await api('GET', '/plans').catch(() => ({ plans: [] })) : { plans: [] };
  const plan = plans.find((p) => p.id === attribution().plan && p.monthly_price_eur > 0)?.name;
  if (!visit.view('Sign up', html`<h1>Create your SmartPages account</h1>
    ${plan && html`<p class="muted">You chose the <strong>${plan}</strong> plan. You can pay after verifying your email.</p>`}
    <form class="stack card" id="f">
      ${email()}
      ${password('Password (at least 8 characters)', 'password', 'new-password')}
      <button type="submit">Sign up</button>
    </form>
    <p>Already have an account? <a href="/login" data-link>Log in</a>.</p>`)) return;
  onSubmit(document.getElementById('f'), async (data) => {
    await api('POST', '/auth/signup', { email: data.email, password: data.password, attribution: attribution() });
    visit.view('Check your email', html`<h1>Check your email</h1><div class="card"><p>We sent a link to
      <strong>${data.email}</strong>. Open it to verify your address and continue.</p></div>`);
  });
  addTurnstile(document.getElementById('f'));
}

// Signing in within 14 days of asking to delete the account brings everything back (docs/accounts.md).
const RESTORED = 'Welcome back: your account is kept and your sites are online again. Your subscription stays cancelled: choose a plan in Billing if you want one.';

function login(visit) {
  visit.view('Log in', html`<h1>Log in</h1>
    <form class="stack card" id="f">
      ${email()}
      <label>Password<input name="password" type="password" required autocomplete="current-password"></label>
      <button type="submit">Log in</button>
    </form>
    <p><a href="/forgot" data-link>Forgot your password?</a> · <a href="/magic-link" data-link>Email me a sign-in link</a></p>`);
  onSubmit(document.getElementById('f'), async (data) => {
    session.me = (await api('POST', '/auth/login', data)).account;
    go('/', session.me.restored ? RESTORED : undefined);
  });
}

function askLink(title, path, intro) {
  return (visit) => {
    visit.view(title, html`<h1>${title}</h1><p>${intro}</p>
      <form class="stack card" id="f">${email()}
      <button type="submit">Send the link</button></form>`);
    onSubmit(document.getElementById('f'), async (data) => {
      await api('POST', path, data);
      notice('If that address has an account, a link is on its way.');
    });
    addTurnstile(document.getElementById('f'));
  };
}

// Links from email land here; the token is POSTed (GET never changes anything).
function fromLink(title, path, after) {
  return async (visit) => {
    visit.view(title, html`<h1>${title}</h1><p>One moment…</p>`);
    let result;
    try {
      result = await api('POST', path, { token: visit.params.get('token') || '' });
    } catch (e) {
      visit.view(title, html`<h1>${title}</h1><div class="alert error">${errorMessage(e)}</div>
        <p><a href="/login" data-link>Log in</a> or ask for a new link.</p>`);
      return;
    }
    if (visit.live) await after(result, visit);
  };
}

async function afterSignIn(result, visit) {
  const me = await loadMe();
  if (!me.has_password) return choosePassword(visit, () => go('/', 'Your password is saved. You are signed in.'));
  return go('/', result?.account?.restored ? RESTORED : 'You are signed in.');
}

// The link usually opens in a new tab, so the plan chosen on the landing page comes from the
// account (kept at sign-up), not from this tab's storage.
function afterVerify({ account }, visit) {
  session.me = account;
  const plan = account.attribution?.plan;
  const next = (said) => (plan && plan !== 'free' ? go(`/billing?upgrade=${encodeURIComponent(plan)}`, said) : go('/', said));
  // Confirming the email drops any password typed before it (someone else may have signed up
  // with this address), so the owner chooses hers now, already signed in.
  if (!account.has_password) return choosePassword(visit, () => next('Your email is confirmed and your password is saved.'));
  return next('Your email is verified.');
}

// After a link first confirmed the address: the account has no password until its owner picks one.
function choosePassword(visit, done) {
  visit.view('Choose your password', html`<h1>Choose your password</h1>
    <p>Your email address is confirmed. Now choose the password you will use to log in.
    You can use the same one you typed when you signed up.</p>
    <form class="stack card" id="f">
      ${password('Password (at least 8 characters)', 'new_password', 'new-password')}
      <button type="submit">Save my password</button>
    </form>`);
  onSubmit(document.getElementById('f'), async (data) => {
    await api('POST', '/account/password', data);
    await loadMe();
    done();
  });
}

// A page an emailed link opens to choose a new password; the link's token goes with it.
function newPassword({ title, intro = '', note = '', button, path, done }) {
  return (visit) => {
    visit.view(title, html`<h1>${title}</h1>${intro && html`<p>${intro}</p>`}
      <form class="stack card" id="f">
        ${password('New password', 'password', 'new-password')}
        ${note && html`<p class="muted">${note}</p>`}
        <button type="submit">${button}</button>
      </form>`);
    onSubmit(document.getElementById('f'), async (data) => {
      await api('POST', path, { ...data, token: visit.params.get('token') || '' });
      await loadMe();
      done();
    });
  };
}

export function register() {
  const open = { open: true };
  addRoute('/start', start, open);
  addRoute('/signup', signup, open);
  addRoute('/login', login, open);
  addRoute('/forgot', askLink('Reset your password', '/auth/password/forgot', 'We will email you a link to choose a new password.'), open);
  addRoute('/magic-link', askLink('Sign in by email', '/auth/magic-link', 'We will email you a link that signs you in.'), open);
  addRoute('/verify', fromLink('Verifying your email', '/auth/verify', afterVerify), open);
  addRoute('/magic', fromLink('Signing you in', '/auth/magic-link/consume', afterSignIn), open);
  // Confirming ends every session, this one too: the owner logs in again with the new address.
  addRoute('/confirm-email', fromLink('Confirming your new email', '/auth/email/confirm', () => {
    session.me = null;
    return go('/login', 'Your new email is confirmed. For your safety every device was logged out: log in with your new email.');
  }), open);
  addRoute('/reset', newPassword({
    title: 'Choose a new password', note: 'Every other device will be logged out.', button: 'Save the password',
    path: '/auth/password/reset', done: () => go('/', 'Your password is changed.'),
  }), open);
  // The link the old address gets after an email change: the account comes back to it.
  addRoute('/undo-email', newPassword({
    title: 'Undo the email change',
    intro: 'Your account goes back to this address. Choose a new password: whoever changed the email may know the old one.',
    button: 'Undo the change', path: '/auth/email/revert', done: () => go('/account', 'Your email is back, and every other device is logged out.'),
  }), open);
}
