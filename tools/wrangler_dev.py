"""`scripts/dev --wrangler`: the five staged workers under `wrangler dev`, for machines that are online.

    python -m tools.wrangler_dev [--state .state/wrangler] [--port-core 8787] [--port-domain 8788]

`wrangler dev` runs Python Workers on workerd itself, which downloads its Pyodide bundle from the
internet at start-up: offline (this project's machines) it gets as far as that download and stops,
so the runtime lane (`scripts/dev`) is the offline tool. Online, this is the closest local run to
Cloudflare there is. It:

 1. stages the bundles (tools/build.py) and gives each its secrets and local vars as
    `build/<worker>/.dev.vars`, copied at every start from `workers/<worker>/.dev.vars` (or the
    committed `.dev.vars.example`): the copy is what a rebuild wipes, the source is not; each
    staged D1 binding gets a local database id (its name), so each worker has its own database;
 2. keeps all state (D1, R2, KV, queues, cache) in `--state`, outside build/, shared by both
    processes, and applies every worker's D1 migrations there (`wrangler d1 migrations apply
    --local`) before starting;
 3. starts one `wrangler dev` process per group (GROUPS), since only a process's first worker gets
    a port and `/__scheduled`: core with mailer on `--port-core`, domain on `--port-domain`, and
    customer and billing (the workers with Cron Triggers) on free loopback ports; they reach each
    other over service bindings through wrangler's dev registry, and mailer's queues run in its
    process. Every process runs with `--test-scheduled`, and this tool fires each Cron Trigger on
    schedule through it (at each UTC minute boundary, as Cloudflare would).

`scripts/dev --wrangler` starts the Stripe and Cloudflare stand-ins beside it (ports 8789 and 8790)
with their state in `<state>/standins`. One line `wrangler dev ready core=URL domain=URL
customer=URL billing=URL` goes to stdout when all are up; each process's output goes to stderr
prefixed with its name. When workerd cannot download Pyodide, it says so and exits 1."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from tools import build
from tools.ports import free_port

ROOT = build.ROOT
WORKERS = ("core", "customer", "billing", "mailer", "domain")
# One `wrangler dev` per group; only a process's first worker gets a port, and `/__scheduled` on it
# runs that worker's `scheduled`. Every worker but domain has Cron Triggers now, so each leads its
# own process (mailer produces to and consumes only its own queues, which do not need to cross
# processes; service bindings reach across them through wrangler's dev registry).
GROUPS = {
    "core": ("core",),
    "mailer": ("mailer",),
    "customer": ("customer",),
    "billing": ("billing",),
    "domain": ("domain",),
}
READY = re.compile(r"Ready on (http://\S+)")
PYODIDE = re.compile(r"Request for Pyodide bundle failed; url = (?:\x1b\[[0-9;]*m)?(\S+?)(?:\x1b\[[0-9;]*m)?;")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
OFFLINE_HINT = (
    "wrangler dev: workerd could not download the Pyodide bundle ({url}): `wrangler dev` needs the "
    "internet for Python Workers. Offline, run `scripts/dev` (the runtime lane) instead."
)


def wrangler(*args: str) -> list[str]:
    return [str(ROOT / "tools" / "wrangler"), *args]


def dev_vars_source(short: str) -> Path:
    own = ROOT / "workers" / short / ".dev.vars"
    return own if own.exists() else ROOT / "workers" / short / ".dev.vars.example"


def local_database_ids(config: str) -> str:
    """The staged config with `preview_database_id = <database_name>` on each top-level D1 binding.
    Locally `wrangler dev` keys a database by `preview_database_id ?? database_id ?? binding`, and
    our configs carry no id (deploys resolve databases by name): without this the four workers'
    `DB` bindings would be one local database. The deploy never reads it (it stages afresh)."""
    out, top_level = [], True
    for line in config.splitlines(keepends=True):
        top_level = top_level and not line.startswith("[env.")
        out.append(line)
        found = re.match(r'database_name\s*=\s*"([^"]+)"', line)
        if top_level and found:
            out.append(f'preview_database_id = "{found.group(1)}"  # scripts/dev --wrangler: one local DB each\n')
    return "".join(out)


def prepare(state: Path) -> None:
    """Staged bundles with their .dev.vars (a copy; the source stays in workers/<worker>/) and a
    local database id per D1 binding."""
    for short in WORKERS:
        build.stage(short)
        shutil.copyfile(dev_vars_source(short), ROOT / "build" / short / ".dev.vars")
        config = ROOT / "build" / short / "wrangler.toml"
        config.write_text(local_database_ids(config.read_text()))
    state.mkdir(parents=True, exist_ok=True)


def migrate(state: Path) -> list[str]:
    """Applies every worker's D1 migrations to the local state; returns the databases migrated."""
    migrated = []
    for short in WORKERS:
        config_file = ROOT / "build" / short / "wrangler.toml"
        config = tomllib.loads(config_file.read_text())
        for db in config.get("d1_databases", []):
            name = db.get("database_name") or db["binding"]
            proc = subprocess.run(
                wrangler("d1", "migrations", "apply", name, "--local", "--persist-to", str(state),
                         "-c", str(config_file)),
                cwd=config_file.parent, env={**os.environ, "CI": "true"}, capture_output=True, text=True,
                check=False, timeout=300,
            )  # fmt: skip
            if proc.returncode != 0:
                raise SystemExit(f"wrangler dev: migrating {name} failed:\n{proc.stdout}{proc.stderr}")
            migrated.append(name)
            print(f"wrangler dev: migrations applied to {name}", file=sys.stderr, flush=True)
    return migrated


