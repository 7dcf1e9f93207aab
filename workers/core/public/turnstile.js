// Cloudflare Turnstile on the portal's public forms (sign-up, forgot password, email sign-in link).
// Core says whether it is on (GET /api/v1/auth/turnstile); when it is, the widget renders in the
// form and puts its token in a hidden `turnstile_token` field that the form sends with the rest.
// Off (the local stack), nothing is added.

const SCRIPT = 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit';
let siteKey; // undefined: not asked yet; null: Turnstile is off
let loading;

async function key() {
  if (siteKey === undefined) {
    const res = await fetch('/api/v1/auth/turnstile', { headers: { accept: 'application/json' } }).catch(() => null);
    siteKey = res && res.ok ? (await res.json()).site_key : null;
  }
  return siteKey;
}

function load() {
  loading ??= new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src: SCRIPT, async: true });
    script.onload = () => resolve(window.turnstile);
    script.onerror = () => reject(new Error('Turnstile could not load'));
    document.head.append(script);
  });
  return loading;
}

// Adds the widget above the form's submit button. Call after onSubmit(form, …): each submit reads
// the token first, then the widget is reset, because a token works only once.
export async function addTurnstile(form) {
  const sitekey = await key();
  if (!sitekey) return;
  const box = document.createElement('div');
  form.querySelector('button[type=submit]')?.before(box);
  const turnstile = await load();
  const id = turnstile.render(box, { sitekey, 'response-field-name': 'turnstile_token' });
  form.addEventListener('submit', () => setTimeout(() => turnstile.reset(id)));
}
