// The router: one handler per address, drawn into <main>. Each navigation is a visit; a handler
// draws through `visit.view`, which does nothing once the owner has gone elsewhere, so data that
// arrives late never draws a stale view over the current one. Feature modules add their routes
// with `addRoute` (see portal.js). Leaving a view with unsaved work asks first (setLeaveGuard).

import { ApiError, api } from './api.js';
import { confirmDialog } from './dialog.js';
import { html } from './html.js';
import { notice } from './notice.js';
import { loadMe, session } from './session.js';
import { errorMessage } from './words.js';

const main = document.getElementById('main');
const routes = []; // [pattern (string or RegExp), handler(visit), { public }]
let visits = 0; // the number of the current visit

export function addRoute(pattern, handler, { open = false } = {}) {
  routes.push([pattern, handler, open]);
}

// Draws a view now (in reply to the owner's own action on the current view).
export function view(title, markup) {
  document.title = `${title} · SmartPages`;
  main.classList.remove('wide');
  main.innerHTML = markup;
  main.focus();
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

function setNav() {
  const links = session.me
    ? [['/', 'Sites'], ['/billing', 'Billing'], ['/account', 'Account']]
    : [['/login', 'Log in'], ['/signup', 'Sign up']];
  document.getElementById('nav').innerHTML = html`${links.map(([href, text]) => html`<a href="${href}" data-link>${text}</a>`)}${session.me && html`<a href="#" id="logout">Log out</a>`}`;
  document.getElementById('logout')?.addEventListener('click', async (ev) => {
    ev.preventDefault();
    await api('POST', '/auth/logout').catch(() => {});
    session.me = null;
    go('/login', 'You are logged out.');
  });
}

export function go(path, message) {
  leaveGuard = leaveFlush = null;
  history.pushState(null, '', path);
  return route().then(() => message && notice(message));
}

function find(pathname) {
  for (const [pattern, handler, open] of routes) {
    const match = typeof pattern === 'string' ? (pattern === pathname ? [pathname] : null) : pathname.match(pattern);
    if (match) return { handler, match, open };
  }
  return null;
}

export async function route() {
  const number = ++visits;
  const url = new URL(location.href);
  const found = find(url.pathname);
  const visit = {
    params: url.searchParams,
    match: found?.match,
    path: url.pathname,
    get live() {
      return number === visits;
    },
    view(title, markup) {
      if (number === visits) view(title, markup);
      return number === visits;
    },
  };
  notice('');
  if (!found?.open && !session.me) await loadMe();
  if (!visit.live) return;
  setNav();
  if (!found) return visit.view('Not found', html`<h1>Page not found</h1><p><a href="/" data-link>Go to your sites</a>.</p>`);
  if (!found.open && !session.me) return go('/login');
  try {
    await found.handler(visit);
  } catch (e) {
    if (!visit.live) return;
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 401) return go('/login', errorMessage(e));
    visit.view('Error', html`<h1>Something went wrong</h1><div class="alert error">${errorMessage(e)}</div>`);
  }
}

export function start() {
  document.addEventListener('click', async (ev) => {
    const a = ev.target.closest('a[data-link]');
    if (!a || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    ev.preventDefault();
    if (await mayLeave()) go(a.getAttribute('href'));
  });
  window.addEventListener('popstate', route);
  return route();
}
