// Who is signed in (the account, or null), and where she came from (the deep link's attribution).

import { api } from './api.js';

export const session = { me: null };

export async function loadMe() {
  try {
    session.me = (await api('GET', '/account')).account;
  } catch (e) {
    if (e.status !== 401) throw e;
    session.me = null;
  }
  return session.me;
}

// Kept from the deep link in this tab until sign-up stores it with the account; after that the
// account's copy is the one that travels (to Stripe's metadata).
export function attribution() {
  const me = session.me;
  if (me?.attribution && Object.keys(me.attribution).length) return me.attribution;
  try {
    return JSON.parse(sessionStorage.getItem('attribution') || '{}');
  } catch {
    return {};
  }
}
