"""Image uploads: size and type limits, the type taken from the bytes (never the name or the
client's Content-Type), SVG refused (it can carry script), stored once per site under its SHA-256:

    sites/<site_id>/files/<sha256>

the same prefix published files use, so publishing an image writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.errors import HttpError
from shared.http import Request, Response, json_response

if TYPE_CHECKING:
    from customer.deps import CustomerDeps
    from customer.store import Site

MAX_ASSET_BYTES = 1_000_000  # under the 1 MiB request limit core and customer both enforce
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def file_key(site_id: str, sha256: str) -> str:
    return f"sites/{site_id}/files/{sha256}"


def sniff(data: bytes) -> str | None:
    """The image type by magic number: PNG, JPEG, GIF, WebP; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head


@dataclass(frozen=True)
class Upload:
    content_type: str
    size: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def check_upload(data: bytes) -> Upload:
    if not data:
        raise HttpError(400, "empty_upload", "The upload is empty.", details={"field": "body"})
    if len(data) > MAX_ASSET_BYTES:
        raise HttpError(
            413,
            "asset_too_large",
            f"Images can be at most {MAX_ASSET_BYTES} bytes.",
            details={"field": "body", "max_bytes": MAX_ASSET_BYTES},
        )
    if _looks_like_svg(data):
        raise HttpError(
            415,
            "svg_not_allowed",
            "SVG images are not accepted (they can carry scripts); upload a PNG.",
            details={"field": "body"},
        )
    content_type = sniff(data)
    if content_type is None:
        raise HttpError(
            415,
            "unsupported_image",
            "Upload a PNG, JPEG, GIF or WebP image.",
            details={"field": "body", "accepted": sorted(EXTENSIONS)},
        )
    return Upload(content_type, len(data))


async def upload(deps: CustomerDeps, site: Site, request: Request) -> Response:
    """POST the image bytes as the body (any Content-Type: the bytes decide). The same bytes
    uploaded twice are one object: the second upload writes nothing."""
    data = request.body
    info = check_upload(data)
    sha = (await deps.crypto.sha256(data)).hex()
    name = request.query_params.get("name", "")[:200]
    existing = await deps.db.all("SELECT 1 FROM assets WHERE site_id = ? AND sha256 = ?", (site.id, sha))
    if not existing:
        await deps.blobs.put(file_key(site.id, sha), data, info.content_type)
        await deps.db.run(
            "INSERT INTO assets (site_id, sha256, content_type, size, name, created_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (site_id, sha256) DO NOTHING",
            (site.id, sha, info.content_type, info.size, name, deps.clock.now()),
        )
    body = {"sha256": sha, "content_type": info.content_type, "size": info.size, "name": name, "stored": not existing}
    return json_response(body, 200 if existing else 201)


async def list_assets(deps: CustomerDeps, site_ids: list[str]) -> Response:
    if not site_ids:
        return json_response({"assets": []})
    marks = ", ".join("?" for _ in site_ids)
    rows = await deps.db.all(
        f"SELECT site_id, sha256, content_type, size, name, created_at FROM assets WHERE site_id IN ({marks})"  # noqa: S608
        " ORDER BY created_at DESC",
        site_ids,
    )
    return json_response({"assets": [dict(r) for r in rows]})


async def download(deps: CustomerDeps, site: Site, sha: str) -> Response:
    """The editor's view of an upload (the published site serves it from the domain worker)."""
    rows = await deps.db.all("SELECT content_type FROM assets WHERE site_id = ? AND sha256 = ?", (site.id, sha))
    blob = await deps.blobs.get(file_key(site.id, sha)) if rows else None
    if blob is None:
        raise HttpError(404, "asset_not_found", "No such image on this site.")
    return Response(
        200,
        [
            ("content-type", str(rows[0]["content_type"])),
            ("x-content-type-options", "nosniff"),
            ("content-security-policy", "default-src 'none'; sandbox"),
        ],
        blob.body,
    )
