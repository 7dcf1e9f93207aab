// Saving as the owner types: no Save button anywhere in the editor. A Saver watches one document
// (a page, or the site's settings): each change is saved after a short pause, with the ETag it is
// based on (If-Match), so two tabs still cannot overwrite each other. What is not on the server yet
// is kept in this browser (localStorage, per site and page) and retried with a growing pause and as
// soon as the browser is back online; after a reload the editor puts it back (see sites.js). A 412
// stops the saver: the owner's text stays where she typed it and she is told in plain words.

const PAUSE = 700; // ms after the last keystroke
const RETRY = [1000, 2000, 4000, 8000, 15000, 30000];

// One id per browser tab (sessionStorage survives a reload of that tab, not a new tab).
export function tabId() {
  let id = sessionStorage.getItem('sp-tab');
  if (!id) sessionStorage.setItem('sp-tab', (id = Math.random().toString(36).slice(2, 10)));
  return id;
}

export const draftKey = (siteId, doc) => `sp-draft:${siteId}:${doc}:${tabId()}`;
export const keptKey = (siteId, doc) => `sp-kept:${siteId}:${doc}`;

export function readStored(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}

export function store(key, value) {
  try {
    value === null ? localStorage.removeItem(key) : localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false; // storage full or refused: the server copy is then the only one
  }
}

// Every draft this browser keeps for one document, from any tab, newest first.
export function draftsFor(siteId, doc) {
  const prefix = `sp-draft:${siteId}:${doc}:`;
  const found = [];
  for (let i = 0; i < localStorage.length; i += 1) {
    const key = localStorage.key(i);
    if (key?.startsWith(prefix)) {
      const value = readStored(key);
      if (value?.body) found.push({ key, ...value });
    }
  }
  return found.sort((a, b) => b.at - a.at);
}

// The words the status line shows, worst state first.
const WORDS = {
  conflict: 'Not saved — changed in another tab',
  invalid: 'Not saved — check the marked field',
  retrying: 'Not saved — retrying',
  saving: 'Saving…',
  pending: 'Saving…',
  saved: 'Saved',
};
const ORDER = Object.keys(WORDS);

// The one status line for every saver of the editor (aria-live, so it is heard as well as seen).
export class SaveStatus {
  constructor(element) {
    this.element = element;
    this.savers = [];
    this.shown = null;
  }

  track(saver) {
    this.savers.push(saver);
    saver.listeners.push(() => this.show());
    this.show();
  }

  get state() {
    const states = this.savers.map((s) => s.state);
    return ORDER.find((o) => states.includes(o)) || 'saved';
  }

  show() {
    const state = this.state;
    if (state === this.shown || !this.element.isConnected) return;
    this.shown = state;
    this.element.dataset.state = state;
    this.element.textContent = WORDS[state];
  }
}

export class Saver {
  // key: where the draft is kept; snapshot(): the document's body as it is on screen;
  // write(body) -> Promise (the request; it updates the ETag it sends); base(): the ETag the body
  // is based on; onInvalid(error), onConflict(error), onSaved(body, reply).
  constructor({ key, snapshot, write, base, onSaved = () => {}, onInvalid = () => {}, onConflict = () => {} }) {
    Object.assign(this, { key, snapshot, write, base, onSaved, onInvalid, onConflict });
    this.state = 'saved';
    this.version = 0; // bumped by every change
    this.savedVersion = 0;
    this.timer = null;
    this.running = null; // the save in flight
    this.attempt = 0;
    this.listeners = [];
    this.online = () => this.state === 'retrying' && this.now();
    window.addEventListener('online', this.online);
    this.hide = () => this.unsaved && this.keepLocally();
    window.addEventListener('pagehide', this.hide);
  }

  // Unsaved: something changed that the server does not have yet.
  get unsaved() {
    return this.version !== this.savedVersion;
  }

  set(state) {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  keepLocally() {
    store(this.key, { body: this.snapshot(), etag: this.base(), at: Date.now() });
  }

  // An edit: save after a pause. Stopped savers (a conflict) only keep the text locally.
  changed() {
    this.version += 1;
    if (this.state === 'conflict') return this.keepLocally();
    clearTimeout(this.timer);
    if (this.state !== 'retrying') this.set('pending');
    this.timer = setTimeout(() => this.now(), PAUSE);
  }

  // Saves now (a move, a delete) and resolves when the save is done, whatever its outcome.
  async now() {
    clearTimeout(this.timer);
    while (this.running) await this.running.catch(() => {}); // one write at a time
    if (!this.unsaved || this.state === 'conflict') return;
    this.running = this.run();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  async run() {
    const version = this.version;
    const body = this.snapshot();
    store(this.key, { body, etag: this.base(), at: Date.now() });
    this.set('saving');
    try {
      const reply = await this.write(body);
      this.attempt = 0;
      this.savedVersion = version;
      // Changed while the request ran: what is kept now is based on the new ETag.
      this.unsaved ? this.keepLocally() : store(this.key, null);
      this.onSaved(body, reply);
      if (this.unsaved) {
        this.set('pending');
        this.timer = setTimeout(() => this.now(), PAUSE);
      } else this.set('saved');
    } catch (e) {
      if (e.status === 412) {
        this.set('conflict');
        this.onConflict(e);
      } else if (e.status === 0 || e.status >= 500 || e.status === 429 || e.status === undefined) {
        this.set('retrying');
        const wait = RETRY[Math.min(this.attempt, RETRY.length - 1)];
        this.attempt += 1;
        this.timer = setTimeout(() => this.now(), wait);
      } else {
        this.set('invalid'); // kept locally (on the ETag of what did get saved); the next change tries again
        this.keepLocally();
        this.onInvalid(e);
      }
    }
  }

  // Everything saved? Saves what waits, then answers true, or false when it could not be.
  async flush() {
    await this.now();
    return !this.unsaved;
  }

  stop() {
    clearTimeout(this.timer);
    window.removeEventListener('online', this.online);
    window.removeEventListener('pagehide', this.hide);
    if (this.unsaved) this.keepLocally();
  }
}
