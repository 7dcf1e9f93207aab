"""The published-site contract between customer (writes) and domain (reads): R2 keys and the live pointer.

    hosts/<hostname>.json           the live pointer of one host (`Live`, JSON): the version's manifest
                                    inline (path -> sha256, content type, size), redirects, 404 page,
                                    CSP, HSTS, noindex; or only {"redirect": "<origin>"} for a host
                                    that redirects to the site's canonical origin (with
                                    "temporary": true, a 302: a custom domain cut over after a
                                    downgrade, which serves the site again after a resubscription)
    sites/<site_id>/files/<sha256>  every file, content-addressed (uploads too): written once, never changed

`encode` is what customer puts, `decode` what domain trusts: a body decode refuses (ValueError) is
not a pointer customer wrote. decode(encode(live)) == live."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

FORMAT = 1
SITE_ID = re.compile(r"^s_[0-9a-f]{32}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")

# A published lead form posts to its site's own host (customer renders the action, domain forwards).
FORM_PREFIX = "/_smartpages/forms/"  # + <block id>
SITE_HOST_HEADER = "x-smartpages-site-host"  # the host the visitor posted to (domain sets it, signed)


def forwarded_form_path(site_id: str, block_id: str) -> str:
    """Where domain forwards a site's form post on customer (over the CUSTOMER binding)."""
    return f"/internal/forms/{site_id}/{block_id}"


def pointer_key(host: str) -> str:
    return f"hosts/{host}.json"


def site_prefix(site_id: str) -> str:
    """Everything R2 holds for one site (deleting a site deletes below it)."""
    return f"sites/{site_id}/"


def files_prefix(site_id: str) -> str:
    return f"{site_prefix(site_id)}files/"


def file_key(site_id: str, sha256: str) -> str:
    return files_prefix(site_id) + sha256


@dataclass(frozen=True)
class Entry:
    """One published file: its content address, type and size."""

    sha256: str
    content_type: str
    size: int

    def encode(self) -> list[Any]:
        return [self.sha256, self.content_type, self.size]


@dataclass(frozen=True)
class Live:
    """What one host shows: a version of a site, or (with `redirect`) a redirect to another origin."""

    site: str
    version: int = 0
    files: dict[str, Entry] = field(default_factory=dict)
    not_found: Entry | None = None
    redirects: dict[str, str] = field(default_factory=dict)
    csp: str = ""
    hsts: bool = False
    noindex: bool = False
    redirect: str | None = None  # this host only redirects to another origin
    redirect_status: int = 301  # 302 for a custom domain cut over after a downgrade (it may serve again)
    origin: str = ""  # the origin the pages were rendered for (their canonical links)


def encode(live: Live) -> bytes:
    doc: dict[str, Any] = {"format": FORMAT, "site": live.site}
    if live.redirect is not None:
        doc |= {"redirect": live.redirect, "hsts": live.hsts}
        if live.redirect_status == 302:
            doc["temporary"] = True
    else:
        doc |= {
            "version": live.version,
            "hsts": live.hsts,
            "noindex": live.noindex,
            "files": {path: entry.encode() for path, entry in live.files.items()},
            "not_found": live.not_found.encode() if live.not_found else None,
            "redirects": live.redirects,
            "csp": live.csp,
            "origin": live.origin,
        }
    return json.dumps(doc, separators=(",", ":")).encode()


def _has_control(text: str, below: int = 32) -> bool:
    return any(ord(c) < below for c in text)


def decode_entry(value: Any) -> Entry:
    if not (isinstance(value, list) and len(value) == 3):
        raise ValueError("file entry")
    sha, ctype, size = value
    if not (isinstance(sha, str) and SHA256.match(sha) and isinstance(ctype, str) and isinstance(size, int)):
        raise ValueError("file entry")
    if _has_control(ctype):
        raise ValueError("content type")
    return Entry(sha, ctype, size)


def decode(body: bytes) -> Live:
    """The pointer document, or ValueError when it is not one customer wrote."""
    doc = json.loads(body)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("format")
    site = doc.get("site")
    if not isinstance(site, str) or not SITE_ID.match(site):
        raise ValueError("site")
    hsts = doc.get("hsts") is True
    if "redirect" in doc:
        target = doc["redirect"]
        if not isinstance(target, str) or not target.startswith(("https://", "http://")) or _has_control(target, 33):
            raise ValueError("redirect")
        status = 302 if doc.get("temporary") is True else 301
        return Live(site, hsts=hsts, redirect=target.rstrip("/"), redirect_status=status)
    files = doc.get("files")
    redirects = doc.get("redirects", {})
    if not isinstance(files, dict) or not isinstance(redirects, dict):
        raise ValueError("files")
    if not all(isinstance(k, str) and isinstance(v, str) and not _has_control(v) for k, v in redirects.items()):
        raise ValueError("redirects")
    csp = doc.get("csp", "")
    if not isinstance(csp, str) or _has_control(csp):
        raise ValueError("csp")
    version = doc.get("version", 0)
    origin = doc.get("origin", "")
    return Live(
        site,
        version if isinstance(version, int) else 0,
        {str(path): decode_entry(entry) for path, entry in files.items()},
        decode_entry(doc["not_found"]) if doc.get("not_found") else None,
        redirects,
        csp,
        hsts,
        doc.get("noindex") is True,
        origin=origin if isinstance(origin, str) else "",
    )
