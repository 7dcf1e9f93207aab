// The one action helper. Everything the owner starts with a button goes through `act`: the button
// is disabled while it runs (no double clicks), earlier field errors go, and a failure is said
// once, in the portal's words: under its field when the API names one, else in the form's own
// alert line (`.form-alert`), else in the notice area. A 412 (changed elsewhere) goes to `stale`.
// `onSubmit` is `act` for a form: its named fields arrive as one object.

import { ApiError } from './api.js';
import { clearFieldErrors, showFieldError } from './fields.js';
import { notice } from './notice.js';
import { WORDS, errorMessage } from './words.js';

// An error whose message is written for the owner (a photo the browser cannot read, a block that
// needs a picture first). Anything else unexpected is a bug: logged, and she gets plain words.
export class Refusal extends Error {}

export function report(e, where = null, { stale = null } = {}) {
  if (e instanceof ApiError && e.status === 412 && stale) return stale(e);
  if (e instanceof ApiError && where && showFieldError(where, e)) return;
  if (!(e instanceof ApiError || e instanceof Refusal)) console.error(e);
  const message = e instanceof ApiError ? (e.status === 412 ? WORDS.precondition_failed : errorMessage(e))
    : e instanceof Refusal ? e.message : 'Something went wrong on this page. Reload it and try again; what you typed is kept.';
  const alert = where?.querySelector(':scope > .form-alert');
  if (alert) alert.textContent = message;
  else notice(message, 'error');
}

export async function act(button, where, fn, options = {}) {
  if (button?.disabled) return undefined;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  if (where) {
    clearFieldErrors(where);
    const alert = where.querySelector(':scope > .form-alert');
    if (alert) alert.textContent = '';
  }
  try {
    return await fn();
  } catch (e) {
    report(e, where, options);
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      if (document.activeElement === document.body && button.isConnected) button.focus();
    }
  }
}

export function formData(form) {
  const data = {};
  for (const el of form.elements) if (el.name) data[el.name] = el.type === 'checkbox' ? el.checked : el.value;
  return data;
}

export function onSubmit(form, handler, options = {}) {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    notice('');
    act(form.querySelector('button[type=submit]'), form, () => handler(formData(form)), options);
  });
}
