"""Image uploads: size and type limits, the type taken from the bytes (never the name or the
client's Content-Type), SVG refused (it can carry script), stored once per site under its SHA-256
(`site_layout.file_key`), the same key published files use, so publishing an image writes nothing.

The portal shrinks photos in the browser (EXIF orientation applied, at most 1600 px wide) before it
uploads them, then uploads responsive variants of each (`POST …/assets/<sha256>/variants`: WebP
at 480, 800, 1200, 1600 px wide; JPEG where the owner's browser cannot write WebP). Every variant
is checked like an upload, and against its original: narrower or as wide, the same aspect ratio.
Sizes are read from the bytes. EXIF/XMP metadata is stripped before anything is stored
(imagemeta.py): a photo's GPS position is never published."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from customer import blocks as blockdefs
from customer import imagemeta
from customer.deps import CustomerDeps
from customer.imagesize import dimensions
from customer.model import Asset, Download, Owner, Site
from customer.store import pages_of, sites_of
from shared import plans
from shared.errors import HttpError
from shared.schema import Field, Str
from shared.site_layout import file_key

MAX_ASSET_BYTES = 1_000_000  # under the 1 MiB request limit core and customer both enforce
# Pixels: the portal uploads at most 1600 px wide (photos are shrunk in the browser), and as tall as
# a 1:3 picture at that width (issue 23, L5: the cap was 6000 px a side).
MAX_WIDTH = 1600
MAX_HEIGHT = 4800
MAX_VARIANTS = 8  # per original
VARIANT_TYPES = ("image/jpeg", "image/webp")
_VARIANT_KEYS = ("variant", "content_type", "width", "height", "size")
NOT_FOUND = HttpError(404, "asset_not_found", "No such image on this site.")
UPLOAD_QUERY: dict[str, Field] = {"name": Str(max_length=255)}  # the file's name, kept (cut to 200) for the library
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


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


def _looks_like_heic(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head


@dataclass(frozen=True)
class Upload:
    content_type: str
    size: int
    width: int
    height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def refused(status: int, code: str, message: str, **details: Any) -> HttpError:
    """An upload refused for its bytes: the error names the body as the field."""
    return HttpError(status, code, message, details={"field": "body", **details})


def check_upload(data: bytes) -> Upload:
    if not data:
        raise refused(400, "empty_upload", "The upload is empty.")
    if len(data) > MAX_ASSET_BYTES:
        raise refused(
            413, "asset_too_large", f"Images can be at most {MAX_ASSET_BYTES} bytes.", max_bytes=MAX_ASSET_BYTES
        )
    if _looks_like_svg(data):
        raise refused(415, "svg_not_allowed", "SVG images are not accepted (they can carry scripts); upload a PNG.")
    if _looks_like_heic(data):
        raise refused(
            415,
            "heic_not_supported",
            "This is an iPhone HEIC photo, which web browsers cannot show. "
            "Choose “Most compatible” in the camera settings, or export it as JPEG, and upload that.",
        )
    content_type = sniff(data)
    if content_type is None:
        raise refused(415, "unsupported_image", "Upload a PNG, JPEG, GIF or WebP image.", accepted=sorted(EXTENSIONS))
    size = dimensions(data, content_type)
    if size is None:
        raise refused(415, "broken_image", "This file is damaged or not really an image.")
    if size[0] > MAX_WIDTH or size[1] > MAX_HEIGHT:
        raise refused(
            413,
            "image_too_large",
            f"This picture is too big: it can be at most {MAX_WIDTH} pixels wide and {MAX_HEIGHT} high."
            " Make it smaller first (the editor does this for photos; animations need shrinking beforehand).",
            max_width=MAX_WIDTH,
            max_height=MAX_HEIGHT,
        )
    return Upload(content_type, len(data), *size)


async def storage_used(deps: CustomerDeps, customer_id: str) -> int:
    """Bytes of every picture and variant of the customer's sites (a query per site: the plan bounds them)."""
    used = 0
    for site in await sites_of(deps.db, customer_id):
        rows = await deps.site_db(site).all(
            "SELECT coalesce((SELECT sum(size) FROM assets WHERE site_id = ?), 0)"
            " + coalesce((SELECT sum(size) FROM asset_variants WHERE site_id = ?), 0) AS n",
            (site.id, site.id),
        )
        used += int(rows[0]["n"])
    return used


