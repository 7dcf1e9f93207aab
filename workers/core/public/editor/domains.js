// The site's own domain (issue 28.1): she pastes whatever she has (a URL, capitals, a trailing
// slash, an international name) and sees what we understood; then only the records her case needs,
// each with copy buttons and, for her DNS provider, the steps; and the live check, record by
// record, of what the world sees now against what is needed. The check refreshes by itself while
// the panel is open and the domain is not fully active (soon after a change, then less often), and
// stops when it is, or when she leaves the editor. Parts: editor/domaincheck.js.

import { onSubmit } from '../lib/action.js';
import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { enc } from '../lib/format.js';
import { html } from '../lib/html.js';
import { notice } from '../lib/notice.js';
import { errorMessage } from '../lib/words.js';
import { FIRST_DELAY, allRequiredSeen, copy, nextDelay, providerSteps, recordsTable, understand } from './domaincheck.js';
import { registerPanel } from './panels.js';

function statusLine(d, check) {
  if (d.paused) return html`<p class="alert">Paused: visitors to ${d.hostname} are sent to your SmartPages address.</p>`;
  const url = `https://${d.hostname}/`;
  if (d.live) return html`<p class="alert ok"><strong>Live:</strong> visitors reach your site at <a href="${url}" target="_blank" rel="noopener">${d.hostname}</a>.</p>`;
  if (allRequiredSeen(check)) return html`<p class="alert">Your records are in place. Cloudflare is confirming them and preparing the padlock (HTTPS) certificate; this usually takes a few minutes.</p>`;
  return html`<p class="alert">Waiting for your DNS records. Add them below; this page checks by itself, and we email you when your domain is live.</p>`;
}

function domainCard(d, site, check) {
  const pending = d.status !== 'active';
  return html`<div class="card" data-domain="${d.hostname}"><h3>${d.hostname}</h3>
  <p>${d.understood}</p>
  <div role="status">${statusLine(d, check)}</div>
  ${d.paused && html`<p class="alert">This domain was paused when your paid plan ended: visitors to ${d.hostname} are sent to ${site.default_host}. To use it again, <a href="/billing" data-link>be on a plan with custom domains</a> and publish your site.</p>`}
  ${pending ? html`${recordsTable(d, check)}${providerSteps(check)}`
    : html`<details><summary>DNS records of this domain</summary>${recordsTable(d, check)}</details>`}
  <p class="row"><button class="secondary" data-refresh="${d.hostname}">Check now</button>
  <button class="danger" data-remove="${d.hostname}">Remove</button>
  <span class="hint" data-checked="${d.hostname}"></span></p></div>`;
}

function render(ed) {
  const { domains } = ed.store.state;
  if (!domains) return html`<div id="domains"><p class="muted">Loading…</p></div>`;
  if (domains.error) {
    const e = domains.error;
    return html`<div id="domains"><p class="alert error">${errorMessage(e)}${e.status === 402 && html` <a href="/billing" data-link>See plans</a>`}</p></div>`;
  }
  const checks = domains.checks || {};
  return html`<div id="domains">${domains.list.map((d) => domainCard(d, ed.site, checks[d.hostname]))}
    <form id="add-domain"><label for="domain-name">Your domain</label>
    <p class="hint" id="domain-hint">Paste it as you have it: example.com, www.example.com or a link to it.</p>
    <div class="row"><input id="domain-name" name="hostname" required maxlength="253" aria-describedby="domain-hint domain-understood" autocomplete="off">
    <button type="submit" class="secondary">Connect</button></div>
    <p class="hint" id="domain-understood"></p><p class="form-alert" role="alert"></p></form></div>`;
}

// What a check shows, without the time it was made: a redraw only when this changes.
const shape = (d, check) => JSON.stringify([d.status, d.live, d.dns_records, check?.records?.map((r) => [r.state, r.seen])]);

