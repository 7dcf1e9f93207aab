// A field's error goes right under it, tied to it for screen readers (aria-describedby,
// aria-invalid), in the portal's words (lib/words.js).

import { fieldWords } from './words.js';

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

// The control an error is about: the API's `field` path by data-path (the editor) or by name; a
// wrong password (no path) is the password field's.
function controlFor(root, e, path) {
  path ||= ['invalid_credentials', 'wrong_password'].includes(e.code)
    ? (root.querySelector('[name=current_password]') ? 'current_password' : 'password') : null;
  if (!path) return null;
  return root.querySelector(`[data-path="${CSS.escape(path)}"]`) || root.querySelector(`[name="${CSS.escape(path.split('.').pop())}"]`);
}

// Shows `e` by its control inside `root`; false when there is none (the caller says it elsewhere).
export function showFieldError(root, e, path = e.field, focus = true) {
  const input = controlFor(root, e, path);
  if (!input) return false;
  fieldError(input, fieldWords(e, input), focus);
  return true;
}