async def require_storage(deps: CustomerDeps, owner: Owner, adding: int) -> None:
    """413 `storage_full` when `adding` more bytes would pass the plan's storage (issue 23, L11)."""
    quota = owner.plan.entitlements.storage_mb * 1_000_000
    used = await storage_used(deps, owner.customer_id)
    if used + adding <= quota:
        return
    bigger = next((p for p in plans.PLANS if p.entitlements.storage_mb * 1_000_000 >= used + adding), None)
    more = f" or upgrade to {bigger.name} for {bigger.entitlements.storage_mb} MB" if bigger else ""
    raise refused(
        413,
        "storage_full",
        f"Your pictures use the {owner.plan.entitlements.storage_mb} MB your plan includes. Delete pictures"
        f" you no longer use{more}.",
        used_bytes=used,
        quota_bytes=quota,
        **({"required_plan": bigger.id} if bigger else {}),
    )


async def upload(deps: CustomerDeps, owner: Owner, site: Site, data: bytes, name: str) -> Asset:
    """The image bytes (any Content-Type: the bytes decide). The same bytes uploaded twice are one
    object: the second upload writes nothing."""
    info = check_upload(data)
    data = imagemeta.strip(data, info.content_type)  # no EXIF/XMP is stored or published (issue 23, L4)
    info = Upload(info.content_type, len(data), info.width, info.height)
    sha = (await deps.crypto.sha256(data)).hex()
    name = name[:200]
    existing = await deps.site_db(site).all(
        "SELECT missing_since FROM assets WHERE site_id = ? AND sha256 = ?", (site.id, sha)
    )
    lost = bool(existing) and existing[0]["missing_since"] is not None  # a publish found its file gone
    if not existing:
        await require_storage(deps, owner, info.size)
    if not existing or lost:
        await deps.blobs.put(file_key(site.id, sha), data, info.content_type)
        await deps.site_db(site).run(
            "INSERT INTO assets (site_id, sha256, content_type, size, name, created_at, width, height)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, sha256) DO UPDATE SET missing_since = NULL",
            (site.id, sha, info.content_type, info.size, name, deps.clock.now(), info.width, info.height),
        )
    return Asset(sha, info.content_type, info.size, info.width, info.height, name, stored=not existing or lost)


def check_variant(original: dict[str, Any], info: Upload) -> None:
    """A variant is a smaller (or same-size) copy of its original in a web format, same shape."""
    if info.content_type not in VARIANT_TYPES:
        raise refused(415, "unsupported_variant", "Variants must be JPEG or WebP.")
    width, height = int(original["width"] or 0), int(original["height"] or 0)
    if not width or info.width > width:
        raise refused(400, "variant_too_wide", "A variant cannot be wider than its original.")
    expected = info.width * height / width
    if abs(info.height - expected) > 1 + expected * 0.01:
        raise refused(
            400,
            "variant_shape",
            "This variant does not have its original's proportions.",
            expected_height=round(expected),
        )


async def upload_variant(deps: CustomerDeps, owner: Owner, site: Site, sha: str, data: bytes) -> dict[str, Any]:
    rows = await deps.site_db(site).all(
        "SELECT width, height FROM assets WHERE site_id = ? AND sha256 = ?", (site.id, sha)
    )
    if not rows:
        raise NOT_FOUND
    info = check_upload(data)
    check_variant(dict(rows[0]), info)
    data = imagemeta.strip(data, info.content_type)
    info = Upload(info.content_type, len(data), info.width, info.height)
    await require_storage(deps, owner, info.size)
    count = await deps.site_db(site).all(
        "SELECT COUNT(*) AS n FROM asset_variants WHERE site_id = ? AND sha256 = ?", (site.id, sha)
    )
    if int(count[0]["n"]) >= MAX_VARIANTS:
        raise HttpError(409, "too_many_variants", f"An image has at most {MAX_VARIANTS} variants.")
    variant = (await deps.crypto.sha256(data)).hex()
    await deps.blobs.put(file_key(site.id, variant), data, info.content_type)
    await deps.site_db(site).run(
        "INSERT INTO asset_variants (site_id, sha256, variant, content_type, width, height, size)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, sha256, content_type, width)"
        " DO UPDATE SET variant = excluded.variant, height = excluded.height, size = excluded.size",
        (site.id, sha, variant, info.content_type, info.width, info.height, info.size),
    )
    return {"variant": variant, "content_type": info.content_type, "width": info.width, "height": info.height}


