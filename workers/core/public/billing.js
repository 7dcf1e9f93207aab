// Billing: the plans (names, prices and what each includes come from the API, shared/plans.py:
// `limits` are already sentences; nothing about a plan is written here), checkout, switching and
// the payments. The view follows the subscription while it is open (Stripe's webhooks may be late).

import { act } from './lib/action.js';
import { api } from './lib/api.js';
import { day, money } from './lib/format.js';
import { html } from './lib/html.js';
import { notice } from './lib/notice.js';
import { addRoute, view } from './lib/router.js';
import { attribution } from './lib/session.js';
import { errorMessage } from './lib/words.js';

const main = document.getElementById('main');
const STATUS_WORDS = {
  trialing: 'free trial',
  past_due: 'your last payment failed: update your card to keep it',
  unpaid: 'unpaid',
  canceled: 'cancelled',
  incomplete: 'waiting for the first payment',
};
const EVERY = { month: 'a month', year: 'a year' };
const PAID_EVERY = { month: 'paid monthly', year: 'paid yearly' };
const nameOf = (plans, id) => plans.find((p) => p.id === id)?.name || 'Free';
const reached = (sub, asked) =>
  asked.plan ? sub.plan === asked.plan && (sub.interval || 'month') === asked.interval : sub.plan !== 'free';
