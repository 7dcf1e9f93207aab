"""A free loopback port for a server a test or rehearsal starts.

The port is picked below the kernel's ephemeral range (net.ipv4.ip_local_port_range), which the kernel
hands to every outgoing connection and every bind to port 0. A port taken from that range could be
given to someone else's connection between our check and the server's own bind: a full run saw a lane
fail with EADDRINUSE that way, with three test processes and their lanes connecting all the time. Below
the range only servers that ask for a port by number take it. Each pytest-xdist process picks from its
own slice (PYTEST_XDIST_WORKER), so two test processes never pick the same port; one process never
hands out a port twice.
"""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

SLICES = 10
WINDOW = 10_000
_handed: set[int] = set()


def _window() -> range:
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768  # Linux's default
    start = max(1024, low - WINDOW)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "").removeprefix("gw")
    if not worker.isdigit():
        return range(start, low)
    size = (low - start) // SLICES
    first = start + int(worker) % SLICES * size
    return range(first, first + size)


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    window = _window()
    if len(window) >= 100:
        offset = secrets.randbelow(len(window))  # a different start in each process
        for i in range(len(window)):
            port = window[(offset + i) % len(window)]
            if port not in _handed and _bindable(port):
                _handed.add(port)
                return port
    with socket.socket() as s:  # no room below the ephemeral range on this machine
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