def commands(state: Path, ports: dict[str, int], host: str = "127.0.0.1") -> dict[str, list[str]]:
    """One `wrangler dev` per group: its first config is the one with the port."""
    out = {}
    for group, members in GROUPS.items():
        configs = [arg for m in members for arg in ("-c", str(ROOT / "build" / m / "wrangler.toml"))]
        out[group] = wrangler(
            "dev", *configs, "--ip", host, "--port", str(ports[group]), "--inspector-port", str(free_port()),
            "--persist-to", str(state), "--test-scheduled", "--show-interactive-dev-session=false",
        )  # fmt: skip
    return out


def _field_matches(spec: str, value: int, low: int, high: int) -> bool:
    """One numeric cron field: `*`, `a`, `a-b`, `*/n`, `a-b/n`, comma lists (what cron.mjs on the
    lane takes; names, `L`, `W`, `#` are not supported)."""
    for part in spec.split(","):
        base, _, step = part.partition("/")
        first, last = (low, high) if base == "*" else (int(base.split("-")[0]), int(base.split("-")[-1]))
        if first <= value <= last and (value - first) % int(step or 1) == 0:
            return True
    return False


def cron_matches(pattern: str, when: datetime) -> bool:
    """A 5-field cron pattern against a UTC minute (day of week 0-6 from Sunday; 7 is Sunday too)."""
    minute, hour, day, month, weekday = pattern.split()
    dow = (when.weekday() + 1) % 7
    days = _field_matches(day, when.day, 1, 31)
    weekdays = _field_matches(weekday, dow, 0, 7) or (dow == 0 and _field_matches(weekday, 7, 0, 7))
    day_ok = days and weekdays if "*" in (day, weekday) else days or weekdays
    return (
        _field_matches(minute, when.minute, 0, 59)
        and _field_matches(hour, when.hour, 0, 23)
        and _field_matches(month, when.month, 1, 12)
        and day_ok
    )


def crons_by_group() -> dict[str, list[str]]:
    """The Cron Triggers of each group's leading worker (the one `/__scheduled` reaches)."""
    out = {}
    for group, members in GROUPS.items():
        config = tomllib.loads((ROOT / "build" / members[0] / "wrangler.toml").read_text())
        crons = list(config.get("triggers", {}).get("crons", []))
        if crons:
            out[group] = crons
    for group, members in GROUPS.items():
        for other in members[1:]:
            config = tomllib.loads((ROOT / "build" / other / "wrangler.toml").read_text())
            if config.get("triggers", {}).get("crons"):
                raise SystemExit(f"wrangler dev: {other} has Cron Triggers but does not lead its group ({group})")
    return out


