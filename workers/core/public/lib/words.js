// The portal's own words for what the server refuses, chosen by the error's stable `code` (never
// by reading the server's English: that would be a hidden contract). A code the portal has no
// words for shows the server's message, which is written for owners too.
// A refused field (`field` names its path) is described by its control: the limit the form itself
// sets (maxlength, required) or what the control says it accepts (data-accepts).

const PLAN_NAMES = { starter: 'Starter', pro: 'Pro', business: 'Business' };
const SESSION_ENDED = 'Your session has ended. Log in again.';

export const WORDS = {
  offline: 'Cannot reach SmartPages. Check your connection and try again; nothing you typed is lost.',
  unauthenticated: SESSION_ENDED,
  not_signed_in: SESSION_ENDED,
  session_expired: SESSION_ENDED,
  session_required: SESSION_ENDED,
  invalid_credentials: 'The email or password is not right.',
  wrong_password: 'The current password is not right.',
  email_not_verified: 'Verify your email first: we sent you a link.',
  email_taken: 'Another account already uses this email.',
  invalid_token: 'This link is invalid, was already used, or has expired. Ask for a new one.',
  too_many_attempts: 'Too many attempts. Wait a while and try again.',
  too_many_requests: 'Too many attempts. Wait a while and try again.',
  precondition_failed: 'Someone changed this in another tab or on another device since you opened it, so this was not saved. Reload the page to see the latest version.',
  page_slug_taken: 'This site already has a page at that address: choose another.',
  slug_taken: 'That address is taken: choose another.',
  home_page: 'The home page cannot be deleted.',
  publish_in_progress: 'Your site is being published: try again in a moment.',
  svg_not_allowed: 'SVG pictures are not accepted: upload a PNG or JPEG instead.',
  unsupported_image: 'Upload a PNG, JPEG, GIF or WebP picture.',
  asset_not_found: 'That picture is not in your library any more; choose another.',
  same_plan: 'You are on that plan already.',
  body_too_large: 'That is too big to send: make it smaller and try again.',
  billing_unavailable: 'We cannot check your plan just now. Try again in a minute.',
};

// A 402 names the plan that unlocks what she tried: `requires_<plan>_plan`.
function planWords(e) {
  const plan = e.requiredPlan || /^requires_(\w+)_plan$/.exec(e.code)?.[1];
  if (!plan) return null;
  return `This needs the ${PLAN_NAMES[plan] || plan} plan. Go to Billing to upgrade.`;
}

// Words for an error shown on its own (the notice area, a dialog, a panel's alert).
export function errorMessage(e) {
  if (!e || e.status === undefined) return e?.message || 'Something went wrong. Try again.';
  if (e.status === 402) return planWords(e) || e.message;
  if (WORDS[e.code]) return WORDS[e.code];
  if (e.status === 429) return WORDS.too_many_attempts;
  if (e.status === 401) return SESSION_ENDED;
  if (e.code === 'invalid_field') return 'Something you typed is not accepted: check the marked field.';
  return e.message;
}

// A refused field's `reason` (shared/schema.py REASONS) and its limits, in the portal's words.
const REASON_WORDS = {
  required: () => 'Fill this in.',
  empty: () => 'Fill this in.',
  too_long: (d) => `Too long: at most ${d.max_length} characters.`,
  wrong_count: (d) => `Keep between ${d.min_items} and ${d.max_items} of these.`,
  control_characters: () => 'Remove the unusual characters (such as line breaks).',
  not_email: () => 'Enter an email address, like name@example.com.',
  out_of_range: (d) => `Enter a whole number from ${d.minimum} to ${d.maximum}.`,
  weak_password: () => 'Choose a longer password: at least 8 characters that are not easy to guess.',
  // A brand colour that would not read well, with the nearest colour that does.
  low_contrast: (d) => `This colour is too ${d.too} to read easily: ${d.pair} would have a contrast of only ${d.contrast} to 1, and at least ${d.needed} to 1 is needed so everyone can read your pages. The nearest colour that reads well is ${d.suggestion}.`,
};

// Words for an error shown under the control it is about: by the API's `reason` when it gives
// one, else what the control itself knows (its own limit, or what it says it accepts).
export function fieldWords(e, control) {
  if (e.code !== 'invalid_field' && e.code !== 'weak_password') return errorMessage(e);
  const reason = e.details?.reason || (e.code === 'weak_password' ? 'weak_password' : null);
  if (REASON_WORDS[reason]) return REASON_WORDS[reason](e.details, e);
  const value = control?.value ?? '';
  const max = Number(control?.getAttribute?.('maxlength')) || 0;
  // Refused while empty: it must be filled in (a picture button's value is its data-value).
  const empty = control?.dataset?.pick !== undefined ? !control.dataset.value : !String(value).trim();
  if (control && control.type !== 'checkbox' && empty) return 'Fill this in.';
  if (max && String(value).length > max) return `Too long: at most ${max} characters.`;
  return control?.dataset?.accepts || 'This is not accepted here: check what you typed.';
}