const signature = (sub) => (sub.error ? 'error' : [sub.plan, sub.interval, sub.status, sub.cancel_at_period_end].join('|'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// What this tab asked Stripe for (a checkout or a switch): the page waits until billing says so.
function askedBefore(status, returning) {
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
  return asked;
}

const page = { visit: null, state: null, waiting: false }; // the billing view open now

async function billing(visit) {
  const status = visit.params.get('checkout');
  const returning = status === 'success' && visit.params.get('session_id');
  // Back from paying: billing asks Stripe now, in case its webhook is late or lost.
  if (returning) await api('POST', '/billing/checkout/confirm', { session_id: visit.params.get('session_id') }).catch(() => {});
  const [{ plans }, sub] = await Promise.all([api('GET', '/plans'), api('GET', '/billing/subscription').catch((e) => ({ error: e }))]);
  if (!visit.live) return;
  const asked = askedBefore(status, returning);
  page.visit = visit;
  const state = { plans, sub, interval: sub.interval || asked?.interval || 'month', wanted: visit.params.get('upgrade'), firstPayment: Boolean(returning) };
  render(state);
  if (status === 'cancelled') notice('Checkout cancelled. Nothing was charged.', 'error');
  if (asked && !sub.error && !reached(sub, asked)) {
    waitForStripe(state, asked);
  } else {
    sessionStorage.removeItem('billing-asked');
    if (returning && !sub.error && sub.plan !== 'free') notice('Payment received. Thank you!');
  }
  // Arriving with the plan chosen on the landing page (after verifying): straight to its checkout.
  // The address loses `upgrade` first, so coming Back from Stripe shows this page, not a loop.
  const chosen = state.wanted && main.querySelector(`button[data-plan="${CSS.escape(state.wanted)}"]`);
  if (chosen) {
    history.replaceState(null, '', '/billing');
    notice(`Taking you to the payment page for ${chosen.dataset.name}…`);
    await checkout(chosen, state.interval);
    return;
  }
  follow(visit);
}

// While the billing view is open it keeps following the subscription (changes made in Stripe's
// billing portal or by a late webhook): checks after 2, 4, 8 s, then every 15 s, and when the tab
// comes back into view; redraws when something changed, unless a switch is being confirmed.
async function follow(visit) {
  let delay = 2000;
  const check = async () => {
    if (!visit.live) return false;
    if (page.waiting || document.getElementById('confirm-switch') || document.hidden) return true;
    const sub = await api('GET', '/billing/subscription').catch(() => null);
    if (!visit.live) return false;
    if (sub && page.state && signature(sub) !== signature(page.state.sub) && !page.waiting) {
      render({ ...page.state, sub, interval: sub.interval || page.state.interval });
      notice(`Your plan was updated: ${nameOf(page.state.plans, sub.plan)}${sub.interval ? `, ${PAID_EVERY[sub.interval]}` : ''}.`);
    }
    return true;
  };
  const wake = () => document.visibilityState === 'visible' && check();
  document.addEventListener('visibilitychange', wake);
  while (await sleep(delay).then(check)) delay = Math.min(delay * 2, 15_000);
  document.removeEventListener('visibilitychange', wake);
}

// Polls the subscription with backoff (0.5 s, doubling up to 8 s, for about two minutes) until
// billing has what Stripe was asked for, saying so meanwhile; then the page shows it, no reload.
async function waitForStripe(state, asked) {
  page.waiting = true;
  try {
    await waitingForStripe(state, asked);
  } finally {
    page.waiting = false;
  }
}

async function waitingForStripe(state, asked) {
  const visit = page.visit;
  const box = document.getElementById('billing-wait');
  const which = asked.plan ? `Your ${nameOf(state.plans, asked.plan)} plan` : 'Your new plan';
  box.innerHTML = html`<p class="alert">Waiting for Stripe… ${which} shows here as soon as Stripe confirms it.</p>`;
  const started = Date.now();
  let delay = 500;
  while (Date.now() - started < 120_000) {
    await sleep(delay);
    delay = Math.min(delay * 2, 8000);
    if (!visit.live || !document.getElementById('billing-wait')) return; // she moved on
    const sub = await api('GET', '/billing/subscription').catch(() => null);
    if (sub && reached(sub, asked) && visit.live) {
      sessionStorage.removeItem('billing-asked');
      const first = asked.kind === 'checkout';
      render({ ...state, sub, interval: sub.interval || state.interval, firstPayment: first || state.firstPayment });
      notice(first ? `Payment received. You are on ${nameOf(state.plans, sub.plan)} now.` : `You are on ${nameOf(state.plans, sub.plan)} now.`);
      return;
    }
  }
  box.innerHTML = html`<p class="alert error">Stripe has not confirmed the change yet. It may take a few more minutes: open this page again later. Nothing was charged twice.</p>`;
}

function planAction(p, state) {
  const { sub, interval } = state;
  const current = sub.error ? null : sub.plan;
  const paid = p.monthly_price_eur > 0;
  const yearly = interval === 'year' ? ', paid yearly' : '';
  if (p.id === current && (!paid || (sub.interval || 'month') === interval)) return html`<p><strong>Your current plan</strong></p>`;
  if (paid && (!current || current === 'free')) {
    return html`<button data-plan="${p.id}" data-name="${p.name}" ${p.id === state.wanted && html`autofocus`}>Choose ${p.name}${yearly}</button>`;
  }
  if (paid && sub.status === 'active') {
    const label = p.id === current ? `Switch to paying ${interval === 'year' ? 'yearly' : 'monthly'}` : `Switch to ${p.name}${yearly}`;
    return html`<button class="secondary" data-switch="${p.id}" data-name="${p.name}" data-label="${label}">${label}</button>`;
  }
  return '';
}

function planCard(p, state) {
  const { interval } = state;
  const paid = p.monthly_price_eur > 0;
  const price = interval === 'year' && paid ? p.yearly_price_eur : p.monthly_price_eur;
  return html`<section class="card" aria-labelledby="plan-${p.id}">
      <h2 id="plan-${p.id}">${p.name}</h2><p><strong>€${price}</strong> ${paid ? EVERY[interval] : 'forever'}</p>
      ${interval === 'year' && paid && html`<p class="muted">Instead of €${p.monthly_price_eur * 12} paid monthly</p>`}
      <ul>${p.limits.map((line) => html`<li>${line.charAt(0).toUpperCase() + line.slice(1)}</li>`)}</ul>${planAction(p, state)}</section>`;
}

function yourPlan({ plans, sub }) {
  if (sub.error) return html`<div class="alert error">${errorMessage(sub.error)}</div>`;
  const paidNow = sub.plan && sub.plan !== 'free';
  const words = STATUS_WORDS[sub.status];
  return html`<p id="your-plan">Your plan: <strong>${nameOf(plans, sub.plan)}</strong>${paidNow && sub.interval && `, ${PAID_EVERY[sub.interval] || ''}`}${words && ` (${words})`}${paidNow && sub.cancel_at_period_end && sub.current_period_end && `. It ends on ${day(sub.current_period_end)}; nothing more will be charged`}</p>`;
}

function render(state) {
  page.state = state;
  const { plans, sub, interval } = state;
  const current = sub.error ? null : sub.plan;
  const paidNow = current && current !== 'free';
  view('Billing', html`<h1>Billing</h1>${yourPlan(state)}
    <div id="billing-wait" aria-live="polite"></div>
    ${paidNow && state.firstPayment && html`<section class="card next-step" aria-labelledby="next-h"><h2 id="next-h">Next: build your site</h2>
      <p>Your ${nameOf(plans, current)} plan is ready. <a href="/" data-link>Build your site</a>, then <a href="/" data-link id="next-domain">connect your domain</a> in its editor (under “Your domain”).</p></section>`}
    <fieldset class="interval"><legend>How often to pay</legend>
      <label class="inline"><input type="radio" name="interval" value="month" ${interval === 'month' && html`checked`}> Every month</label>
      <label class="inline"><input type="radio" name="interval" value="year" ${interval === 'year' && html`checked`}> Every year (2 months free)</label>
    </fieldset>
    <div class="plans">${plans.map((p) => planCard(p, state))}</div>
    ${paidNow && html`<section class="card" id="details" aria-live="polite"><p class="muted">Loading your payments…</p></section><p><button class="secondary" id="manage">Change the card or cancel</button></p>`}`);
  for (const radio of main.querySelectorAll('input[name=interval]')) {
    radio.addEventListener('change', () => {
      render({ ...state, interval: radio.value, wanted: null });
      main.querySelector(`input[name=interval][value="${radio.value}"]`)?.focus();
    });
  }
  for (const button of main.querySelectorAll('button[data-plan]')) button.addEventListener('click', () => checkout(button, interval));
  for (const button of main.querySelectorAll('button[data-switch]')) button.addEventListener('click', () => act(button, null, () => previewSwitch(button, state)));
  if (paidNow && state.firstPayment) nextStepLinks();
  if (document.getElementById('details')) details(sub);
  const manage = document.getElementById('manage');
  manage?.addEventListener('click', () => act(manage, null, async () => location.assign((await api('POST', '/billing/portal')).url)));
}

// "Connect your domain" goes to the site's editor when she has a site already.
async function nextStepLinks() {
  const { sites } = await api('GET', '/sites').catch(() => ({ sites: [] }));
  const link = document.getElementById('next-domain');
  if (link && sites?.length) link.setAttribute('href', `/sites/${encodeURIComponent(sites[0].id)}`);
}

// Leaves the button disabled while the browser goes to Stripe's page.
async function checkout(button, interval) {
  await act(button, null, async () => {
    const { url } = await api('POST', '/billing/checkout', { plan: button.dataset.plan, interval, attribution: attribution() });
    sessionStorage.setItem('billing-asked', JSON.stringify({ kind: 'checkout', plan: button.dataset.plan, interval }));
    location.assign(url);
  });
}

// The next charge, the card and the invoices (Stripe's hosted pages), under the plans.
async function details(sub) {
  const box = document.getElementById('details');
  try {
    const d = await api('GET', '/billing/details');
    box.innerHTML = html`<h2>Payments</h2>
      ${d.next_charge_at ? html`<p>Next charge: <strong>${day(d.next_charge_at)}</strong></p>`
        : sub.current_period_end && html`<p>Your plan ends on <strong>${day(sub.current_period_end)}</strong>; nothing more will be charged.</p>`}
      ${d.card && html`<p>Paying with ${d.card.brand} ending in <strong>${d.card.last4}</strong></p>`}
      ${d.invoices.length > 0 && html`<h3>Invoices</h3><ul>${d.invoices.map((i) => html`<li>${day(i.created)}: ${money(i.amount, i.currency)} (${i.status})${i.url && html` · <a href="${i.url}" target="_blank" rel="noopener">View invoice</a>`}</li>`)}</ul>`}`;
  } catch (e) {
    box.innerHTML = html`<div class="alert error">${errorMessage(e)}</div>`;
  }
}

// Switching paid plans or how often to pay: Stripe's prorated preview first, then the switch at the
// same date; the page then waits for Stripe's confirmation and shows the new plan without a reload.
async function previewSwitch(button, state) {
  const interval = state.interval;
  const p = await api('POST', '/billing/plan/preview', { plan: button.dataset.switch, interval });
  const now = p.next_charge_at <= Date.now() / 1000 + 3600; // a new interval starts a new period today
  const change = p.proration_amount >= 0 ? `${money(p.proration_amount, p.currency)} for the time left in your current period`
    : `a credit of ${money(-p.proration_amount, p.currency)} for the time left in your current period`;
  const cost = now ? html`You pay <strong>${money(p.amount_due, p.currency)}</strong> today, ${EVERY[interval]} from now on.`
    : html`Your next charge, on ${day(p.next_charge_at)}, will be <strong>${money(p.amount_due, p.currency)}</strong>.`;
  document.getElementById('confirm-switch')?.remove();
  const confirmation = html`<div class="alert" id="confirm-switch" role="status"><p>${button.dataset.label} now:
    ${change}. ${cost}</p>
    <p><button id="do-switch">${button.dataset.label}</button> <button class="secondary" id="keep">Keep my plan</button></p></div>`;
  // Above the payments box, not in it: the box is written over when its own request answers, which
  // can come after this preview's (a switch clicked just after changing how often to pay lost it).
  const payments = document.getElementById('details');
  if (payments) payments.insertAdjacentHTML('beforebegin', confirmation);
  else main.insertAdjacentHTML('afterbegin', confirmation);
  const confirmBox = document.getElementById('confirm-switch');
  const doSwitch = document.getElementById('do-switch');
  document.getElementById('keep').addEventListener('click', () => {
    confirmBox.remove();
    button.disabled = false;
    button.focus();
  });
  doSwitch.focus();
  doSwitch.addEventListener('click', () => act(doSwitch, null, async () => {
    await api('POST', '/billing/plan', { plan: button.dataset.switch, interval, proration_date: p.proration_date });
    const asked = { kind: 'switch', plan: button.dataset.switch, interval };
    sessionStorage.setItem('billing-asked', JSON.stringify(asked));
    confirmBox.remove();
    for (const b of main.querySelectorAll('button[data-switch]')) b.disabled = true;
    notice(`You are switching to ${button.dataset.name}${interval === 'year' ? ', paid yearly' : ''}.`);
    waitForStripe(state, asked);
  }));
}

export function register() {
  addRoute('/billing', billing);
}
