"""A site's draft to static files: one HTML page per page (the theme's CSS inline), sitemap.xml, robots.txt
and the site's own 404 page. No JavaScript anywhere; every customer value goes through `escape`.

Pages are at `/` and `/<slug>/`; the icon and images are at `/assets/<hash>.<ext>`, names
that change whenever the bytes do, so the domain worker can cache them for a year.

Only what changed is rendered: each page's HTML (and the 404's) is keyed by a hash of everything
that shapes it (the page, the site's name, theme, SEO and navigation, the uploads it shows, the
rendering code itself), the keys are kept in the manifest (`renders`), and a later render reuses a
page whose key is unchanged and whose file R2 still holds, without rendering it again."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from html import escape
from typing import Any

from customer import formfields, formscript, images, markdown
from customer.assets import EXTENSIONS
from customer.blocks import LAYOUTS
from customer.fontfiles import font_bytes
from customer.head import DAY_NAMES, Head, local_business
from customer.images import Image, ImageTags
from customer.model import Block, Page
from customer.theme import favicon_svg, fonts_of, palette, stylesheet

HTML = "text/html; charset=utf-8"
BADGE_URL = "https://www.smartpages.online/?ref=badge"


def e(value: Any) -> str:
    return escape(str(value), quote=True)


_FIRST_TAG = re.compile(r"^<[a-z0-9]+")
FRAME_SCRIPT = "/onpage/frame.js"  # the portal's on-page editing script and style (editor preview only)
FRAME_STYLE = "/onpage/frame.css"


TURNSTILE_SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js"


@dataclass(frozen=True)
class SiteData:
    id: str
    name: str
    theme: dict[str, Any]
    seo: dict[str, Any]
    pages: list[Page]  # in navigation order, home first
    origin: str  # the canonical origin, e.g. https://www.example.com
    form_action: str  # where a lead form posts, + /<block id>: /_smartpages/forms on the site's own host
    assets: dict[str, str]  # sha256 -> content type, of the site's uploaded images
    badge: bool = True
    noindex: bool = False
    turnstile_site_key: str = ""  # set: lead forms carry Cloudflare's Turnstile widget
    images: dict[str, Image] = field(default_factory=dict)  # sha256 -> sizes and variants (images.py)
    # The portal's origin when rendering the editor's private preview (on-page editing): its pages
    # then carry which block and field each element shows (data-sp-*) and load the portal's frame
    # script. Empty for everything published: published HTML never carries either.
    editor: str = ""


@dataclass(frozen=True)
class File:
    body: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


Entry = tuple[str, str, int]  # a manifest's file entry: (sha256, content type, size)
NOT_FOUND = "404"  # the 404 page's name among the render keys (page paths start with "/")


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _digest(value: Any, *texts: str) -> str:
    digest = hashlib.sha256(_json(value).encode())
    for text in texts:
        digest.update(b"\x00" + text.encode())
    return digest.hexdigest()[:32]


_SHA256 = re.compile(r'"([0-9a-f]{64})"')  # an upload named in a page's blocks (JSON text)


# The rendering code is an input of every page: a deploy that changes how pages look renders them
# again. A constant, not the source read at import (an app core does no I/O): the fingerprint of
# the modules that shape the HTML, which tests/customer/test_render_reuse.py recomputes and fails
# on until this line is updated.
CODE_VERSION = "596f4e6401444c07b79a603eaf3ec134"


@dataclass(frozen=True)
class Earlier:
    """What an earlier render of the site left to reuse, read from its manifest's `renders`: per page
    path (and NOT_FOUND) the key of its inputs, its file entry and the uploaded files it shows."""

    keys: dict[str, str] = field(default_factory=dict)
    files: dict[str, Entry] = field(default_factory=dict)
    assets: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # path -> [(asset path, sha, type)]

    @classmethod
    def of(cls, manifest: dict[str, Any] | None) -> Earlier:
        """A manifest without `renders` (or not a manifest) leaves nothing to reuse."""
        renders = (manifest or {}).get("renders")
        if not isinstance(renders, dict) or manifest is None:
            return cls()
        try:
            files, names = manifest["files"], renders["assets"]
            earlier = cls()
            for path, (key, used) in renders["pages"].items():
                entry = manifest["not_found"] if path == NOT_FOUND else files[path]
                earlier.keys[path] = str(key)
                earlier.files[path] = (str(entry[0]), str(entry[1]), int(entry[2]))
                earlier.assets[path] = [(names[i], str(files[names[i]][0]), str(files[names[i]][1])) for i in used]
            return earlier
        except (KeyError, IndexError, TypeError, ValueError):
            return cls()

    def reusable(self, path: str, key: str, present: Set[str]) -> Entry | None:
        entry = self.files.get(path)
        return entry if entry is not None and self.keys.get(path) == key and entry[0] in present else None


@dataclass
class Rendered:
    files: dict[str, File] = field(default_factory=dict)  # path -> generated bytes
    assets: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (sha256, content type), uploaded
    not_found: File | None = None  # None when reused (then in `reused` under NOT_FOUND)
    style_src: str = "'self'"  # the CSP source that allows the pages' inline CSS (its hash)
    reused: dict[str, Entry] = field(default_factory=dict)  # path -> entry: pages kept from an earlier render
    keys: dict[str, str] = field(default_factory=dict)  # path -> the key of its render inputs
    uses: dict[str, list[str]] = field(default_factory=dict)  # path -> the uploaded files' paths it shows
    documents: int = 0  # HTML documents (pages and the 404) actually rendered

    def renders(self) -> dict[str, Any]:
        """The `renders` a manifest keeps, for the next render to reuse (Earlier.of)."""
        names = sorted({name for used in self.uses.values() for name in used})
        index = {name: i for i, name in enumerate(names)}
        pages = {path: [key, sorted(index[n] for n in self.uses.get(path, ()))] for path, key in self.keys.items()}
        return {"assets": names, "pages": dict(sorted(pages.items()))}


def asset_path(sha256: str, content_type: str) -> str:
    return f"/assets/{sha256}.{EXTENSIONS.get(content_type, 'bin')}"


class Renderer:
    def __init__(self, site: SiteData, earlier: Earlier | None = None, present: Set[str] = frozenset()) -> None:
        self.site = site
        self.earlier = earlier or Earlier()
        self.present = present  # files R2 holds: only those are reused
        self.out = Rendered()
        self.using: set[str] | None = None  # the uploaded files the document being rendered shows
        self.icon = ("", "")  # (path, content type) of the generated icon, set by render()
        self.font_preloads: tuple[str, ...] = ()  # the web font files the first screen shows
        self.hero_is_h1 = False  # per page: its first block is a hero, whose heading is the page's h1
        self.images = ImageTags(site.images, self._register)

    # --- assets -------------------------------------------------------------------------------
    def image_url(self, sha256: str) -> str | None:
        ctype = self.site.assets.get(sha256)
        if not sha256 or ctype is None:
            return None  # an image deleted since the block was written: leave it out
        return self._register(sha256, ctype)

    def _register(self, sha256: str, content_type: str) -> str:
        path = asset_path(sha256, content_type)
        self.out.assets[path] = (sha256, content_type)
        if self.using is not None:
            self.using.add(path)
        return path

    def img(self, sha256: str, alt: str, sizes: str, css: str = "") -> str:
        url = self.image_url(sha256)
        if url is None:
            return ""
        image = self.site.images.get(sha256) or Image(sha256, self.site.assets[sha256])
        return self.images.tag(image, url, alt, sizes, css)

    # --- blocks ---------------------------------------------------------------------------------
    def block(self, block: Block, page: Page) -> str:
        render = BLOCK_RENDERERS[block["type"]]
        self.images.begin_block(page, bool(page.blocks) and page.blocks[0] is block)
        out = render(self, block, page)
        if self.site.editor and out and "id" in block:
            out = _FIRST_TAG.sub(lambda m: m.group(0) + self.block_marks(block), out, count=1)
        return out

    # --- the editor's preview only: which block and field an element shows --------------------
    def mark(self, name: str) -> str:
        return f' data-sp-field="{e(name)}"' if self.site.editor else ""

    @staticmethod
    def block_marks(block: Block) -> str:
        return f' data-sp-block="{e(block["id"])}" data-sp-type="{e(block["type"])}"'

    # Heading levels never skip: the page's one h1 (a leading hero, or the page title), then each
    # block's heading as h2, and items as h3 under it (h2 when the block has no heading).
    def _heading(self, text: str) -> str:
        return f"<h2{self.mark('heading')}>{e(text)}</h2>" if text else ""

    @staticmethod
    def _item_level(b: dict[str, Any]) -> int:
        return 3 if b.get("heading") else 2

    @staticmethod
    def layout(b: dict[str, Any]) -> str:
        """The block's layout variant; blocks saved before variants existed get the default."""
        options = LAYOUTS[b["type"]]
        return b["layout"] if b.get("layout") in options else options[0]

    def block_hero(self, b: dict[str, Any], page: Page) -> str:
        level = 1 if self.hero_is_h1 else 2
        self.hero_is_h1 = False  # only the leading hero's heading is the h1
        split = self.layout(b) == "split"
        image = self.img(b["image"], b["image_alt"], images.SPLIT if split else images.FULL_BLEED, "hero-image")
        sub = f'<p class="lead"{self.mark("subheading")}>{e(b["subheading"])}</p>' if b["subheading"] else ""
        cta = (
            f'<p><a class="button" href="{e(b["cta_href"])}"{self.mark("cta_label")}>{e(b["cta_label"])}</a></p>'
            if b["cta_label"] and b["cta_href"]
            else ""
        )
        text = f"<h{level}{self.mark('heading')}>{e(b['heading'])}</h{level}>{sub}{cta}"
        if split:
            return f'<section class="hero hero-split"><div class="wrap"><div>{text}</div>{image}</div></section>'
        klass = "hero hero-overlay has-image" if image else "hero hero-overlay"
        return f'<section class="{klass}">{image}<div class="wrap hero-text">{text}</div></section>'

    def block_rich_text(self, b: dict[str, Any], page: Page) -> str:
        rich = f"{self.mark('markdown')} data-sp-rich" if self.site.editor else ""
        return (
            f'<section class="text text-{self.layout(b)} wrap"{rich}>{markdown.to_html(b["markdown"], top=2)}</section>'
        )

    def block_image(self, b: dict[str, Any], page: Page) -> str:
        wide = self.layout(b) == "wide"
        img = self.img(b["asset"], b["alt"], images.FULL_BLEED if wide else images.CONTENT)
        if not img:
            return ""
        if wide:
            caption = (
                f'<figcaption class="wrap"{self.mark("caption")}>{e(b["caption"])}</figcaption>' if b["caption"] else ""
            )
            return f'<figure class="image image-wide">{img}{caption}</figure>'
        caption = f"<figcaption{self.mark('caption')}>{e(b['caption'])}</figcaption>" if b["caption"] else ""
        return f'<figure class="image wrap">{img}{caption}</figure>'

    def block_gallery(self, b: dict[str, Any], page: Page) -> str:
        shown = sum(1 for i in b["images"] if i["asset"] in self.site.assets)
        sizes = images.STRIP if self.layout(b) == "strip" else images.grid_sizes(shown)
        items = "".join(f"<li>{img}</li>" for i in b["images"] if (img := self.img(i["asset"], i["alt"], sizes)))
        if self.layout(b) == "strip":
            # A scrolling row: focusable so keyboard users can scroll it too.
            label = e(b["heading"] or "Photos")
            listing = f'<ul tabindex="0" aria-label="{label}">{items}</ul>'
        else:
            listing = f'<ul class="grid">{items}</ul>'
        layout = self.layout(b)
        return f'<section class="gallery gallery-{layout} wrap">{self._heading(b["heading"])}{listing}</section>'

    def block_features(self, b: dict[str, Any], page: Page) -> str:
        h = self._item_level(b)
        m = self.mark
        items = "".join(
            f"<li><h{h}{m(f'items.{n}.title')}>{e(i['title'])}</h{h}><p{m(f'items.{n}.text')}>{e(i['text'])}</p></li>"
            for n, i in enumerate(b["items"])
        )
        layout = self.layout(b)
        listing = f'<ul class="grid">{items}</ul>' if layout == "cards" else f"<ul>{items}</ul>"
        return f'<section class="features features-{layout} wrap">{self._heading(b["heading"])}{listing}</section>'

    def block_pricing(self, b: dict[str, Any], page: Page) -> str:
        h = self._item_level(b)
        cards = []
        m = self.mark
        for n, p in enumerate(b["plans"]):
            feats = "".join(f"<li{m(f'plans.{n}.features.{j}')}>{e(f)}</li>" for j, f in enumerate(p["features"]))
            period = f' <span class="period">{e(p["period"])}</span>' if p["period"] else ""
            cta = (
                f'<a class="button" href="{e(p["cta_href"])}"{m(f"plans.{n}.cta_label")}>{e(p["cta_label"])}</a>'
                if p["cta_label"] and p["cta_href"]
                else ""
            )
            klass = ' class="highlighted"' if p["highlighted"] else ""
            cards.append(
                f"<li{klass}><h{h}{m(f'plans.{n}.name')}>{e(p['name'])}</h{h}>"
                f'<p class="price">{e(p["price"])}{period}</p><ul>{feats}</ul>{cta}</li>'
            )
        listing = "grid" if self.layout(b) == "cards" else "price-list"
        return (
            f'<section class="pricing wrap">{self._heading(b["heading"])}<ul class="{listing}">{"".join(cards)}</ul>'
            "</section>"
        )

    def block_testimonials(self, b: dict[str, Any], page: Page) -> str:
        items = []
        for n, t in enumerate(b["items"]):
            role = f", {e(t['role'])}" if t["role"] else ""
            quote = "<br>".join(e(line) for line in t["quote"].split("\n"))
            author = e(t["author"])
            if self.site.editor:
                author = f"<span{self.mark(f'items.{n}.author')}>{author}</span>"
            items.append(
                f"<li><figure><blockquote><p{self.mark(f'items.{n}.quote')}>{quote}</p></blockquote>"
                f"<figcaption>{author}{role}</figcaption></figure></li>"
            )
        heading = self._heading(b["heading"])
        listing = "grid" if self.layout(b) == "cards" else "spotlight"
        return (
            f'<section class="testimonials tinted"><div class="wrap">{heading}<ul class="{listing}">'
            f"{''.join(items)}</ul></div></section>"
        )

    def block_cta(self, b: dict[str, Any], page: Page) -> str:
        m = self.mark
        text = f"<p{m('text')}>{e(b['text'])}</p>" if b["text"] else ""
        outer, inner = ("cta", "wrap") if self.layout(b) == "band" else ("cta-card wrap", "card-box")
        return (
            f'<section class="{outer}"><div class="{inner}"><h2{m("heading")}>{e(b["heading"])}</h2>{text}<p>'
            f'<a class="button" href="{e(b["href"])}"{m("label")}>{e(b["label"])}</a></p></div></section>'
        )

    def block_lead_form(self, b: dict[str, Any], page: Page) -> str:
        if "id" not in b:
            return ""
        bid = e(b["id"])
        action = e(f"{self.site.form_action}/{b['id']}")
        intro = f"<p{self.mark('intro')}>{e(b['intro'])}</p>" if b["intro"] else ""
        phone = self._fixed_field(bid, "phone", "Phone (optional)") if b["ask_phone"] else ""
        thanks = b["thanks"] or "Thank you! We will get back to you soon."
        submit = b["submit_label"] or "Send"
        return (
            f'<section class="lead-form wrap" id="form-{bid}">{self._heading(b["heading"] or "Contact us")}{intro}'
            f'<p class="thanks" id="thanks-{bid}" role="status">{e(thanks)}</p>'
            f'<form method="post" action="{action}">'
            f'<input type="hidden" name="page" value="{e(page.path)}">'
            f"{self._form_fields(b, bid, phone)}"
            f'<p class="hp" aria-hidden="true"><label for="{bid}-website">Leave this empty</label>'
            f'<input id="{bid}-website" name="website" tabindex="-1" autocomplete="off"></p>'
            f"{self._turnstile()}"
            f'<p><button type="submit">{e(submit)}</button></p></form></section>'
        )

    def _form_fields(self, b: dict[str, Any], bid: str, phone: str) -> str:
        """The owner's own questions (formfields.shaped), or the fixed name, email, phone, message."""
        fields = formfields.shaped(b)
        if not fields:
            fixed = self._fixed_field(bid, "name", "Name") + self._fixed_field(bid, "email", "Email")
            return fixed + phone + self._fixed_field(bid, "message", "Message")
        return "".join(
            self._shaped_field(bid, name, f) for name, f in zip(formfields.names(fields), fields, strict=True)
        )

    def _shaped_field(self, bid: str, name: str, field: dict[str, Any]) -> str:
        """One question the owner asks, its control carrying formfields' rule (the server checks the same)."""
        cid, kind = f"{bid}-{name}", field["kind"]
        attrs = "".join(f' {k}="{e(v)}"' if v else f" {k}" for k, v in formfields.attributes(field))
        label = e(field["label"]) + ("" if field["required"] or kind == "consent" else " (optional)")
        if kind == "checkboxes":
            boxes = "".join(
                f'<label class="option" for="{cid}-{i}"><input type="checkbox" id="{cid}-{i}" name="{name}"'
                f' value="{e(o)}"> {e(o)}</label>'
                for i, o in enumerate(field["options"])
            )
            return f'<fieldset class="options" id="{cid}"><legend>{label}</legend>{boxes}</fieldset>'
        if kind == "choice":
            options = "".join(f'<option value="{e(o)}">{e(o)}</option>' for o in field["options"])
            return (
                f'<p><label for="{cid}">{label}</label><select id="{cid}" name="{name}"{attrs}>'
                f'<option value="">Choose…</option>{options}</select></p>'
            )
        if kind == "consent":
            return (
                f'<p><label class="option" for="{cid}"><input id="{cid}" name="{name}" value="{formfields.YES}"'
                f"{attrs}> {label}</label></p>"
            )
        if kind == "long":
            area = f'<textarea id="{cid}" name="{name}"{attrs} rows="5"></textarea>'
            return f'<p><label for="{cid}">{label}</label>{area}</p>'
        return f'<p><label for="{cid}">{label}</label><input id="{cid}" name="{name}"{attrs}></p>'

    def _fixed_field(self, bid: str, name: str, label: str) -> str:
        """One field of the fixed contact form, with the attributes of formfields' rule for it (the
        server checks the same rule, customer/forms.py)."""
        spec = formfields.FIXED[name]
        attrs = "".join(f' {k}="{e(v)}"' if v else f" {k}" for k, v in formfields.attributes(spec))
        if name == "name":
            attrs += ' autocomplete="name"'
        if spec["kind"] == "long":
            control = f'<textarea id="{bid}-{name}" name="{name}"{attrs} rows="5"></textarea>'
        else:
            control = f'<input id="{bid}-{name}" name="{name}"{attrs}>'
        return f'<p><label for="{bid}-{name}">{e(label)}</label>{control}</p>'

    def _turnstile(self) -> str:
        """Cloudflare's widget (implicit rendering): it adds `cf-turnstile-response` to the form."""
        key = self.site.turnstile_site_key
        if not key:
            return ""
        return (
            f'<div class="cf-turnstile" data-sitekey="{e(key)}"></div>'
            f'<script src="{TURNSTILE_SCRIPT}" async defer></script>'
        )

    def block_hours_location(self, b: dict[str, Any], page: Page) -> str:
        rows = []
        for h in b["hours"]:
            when = "Closed" if h["closed"] or not (h["opens"] and h["closes"]) else f"{e(h['opens'])}–{e(h['closes'])}"
            rows.append(f'<tr><th scope="row">{DAY_NAMES[h["day"]]}</th><td>{when}</td></tr>')
        table = f"<table><caption>Opening hours</caption><tbody>{''.join(rows)}</tbody></table>" if rows else ""
        lines = []
        if b["address"]:
            lines.append("<br>".join(e(x) for x in b["address"].split("\n")))
        if b["phone"]:
            lines.append(f'<a href="tel:{e(b["phone"].replace(" ", ""))}">{e(b["phone"])}</a>')
        if b["email"]:
            lines.append(f'<a href="mailto:{e(b["email"])}">{e(b["email"])}</a>')
        if b["map_url"]:
            lines.append(f'<a href="{e(b["map_url"])}">Open in a map</a>')
        address = f"<address>{'<br>'.join(lines)}</address>" if lines else ""
        return (
            f'<section class="hours wrap">{self._heading(b["heading"])}<div class="grid">{table}{address}</div>'
            "</section>"
        )

    def block_footer(self, b: dict[str, Any], page: Page) -> str:
        return ""  # rendered once, in the page's <footer> (see footer())

    # --- pages ----------------------------------------------------------------------------------
    def footer(self, page: Page) -> str:
        parts = []
        for b in page.blocks:
            if b["type"] == "footer":
                links = "".join(f'<li><a href="{e(link["href"])}">{e(link["label"])}</a></li>' for link in b["links"])
                text = f"<p{self.mark('text')}>{e(b['text'])}</p>" if b["text"] else ""
                part = f"{text}<ul>{links}</ul>" if links else text
                parts.append(f"<div{self.block_marks(b)}>{part}</div>" if self.site.editor and "id" in b else part)
        if self.site.badge:
            parts.append(f'<p class="badge"><a href="{BADGE_URL}">Made with SmartPages</a></p>')
        return f'<footer class="site-footer"><div class="wrap">{"".join(parts)}</div></footer>'

    def nav(self, current: Page | None) -> str:
        items = []
        for p in self.site.pages:
            here = ' aria-current="page"' if current is not None and p.id == current.id else ""
            items.append(f'<li><a href="{e(p.path)}"{here}>{e(p.title)}</a></li>')
        return (
            f'<header class="site-header"><div class="wrap"><a class="brand" href="/">'
            f"{self.logo() or e(self.site.name)}</a>"
            f'<nav aria-label="Site"><ul>{"".join(items)}</ul></nav></div></header>'
        )

    def logo(self) -> str:
        """The owner's logo for the header (its alt text the site's name), or "" when there is none."""
        sha = self.site.theme.get("logo") or ""
        url = self.image_url(sha)
        if url is None:
            return ""
        image = self.site.images.get(sha)
        size = f' width="{image.width}" height="{image.height}"' if image and image.width and image.height else ""
        return f'<img src="{e(url)}" alt="{e(self.site.name)}"{size}>'

    def icon_sha(self) -> str | None:
        """The upload that is the site's icon: the favicon chosen, else the logo (None: drawn)."""
        for sha in (self.site.seo.get("favicon"), self.site.theme.get("logo")):
            if sha and sha in self.site.assets:
                return str(sha)
        return None

    def first_image_sha(self, page: Page) -> str | None:
        """The page's first picture (hero, image or gallery) that is still uploaded."""
        for b in page.blocks:
            sha = b.get("image") or b.get("asset") or (b.get("images") or [{}])[0].get("asset")
            if sha and sha in self.site.assets:
                return str(sha)
        return None

    def first_image(self, page: Page) -> str | None:
        """The page's first picture, as an absolute URL: its social image."""
        sha = self.first_image_sha(page)
        url = self.image_url(sha) if sha else None
        return self.site.origin + url if url else None

    def business(self, page: Page | None) -> dict[str, Any] | None:
        """LocalBusiness data on the page that shows opening hours and on the home page."""
        pages = [page] if page is not None else []
        if page is not None and page is self.site.pages[0]:
            pages += self.site.pages[1:]
        for p in pages:
            for b in p.blocks:
                if b["type"] == "hours_location":
                    name = self.site.seo.get("title") or self.site.name
                    return local_business(b, name, self.site.origin + "/", self.first_image(self.site.pages[0]))
        return None

    def head(self, title: str, description: str, page: Page | None, css: str) -> str:
        seo = self.site.seo
        image = None
        if seo.get("social_image") and (social := self.image_url(seo["social_image"])):
            image = self.site.origin + social
        elif page is not None:
            image = self.first_image(page)
        icon = self.icon
        icon_sizes: tuple[tuple[str, str, int], ...] = ()
        chosen = self.icon_sha()
        if chosen and (uploaded := self.image_url(chosen)):
            icon = (uploaded, self.site.assets[chosen])
            favicon = self.site.images.get(chosen)
            icon_sizes = tuple(
                (self._register(v.sha256, v.content_type), v.content_type, v.width)
                for v in sorted(favicon.variants if favicon else (), key=lambda v: v.width)
                if v.width == v.height
            )
        return Head(
            title=title,
            description=description,
            canonical=self.site.origin + page.path if page is not None else None,
            style=css,
            icon=icon,
            icon_sizes=icon_sizes,
            image=image,
            site_name=self.site.name,
            noindex=self.site.noindex,
            theme_color=palette(self.site.theme)["primary"],
            structured_data=self.business(page),
            preload=self.images.preloads.get(id(page)) if page is not None else None,
            fonts=self.font_preloads,
        ).html()

    def page_heading(self, page: Page) -> str:
        """The page's h1 when no hero leads it: the page title (the site's name on the home page)."""
        text = page.title if page.slug else (self.site.seo.get("title") or self.site.name)
        return f'<section class="page-title"><div class="wrap"><h1>{e(text)}</h1></div></section>'

    def document(self, title: str, description: str, body: str, current: Page | None, css: str) -> bytes:
        lang = e(self.site.seo.get("language") or "en")
        html = (
            f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"{self.head(title, description, current, css)}\n{self.editing()}{self.form_script(current)}"
            "</head>\n<body>\n"
            f'<a class="skip" href="#main">Skip to content</a>\n{self.nav(current)}\n'
            f'<main id="main">\n{body}\n</main>\n{self.footer(current or self.site.pages[0])}\n'
            "</body>\n</html>\n"
        )
        return html.encode()

    def form_script(self, current: Page | None) -> str:
        """A page with a lead form loads the form script (customer/formscript.py), by its hash."""
        if current is None or not any(b["type"] == "lead_form" for b in current.blocks) or self.site.editor:
            return ""
        return formscript.TAG + "\n"

    def editing(self) -> str:
        """The editor's preview only: the portal's frame style and script (on-page editing)."""
        editor = self.site.editor
        if not editor:
            return ""
        style = f'<link rel="stylesheet" href="{e(editor + FRAME_STYLE)}">'
        return f'{style}\n<script src="{e(editor + FRAME_SCRIPT)}" defer></script>\n'

    def page_title(self, page: Page) -> str:
        site_title = self.site.seo.get("title") or self.site.name
        return site_title if not page.slug and page.title in ("", "Home") else f"{page.title} · {site_title}"

    # --- what a document depends on ---------------------------------------------------------
    def _upload(self, sha256: Any) -> list[Any]:
        """An upload as the renderer sees it: its type, size and variants (None when gone)."""
        image = self.site.images.get(sha256) if isinstance(sha256, str) else None
        variants = sorted([v.sha256, v.content_type, v.width, v.height] for v in image.variants) if image else []
        size = [image.width, image.height] if image else []
        return [sha256, self.site.assets.get(sha256) if isinstance(sha256, str) else None, size, variants]

    def site_key(self) -> str:
        """Inputs every document shares: the code, the site's settings, the navigation."""
        s = self.site
        nav = [[p.id, p.path, p.title] for p in s.pages]
        shared = [s.id, s.name, s.theme, s.seo, s.origin, s.form_action, s.badge, s.noindex, s.turnstile_site_key]
        shared.append(s.editor)
        uploads = [self._upload(s.seo.get(k)) for k in ("social_image", "favicon")]
        uploads.append(self._upload(s.theme.get("logo")))
        return _digest([CODE_VERSION, shared, nav, uploads])

    def page_key(self, site_key: str, page: Page, index: int) -> str:
        """Everything that shapes one page's HTML: the site's part, the page, the uploads it names, and
        what it borrows from other pages (the home page's JSON-LD reads the first opening hours of
        the site; a page with opening hours shows the home page's first picture in its JSON-LD)."""
        blocks = _json(page.blocks)  # one pass over the blocks: hashed as text, searched for uploads
        uploads = sorted({sha for sha in _SHA256.findall(blocks) if sha in self.site.assets})
        borrowed: list[Any] = []
        if index == 0:
            borrowed.append(next((b for p in self.site.pages for b in p.blocks if b["type"] == "hours_location"), None))
        if any(b["type"] == "hours_location" for b in page.blocks):
            borrowed.append(self._upload(self.first_image_sha(self.site.pages[0])))
        own = [page.id, page.slug, page.title, page.description]
        return _digest([site_key, index == 0, own, [self._upload(u) for u in uploads], borrowed], blocks)

    def _produce(self, path: str, key: str, make: Callable[[], File]) -> File | None:
        """The document at `path`: None when an earlier render's is reused (its entry in `reused`)."""
        self.out.keys[path] = key
        entry = self.earlier.reusable(path, key, self.present)
        if entry is not None:
            self.out.reused[path] = entry
            used = self.earlier.assets.get(path, [])
            for name, sha, ctype in used:
                self.out.assets[name] = (sha, ctype)
            self.out.uses[path] = [name for name, _, _ in used]
            return None
        self.using = set()
        made = make()
        self.out.uses[path], self.using = sorted(self.using), None
        self.out.documents += 1
        return made

    def page_file(self, page: Page, css: str) -> File:
        shown = [b for b in page.blocks if b["type"] != "footer"]
        self.hero_is_h1 = bool(shown) and shown[0]["type"] == "hero"
        title = "" if self.hero_is_h1 else self.page_heading(page)
        body = "\n".join([title, *(self.block(b, page) for b in page.blocks)]).lstrip("\n")
        description = page.description or self.site.seo.get("description", "")
        return File(self.document(self.page_title(page), description, body, page, css), HTML)

    def not_found_file(self, css: str) -> File:
        missing = (
            '<section class="text wrap"><h1>Page not found</h1>'
            "<p>This page does not exist (any more).</p><p>"
            '<a class="button" href="/">Go to the home page</a></p></section>'
        )
        return File(self.document(f"Page not found · {self.site.name}", "", missing, None, css), HTML)

    def fonts(self) -> dict[str, str]:
        """The theme's web font files, added to the site's files: file name -> its path."""
        faces = fonts_of(self.site.theme)
        urls = {}
        for face in faces:
            font = File(font_bytes(face.file), "font/woff2")
            urls[face.file] = f"/assets/font-{face.file}-{font.sha256[:16]}.woff2"
            self.out.files[urls[face.file]] = font
        self.font_preloads = tuple(urls[f.file] for f in faces[:2])
        return urls

    def render(self) -> Rendered:
        css = stylesheet(self.site.theme, self.fonts())
        self.out.style_src = "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        icon = File(favicon_svg(self.site.name, self.site.theme), "image/svg+xml")
        self.icon = (f"/assets/icon-{icon.sha256[:20]}.svg", icon.content_type)
        if self.icon_sha() is None:
            self.out.files[self.icon[0]] = icon
        site_key = self.site_key()
        for index, page in enumerate(self.site.pages):
            key = self.page_key(site_key, page, index)
            made = self._produce(page.path, key, lambda page=page: self.page_file(page, css))  # type: ignore[misc]
            if made is not None:
                self.out.files[page.path] = made
        self.out.not_found = self._produce(NOT_FOUND, site_key, lambda: self.not_found_file(css))
        if not self.site.editor and any(b["type"] == "lead_form" for p in self.site.pages for b in p.blocks):
            # Added whether or not the pages with a form were re-rendered: every version lists it.
            self.out.files[formscript.PATH] = File(formscript.BODY, formscript.CONTENT_TYPE)
        self.out.files["/sitemap.xml"] = File(self.sitemap(), "application/xml; charset=utf-8")
        self.out.files["/robots.txt"] = File(self.robots(), "text/plain; charset=utf-8")
        return self.out

    def sitemap(self) -> bytes:
        urls = "".join(f"<url><loc>{e(self.site.origin + p.path)}</loc></url>" for p in self.site.pages)
        head = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        return f"{head}{urls}</urlset>\n".encode()

    def robots(self) -> bytes:
        if self.site.noindex:
            return b"User-agent: *\nDisallow: /\n"
        return f"User-agent: *\nAllow: /\nSitemap: {self.site.origin}/sitemap.xml\n".encode()


# Block type -> its renderer: one for every type in the catalogue (customer/blocks.py; a test
# keeps the two equal).
BLOCK_RENDERERS: dict[str, Callable[[Renderer, Block, Page], str]] = {
    "hero": Renderer.block_hero,
    "rich_text": Renderer.block_rich_text,
    "image": Renderer.block_image,
    "gallery": Renderer.block_gallery,
    "features": Renderer.block_features,
    "pricing": Renderer.block_pricing,
    "testimonials": Renderer.block_testimonials,
    "cta": Renderer.block_cta,
    "lead_form": Renderer.block_lead_form,
    "hours_location": Renderer.block_hours_location,
    "footer": Renderer.block_footer,
}


def render_site(site: SiteData, earlier: Earlier | None = None, present: Set[str] = frozenset()) -> Rendered:
    """Renders the site; with `earlier` (and the files R2 holds, `present`), only the documents whose
    inputs changed since, or whose file R2 lost."""
    return Renderer(site, earlier, present).render()
