// The editor's one state store: what the server last said (site, page, blocks, pictures,
// versions, domains, ETags). Panels read `store.state`, change it only with `set`, and `watch` the
// keys they draw from: a change redraws exactly the panels that show it. (The forms the owner
// types in are not redrawn from the store while she types: they are the draft, which the savers
// read and send; see editor/saving.js.)

export class Store {
  constructor(state) {
    this.state = state;
    this.watchers = [];
  }

  set(patch) {
    Object.assign(this.state, patch);
    const keys = Object.keys(patch);
    for (const w of [...this.watchers]) if (w.keys.some((k) => keys.includes(k))) w.fn(this.state, keys);
  }

  watch(keys, fn) {
    const watcher = { keys, fn };
    this.watchers.push(watcher);
    return () => (this.watchers = this.watchers.filter((w) => w !== watcher));
  }
}
