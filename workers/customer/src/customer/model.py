"""The values customer's modules pass each other: what a business function takes and returns.

Plain data, no I/O, importing nothing of customer's: store, render, assets, publish and the rest all
import from here (so none of them needs another's module for its types)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shared import plans
from shared.ports import Row

# A checked block: {"type": <catalogue type>, "id": "b_…", <that type's fields>} (customer/blocks.py
# checks it and fills every optional field, so renderers read fields without .get).
Block = dict[str, Any]


@dataclass(frozen=True)
class Owner:
    """The account a call acts for, as customer knows it: its customer row and its plan's limits."""

    customer_id: str
    plan: plans.Plan


@dataclass(frozen=True)
class Site:
    id: str
    customer_id: str
    slug: str
    name: str
    theme: dict[str, Any]
    seo: dict[str, Any]
    redirects: dict[str, str]
    live_version: int | None
    preview_token: str | None  # set with the preview's first render (its manifest: publish.preview_manifest)
    revision: int = 1  # bumped by every settings write: the site's ETag
    store: str | None = "site"  # where its pages, versions and leads are (customer/sitestore.py)

    @classmethod
    def from_row(cls, row: Row) -> Site:
        live = row.get("live_version")
        return cls(
            str(row["id"]),
            str(row["customer_id"]),
            str(row["slug"]),
            str(row["name"]),
            json.loads(row.get("theme") or "{}"),
            json.loads(row.get("seo") or "{}"),
            json.loads(row.get("redirects") or "{}"),
            None if live is None else int(live),
            row.get("preview_token"),
            int(row.get("revision") or 1),
            row.get("store"),
        )


@dataclass(frozen=True)
class Page:
    id: str
    slug: str  # "" for the home page
    title: str
    description: str
    blocks: list[Block]
    revision: int = 1  # bumped by every write: the page's ETag

    @property
    def path(self) -> str:
        return f"/{self.slug}/" if self.slug else "/"

    @classmethod
    def from_row(cls, row: Row) -> Page:
        text = {column: str(row[column]) for column in ("id", "slug", "title", "description")}
        return cls(**text, blocks=json.loads(row["blocks"]), revision=int(row.get("revision") or 1))

    def to_json(self) -> dict[str, Any]:
        shown = {"id": self.id, "slug": self.slug, "title": self.title, "description": self.description}
        return {**shown, "path": self.path, "blocks": self.blocks}


@dataclass(frozen=True)
class Tagged:
    """A resource's JSON with its ETag (the revision an editor write must name in If-Match)."""

    body: dict[str, Any]
    etag: str


@dataclass(frozen=True)
class Asset:
    """An upload as stored: `stored` is False when the same bytes were already in the library."""

    sha256: str
    content_type: str
    size: int
    width: int
    height: int
    name: str
    stored: bool


@dataclass(frozen=True)
class Download:
    """Bytes for the owner's browser (an upload, a CSV)."""

    body: bytes
    content_type: str
    filename: str = ""  # set: a download with this name, not shown inline


@dataclass(frozen=True)
class FormPost:
    """A visitor's post of a published lead form, as their browser sent it."""

    content_type: str
    body: bytes
    address: str  # the visitor's IP (cf-connecting-ip), for the rate limit and Turnstile
    request_id: str = ""


@dataclass(frozen=True)
class FormAnswer:
    """What a visitor's post of a lead form comes to. Taken (or dropped as spam): `problem` is empty
    and the visitor goes `back` (303). Refused: `status`, the `problem` in words, what they wrote
    (`data`, so nothing is lost) and a link `back` to the form."""

    back: str
    status: int = 303
    problem: str = ""
    data: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # posted name -> the words shown next to it
    page: str = "/"  # the published page the form is on (its path)

    @property
    def refused(self) -> bool:
        return bool(self.problem)


@dataclass(frozen=True)
class SiteHosts:
    """Where a site is served: its canonical host, the hosts that redirect to it, and which of all
    those are custom domains (HSTS is only sent on those)."""

    canonical: str
    redirecting: list[str]
    custom: set[str]
