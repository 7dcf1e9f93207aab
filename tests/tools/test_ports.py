"""tools/ports.py: ports for the servers tests start, where no outgoing connection can take them."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tools import ports


def _ephemeral_low() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def test_ports_lie_below_the_range_the_kernel_hands_to_connections() -> None:
    """The lane's EADDRINUSE: a port from bind(0) can go to another process's outgoing connection
    before the server binds it. Ports below the ephemeral range are only taken by servers that ask."""
    picked = [ports.free_port() for _ in range(50)]
    assert len(set(picked)) == 50  # never the same port twice in one process
    assert all(1024 <= port < _ephemeral_low() for port in picked)
    with socket.socket() as s:  # and free: a server can bind it
        s.bind(("127.0.0.1", picked[-1]))


def test_each_test_process_picks_from_its_own_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    windows = []
    for worker in ("gw0", "gw1", "gw2"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        windows.append(set(ports._window()))
    assert all(len(w) >= 100 for w in windows)
    assert not windows[0] & windows[1]
    assert not windows[0] & windows[2]
    assert not windows[1] & windows[2]
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert ports.free_port() in windows[1]


def test_a_port_a_server_holds_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window starts at a port a server holds: that one is passed over for a free one after it
    (which one depends on what else this process is serving, so only "not the held one" is fixed)."""
    monkeypatch.setattr(ports, "_handed", set())
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        monkeypatch.setattr(ports, "_window", lambda: range(port, port + 100))
        monkeypatch.setattr(ports.secrets, "randbelow", lambda n: 0)
        picked = ports.free_port()
        assert port < picked < port + 100
    with socket.socket() as s:
        s.bind(("127.0.0.1", picked))
