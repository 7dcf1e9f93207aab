// The one notice area (#flash, role=status): what just happened, or what went wrong, optionally
// with one action (Undo, Reload). Nothing else writes there.

import { html } from './html.js';

export function notice(message, kind = 'ok', action = null) {
  const box = document.getElementById('flash');
  box.innerHTML = message
    ? html`<div class="alert ${kind}">${message} ${action && html`<button type="button" class="secondary" id="notice-action">${action.label}</button>`}</div>`
    : '';
  if (action) document.getElementById('notice-action').addEventListener('click', action.run, { once: true });
}
