"""Workers static assets for the CPython stack: a worker's `[assets]` (wrangler.toml) served in front
of its app core, as Cloudflare does and as the lane does (tools/lane/web.mjs, `matchAsset`; the two are
held to the same answers by tests/devstack/test_assets.py). Without it the quick local stack served
core's API but not the portal it belongs to.

The routing: `run_worker_first` paths go to the worker; otherwise a file of the folder (`/a` may be
`a.html` or `a/index.html`), then with "single-page-application" the index for a browser's navigation,
then the worker. `_headers` rules apply to what the folder serves; `_headers` and `_redirects` are
never served. The local stack's extra frame sources (core's LOCAL_FRAME_SRC dev var) join the CSP's
frame-src here, so the committed `_headers` never names localhost."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from devstack import ROOT
from devstack.asgi import Handles
from devstack.stack import worker_config, worker_vars
from shared.http import Request, Response

CONFIG_FILES = frozenset({"/_headers", "/_redirects"})
# The lane's TYPES (tools/lane/web.mjs): the edge's content types.
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".map": "application/json",
    ".xml": "application/xml",
    ".webmanifest": "application/manifest+json",
}


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


def worker_first(config: dict[str, Any], path: str) -> bool:
    rules = config.get("run_worker_first", False)
    if rules is True or not isinstance(rules, list):
        return rules is True
    wanted = [r for r in rules if not r.startswith("!")]
    excluded = [r[1:] for r in rules if r.startswith("!")]
    return any(_glob(g).match(path) for g in wanted) and not any(_glob(g).match(path) for g in excluded)


def header_rules(folder: Path) -> list[tuple[re.Pattern[str], list[tuple[str, str]]]]:
    """`_headers`: a path pattern on its own line, then indented `Name: value` lines (Cloudflare's format)."""
    file = folder / "_headers"
    rules: list[tuple[re.Pattern[str], list[tuple[str, str]]]] = []
    for line in file.read_text().splitlines() if file.exists() else []:
        if not line.strip() or line.strip().startswith("#"):
            continue
        if line[0].isspace():
            name, _, value = line.partition(":")
            rules[-1][1].append((name.strip().lower(), value.strip()))
        else:
            rules.append((_glob(line.strip()), []))
    return rules


@dataclass(frozen=True)
class Assets:
    folder: Path
    config: dict[str, Any]  # the worker's [assets] table
    local_frame_src: str = ""

    def find(self, path: str) -> Path | None:
        path = unquote(path)
        if path in CONFIG_FILES:
            return None
        candidates = [f"{path}index.html"] if path.endswith("/") else [path, f"{path}.html", f"{path}/index.html"]
        root = self.folder.resolve()
        for candidate in candidates:
            file = (root / candidate.lstrip("/")).resolve()
            if file.is_relative_to(root) and file.is_file():
                return file
        return None

    def serve(self, file: Path, request: Request) -> Response:
        body = file.read_bytes()
        etag = f'"{hashlib.sha1(body).hexdigest()}"'  # noqa: S324 (an ETag, as the lane's)
        content_type = TYPES.get(file.suffix.lower(), "application/octet-stream")
        headers = {"content-type": content_type, "etag": etag}
        for pattern, rule in header_rules(self.folder):
            if pattern.match(request.path):
                headers.update(rule)
        csp = headers.get("content-security-policy")
        if csp and self.local_frame_src:
            headers["content-security-policy"] = re.sub(
                r"frame-src ([^;]*)", lambda m: f"frame-src {m.group(1)} {self.local_frame_src}", csp
            )
        given = [t.strip().removeprefix("W/") for t in request.header("if-none-match").split(",")]
        if etag in given:
            return Response(304, list(headers.items()))
        return Response(200, list(headers.items()), b"" if request.method == "HEAD" else body)

    def match(self, request: Request) -> Response | None:
        """The folder's answer, or None when the worker answers."""
        if request.method not in ("GET", "HEAD") or worker_first(self.config, request.path):
            return None
        file = self.find(request.path)
        navigation = request.header("sec-fetch-mode") == "navigate" or "text/html" in request.header("accept")
        if file is None and self.config.get("not_found_handling") == "single-page-application" and navigation:
            file = self.find("/")
        return None if file is None else self.serve(file, request)


@dataclass(frozen=True)
class WithAssets:
    """A worker's front door: its assets first, then its app core."""

    assets: Assets
    app: Handles

    async def handle(self, request: Request) -> Response:
        return self.assets.match(request) or await self.app.handle(request)


def front_door(worker: str, app: Handles) -> Handles:
    """What the worker's public hostname serves: its [assets] (if its wrangler.toml has them), then `app`."""
    config = worker_config(worker).get("assets")
    if config is None:
        return app
    folder = ROOT / "workers" / worker / config.get("directory", "public")
    return WithAssets(Assets(folder, config, worker_vars(worker).get("LOCAL_FRAME_SRC", "")), app)
