// Process hygiene: the lane leaves nothing behind, and two lanes never share a state folder.
//
// - Miniflare runs workerd as a child process; if the lane is killed with SIGKILL, nothing in
//   Node runs to stop it. A tiny watchdog shell (also our child) holds a pipe from the lane:
//   when the lane dies, the pipe closes, and the watchdog kills the children it was told about.
// - `--state` holds SQLite files (D1) and R2/KV data that one workerd owns: a second lane on the
//   same folder is refused while the first one's process lives (a lock file with its pid).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const WATCHDOG = 'pids=; while read pid; do if [ "$pid" = 0 ]; then pids=; else pids="$pids $pid"; fi; done; [ -n "$pids" ] && kill -9 $pids 2>/dev/null; exit 0';

export class Watchdog {
  constructor() {
    this.child = spawn('/bin/sh', ['-c', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'] });
    this.child.unref();
    this.child.stdin.on('error', () => {});
  }

  // Every current child process of the lane (workerd), except the watchdog itself.
  guardChildren() {
    for (const pid of childPids()) if (pid !== this.child.pid) this.child.stdin.write(`${pid}\n`);
  }

  // A clean stop: the children are already gone, so there is nothing left to kill.
  release() {
    this.child.stdin.end('0\n');
  }
}

function childPids() {
  const pids = [];
  for (const tid of fs.readdirSync(`/proc/${process.pid}/task`)) {
    const text = fs.readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim();
    if (text) pids.push(...text.split(/\s+/).map(Number));
  }
  return pids;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

export class StateLock {
  constructor(stateDir) {
    this.file = path.join(stateDir, 'lane.lock');
    fs.mkdirSync(stateDir, { recursive: true });
    for (;;) {
      try {
        fs.writeFileSync(this.file, `${process.pid}\n`, { flag: 'wx' });
        return;
      } catch (e) {
        if (e.code !== 'EEXIST') throw e;
      }
      const pid = Number(fs.readFileSync(this.file, 'utf8').trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new Error(`another lane (pid ${pid}) is using the state folder ${stateDir}; stop it first or pass a different --state`);
      }
      fs.rmSync(this.file, { force: true }); // left by a lane that was killed
    }
  }

  release() {
    fs.rmSync(this.file, { force: true });
  }
}
