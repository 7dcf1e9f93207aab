// Cron Triggers on the lane: each worker's `[triggers] crons` runs its `scheduled` handler on its
// schedule (UTC, checked at every minute boundary, as Cloudflare runs them), and on demand through
// the admin door, as `wrangler dev --test-scheduled` does with /__scheduled:
//   POST /scheduled/<worker>?cron=<pattern>   (the pattern defaults to the worker's first)
//   POST /scheduled/<worker>?time=<unix seconds>   the controller's scheduledTime: the lane's only
//     way to move a job's clock (tests walk billing's downgrade timeline to day 11 and 14 with it;
//     on Cloudflare scheduledTime is the trigger's time, i.e. now)
// The handler gets a ScheduledController (cron, scheduledTime, type, noRetry()).

// A 5-field cron pattern (minute hour day-of-month month day-of-week): numbers, `*`, ranges,
// lists and steps. Cloudflare's extras (L, W, #, names) are refused rather than guessed.
export function cronMatcher(pattern) {
  const fields = String(pattern).trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron "${pattern}": expected 5 fields`);
  const bounds = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
  const sets = fields.map((field, i) => {
    const [lo, hi] = bounds[i];
    const values = new Set();
    for (const part of field.split(',')) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      if (!m) throw new Error(`cron "${pattern}": unsupported field "${field}"`);
      const from = m[1] === '*' ? lo : Number(m[2]);
      const to = m[1] === '*' ? hi : m[3] !== undefined ? Number(m[3]) : m[4] ? hi : from;
      const step = m[4] ? Number(m[4]) : 1;
      if (from < lo || to > hi || step < 1) throw new Error(`cron "${pattern}": "${part}" out of range`);
      for (let v = from; v <= to; v += step) values.add(i === 4 && v === 7 ? 0 : v);
    }
    return values;
  });
  const [min, hour, dom, month, dow] = sets;
  const anyDom = fields[2] === '*';
  const anyDow = fields[4] === '*';
  return (d) => {
    if (!min.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !month.has(d.getUTCMonth() + 1)) return false;
    const domOk = dom.has(d.getUTCDate());
    const dowOk = dow.has(d.getUTCDay());
    // Classic cron: when both day fields are restricted, either may match.
    return anyDom || anyDow ? domOk && dowOk : domOk || dowOk;
  };
}

class ScheduledController {
  constructor(cron, scheduledTime) {
    this.cron = cron;
    this.scheduledTime = scheduledTime;
    this.type = 'scheduled';
  }
  noRetry() {}
}

export class Cron {
  constructor(lane) {
    this.lane = lane;
    this.triggers = [];
    for (const w of lane.workers.values()) {
      for (const pattern of w.config.triggers?.crons ?? []) this.triggers.push({ w, pattern, matches: cronMatcher(pattern) });
    }
    this.timer = null;
  }

  start() {
    const tick = () => {
      const now = new Date();
      now.setUTCSeconds(0, 0);
      for (const t of this.triggers) if (t.matches(now)) this.run(t.w, t.pattern, now.getTime()).catch(() => {});
      this.timer = setTimeout(tick, 60_000 - (Date.now() % 60_000));
      this.timer.unref?.();
    };
    this.timer = setTimeout(tick, 60_000 - (Date.now() % 60_000));
    this.timer.unref?.();
  }

  stop() {
    clearTimeout(this.timer);
  }

  async run(w, pattern, scheduledTime = Date.now()) {
    try {
      await w.call('Default', 'scheduled', [new ScheduledController(pattern, scheduledTime)]);
      return { worker: w.short, cron: pattern, outcome: 'ok' };
    } catch (e) {
      this.lane.log(`[${w.short}] scheduled ${pattern} failed: ${e?.message ?? e}`);
      return { worker: w.short, cron: pattern, outcome: 'exception', error: String(e?.message ?? e).slice(0, 500) };
    }
  }

  // The admin door: POST /scheduled/<worker>?cron=… . Returns true when it answered.
  async door(url, res) {
    const m = url.pathname.match(/^\/scheduled\/([a-z]+)$/);
    if (!m) return false;
    const w = [...this.lane.workers.values()].find((x) => x.short === m[1]);
    const pattern = url.searchParams.get('cron') ?? w?.config.triggers?.crons?.[0];
    if (!w || !pattern) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no such worker or trigger' }));
      return true;
    }
    const at = url.searchParams.get('time');
    if (at !== null && !/^\d{9,11}(\.\d+)?$/.test(at)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'time: unix seconds' }));
      return true;
    }
    const result = await this.run(w, pattern, at === null ? Date.now() : Number(at) * 1000);
    res.writeHead(result.outcome === 'ok' ? 200 : 500, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    return true;
  }
}