function merge(ed, fresh) {
  const { domains } = ed.store.state;
  const { check, ...d } = fresh;
  const before = domains.list.find((x) => x.hostname === d.hostname);
  const was = domains.checks?.[d.hostname];
  if (before && shape(before, was) === shape(d, check)) return false;
  if (before && !before.live && d.live) notice(`${d.hostname} is live.`);
  const list = domains.list.map((x) => (x.hostname === d.hostname ? d : x));
  ed.store.set({ domains: { ...domains, list, checks: { ...domains.checks, [d.hostname]: check } } });
  return true;
}

async function load(ed) {
  try {
    const list = (await api('GET', '/domains')).domains.filter((d) => d.site_id === ed.site.id);
    ed.store.set({ domains: { list, checks: ed.store.state.domains?.checks || {} } });
  } catch (e) {
    ed.store.set({ domains: { error: e } });
  }
}

function stamp(el, hostname, delay, again) {
  const line = el.querySelector(`[data-checked="${CSS.escape(hostname)}"]`);
  if (!line) return;
  const at = new Date().toLocaleTimeString();
  line.textContent = again ? `Checked at ${at}. Checking again in ${Math.round(delay / 1000)} seconds.` : `Checked at ${at}.`;
}

// One timer per domain: each answer sets the next (sooner after a change), none once the domain
// is active, none once the panel is gone.
function poller(el, ed) {
  const timers = new Map();
  const open = () => el.isConnected && ed.visit.live !== false;
  async function check(hostname, manual = false) {
    clearTimeout(timers.get(hostname)?.timer);
    if (!open()) return;
    let delay = timers.get(hostname)?.delay ?? FIRST_DELAY;
    try {
      const fresh = await api('POST', `/domains/${enc(hostname)}/refresh`, {});
      delay = merge(ed, fresh) || manual ? FIRST_DELAY : nextDelay(delay);
      stamp(el, hostname, delay, fresh.status !== 'active');
      if (fresh.status === 'active') return void timers.delete(hostname);
    } catch (e) {
      if (e.status === 404) return void timers.delete(hostname);
      if (manual) throw e;
      delay = nextDelay(delay); // offline, or Cloudflare slow: later, less often
    }
    if (open()) timers.set(hostname, { delay, timer: setTimeout(() => check(hostname), delay) });
  }
  return { check };
}

function bind(el, ed, poll, typed) {
  const form = el.querySelector('#add-domain');
  if (!form) return;
  form.elements.hostname.value = typed.value;
  el.querySelector('#domain-understood').textContent = understand(typed.value);
  onSubmit(form, async ({ hostname }) => {
    const added = await api('POST', '/domains', { site_id: ed.site.id, hostname });
    typed.value = '';
    await load(ed);
    notice(added.understood);
    poll.check(added.hostname);
  });
}

function mount(el, ed) {
  const poll = poller(el, ed);
  const typed = { value: '' }; // kept across the redraws a check causes while she types
  ed.store.watch(['domains'], () => bind(el, ed, poll, typed));
  el.addEventListener('input', (ev) => {
    if (ev.target.id !== 'domain-name') return;
    typed.value = ev.target.value;
    el.querySelector('#domain-understood').textContent = understand(typed.value);
  });
  el.addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-copy], [data-refresh], [data-remove]');
    if (!b) return;
    if (b.dataset.copy !== undefined) return void copy(b);
    ed.act(b, null, async () => {
      if (b.dataset.refresh) return poll.check(b.dataset.refresh, true);
      if (!(await confirmDialog(`Disconnect ${b.dataset.remove} from this site?`, 'Disconnect', { danger: true }))) return;
      await api('DELETE', `/domains/${enc(b.dataset.remove)}`);
      await load(ed);
    });
  });
  load(ed).then(() => (ed.store.state.domains.list || []).forEach((d) => poll.check(d.hostname)));
}

registerPanel({ id: 'domains', title: 'Your domain', short: 'Domain', order: 70, watch: ['domains'], roles: ['owner'], render, mount });
