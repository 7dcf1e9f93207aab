// Dates, money and sizes in the owner's own locale: one definition each.

export const when = (t) => new Date(t * 1000).toLocaleString();
export const day = (t) => new Date(t * 1000).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
export const money = (cents, currency) =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency: (currency || 'eur').toUpperCase() }).format(cents / 100);
export const kb = (n) => `${Math.max(1, Math.round(n / 1024))} KB`;
export const enc = encodeURIComponent;
