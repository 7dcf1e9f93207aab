"""How long CI takes, and where the time goes (prints figures, not a test):

    .venv/bin/python -m tools.bench.ci [--rev HEAD] [--processes 3] [--keep]

Clones the repository into a temporary folder (committed work only, as CI does), checks out
`--rev`, and runs `.ci/run` there under a per-test timeline (`ci_timeline.py`, loaded into every
test process). Prints the run's wall time and pytest's summary, how busy the machine's cores were
(from /proc/stat, sampled every second), when the first test started, each test process's span and
busy time, and the modules that took longest.

The target is a fresh clone under 5 minutes on a quiet machine. The run is CPU-bound on two cores
(92 % busy at 44af60b), so its wall time is about its CPU time over two: a change shows in the CPU
figure first. This machine's speed drifts by up to a quarter within an hour, and anything else
running counts against the run: compare revisions by alternating them (`--rev A`, `--rev B`,
`--rev A`, ...), nothing else running, and read the 1-minute load printed first."""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = Path(__file__).with_name("ci_timeline.py")
TICK = os.sysconf("SC_CLK_TCK")
TARGET_SECONDS = 300


@dataclass(frozen=True)
class CpuSample:
    at: float  # time.time()
    busy: float  # core-seconds since boot: user, nice, system, irq, softirq, steal
    idle: float  # core-seconds since boot: idle, iowait


def parse_proc_stat(text: str, at: float) -> CpuSample:
    """The machine-wide `cpu` line of /proc/stat (in clock ticks) as core-seconds."""
    fields = [int(v) for v in text.splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return CpuSample(at, (user + nice + system + irq + softirq + steal) / TICK, (idle + iowait) / TICK)


def busy_between(samples: list[CpuSample], start: float, end: float) -> tuple[float, float]:
    """(busy core-seconds, all core-seconds) between the samples nearest `start` and `end`."""
    first = min(samples, key=lambda s: abs(s.at - start))
    last = min(samples, key=lambda s: abs(s.at - end))
    busy = last.busy - first.busy
    return busy, busy + last.idle - first.idle


@dataclass(frozen=True)
class TestSpan:
    process: str
    nodeid: str
    start: float
    end: float

    @property
    def module(self) -> str:
        return self.nodeid.split("::")[0]


def read_timeline(folder: Path) -> list[TestSpan]:
    spans = []
    for file in sorted(folder.glob("*.jsonl")):
        for line in file.read_text().splitlines():
            nodeid, start, end = json.loads(line)
            spans.append(TestSpan(file.stem, nodeid, start, end))
    return spans


def by_process(spans: list[TestSpan]) -> dict[str, tuple[float, float, float]]:
    """Each process's (first start, last end, seconds inside tests)."""
    out: dict[str, tuple[float, float, float]] = {}
    for span in spans:
        first, last, busy = out.get(span.process, (span.start, span.end, 0.0))
        out[span.process] = (min(first, span.start), max(last, span.end), busy + span.end - span.start)
    return dict(sorted(out.items()))


def by_module(spans: list[TestSpan]) -> dict[str, float]:
    """Seconds each module's tests took (each module runs whole on one process), longest first."""
    out: dict[str, float] = {}
    for span in spans:
        out[span.module] = out.get(span.module, 0.0) + span.end - span.start
    return dict(sorted(out.items(), key=lambda item: -item[1]))


def pytest_summary(log: str) -> str:
    found = re.findall(r"^=+ (.+ in [\d.]+s.*?) =+$", log, re.MULTILINE)
    return found[-1] if found else "no pytest summary in the log"


def sample_cpu(samples: list[CpuSample], stop: threading.Event) -> None:
    while True:
        samples.append(parse_proc_stat(Path("/proc/stat").read_text(), time.time()))
        if stop.wait(1.0):
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools.bench.ci", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="HEAD", help="the revision to run (committed work only)")
    parser.add_argument("--processes", type=int, default=None, help="TEST_PROCESSES for scripts/test")
    parser.add_argument("--keep", action="store_true", help="keep the clone and its log")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="ci-bench-"))
    clone, plugins, timeline, log_file = work / "clone", work / "plugins", work / "timeline", work / "ci.log"
    plugins.mkdir()
    timeline.mkdir()
    shutil.copy(PLUGIN, plugins / PLUGIN.name)
    git = ["git", "rev-parse", "--short", args.rev]
    rev = subprocess.run(git, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", rev], cwd=clone, check=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")])),
        "PYTEST_ADDOPTS": f"{os.environ.get('PYTEST_ADDOPTS', '')} -p ci_timeline".strip(),
        "CI_TIMELINE_DIR": str(timeline),
    }
    if args.processes:
        env["TEST_PROCESSES"] = str(args.processes)

    print(f"1-minute load before the run: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)", flush=True)
    samples: list[CpuSample] = []
    stop = threading.Event()
    sampler = threading.Thread(target=sample_cpu, args=(samples, stop), daemon=True)
    sampler.start()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    with log_file.open("w") as log:
        run = subprocess.run(["bash", ".ci/run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    status = run.returncode
    ended = time.time()
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)

    wall = ended - started
    verdict = "under" if wall < TARGET_SECONDS else "OVER"
    print(f"CI run of {rev} (fresh clone): exit {status}, {wall:.1f} s wall ({verdict} {TARGET_SECONDS} s)")
    print(f"pytest: {pytest_summary(log_file.read_text())}")
    busy, total = busy_between(samples, started, ended)
    print(f"cores busy: {busy:.0f} of {total:.0f} core-seconds ({busy / total:.0%}); .ci/run's waited-for processes: "
          f"{waited_cpu:.0f} s of CPU (a lower bound: a process whose parent died first is not counted)")  # fmt: skip
    spans = read_timeline(timeline)
    if spans:
        first = min(s.start for s in spans)
        last = max(s.end for s in spans)
        busy, total = busy_between(samples, first, last)
        print(f"first test at {first - started:.1f} s, last ended at {last - started:.1f} s; cores busy meanwhile: "
              f"{busy / total:.0%}")  # fmt: skip
        for process, (begin, end, inside) in by_process(spans).items():
            print(f"  {process}: {begin - started:6.1f} – {end - started:6.1f} s, {inside:6.1f} s in tests")
        print("slowest modules (seconds in their tests):")
        for module, seconds in list(by_module(spans).items())[:15]:
            print(f"  {seconds:6.1f}  {module}")
    if status != 0:
        print("".join(log_file.read_text().splitlines(keepends=True)[-40:]), end="")
    if args.keep or status != 0:
        print(f"kept: {clone} and {log_file}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
