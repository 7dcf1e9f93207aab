"""The one script SmartPages puts on a published page (issue 27.1, progressive enhancement): a lead
form sent without leaving the page. Without it (JavaScript off, or a browser that does not match a
CSP hash against an external script) the form works as before: a post, answered with the page.

With it, the form is sent with fetch to the same address; a taken post shows the owner's thank-you
(`#thanks-<block>`, CSS `:target`, no reload); a refused one gets the same answer as without the
script (the site's page with the form filled back in) and the form's section is swapped for the
answer's, with the problem focused; the Turnstile widget is kept and reset. A network failure falls
back to the browser's own post.

Published as a content-addressed file (`PATH`, immutable) with `integrity`, and allowed by the
pages' CSP by its hash only (`HASH_SOURCE`): no other script of ours can run."""

from __future__ import annotations

import base64
import hashlib

SCRIPT = """\
// SmartPages: a lead form sent without leaving the page; without this script it works the same.
(() => {
  const bind = (form) => form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const section = form.closest('section');
    const button = form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    let answer;
    try {
      const body = new URLSearchParams(new FormData(form));
      answer = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin' });
    } catch (error) {
      form.submit();
      return;
    }
    if (answer.ok && answer.redirected) {
      for (const field of form.elements) {
        if (['hidden', 'submit'].includes(field.type) || field.name === 'website') continue;
        if (field.type === 'checkbox') field.checked = false;
        else if (field.tagName === 'SELECT') field.selectedIndex = 0;
        else field.value = '';
        field.removeAttribute('aria-invalid');
      }
      form.querySelectorAll('.field-error, .form-problem').forEach((note) => note.remove());
      if (button) button.disabled = false;
      if (window.turnstile) window.turnstile.reset();
      location.hash = 'thanks-' + form.action.split('/').pop();
      return;
    }
    const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
    const fresh = section && section.id ? page.getElementById(section.id) : null;
    if (!fresh || !fresh.querySelector('form')) {
      form.submit();
      return;
    }
    const widget = form.querySelector('.cf-turnstile');
    const empty = fresh.querySelector('.cf-turnstile');
    if (widget && empty) empty.replaceWith(widget);
    section.replaceChildren(...fresh.childNodes);
    bind(section.querySelector('form'));
    if (widget && window.turnstile) window.turnstile.reset(widget);
    const focus = section.querySelector('[autofocus]');
    if (focus) focus.focus();
  });
  document.querySelectorAll('form[action^="/_smartpages/forms/"]').forEach(bind);
})();
"""
BODY = SCRIPT.encode()
CONTENT_TYPE = "text/javascript; charset=utf-8"
SHA256 = hashlib.sha256(BODY).hexdigest()
INTEGRITY = "sha256-" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
HASH_SOURCE = f"'{INTEGRITY}'"  # the pages' CSP allows this script by its hash, and no other of ours
PATH = f"/assets/forms-{SHA256[:16]}.js"
TAG = f'<script src="{PATH}" integrity="{INTEGRITY}" defer></script>'
