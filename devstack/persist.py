"""Stand-ins that remember: a served stand-in's state is saved as JSON after every request and
loaded at start, beside the lane's own state (scripts/dev: .state/standins/). Without it a
restarted stack kept its D1 rows (customer ids, pending domains) while Stripe and Cloudflare forgot
them: billing portal 502, checkout 409, a domain pending forever."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from shared.http import Request, Response


class Remembers(Protocol):
    async def handle(self, request: Request) -> Response: ...

    def state(self) -> dict[str, Any]: ...

    def restore(self, state: dict[str, Any]) -> None: ...


@dataclass
class Persisted:
    standin: Remembers
    path: Path

    def __post_init__(self) -> None:
        if self.path.is_file():
            self.standin.restore(json.loads(self.path.read_text()))

    async def handle(self, request: Request) -> Response:
        try:
            return await self.standin.handle(request)
        finally:
            self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.standin.state()))
        os.replace(temporary, self.path)  # whole or not at all, even if killed mid-write
