// The domain panel's parts that do not touch the API: what we understand from what she types, the
// records table (each with copy buttons and, from the live check, what the world sees now, in
// words as well as colour), her DNS provider's steps, and the polling rhythm.

import { html } from '../lib/html.js';

// What she typed, read as the server reads it (customer.domains.normalise and pair): shown as she
// types, so a pasted URL is seen to be understood before she connects it.
export function understand(typed) {
  let host = String(typed || '').trim();
  if (host.includes('://')) host = host.split('://')[1];
  host = host.split(/[/?#]/)[0].split('@').pop().replace(/:\d*$/, '').replace(/\.+$/, '');
  if (!host) return '';
  try {
    host = new URL(`http://${host}`).hostname; // lower-case; an international name as punycode
  } catch {
    return '';
  }
  const labels = host.split('.');
  if (labels.length < 2 || labels.some((l) => !l)) return '';
  if (labels.length === 2) return `We'll connect www.${host}. Visitors who type ${host} will be sent to it.`;
  if (labels.length === 3 && labels[0] === 'www') return `We'll connect ${host}. Visitors who type ${labels.slice(1).join('.')} will be sent to it.`;
  return `We'll connect ${host}. Other addresses of your domain stay as they are.`;
}

const STATE_WORDS = {
  ok: () => html`<span class="check-ok">✓ In place</span>`,
  missing: () => html`<span class="check-bad">✗ Not found yet</span>`,
  different: (r) => html`<span class="check-bad">✗ Something else is there:</span> <code>${r.seen.join(', ')}</code>`,
  unknown: () => html`<span class="muted">? Could not look just now</span>`,
};

const copyButton = (value, what) => html`<button type="button" class="secondary copy" data-copy="${value}" aria-label="Copy ${what}">Copy</button>`;

function recordRow(r, checked) {
  const seen = checked ? STATE_WORDS[checked.state](checked) : html`<span class="muted">Checking…</span>`;
  return html`<tr data-record="${r.type} ${r.name}"${checked ? html` data-state="${checked.state}"` : ''}>
    <td>${r.type}${!r.required && html`<br><span class="hint">Recommended</span>`}</td>
    <td><code>${r.host}</code> ${copyButton(r.host, `the name ${r.host}`)}<br><span class="hint">${r.why}</span></td>
    <td><code class="value">${r.value}</code> ${copyButton(r.value, `the value for ${r.host}`)}</td>
    <td>${seen}</td></tr>`;
}

export function recordsTable(d, check) {
  const byKey = new Map((check?.records || []).map((r) => [`${r.type} ${r.name}`, r]));
  const where = check?.provider?.detected ? `at ${check.provider.name}` : 'where your domain is managed';
  const row = (r) => recordRow(r, byKey.get(`${r.type} ${r.name}`));
  const needed = d.dns_records.filter((r) => r.required);
  const extra = d.dns_records.filter((r) => !r.required);
  const apex = extra[0]?.name;
  return html`<div class="records"><table><caption>Add these records ${where}</caption>
    <thead><tr><th scope="col">Type</th><th scope="col">Name to type</th><th scope="col">Value</th><th scope="col">What the world sees now</th></tr></thead>
    <tbody>${needed.map(row)}</tbody>
    ${extra.length > 0 && html`<tbody><tr><th scope="rowgroup" colspan="4">Recommended, so that ${apex} works too</th></tr>${extra.map(row)}</tbody>`}</table></div>`;
}

export function providerSteps(check) {
  if (!check) return '';
  const p = check.provider;
  const title = p.detected ? `Step by step at ${p.name}` : 'Step by step';
  return html`<details class="steps"><summary>${title}</summary><ol>${p.steps.map((s) => html`<li>${s}</li>`)}</ol>
    ${p.apex && html`<p class="hint">${p.apex}</p>`}</details>`;
}

// Every record she must set is seen (the recommended apex may still wait).
export const allRequiredSeen = (check) => !!check && check.records.every((r) => !r.required || r.state === 'ok');

// The live check's rhythm: soon after a change, then less often; never past a minute.
export const FIRST_DELAY = 5000;
export const nextDelay = (delay) => Math.min(60000, Math.round(delay * 1.5));

// A copy button: the clipboard when the browser allows it, else the value selected for her to copy.
export async function copy(button) {
  const value = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(value);
    button.textContent = 'Copied';
  } catch {
    const code = button.previousElementSibling;
    if (code) window.getSelection().selectAllChildren(code);
    button.textContent = 'Selected: press Ctrl+C';
  }
  setTimeout(() => button.isConnected && (button.textContent = 'Copy'), 2500);
}