async def usage(deps: CustomerDeps, site: Site) -> dict[str, list[str]]:
    """sha256 -> where the draft uses it, in words: page titles, "Social image", "Favicon", "Logo"."""
    used: dict[str, list[str]] = {}
    for page in await pages_of(deps.site_db(site), site.id):
        for sha in blockdefs.referenced_assets(page.blocks):
            used.setdefault(sha, []).append(page.title)
    for key, label in (("social_image", "Social image"), ("favicon", "Favicon")):
        if site.seo.get(key):
            used.setdefault(site.seo[key], []).append(label)
    if site.theme.get("logo"):
        used.setdefault(site.theme["logo"], []).append("Logo")
    return used


async def library(deps: CustomerDeps, site: Site) -> list[dict[str, Any]]:
    """The site's image library: each image with its size, variants and where it is used."""
    rows = await deps.site_db(site).all(
        "SELECT sha256, content_type, size, name, created_at, width, height, missing_since IS NOT NULL AS missing"
        " FROM assets WHERE site_id = ?"
        " ORDER BY created_at DESC",
        (site.id,),
    )
    variants = await deps.site_db(site).all(
        "SELECT sha256, variant, content_type, width, height, size FROM asset_variants WHERE site_id = ?"
        " ORDER BY width, content_type",
        (site.id,),
    )
    used = await usage(deps, site)
    items = []
    for row in rows:
        sha = str(row["sha256"])
        items.append(
            {
                **dict(row),
                "missing": bool(row["missing"]),  # R2 lost the file: the library asks for it again
                "site_id": site.id,
                "used_in": used.get(sha, []),
                "variants": [{k: v[k] for k in _VARIANT_KEYS} for v in variants if v["sha256"] == sha],
            }
        )
    return items


async def delete(deps: CustomerDeps, site: Site, sha: str) -> None:
    """Removes an unused image from the library. Its files stay in R2 while a published version
    still names them (rollback must keep working)."""
    rows = await deps.site_db(site).all("SELECT 1 FROM assets WHERE site_id = ? AND sha256 = ?", (site.id, sha))
    if not rows:
        raise NOT_FOUND
    where = (await usage(deps, site)).get(sha)
    if where:
        raise HttpError(
            409,
            "asset_in_use",
            f"This image is still used on: {', '.join(where)}. Remove it there first.",
            details={"used_in": where},
        )
    variants = await deps.site_db(site).all(
        "SELECT variant FROM asset_variants WHERE site_id = ? AND sha256 = ?", (site.id, sha)
    )
    await deps.site_db(site).batch(
        [
            ("DELETE FROM asset_variants WHERE site_id = ? AND sha256 = ?", (site.id, sha)),
            ("DELETE FROM assets WHERE site_id = ? AND sha256 = ?", (site.id, sha)),
        ]
    )
    for key in [sha, *(str(v["variant"]) for v in variants)]:
        if not await deps.site_db(site).all(
            "SELECT 1 FROM versions WHERE site_id = ? AND instr(manifest, ?) > 0", (site.id, key)
        ):
            await deps.blobs.delete(file_key(site.id, key))


async def list_assets(deps: CustomerDeps, sites: list[Site]) -> list[dict[str, Any]]:
    rows = []
    for site in sites:
        rows += await deps.site_db(site).all(
            "SELECT site_id, sha256, content_type, size, name, created_at FROM assets WHERE site_id = ?", (site.id,)
        )
    return sorted((dict(r) for r in rows), key=lambda r: -float(r["created_at"]))


async def download(deps: CustomerDeps, site: Site, sha: str) -> Download:
    """The editor's view of an upload or one of its variants (the published site serves it from the domain worker)."""
    rows = await deps.site_db(site).all(
        "SELECT content_type FROM assets WHERE site_id = ? AND sha256 = ?"
        " UNION ALL SELECT content_type FROM asset_variants WHERE site_id = ? AND variant = ?",
        (site.id, sha, site.id, sha),
    )
    blob = await deps.blobs.get(file_key(site.id, sha)) if rows else None
    if blob is None:
        raise NOT_FOUND
    return Download(blob.body, str(rows[0]["content_type"]))