def tick_crons(urls: dict[str, str], crons: dict[str, list[str]], stop: threading.Event) -> None:
    """Fires each Cron Trigger on schedule, as Cloudflare does (wrangler dev only offers the
    `/__scheduled` door): at every UTC minute boundary, each matching pattern once."""
    while not stop.wait(60 - time.time() % 60 + 0.5):
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        for group, patterns in crons.items():
            for pattern in patterns:
                if group in urls and cron_matches(pattern, now):
                    query = urllib.parse.urlencode({"cron": pattern, "time": int(now.timestamp() * 1000)})
                    try:
                        with urllib.request.urlopen(f"{urls[group]}/__scheduled?{query}", timeout=60) as reply:  # noqa: S310
                            outcome = reply.status
                    except OSError as exc:
                        outcome = f"failed: {exc}"
                    print(f"wrangler dev: cron {pattern} on {group}: {outcome}", file=sys.stderr, flush=True)


class Run:
    """The two processes; their output prefixed on stderr, each watched until it is ready, stops at
    the Pyodide download, or ends."""

    def __init__(self, cmds: dict[str, list[str]]) -> None:
        self.ready: dict[str, str] = {}
        self.offline: dict[str, str] = {}  # process -> the Pyodide bundle URL it could not fetch
        self.ended: set[str] = set()
        self.changed = threading.Event()
        self.lock = threading.Lock()
        env = {**os.environ, "CI": "true", "WRANGLER_SEND_METRICS": "false"}
        self.procs = {name: self._start(name, cmd, env) for name, cmd in cmds.items()}
        for name, proc in self.procs.items():
            threading.Thread(target=self._watch, args=(name, proc), daemon=True).start()

    @staticmethod
    def _start(name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            cmd, cwd=ROOT / "build" / name, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
            start_new_session=True,  # its own process group: stop() ends wrangler and its workerd together
        )  # fmt: skip

    def _watch(self, name: str, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            print(f"[{name}] {line}", file=sys.stderr, flush=True)
            plain = ANSI.sub("", line)
            with self.lock:
                if (found := READY.search(plain)) and name not in self.ready:
                    self.ready[name] = found.group(1)
                    self.changed.set()
                if (missing := PYODIDE.search(line) or PYODIDE.search(plain)) and name not in self.offline:
                    self.offline[name] = missing.group(1)
                    self.changed.set()
        with self.lock:
            self.ended.add(name)
            self.changed.set()

    def settled(self) -> bool:
        """Every process is ready, stopped at the Pyodide download, or ended."""
        with self.lock:
            return all(n in self.ready or n in self.offline or n in self.ended for n in self.procs)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/dev --wrangler", description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", type=Path, default=ROOT / ".state" / "wrangler")
    parser.add_argument("--port-core", type=int, default=8787, help="0: any free port")
    parser.add_argument("--port-domain", type=int, default=8788, help="0: any free port")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    state = args.state.resolve()
    prepare(state)
    migrate(state)
    ports = {group: free_port() for group in GROUPS}
    ports.update({"core": args.port_core or ports["core"], "domain": args.port_domain or ports["domain"]})
    crons = crons_by_group()
    run = Run(commands(state, ports, args.host))
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: (stopping.set(), run.changed.set()))
    announced = False
    try:
        while True:
            run.changed.wait()
            run.changed.clear()
            if stopping.is_set():
                return 0
            if not run.settled():
                continue
            if run.offline:
                url = next(iter(run.offline.values()))
                stopped = ", ".join(sorted(run.offline))
                print(f"wrangler dev: {stopped} stopped at the Pyodide download", file=sys.stderr)
                print(OFFLINE_HINT.format(url=url), file=sys.stderr, flush=True)
                return 1
            if run.ended:
                print(f"wrangler dev: {', '.join(sorted(run.ended))} stopped", file=sys.stderr, flush=True)
                return 1
            if not announced:
                announced = True
                threading.Thread(target=tick_crons, args=(dict(run.ready), crons, stopping), daemon=True).start()
                others = " ".join(f"{g}={u}" for g, u in run.ready.items() if g not in ("core", "domain"))
                print(f"wrangler dev ready core={run.ready['core']} domain={run.ready['domain']} {others}", flush=True)
    finally:
        run.stop()


if __name__ == "__main__":
    raise SystemExit(main())
