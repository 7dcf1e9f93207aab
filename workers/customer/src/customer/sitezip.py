"""The published site as a zip, ready to host anywhere as a static site (issue 28.4, "her data is
hers"): every file of the live version, laid out as folders (`/about/` -> `about/index.html`, the
404 page as `404.html`), with the links between them rewritten relative, so the site works opened
from a folder on her computer (file://) as well as uploaded to any static host.

Built with the stdlib's zipfile in memory, so it is capped (MAX_BYTES of files, MAX_FILES files): a
bigger site is refused in plain words before anything is read. Pictures (already compressed) are
stored, text is deflated. One R2 read per file."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from customer.deps import CustomerDeps
from customer.model import Download, Site
from shared.errors import HttpError
from shared.site_layout import file_key

MAX_BYTES = 30 * 1024 * 1024  # of files in the zip: the worker holds them and the zip in memory (128 MB)
MAX_FILES = 800  # one R2 read each: under the 1,000 binding operations of one request
NOT_FOUND_FILE = "404.html"
README = """This folder is your SmartPages site "{name}", as published (version {version}).

Open index.html in a browser to see it, or upload everything in this folder to any host
that serves static files (Netlify, GitHub Pages, Cloudflare Pages, your web host's FTP).
404.html is the page shown for an address that does not exist (most hosts pick it up).
The contact form sends enquiries to SmartPages, so it only works while your account exists.
"""
# Root-relative URLs in attributes (href, src, action, content...), in srcset lists and in CSS url().
_ATTR = re.compile(r"""(\b(?:href|src|poster|data-src)=)(["'])(/(?!/)[^"']*)\2""", re.IGNORECASE)
_SRCSET = re.compile(r"""(\bsrcset=)(["'])([^"']*)\2""", re.IGNORECASE)
_CSS_URL = re.compile(r"""(url\()(["']?)(/(?!/)[^)"']*)\2(\))""")
_COMPRESSED = ("image/png", "image/jpeg", "image/webp", "image/gif", "image/avif", "font/woff2")


def too_large(size: int, count: int) -> HttpError:
    return HttpError(
        413,
        "export_too_large",
        f"This site is too big to download in one go ({size / 1048576:.0f} MB in {count} files; the most is"
        f" {MAX_BYTES // 1048576} MB and {MAX_FILES} files). Your full data download still has every file.",
        details={"limit_bytes": MAX_BYTES, "limit_files": MAX_FILES},
    )


def file_name(path: str) -> str:
    """Where a served path lives in the folder: a directory's page is its index.html."""
    name = path.lstrip("/")
    if name == "" or name.endswith("/"):
        name += "index.html"
    return name


def relative(target: str, from_name: str, known: Mapping[str, str]) -> str:
    """`target` (a root-relative URL) as seen from the file `from_name`, pointing at a file of the folder."""
    path, sep, rest = _split(target)
    if path in known:
        name = known[path]
    elif path + "/" in known:  # /about -> about/index.html
        name = known[path + "/"]
    else:
        name = file_name(path)
    up = "../" * from_name.count("/")
    return f"{up}{name}{sep}{rest}"


def _split(url: str) -> tuple[str, str, str]:
    for mark in ("?", "#"):
        if mark in url:
            at = url.index(mark)
            return url[:at], url[at], url[at + 1 :]
    return url, "", ""


def rewrite(html: str, from_name: str, known: Mapping[str, str]) -> str:
    """Every root-relative link of one page made relative to its file (absolute URLs stay as they are)."""

    def attr(m: re.Match[str]) -> str:
        return f"{m[1]}{m[2]}{relative(m[3], from_name, known)}{m[2]}"

    def srcset(m: re.Match[str]) -> str:
        parts = []
        for candidate in m[3].split(","):
            bits = candidate.strip().split(maxsplit=1)
            if bits and bits[0].startswith("/") and not bits[0].startswith("//"):
                bits[0] = relative(bits[0], from_name, known)
            parts.append(" ".join(bits))
        return f"{m[1]}{m[2]}{', '.join(parts)}{m[2]}"

    def css(m: re.Match[str]) -> str:
        return f"{m[1]}{m[2]}{relative(m[3], from_name, known)}{m[2]}{m[4]}"

    return _CSS_URL.sub(css, _SRCSET.sub(srcset, _ATTR.sub(attr, html)))


def is_text(content_type: str) -> bool:
    return content_type.startswith("text/") or "xml" in content_type or "json" in content_type


async def live_manifest(deps: CustomerDeps, site: Site) -> tuple[int, dict[str, Any]]:
    if site.live_version is None:
        raise HttpError(409, "not_published", "Publish your site first: the download holds what visitors see.")
    rows = await deps.site_db(site).all(
        "SELECT manifest FROM versions WHERE site_id = ? AND number = ?", (site.id, site.live_version)
    )
    if not rows:
        raise HttpError(409, "not_published", "Publish your site first: the download holds what visitors see.")
    return site.live_version, json.loads(rows[0]["manifest"])


def check_size(manifest: dict[str, Any]) -> None:
    entries = [*manifest["files"].values(), manifest["not_found"]]
    size = sum(int(entry[2]) for entry in entries)
    if size > MAX_BYTES or len(entries) > MAX_FILES:
        raise too_large(size, len(entries))


async def site_zip(deps: CustomerDeps, site: Site) -> Download:
    version, manifest = await live_manifest(deps, site)
    check_size(manifest)
    files: dict[str, list[Any]] = dict(manifest["files"])
    known = {path: file_name(path) for path in files}
    known["/404"] = NOT_FOUND_FILE
    entries = [(file_name(path), entry) for path, entry in sorted(files.items())]
    entries.append((NOT_FOUND_FILE, manifest["not_found"]))
    buffer = io.BytesIO()
    stamp = datetime.fromtimestamp(deps.clock.now(), UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (sha, content_type, _size) in entries:
            blob = await deps.blobs.get(file_key(site.id, str(sha)))
            if blob is None:
                continue  # a file lost from R2: the rest of the site still comes (the next publish writes it again)
            body = blob.body
            if str(content_type).startswith("text/html"):
                # The 404 page is served at any depth; from the folder it sits at the top.
                body = rewrite(body.decode("utf-8"), name, known).encode("utf-8")
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_STORED if content_type in _COMPRESSED else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, body)
        readme = zipfile.ZipInfo("README.txt", stamp)
        readme.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(readme, README.format(name=site.name, version=version))
    return Download(buffer.getvalue(), "application/zip", f"{site.slug}-site.zip")
