"""`wrangler deploy --dry-run` of a staged bundle, once per run of the suite: test_bundles and the
lane's test_fidelity both read the dry run of each of the five bundles, on different test processes.
Its output is a function of the staged files, the arguments and the pinned wrangler, so the first
process to ask runs it and the others read what it wrote (a lock file per key makes them wait).
A dry run costs about a second of CPU in a Node of its own and about 0.2 s on the tests' warm
wrangler (tools/wrangler_host.cjs)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRANGLER = ROOT / "tools" / "wrangler"


@dataclass(frozen=True)
class DryRun:
    outdir: Path  # the modules wrangler would upload (README.md, wrangler's own, left out below)
    stdout: str

    def modules(self) -> dict[str, str]:
        """Every file wrangler would upload, by path, with its sha256."""
        return {
            p.relative_to(self.outdir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.outdir.rglob("*"))
            if p.is_file() and p.name != "README.md"
        }


def _key(staged: Path, args: tuple[str, ...]) -> str:
    digest = hashlib.sha256(json.dumps(args).encode())
    digest.update((ROOT / "node_modules" / "wrangler" / "package.json").read_bytes())
    for path in sorted(p for p in staged.rglob("*") if p.is_file() and ".wrangler" not in p.parts):
        digest.update(path.relative_to(staged).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


def dry_run(staged: Path, cache: Path, *args: str) -> DryRun:
    """The dry run of the bundle staged in `staged` (extra `args`, e.g. `--env staging`), run in
    `cache` (a folder every test process of the run shares) unless another process already did."""
    cache.mkdir(parents=True, exist_ok=True)
    key = _key(staged, args)
    done = cache / key
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (done / "stdout.txt").exists():
            work = cache / f"{key}.partial"
            shutil.rmtree(work, ignore_errors=True)
            proc = subprocess.run(
                [str(WRANGLER), "deploy", "--dry-run", "--outdir", str(work / "out"), *args],
                cwd=staged, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            if proc.returncode != 0:
                raise AssertionError(f"wrangler deploy --dry-run failed in {staged}:\n{proc.stdout}{proc.stderr}")
            (work / "stdout.txt").write_text(proc.stdout)
            work.rename(done)
    return DryRun(done / "out", (done / "stdout.txt").read_text())
