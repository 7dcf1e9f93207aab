"""The quick local stack on CPython: core (the portal and its API) on 127.0.0.1:8787, domain on
127.0.0.1:8788 (uvicorn).

    python -m devstack.serve [--state .state/cpython]

The main command (`./scripts/dev`) runs the runtime lane instead; this one is for fast iteration."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import uvicorn

from devstack import ROOT, stack
from devstack.asgi import asgi
from devstack.assets import front_door


async def main(state: Path, host: str, core_port: int, domain_port: int) -> None:
    apps = await stack.build(state)
    servers = [
        uvicorn.Server(
            uvicorn.Config(asgi(front_door("core", apps.core)), host=host, port=core_port, log_level="warning")
        ),
        uvicorn.Server(uvicorn.Config(asgi(apps.domain), host=host, port=domain_port, log_level="warning")),
    ]
    serving = asyncio.gather(*(server.serve() for server in servers))
    # "ready" is a promise that both ports accept connections: say it only once they do.
    while not all(server.started for server in servers):
        if serving.done():
            await serving  # a server failed to start (port taken): raise its error
            return
        await asyncio.sleep(0.02)
    print(f"cpython stack ready core=http://{host}:{core_port} domain=http://{host}:{domain_port}", flush=True)
    await serving


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state", type=Path, default=ROOT / ".state" / "cpython")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--core-port", type=int, default=8787)
    parser.add_argument("--domain-port", type=int, default=8788)
    args = parser.parse_args()
    asyncio.run(main(args.state, args.host, args.core_port, args.domain_port))
