"""Serving one request from a live site: canonical URLs, redirects, the site's 404, ETag/304,
Range, and the headers every answer carries. Paths are only ever looked up in the manifest."""

from __future__ import annotations

import re
from urllib.parse import quote

from domain.hosts import Entry, Hosts, Live
from shared.http import Request, Response

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
HSTS = "max-age=31536000"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_SAFE = "/%:@!$&'()*+,;=-._~"


def safe_url_part(text: str) -> str:
    """Request bytes we echo into a Location header: anything unusual percent-encoded."""
    return quote(text, safe=_SAFE)


def query_suffix(request: Request) -> str:
    return f"?{quote(request.query, safe=_SAFE + '?')}" if request.query else ""


def location_suffix(request: Request) -> str:
    return safe_url_part(request.path) + query_suffix(request)


def site_headers(live: Live) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    if live.csp:
        headers.append(("content-security-policy", live.csp))
    if live.hsts:
        headers.append(("strict-transport-security", HSTS))
    if live.noindex:
        headers.append(("x-robots-tag", "noindex, nofollow"))
    return headers


def redirect(location: str, live: Live, status: int = 301) -> Response:
    return Response(status, [("location", location), ("cache-control", "public, max-age=300"), *site_headers(live)])


def resolve(live: Live, path: str) -> tuple[str, Entry | str | None]:
    """("file", entry) | ("redirect", location) | ("not_found", None)."""
    if path in live.redirects:
        return "redirect", live.redirects[path]
    entry = live.files.get(path)
    if entry is not None:
        return "file", entry
    if path.endswith("/index.html"):
        bare = path[: -len("index.html")]
        if bare in live.files:
            return "redirect", bare
    if not path.endswith("/"):
        slashed = path + "/"
        if slashed in live.files:
            return "redirect", slashed
    return "not_found", None


def etag_of(entry: Entry) -> str:
    return f'"{entry.sha256[:32]}"'


def not_modified(request: Request, etag: str) -> bool:
    given = request.header("if-none-match")
    if not given:
        return False
    tags = [t.strip().removeprefix("W/") for t in given.split(",")]
    return "*" in tags or etag in tags


def byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) for one satisfiable range; None when there is none to honour; False when unsatisfiable."""
    match = _RANGE.match(header.strip())
    if not match or size == 0:
        return None if not match else False
    start, end = match.groups()
    if not start and not end:
        return None
    if not start:
        length = int(end)
        return (max(0, size - length), size - 1) if length else False
    first = int(start)
    last = min(int(end), size - 1) if end else size - 1
    if first >= size or last < first:
        return False
    return first, last


async def serve(hosts: Hosts, host: str, live: Live, request: Request, path: str) -> Response:
    kind, found = resolve(live, path)
    if kind == "redirect":
        assert isinstance(found, str)
        return redirect(found + (query_suffix(request) if found.startswith("/") else ""), live)
    status = 200
    if kind == "not_found":
        if live.not_found is None:
            return Response(404, [("content-type", "text/plain; charset=utf-8"), *site_headers(live)], b"Not found\n")
        found, status = live.not_found, 404
    assert isinstance(found, Entry)
    entry = found
    etag = etag_of(entry)
    cache_control = IMMUTABLE if status == 200 and path.startswith("/assets/") else REVALIDATE
    headers = [
        ("content-type", entry.content_type),
        ("etag", etag),
        ("cache-control", cache_control),
        *site_headers(live),
    ]
    if status == 200:
        headers.append(("accept-ranges", "bytes"))
        if not_modified(request, etag):
            return Response(304, headers)
    # The size comes from the manifest, so no answer needs the body in Python: it streams through.
    size = entry.size
    wanted = request.header("range")
    if_range = request.header("if-range")
    if status == 200 and wanted and (not if_range or if_range == etag):
        span = byte_range(wanted, size)
        if span is False:
            return Response(416, [*headers, ("content-range", f"bytes */{size}")])
        if isinstance(span, tuple):
            first, last = span
            headers += [("content-range", f"bytes {first}-{last}/{size}"), ("content-length", str(last - first + 1))]
            if request.method == "HEAD":
                return Response(206, headers)
            return Response(206, headers, stream=await hosts.file_range(live, entry, first, last))
    headers.append(("content-length", str(size)))
    if request.method == "HEAD":
        return Response(status, headers)
    return Response(status, headers, stream=await hosts.file(host, live, entry))
