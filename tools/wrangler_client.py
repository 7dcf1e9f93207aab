"""tools/wrangler through a warm wrangler (tools/wrangler_host.cjs), for the test suite only: it runs
when SMARTPAGES_WRANGLER_HOSTS names a folder for the hosts' sockets (tests/conftest.py sets it), and
tools/wrangler sends it only commands that end by themselves and run with no terminal attached.

The host for this command is the one that loaded wrangler under the same environment, apart from
CALL_TIME (the variables wrangler reads when a command runs, never while it loads): its socket is
named after that environment and the pinned wrangler. Hosts load in the repository's folder and run
each command in the command's own. The first command of an environment starts its host (under a
lock, so two at once start one), which ends after IDLE_SECONDS without a command. Where no host can
serve (it ended while this command waited, or could not start), the command runs in a Node of its
own, as without the host. Standard library only, run with `python -I -S`: it starts in ~15 ms."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOSTS = "SMARTPAGES_WRANGLER_HOSTS"
OFF = "off"  # the hosts' folder named "off": every command in a Node of its own
IDLE_SECONDS = 30
START_SECONDS = 60
SOCKET_PATH_MAX = 107  # sun_path's 108 bytes with its NUL: Node would bind a truncated name
# Read by wrangler at call time (getEnvironmentVariableFactory reads process.env on each call), or
# not by wrangler at all; they differ between the suite's commands, so they do not pick the host.
CALL_TIME = frozenset(
    {"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_BASE_URL", "WRANGLER_LOG",
     "PYTEST_CURRENT_TEST", "PWD", "OLDPWD", "SHLVL", "_"}
)  # fmt: skip


def socket_path(env: dict[str, str]) -> Path:
    digest = hashlib.sha256(json.dumps(sorted((k, v) for k, v in env.items() if k not in CALL_TIME)).encode())
    for pinned in (ROOT / "node_modules" / "wrangler" / "package.json", ROOT / "tools" / "wrangler_host.cjs"):
        digest.update(pinned.read_bytes())
    path = Path(env[HOSTS]) / f"{digest.hexdigest()[:24]}.sock"
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        raise SystemExit(f"tools/wrangler: {HOSTS} is too long a folder for a socket ({path})")
    return path


def connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


def start_host(path: Path, env: dict[str, str]) -> socket.socket | None:
    """The host for `path`, started unless another client started it while this one waited."""
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if conn := connect(path):
            return conn
        path.unlink(missing_ok=True)  # a host that ended leaves its socket file
        with open(path.with_suffix(".log"), "ab") as log:
            host = subprocess.Popen(
                [str(ROOT / "tools" / "node"), "--no-warnings", str(ROOT / "tools" / "wrangler_host.cjs"), str(path),
                 str(IDLE_SECONDS)],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        path.with_suffix(".pid").write_text(str(host.pid))
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and host.poll() is None:
            if conn := connect(path):
                return conn
            time.sleep(0.02)
    return None  # it did not start (its log says why): the command runs alone


def read_exactly(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = conn.recv(size - len(data))
        except ConnectionError:  # the host ended
            return None
        if not chunk:
            return None
        data += chunk
    return data


def relay(conn: socket.socket, argv: list[str], env: dict[str, str]) -> int | None:
    """Runs the command on the host; its exit status, or None if the host ended before it began."""
    request = {"argv": argv, "cwd": os.getcwd(), "env": env, "pid": os.getpid()}
    conn.sendall(json.dumps(request).encode() + b"\n")
    began = False
    while head := read_exactly(conn, 5):
        kind, size = head[:1], struct.unpack(">I", head[1:])[0]
        body = read_exactly(conn, size) or b""
        if kind == b"x":
            return int(body)
        began = True
        out = sys.stdout.buffer if kind == b"o" else sys.stderr.buffer
        out.write(body)
        out.flush()
    if began:
        sys.stderr.write("tools/wrangler: the wrangler host ended during the command\n")
        return 1
    return None


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has ended: nobody may have reaped it yet


def stop_hosts(folder: Path, seconds: float = 10) -> None:
    """Ends the hosts started for `folder` (the suite's, as it ends; they would end idle anyway),
    and waits until they have."""
    pids = []
    for pid_file in folder.glob("*.pid"):
        with contextlib.suppress(ProcessLookupError, ValueError):  # ended idle already
            pid = int(pid_file.read_text())
            os.killpg(pid, signal.SIGTERM)  # its own session: the host and any child
            pids.append(pid)
    deadline = time.monotonic() + seconds
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in filter(running, pids):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    # Ended means no longer answering: until its socket refuses, a command could still reach the host
    # that was told to end, and run there or alone instead of on a new host. (A full run once saw the
    # next command keep the ended host's pid file; that is the one way found for it.)
    for sock in folder.glob("*.sock"):
        while (conn := connect(sock)) is not None and time.monotonic() < deadline:
            conn.close()
            time.sleep(0.02)
        if conn is not None:
            conn.close()


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    path = socket_path(env)
    conn = connect(path) or start_host(path, env)
    status = relay(conn, argv, env) if conn else None
    if status is not None:
        return status
    del env[HOSTS]  # no host: wrangler in a Node of its own
    return subprocess.run([str(ROOT / "tools" / "wrangler"), *argv], env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
