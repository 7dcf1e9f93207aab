// Templating that escapes by default: html`<p>${name}</p>` escapes every value put in the
// template; a value that is itself html`…` (or an array of them) goes in as it is. Nothing else
// can reach the DOM as markup, so an owner's text or the API's answer is never read as HTML.
// The result is a Safe: assign it to innerHTML (it converts itself) or nest it in another html`…`.

export class Safe {
  constructor(text) {
    this.text = text;
  }

  toString() {
    return this.text;
  }
}

export const escape = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// null, undefined and false write nothing, so `${open && html`…`}` reads naturally.
function piece(v) {
  if (v instanceof Safe) return v.text;
  if (Array.isArray(v)) return v.map(piece).join('');
  if (v === null || v === undefined || v === false) return '';
  return escape(v);
}

export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => {
    out += piece(v) + strings[i + 1];
  });
  return new Safe(out);
}

// Markup the portal wrote itself and trusts (never an API value): a constant, not a template.
export const trusted = (text) => new Safe(String(text));
