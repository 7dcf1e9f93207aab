"""Customer's public operations (reached through core's gateway), described with the specs the
handlers validate with; core serves them in /api/v1/openapi.json (shared/openapi.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from customer import assets, blocks, domains, insights, leads, sites, team
from shared.openapi import Operation, record
from shared.schema import Int, Link, object_schema

_ANY: dict[str, Any] = {"type": "object"}
_CHOICE = {"id": {"type": "string"}, "label": {"type": "string"}, "default": {"type": "boolean"}}
_CATALOGUE = record(
    {
        "blocks": {"type": "object"},
        "palettes": {
            "type": "array",
            "items": record({**_CHOICE, "colors": {"type": "object", "additionalProperties": {"type": "string"}}}),
        },
        "fonts": {
            "type": "array",
            "items": record({**_CHOICE, "headings": {"type": "string"}, "body": {"type": "string"}}),
        },
        "templates": {
            "type": "array",
            "items": record(
                {
                    **{key: {"type": "string"} for key in ("id", "name", "pitch", "palette", "fonts", "version")},
                    "pages": {"type": "array", "items": {"type": "string"}},
                }
            ),
        },
    }
)
_BLOCK_ID = {"type": "string", "pattern": blocks._BLOCK_ID.pattern}


def block_schema(kind: str) -> dict[str, Any]:
    schema = object_schema(blocks.BLOCKS[kind])
    schema["properties"] = {"type": {"const": kind}, "id": _BLOCK_ID, **schema["properties"]}
    schema["required"] = ["type", *schema.get("required", [])]
    return schema


BLOCK = {"oneOf": [block_schema(kind) for kind in blocks.BLOCK_TYPES]}
BLOCK_LIST = {"type": "array", "items": BLOCK, "maxItems": blocks.MAX_BLOCKS_PER_PAGE}
REDIRECTS = {
    "type": "object",
    "description": "from a /path on the site to a /path or an http(s) URL",
    "propertyNames": {"pattern": r"^/(?!/)[^\s\\]*$", "maxLength": 300},
    "additionalProperties": Link(required=True).json_schema(),
    "maxProperties": blocks.MAX_REDIRECTS,
}


def _with_blocks(partial: bool) -> dict[str, Any]:
    schema = object_schema(sites.PAGE_FIELDS, partial=partial)
    schema["properties"]["blocks"] = BLOCK_LIST
    return schema


SITE_UPDATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": sites.SITE_FIELDS["name"].json_schema(),
        "theme": object_schema(blocks.THEME, partial=True),
        "seo": object_schema(blocks.SEO, partial=True),
        "redirects": REDIRECTS,
    },
}
ADD_BLOCK = {
    "allOf": [BLOCK],
    "properties": {"position": Int(minimum=0, maximum=blocks.MAX_BLOCKS_PER_PAGE).json_schema()},
}

_STRING = {"type": "string"}
_LIST = {"type": "array", "items": _ANY}
_PAGE = record(
    {
        **dict.fromkeys(("id", "slug", "title", "description", "path"), _STRING),
        "blocks": _LIST,
    }
)
_SITE = record(
    {
        **dict.fromkeys(("id", "name", "slug", "default_host", "url"), _STRING),
        **dict.fromkeys(("theme", "seo", "redirects"), _ANY),
        "live_version": {"type": ["integer", "null"]},
        "preview_url": {"type": ["string", "null"]},
        "draft_changes": {"type": ["object", "array", "null"]},
        "pages": _LIST,
        "domains": _LIST,
        "role": {"enum": list(team.ROLES)},
        "owner_email": _STRING,
    },
    optional=("live_version", "preview_url", "draft_changes", "role", "owner_email"),
)


_RECORD = {
    "type": {"enum": ["CNAME", "TXT"]},
    "name": _STRING,
    "host": {
        "type": "string",
        "description": "the name as most DNS providers want it typed: relative, @ for the domain itself",
    },
    "value": _STRING,
    "purpose": {"enum": ["routing", "ownership", "certificate"]},
    "required": {"type": "boolean", "description": "false: recommended (the apex that redirects to www)"},
    "why": _STRING,
}
_DOMAIN_PROPS = {
    "hostname": _STRING,
    "site_id": _STRING,
    "understood": {"type": "string", "description": "what is connected, in one sentence"},
    "status": {"enum": ["pending", "active"], "description": "active: every hostname of the pair is"},
    "live": {"type": "boolean", "description": "visitors reach the site at `hostname`"},
    "paused": {"type": "boolean"},
    "claim_expires_at": {"type": ["number", "null"]},
    "hostnames": _LIST,
    "dns_records": {
        "type": "array",
        "description": "only the records her case needs now (TXT proofs only while pending)",
        "items": record(_RECORD),
    },
}
_DOMAIN = record(_DOMAIN_PROPS)
_CHECKED = record(
    {
        **_RECORD,
        "seen": {"type": "array", "items": _STRING, "description": "what DNS over HTTPS sees now"},
        "state": {"enum": ["ok", "missing", "different", "unknown"]},
    }
)
_CHECK = record(
    {
        "zone": _STRING,
        "provider": record(
            {
                "id": _STRING,
                "name": _STRING,
                "steps": {"type": "array", "items": _STRING},
                "apex": _STRING,
                "detected": {"type": "boolean", "description": "told from the domain's public name servers"},
            }
        ),
        "records": {"type": "array", "items": _CHECKED},
        "checked_at": {"type": "number"},
    }
)
_DOMAIN_CHECKED = record({**_DOMAIN_PROPS, "check": _CHECK})


def _listing(key: str) -> dict[str, Any]:
    return {"type": "object", "required": [key], "properties": {key: {"type": "array", "items": _ANY}}}


_COUNT = {"type": "integer", "minimum": 0}


def _ranked(label: str) -> dict[str, Any]:
    return {"type": "array", "items": record({label: _STRING, "views": _COUNT})}


_INSIGHTS = record(
    {
        "site_id": _STRING,
        "period": {"enum": list(insights.PERIODS)},
        "from": _STRING,
        "to": _STRING,
        "totals": record(
            {
                "visitors": _COUNT,
                "views": _COUNT,
                "enquiries": _COUNT,
                "enquiry_rate": {"type": "number", "minimum": 0},
            }
        ),
        "days": {
            "type": "array",
            "items": record({"date": _STRING, "visitors": _COUNT, "views": _COUNT, "enquiries": _COUNT}),
        },
        **{name: _ranked(label) for name, (_, label) in insights.BREAKDOWNS.items()},
    }
)

_SITE_PATH = "/api/v1/sites/{site_id}"
_PAGE_PATH = f"{_SITE_PATH}/pages/{{page_id}}"
_IMAGE = "application/octet-stream"

_TOKEN = team.TOKEN_FIELDS
_TEAM = record(
    {
        "members": _LIST,
        "invitations": _LIST,
        "seats": record({"used": _COUNT, "limit": _COUNT}),
        "invitation_days": _COUNT,
    }
)
_INVITATION = record(
    {
        **dict.fromkeys(("id", "email"), _STRING),
        "role": {"enum": list(team.MEMBER_ROLES)},
        "created_at": {"type": "number"},
        "expires_at": {"type": "number"},
        "mailed": {"type": "boolean"},
    }
)
_LOOKUP = record(
    {
        **dict.fromkeys(("site_name", "email", "invited_by"), _STRING),
        "role": {"enum": list(team.MEMBER_ROLES)},
        "state": {"enum": ["open", "accepted", "revoked", "expired"]},
        "expires_at": {"type": "number"},
    }
)
_JOINED = record({"site_id": _STRING, "site_name": _STRING, "role": {"enum": list(team.ROLES)}})
_ACTIVITY = record(
    {
        "activity": {
            "type": "array",
            "items": record({"who": _STRING, "action": _STRING, "subject": _STRING, "at": {"type": "number"}}),
        }
    }
)

_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/api/v1/blocks/catalogue",
        "Every block type a page can hold: its label, fields (kind, label, limits, layout options) and what a"
        " new one starts with (the theme's palettes and font pairs are in /api/v1/catalogue)",
        response=_ANY,
    ),
    Operation(
        "GET",
        "/api/v1/catalogue",
        "What a site is built from, with the words to show for each: the block types (as /api/v1/blocks/catalogue),"
        " the colour palettes (`palettes`: id, label, colors, default), the font pairings (`fonts`: id, label,"
        " headings, body, default) and the templates a new site can start from (`templates`: id, name, pitch,"
        " palette, fonts, page titles, and `version`, the hash its thumbnail /templates/<id>/thumb.webp was made from)",
        response=_CATALOGUE,
    ),
    Operation("GET", "/api/v1/sites", "The account's sites", response=_listing("sites")),
    Operation(
        "POST",
        "/api/v1/sites",
        "Create a site with a home page (the slug is made from the name when not given). With `template` (an id"
        " from /api/v1/catalogue's `templates`) the site starts as that template: its pages (a contact form left"
        " out where the plan has none), theme and photos, which become the site's own uploads",
        201,
        body=sites.NEW_SITE_FIELDS,
        response=_SITE,
        errors=(402, 409, 413),
    ),
    Operation("GET", _SITE_PATH, "A site (ETag: its version, for If-Match)", response=_SITE, errors=(404,)),
    Operation(
        "PATCH",
        _SITE_PATH,
        "Update a site partially. Only the fields sent change; `theme` and `seo` are merged field by field"
        " (the fields sent replace those kept, the others stay); `redirects` is replaced whole",
        body_schema=SITE_UPDATE,
        response=_SITE,
        errors=(404,),
        if_match=True,
    ),
    Operation("DELETE", _SITE_PATH, "Delete a site, its pages, files and domains", 204, content="", errors=(404,)),
    Operation(
        "POST",
        f"{_SITE_PATH}/pages",
        "Add a page",
        201,
        body_schema=_with_blocks(partial=False),
        response=_PAGE,
        errors=(402, 404, 409, 413),
    ),
    Operation("GET", _PAGE_PATH, "A page with its blocks (ETag)", response=_PAGE, errors=(404,)),
    Operation(
        "PUT",
        _PAGE_PATH,
        "Save a page: title, slug, description and the whole ordered block list (each optional)",
        body_schema=_with_blocks(partial=True),
        response=_PAGE,
        errors=(402, 404, 409, 413),
        if_match=True,
    ),
    Operation(
        "DELETE", _PAGE_PATH, "Delete a page (not the home page)", 204, content="", errors=(404, 409), if_match=True
    ),
    Operation(
        "POST",
        f"{_PAGE_PATH}/blocks",
        "Add one block at `position` (default: the end)",
        201,
        body_schema=ADD_BLOCK,
        response=_ANY,
        errors=(402, 404, 413),
        if_match=True,
    ),
    Operation(
        "GET",
        f"{_PAGE_PATH}/history",
        "The page's history, newest first: saved drafts and published versions, each with what changed in"
        " words and `who` saved it (the address then; empty for the page as it was before its first change)",
        response=_listing("entries"),
        errors=(404,),
    ),
    Operation(
        "POST",
        f"{_PAGE_PATH}/history/{{number}}/restore",
        "Put an entry of the page's history back as its draft (title, description, blocks)",
        response=_PAGE,
        errors=(400, 402, 404, 413),
        if_match=True,
    ),
    Operation(
        "POST",
        f"{_SITE_PATH}/assets",
        "Upload an image (PNG, JPEG, GIF or WebP; the bytes decide); the same bytes again are one file (200)",
        201,
        raw_body=_IMAGE,
        query=assets.UPLOAD_QUERY,
        response=_ANY,
        also={200: "These bytes were uploaded already"},
        errors=(404, 413, 415),
    ),
    Operation("GET", f"{_SITE_PATH}/assets", "The site's image library", response=_listing("assets"), errors=(404,)),
    Operation("GET", f"{_SITE_PATH}/assets/{{sha256}}", "An uploaded image", content="image/*", errors=(404,)),
    Operation(
        "DELETE", f"{_SITE_PATH}/assets/{{sha256}}", "Delete an image no page uses", 204, content="", errors=(404, 409)
    ),
    Operation(
        "POST",
        f"{_SITE_PATH}/assets/{{sha256}}/variants",
        "Upload a smaller copy (JPEG or WebP) of an image, for responsive pages",
        201,
        raw_body=_IMAGE,
        response=_ANY,
        errors=(404, 413, 415),
    ),
    Operation("GET", "/api/v1/assets", "Every image of every site of the account", response=_listing("assets")),
    Operation("POST", f"{_SITE_PATH}/preview", "Build a private preview of the draft", response=_ANY, errors=(404,)),
    Operation(
        "POST",
        f"{_SITE_PATH}/publish",
        "Publish the draft as a new version",
        201,
        response=_ANY,
        also={200: "The draft is what is live already: nothing recorded, `unchanged: true`, the live version"},
        errors=(404, 409),
    ),
    Operation("GET", f"{_SITE_PATH}/versions", "Published versions", response=_listing("versions"), errors=(404,)),
    Operation(
        "POST",
        f"{_SITE_PATH}/versions/{{number}}/rollback",
        "Make an earlier version live again",
        response=_ANY,
        errors=(404, 409),
    ),
    Operation("POST", f"{_SITE_PATH}/unpublish", "Take the site offline", 204, content="", errors=(404,)),
    Operation("GET", f"{_SITE_PATH}/leads", "The site's enquiries", response=_listing("leads"), errors=(404,)),
    Operation("GET", f"{_SITE_PATH}/leads.csv", "The site's enquiries as CSV", content="text/csv", errors=(404,)),
    Operation(
        "GET",
        f"{_SITE_PATH}/export.zip",
        "The published site as a zip of static files (links relative: it opens from a folder and can be"
        " hosted anywhere); refused over 30 MB or 800 files",
        content="application/zip",
        errors=(404, 409, 413),
    ),
    Operation(
        "PATCH",
        f"{_SITE_PATH}/leads/{{lead_id}}",
        "Mark an enquiry read or unread",
        204,
        body=leads.MARK,
        content="",
        errors=(404,),
    ),
    Operation("DELETE", f"{_SITE_PATH}/leads/{{lead_id}}", "Delete an enquiry", 204, content="", errors=(404,)),
    Operation(
        "GET",
        f"{_SITE_PATH}/insights",
        "Visits and views per day, top pages, referrers, countries and devices, enquiries and the enquiry"
        " rate over the last 7, 30 or 90 days (no cookies; bots left out)",
        query=insights.QUERY,
        response=_INSIGHTS,
        errors=(402, 404, 503, 504),
    ),
    Operation(
        "GET",
        f"{_SITE_PATH}/team",
        "The site's team (owner only): members, pending invitations and the plan's seats",
        response=_TEAM,
        errors=(404,),
    ),
    Operation(
        "POST",
        f"{_SITE_PATH}/team/invitations",
        f"Invite someone by email as editor (edit and publish) or viewer (owner only); the link works"
        f" {team.INVITATION_DAYS} days. Past the plan's seats: 402",
        201,
        body=team.INVITE_FIELDS,
        response=_INVITATION,
        errors=(402, 404, 409),
    ),
    Operation(
        "DELETE",
        f"{_SITE_PATH}/team/invitations/{{invitation_id}}",
        "Revoke a pending invitation: its link stops working (owner only)",
        204,
        content="",
        errors=(404,),
    ),
    Operation(
        "DELETE",
        f"{_SITE_PATH}/team/members/{{member_id}}",
        "Remove someone from the site's team (owner only)",
        204,
        content="",
        errors=(404,),
    ),
    Operation(
        "GET", f"{_SITE_PATH}/activity", "Who changed what on the site, newest first", response=_ACTIVITY, errors=(404,)
    ),
    Operation(
        "POST",
        "/api/v1/invitations/lookup",
        "What an emailed invitation is (site, role, address, whether it still works); no sign-in needed",
        body=_TOKEN,
        response=_LOOKUP,
        errors=(404,),
    ),
    Operation(
        "POST",
        "/api/v1/invitations/accept",
        "Accept an invitation, signed in with the address it was sent to",
        body=_TOKEN,
        response=_JOINED,
        errors=(403, 404, 410),
    ),
    Operation("GET", "/api/v1/domains", "The account's domains", response=_listing("domains")),
    Operation(
        "POST",
        "/api/v1/domains",
        "Connect a domain to a site. `hostname` may be whatever she pasted (a URL, capitals, a trailing"
        " slash or dot, an international name): it is normalised; `understood` says what was connected"
        " and `dns_records` the records to set",
        201,
        body=domains.ADD_DOMAIN,
        response=_DOMAIN,
        errors=(402, 404, 409, 502),
    ),
    Operation("GET", "/api/v1/domains/{hostname}", "A domain and its DNS records", response=_DOMAIN, errors=(404,)),
    Operation(
        "POST",
        "/api/v1/domains/{hostname}/refresh",
        "The live check: asks Cloudflare again whether the domain is ready and DNS over HTTPS what the"
        " world sees now of each needed record (`check`: needed vs seen, record by record; her DNS"
        " provider told from the name servers, with its steps). Lookups are cached for 10 s",
        response=_DOMAIN_CHECKED,
        errors=(404, 502),
    ),
    Operation("DELETE", "/api/v1/domains/{hostname}", "Disconnect a domain", 204, content="", errors=(404, 502)),
    Operation(
        "POST",
        "/api/v1/forms/{site_id}/{block_id}",
        "A visitor's enquiry from a published lead form (HTML form post; answers with a page or 303 back)",
        303,
        raw_body="application/x-www-form-urlencoded",
        content="",
        also={200: "A page telling the visitor what to fix"},
        errors=(400, 404, 415, 429),
    ),
)


def _with_roles(op: Operation) -> Operation:
    """Every operation on one site may answer 403 to a member whose role is too small (customer/team.py)."""
    if op.path.startswith(_SITE_PATH) and 403 not in op.errors:
        return dataclasses.replace(op, errors=(*op.errors, 403))
    return op


API: tuple[Operation, ...] = tuple(_with_roles(op) for op in _OPERATIONS)
