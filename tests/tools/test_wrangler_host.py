"""tools/wrangler_host.cjs answers as wrangler in a Node of its own would: the same stdout (bytes),
stderr, exit status and files, for commands run one after another on one host, including what the
previous command changed (its environment, log level, exit status) and what reads stdin."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import build, deploy, wrangler_client

pytestmark = pytest.mark.deploy  # it starts wrangler: scheduled with the deploy tier, not in --quick

ROOT = Path(__file__).resolve().parents[2]
WRANGLER = ROOT / "tools" / "wrangler"
# What differs between any two runs, hosted or not: the log file's name, the time in it, and the
# debug lines of the metrics wrangler does not send (times, durations, random ids)...
STAMPS = re.compile(
    r"wrangler-\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_\d+\.log|\d{4}-\d\d-\d\dT[\d:.]+Z"
    r"|Metrics dispatcher: Dispatching disabled.*"
)
# ...and the banner's "(update available …)", there when npm's registry answered within wrangler's
# grace period, with the rule under the banner, as long as the banner: dropped (under a loaded
# machine one run of a pair had the notice and the other not).
UPDATE_NOTICE = re.compile(r"(?m) \(update available [^)]*\)|^─+\n")


def normalized(output: str) -> str:
    return STAMPS.sub("<stamp>", UPDATE_NOTICE.sub("", output))


def wrangler(args: list[str], cwd: Path, env: dict[str, str], stdin: bytes = b"") -> tuple[int, bytes, str]:
    done = subprocess.run(
        [str(WRANGLER), *args], cwd=cwd, env=env, input=stdin, capture_output=True, timeout=120, check=False
    )
    return done.returncode, done.stdout, normalized(done.stderr.decode())


def text(stdout: bytes) -> str:
    return normalized(stdout.decode())


@pytest.fixture
def hosts() -> Iterator[dict[str, str]]:
    """An environment whose wrangler commands run on a host of this test's own (a short folder, as
    the suite's: pytest's tmp_path can be longer than a socket's name may be)."""
    folder = Path(tempfile.mkdtemp(prefix="wrangler-hosts-"))
    yield {**os.environ, wrangler_client.HOSTS: str(folder), "CI": "true"}
    wrangler_client.stop_hosts(folder)
    shutil.rmtree(folder)


def alone(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k != wrangler_client.HOSTS}


def test_commands_in_a_row_answer_as_each_in_a_node_of_its_own(hosts: dict[str, str], tmp_path: Path) -> None:
    staged = build.stage("core", tmp_path / "build")
    unreachable = {"CLOUDFLARE_API_TOKEN": "t" * 40, "CLOUDFLARE_API_BASE_URL": "http://127.0.0.1:9/client/v4"}
    commands: list[tuple[list[str], dict[str, str]]] = [
        (["--version"], {}),
        (["deploy", "--dry-run", "--outdir", "OUT", "--env", "staging"], {"WRANGLER_LOG": "debug"}),
        (["deploy", "--dry-run", "--outdir", "OUT", "--env", "production"], {}),  # no debug lines now
        (["no-such-command"], {"WRANGLER_LOG": "bogus"}),  # a warning wrangler gives once a run…
        (["no-such-command"], {"WRANGLER_LOG": "bogus"}),  # …so in each command
        (["whoami"], unreachable),  # the API named by the environment: unreachable
        (["whoami"], {}),  # and without it, not logged in: nothing of the previous one's
        (["d1", "execute", "DB", "--local", "--command", "SELECT 1;", "--env", "nowhere"], {}),
    ]
    for number, (args, extra) in enumerate(commands):
        answers: list[tuple[int, str, str, dict[str, str]]] = []
        for env in (hosts, alone(hosts)):
            out = tmp_path / f"out-{number}-{len(answers)}"
            status, stdout, stderr = wrangler([a.replace("OUT", str(out)) for a in args], staged, {**env, **extra})
            files = {p.name: STAMPS.sub("", p.read_text()) for p in sorted(out.rglob("*")) if p.is_file()}
            answers.append((status, text(stdout).replace(str(out), "OUT"), stderr.replace(str(out), "OUT"), files))
        assert answers[0] == answers[1], args
    assert len(list(Path(hosts[wrangler_client.HOSTS]).glob("*.sock"))) == 1  # all of them on one host


def test_stdin_and_binary_stdout_reach_the_command(hosts: dict[str, str], tmp_path: Path) -> None:
    """`r2 object put --pipe` reads the body from stdin; `get --pipe` writes it to stdout as bytes."""
    body = bytes(range(256)) * 64
    state = tmp_path / "state"
    put = ["r2", "object", "put", "bucket/key", "--pipe", "--local", "--persist-to", str(state)]
    get = ["r2", "object", "get", "bucket/key", "--pipe", "--local", "--persist-to", str(state)]
    status, _, stderr = wrangler(put, tmp_path, hosts, stdin=body)
    assert status == 0, stderr
    status, hosted, stderr = wrangler(get, tmp_path, hosts)
    assert status == 0, stderr
    assert hosted == body
    assert wrangler(get, tmp_path, alone(hosts))[1] == body
    assert len(list(Path(hosts[wrangler_client.HOSTS]).glob("*.sock"))) == 1


def test_a_changed_environment_loads_its_own_host(hosts: dict[str, str], tmp_path: Path) -> None:
    """What wrangler reads as it loads (ci-info reads CI) picks the host; a token does not."""
    folder = Path(hosts[wrangler_client.HOSTS])
    for env in (hosts, {**hosts, "CLOUDFLARE_API_TOKEN": "x"}, {**hosts, "CI": "false"}):
        assert wrangler(["--version"], tmp_path, env)[0] == 0
    assert len(list(folder.glob("*.sock"))) == 2


def test_a_host_ends_on_sigterm_and_the_next_command_starts_another(hosts: dict[str, str], tmp_path: Path) -> None:
    """After a command that loaded signal-exit (any error does: wrangler's debug log registers an
    exit callback), SIGTERM still ends the host: signal-exit alone would have swallowed it."""
    assert wrangler(["no-such-command"], tmp_path, hosts)[0] == 1
    folder = Path(hosts[wrangler_client.HOSTS])
    [pid_file] = folder.glob("*.pid")
    first = pid_file.read_text()
    wrangler_client.stop_hosts(folder)  # its socket file is left behind, refusing connections
    assert "wrangler host: ended by SIGTERM" in pid_file.with_suffix(".log").read_text()
    version = deploy.installed_wrangler_version()
    assert wrangler(["--version"], tmp_path, hosts)[:2] == (0, f"{version}\n".encode())
    assert pid_file.read_text() != first


def test_a_folder_too_long_for_a_socket_is_refused_by_name(hosts: dict[str, str], tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    status, _, stderr = wrangler(["--version"], tmp_path, {**hosts, wrangler_client.HOSTS: str(deep)})
    assert status == 1
    assert "SMARTPAGES_WRANGLER_HOSTS is too long a folder for a socket" in stderr
