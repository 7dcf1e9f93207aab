// Dialogs: real <dialog>s, so focus is trapped inside and comes back to what opened them.

import { html } from './html.js';

// A modal with `markup`; `onClick(button, close)` gets every button click; resolves with what
// `close(value)` was given (undefined when dismissed with Escape).
export function modal({ labelledBy, className = '', markup, onClick = () => {}, setup = () => {} }) {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    if (className) dialog.className = className;
    dialog.setAttribute('aria-labelledby', labelledBy);
    dialog.innerHTML = markup;
    const opener = document.activeElement;
    let result;
    const close = (value) => {
      result = value;
      dialog.close();
    };
    document.body.append(dialog);
    dialog.addEventListener('click', (ev) => {
      const button = ev.target.closest('button');
      if (button) onClick(button, close, ev);
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener?.isConnected) opener.focus?.();
      resolve(result);
    });
    dialog.showModal();
    setup(dialog, close);
  });
}

// Asks before something that cannot be undone; resolves true or false.
export async function confirmDialog(question, yes, { danger = false } = {}) {
  const answer = await modal({
    labelledBy: 'dialog-q',
    markup: html`<p id="dialog-q">${question}</p><div class="row">
      <button type="button" value="yes" class="${danger ? 'danger' : ''}">${yes}</button><button type="button" value="no" class="secondary" autofocus>Cancel</button></div>`,
    onClick: (button, close) => close(button.value),
  });
  return answer === 'yes';
}
