"""The typed blocks a page is made of, and the site-level settings (theme, SEO, redirects): their
schemas. Rendering is render.py's job."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from customer import formfields
from customer.colours import AA, check_brand
from shared.schema import (
    Asset,
    Bool,
    Choice,
    Field,
    Link,
    List,
    Obj,
    Str,
    check_fields,
    clock_time,
    color,
    invalid,
)

MARKDOWN_MAX = 20_000
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LINK_HINT = "A web address (https://…), mailto:you@example.com, tel:+41… or a page of your site such as /about."
MARKDOWN_HINT = "Write **bold**, *italic*, ## for a heading, - for a list, [words](https://…) for a link."


@dataclass(frozen=True)
class Control:
    """One field of a block as the API checks it and the owner edits it. `kind` is the portal's form
    control (derived from the check unless a richer one is named: money, period, hours)."""

    name: str
    label: str
    check: Field
    kind: str = ""
    hint: str = ""
    input_type: str = ""  # an <input type> other than text: tel, email
    item: tuple[Control, ...] = ()  # a list of objects: the fields of one item
    item_label: str = ""  # a list: what one item is called ("Photo 2")
    options: tuple[tuple[str, str], ...] = ()  # a choice: (value, label), the first is the default

    @property
    def control(self) -> str:
        if self.kind:
            return self.kind
        kinds = ((Link, "link"), (Bool, "check"), (Asset, "image"), (Choice, "choice"), (List, "list"))
        found = next((kind for cls, kind in kinds if isinstance(self.check, cls)), "text")
        return "area" if isinstance(self.check, Str) and self.check.multiline else found

    def describe(self) -> dict[str, Any]:
        """This control as the catalogue's JSON (what the portal builds its form from)."""
        check = self.check
        out: dict[str, Any] = {"name": self.name, "label": self.label, "kind": self.control}
        out["required"] = check.required
        if isinstance(check, Str):
            out["max_length"] = check.max_length
        if isinstance(check, Link):
            out["max_length"] = LINK_MAX
        if isinstance(check, List):
            out |= {"min_items": check.min_items, "max_items": check.max_items, "item_label": self.item_label}
            if self.item:
                out["item"] = [c.describe() for c in self.item]
            elif isinstance(check.item, Str):
                out["item_max_length"] = check.item.max_length
        for key, value in (("hint", self.hint), ("input_type", self.input_type)):
            if value:
                out[key] = value
        if self.options:
            out["options"] = [list(option) for option in self.options]
        return out


LINK_MAX = 500  # schema.Link checks at most this many characters


def text(name: str, label: str, max_length: int, required: bool = False, **extra: Any) -> Control:
    multiline = extra.pop("multiline", False)
    return Control(name, label, Str(max_length=max_length, required=required, multiline=multiline), **extra)


def link(name: str, label: str, required: bool = False) -> Control:
    return Control(name, label, Link(required=required), hint=LINK_HINT)


def items(name: str, label: str, item_label: str, fields: tuple[Control, ...], low: int, high: int) -> Control:
    """A list of objects, each with `fields`."""
    check = List(Obj({c.name: c.check for c in fields}), low, high, required=low > 0)
    return Control(name, label, check, item=fields, item_label=item_label)


def layout(*options: tuple[str, str]) -> Control:
    """The block's layout variant; the first is the default (and what blocks saved before variants
    existed render as)."""
    values = tuple(value for value, _ in options)
    return Control("layout", "Layout", Choice(values, default=values[0]), options=options)


@dataclass(frozen=True)
class BlockType:
    """One kind of block: what the owner calls it, its fields, and what a new one starts with."""

    label: str
    fields: tuple[Control, ...]
    starter: dict[str, Any] = field(default_factory=dict)
    needs_image: bool = False  # a new one needs a picture from the library (the starter names the first)
    closes_page: bool = False  # it ends a page (the footer): blocks added at the end go before it

    @property
    def checks(self) -> dict[str, Field]:
        return {c.name: c.check for c in self.fields}

    @property
    def layouts(self) -> tuple[str, ...]:
        return next((tuple(v for v, _ in c.options) for c in self.fields if c.name == "layout"), ())

    def describe(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "fields": [c.describe() for c in self.fields],
            "starter": self.starter,
            "needs_image": self.needs_image,
            "closes_page": self.closes_page,
        }


_HEADING = text("heading", "Heading", 120)
_ALT = "Describe the picture (for people who cannot see it)"

# The block catalogue: the one definition of every block type. Validation (check_block), rendering
# dispatch (render.py's table, a test keeps them equal), the portal's forms (GET
# /api/v1/blocks/catalogue) and the table in docs/sites.md all come from it.
CATALOGUE: dict[str, BlockType] = {
    "hero": BlockType(
        "Big headline",
        (
            text("heading", "Headline", 120, required=True),
            text("subheading", "Line under the headline", 300),
            Control("image", "Picture", Asset()),
            text("image_alt", _ALT, 300),
            text("cta_label", "Button text", 40),
            link("cta_href", "Button goes to"),
            layout(("overlay", "Picture behind the text"), ("split", "Picture beside the text")),
        ),
        {"heading": "Welcome"},
    ),
    "rich_text": BlockType(
        "Text",
        (
            text("markdown", "Text", MARKDOWN_MAX, required=True, multiline=True, hint=MARKDOWN_HINT),
            layout(("left", "A column on the left"), ("centred", "Centred, narrower")),
        ),
        {"markdown": "Tell your visitors what you do."},
    ),
    "image": BlockType(
        "Picture",
        (
            Control("asset", "Picture", Asset(required=True)),
            text("alt", _ALT, 300),
            text("caption", "Caption", 300),
            layout(("contained", "As wide as the text"), ("wide", "Edge to edge")),
        ),
        needs_image=True,
    ),
    "gallery": BlockType(
        "Photo gallery",
        (
            _HEADING,
            items(
                "images",
                "Photos",
                "Photo",
                (Control("asset", "Photo", Asset(required=True)), text("alt", "Describe the photo", 300)),
                1,
                24,
            ),
            layout(("grid", "Tiles"), ("strip", "One scrolling row")),
        ),
        needs_image=True,
    ),
    "features": BlockType(
        "Features",
        (
            _HEADING,
            items(
                "items",
                "Features",
                "Feature",
                (text("title", "Title", 80, required=True), text("text", "Text", 400, kind="area")),
                1,
                12,
            ),
            layout(("cards", "Cards side by side"), ("list", "One under the other")),
        ),
        {"heading": "Why us", "items": [{"title": "Friendly", "text": "We answer within a day."}]},
    ),
    "pricing": BlockType(
        "Prices",
        (
            _HEADING,
            items(
                "plans",
                "Price plans",
                "Plan",
                (
                    text("name", "Name", 60, required=True),
                    text("price", "Price", 30, required=True, kind="money"),
                    text("period", "Charged", 30, kind="period"),
                    Control("features", "What is included", List(Str(max_length=120), 0, 12), item_label="Line"),
                    text("cta_label", "Button text", 40),
                    link("cta_href", "Button goes to"),
                    Control("highlighted", "Highlight this plan", Bool()),
                ),
                1,
                6,
            ),
            layout(("cards", "Cards side by side"), ("list", "A price list, one under the other")),
        ),
        {
            "heading": "Prices",
            "plans": [{"name": "Basic", "price": "€10", "period": "per month", "features": ["One thing"]}],
        },
    ),
    "testimonials": BlockType(
        "Testimonials",
        (
            _HEADING,
            items(
                "items",
                "Testimonials",
                "Testimonial",
                (
                    text("quote", "What they said", 600, required=True, multiline=True),
                    text("author", "Who said it", 80, required=True),
                    text("role", "Their role or town", 80),
                ),
                1,
                12,
            ),
            layout(("cards", "Cards side by side"), ("spotlight", "One large quote after another")),
        ),
        {"heading": "What customers say", "items": [{"quote": "Wonderful service.", "author": "A happy customer"}]},
    ),
    "cta": BlockType(
        "Call to action",
        (
            text("heading", "Heading", 120, required=True),
            text("text", "Text", 400),
            text("label", "Button text", 40, required=True),
            link("href", "Button goes to", required=True),
            layout(("band", "A coloured band"), ("card", "A framed box on the page")),
        ),
        {"heading": "Ready?", "label": "Get in touch", "href": "mailto:hello@example.com"},
    ),
    "lead_form": BlockType(
        "Contact form",
        (
            _HEADING,
            text("intro", "Intro", 400),
            Control("ask_phone", "Ask for a phone number", Bool()),
            text("submit_label", "Button text", 40),
            text("thanks", "Thank-you message", 200),
            Control(
                "owner_mail",
                "Email me",
                Choice(("each", "daily"), default="each"),
                options=(("each", "For each enquiry (up to 5 an hour)"), ("daily", "Once a day, all new enquiries")),
            ),
            text(
                "auto_reply",
                "Automatic reply mailed to the visitor (empty: none)",
                1000,
                multiline=True,
                hint="Sent once a day at most to the same address, and never during a flood of enquiries.",
            ),
            items(
                "fields",
                "Your own questions (none: name, email, phone and message)",
                "Question",
                (
                    text("label", "Question", 80, required=True),
                    Control(
                        "kind",
                        "Kind of answer",
                        Choice(formfields.KINDS, default="short"),
                        options=tuple((kind, formfields.RULES[kind].words) for kind in formfields.KINDS),
                    ),
                    Control("required", "Must be answered", Bool()),
                    text("options", "Choices, one a line (for a choice or checkboxes)", 2000, multiline=True),
                ),
                0,
                formfields.MAX_FIELDS,
            ),
        ),
        {"heading": "Contact us"},
    ),
    "hours_location": BlockType(
        "Opening hours and address",
        (
            _HEADING,
            Control(
                "hours",
                "Opening hours",
                List(
                    Obj(
                        {
                            "day": Choice(DAYS, required=True),
                            "opens": clock_time(),
                            "closes": clock_time(),
                            "closed": Bool(),
                        }
                    ),
                    0,
                    7,
                ),
                kind="hours",
            ),
            text("address", "Address", 300, multiline=True),
            text("phone", "Phone", 40, input_type="tel"),
            text("email", "Email", 254, input_type="email"),
            link("map_url", "Map link"),
        ),
        {"heading": "Visit us"},
    ),
    "footer": BlockType(
        "Footer",
        (
            text("text", "Text", 500),
            items(
                "links",
                "Links",
                "Link",
                (text("label", "Text", 60, required=True), link("href", "Goes to", required=True)),
                0,
                10,
            ),
        ),
        {"text": "© Your business"},
        closes_page=True,
    ),
}
BLOCKS: dict[str, dict[str, Field]] = {kind: block.checks for kind, block in CATALOGUE.items()}
LAYOUTS: dict[str, tuple[str, ...]] = {kind: b.layouts for kind, b in CATALOGUE.items() if b.layouts}
BLOCK_TYPES = tuple(BLOCKS)


def catalogue_json() -> dict[str, Any]:
    """GET /api/v1/blocks/catalogue: every block type with its fields, limits and labels (the theme's
    palettes and font pairs, with their words, are in GET /api/v1/catalogue: customer/catalogue.py)."""
    return {"blocks": {kind: block.describe() for kind, block in CATALOGUE.items()}}


_KIND_WORDS = {"image": "picture", "check": "yes/no", "link": "link", "hours": "up to 7 days with times"}


def _field_words(control: Control) -> str:
    check, kind = control.check, control.control
    if isinstance(check, List) and kind == "list":
        lines = f"lines ≤ {check.item.max_length}" if isinstance(check.item, Str) else "items"
        inner = ", ".join(_field_words(c) for c in control.item) if control.item else lines
        words = [f"{check.min_items}–{check.max_items} of: {inner}"]
    elif control.options:
        words = [" / ".join(value for value, _ in control.options)]
    elif isinstance(check, Str):
        words = [f"≤ {check.max_length}"]
    else:
        words = [_KIND_WORDS[kind]]
    return f"`{control.name}` ({', '.join([*words, *(['required'] if check.required else [])])})"


def docs_table() -> str:
    """The block table in docs/sites.md (a test keeps that copy equal to this)."""
    rows = ["| type | in the portal | fields |", "|---|---|---|"]
    for kind, block in CATALOGUE.items():
        rows.append(f"| `{kind}` | {block.label} | {'; '.join(_field_words(c) for c in block.fields)} |")
    return "\n".join(rows) + "\n"


MAX_BLOCKS_PER_PAGE = 40
_BLOCK_ID = re.compile(r"^b_[0-9a-f]{8,32}$")

PALETTES: dict[str, dict[str, str]] = {
    "ocean": {"primary": "#0b6e99", "background": "#ffffff", "text": "#1f2933", "muted": "#e6f2f8"},
    "forest": {"primary": "#2f6b3a", "background": "#fbfdf9", "text": "#1d2a1f", "muted": "#e8f1e6"},
    "sunset": {"primary": "#b4442b", "background": "#fffaf5", "text": "#2b1d17", "muted": "#fbeadf"},
    "slate": {"primary": "#334e68", "background": "#f8fafc", "text": "#102a43", "muted": "#e2e8f0"},
    "berry": {"primary": "#8a2c6d", "background": "#fffbfe", "text": "#2a1426", "muted": "#f6e6f1"},
}
_SYSTEM = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
_SERIF = "Georgia, 'Times New Roman', serif"
FONT_PAIRINGS: dict[str, tuple[str, str]] = {  # (headings, body) as CSS font stacks
    # System fonts: nothing to download.
    "modern": (_SYSTEM, _SYSTEM),
    "classic": (_SERIF, _SYSTEM),
    "editorial": ("'Palatino Linotype', Palatino, Georgia, serif", _SERIF),
    "technical": ("ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace", "system-ui, -apple-system, sans-serif"),
    # Web fonts, self-hosted with each published site (WEB_FONTS; files in workers/customer/fonts/).
    "bistro": ("'Playfair Display', " + _SERIF, "Lato, " + _SYSTEM),
    "bakehouse": ("Fraunces, " + _SERIF, "Nunito, " + _SYSTEM),
    "clean": ("Inter, " + _SYSTEM, "Inter, " + _SYSTEM),
    "studio": ("'Space Grotesk', " + _SYSTEM, "Inter, " + _SYSTEM),
    "boutique": ("'DM Serif Display', " + _SERIF, "'DM Sans', " + _SYSTEM),
    "bold": ("Oswald, 'Arial Narrow', " + _SYSTEM, "'Source Sans 3', " + _SYSTEM),
    "geometric": ("Montserrat, " + _SYSTEM, "Lato, " + _SYSTEM),
    "soft": ("Nunito, " + _SYSTEM, "Nunito, " + _SYSTEM),
}


@dataclass(frozen=True)
class FontFace:
    """One web font file: the family and weight it provides, and its name in customer/fontfiles.py."""

    family: str
    weight: int
    file: str


def _faces(heading: tuple[str, int], body: str, body_bold: bool = True) -> tuple[FontFace, ...]:
    """A pair's files: the headings' face first, then the body's regular face (these two are
    preloaded: they are what the first screen shows), then the body's bold (fetched when used)."""
    slug = {"Playfair Display": "playfair-display", "DM Serif Display": "dm-serif-display", "DM Sans": "dm-sans"}
    slug |= {"Space Grotesk": "space-grotesk", "Source Sans 3": "source-sans-3"}

    def face(family: str, weight: int) -> FontFace:
        return FontFace(family, weight, f"{slug.get(family, family.lower())}-{weight}")

    faces = [face(*heading)]
    for weight in (400, 700) if body_bold else (400,):
        if (body, weight) != heading:
            faces.append(face(body, weight))
    return tuple(faces)


# Pair -> the files its pages load (font-display: swap, so text shows at once in the fallback).
WEB_FONTS: dict[str, tuple[FontFace, ...]] = {
    "bistro": _faces(("Playfair Display", 700), "Lato"),
    "bakehouse": _faces(("Fraunces", 700), "Nunito"),
    "clean": _faces(("Inter", 700), "Inter"),
    "studio": _faces(("Space Grotesk", 700), "Inter"),
    "boutique": _faces(("DM Serif Display", 400), "DM Sans"),
    "bold": _faces(("Oswald", 700), "Source Sans 3"),
    "geometric": _faces(("Montserrat", 700), "Lato"),
    "soft": _faces(("Nunito", 700), "Nunito"),
}

THEME: dict[str, Field] = {
    "palette": Choice(tuple(PALETTES), default="ocean"),
    "primary": color(),  # the brand colour: the palette is derived from it (theme.py), contrast checked
    "fonts": Choice(tuple(FONT_PAIRINGS), default="modern"),
    "logo": Asset(),  # shown in the site's header; the browser-tab icon when no favicon is set
}
SEO: dict[str, Field] = {
    "title": Str(max_length=70),
    "description": Str(max_length=160),
    "social_image": Asset(),
    "favicon": Asset(),
    "language": Str(
        max_length=12,
        pattern=re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"),
        hint="must be a language tag like en or de-CH",
    ),
}
MAX_REDIRECTS = 100


def check_block(data: Any, path: str) -> dict[str, Any]:
    """One block: {"type": ..., "id"?: ..., <fields of that type>}."""
    if not isinstance(data, dict):
        raise invalid(path, "must be an object")
    kind = data.get("type")
    if kind not in BLOCKS:
        raise invalid(f"{path}.type", f"must be one of: {', '.join(BLOCK_TYPES)}")
    block_id = data.get("id")
    if block_id is not None and (not isinstance(block_id, str) or not _BLOCK_ID.match(block_id)):
        raise invalid(f"{path}.id", "must be a block id like b_0123abcd")
    fields = {k: v for k, v in data.items() if k not in ("type", "id")}
    clean = check_fields(BLOCKS[kind], fields, path)
    return {"type": kind, **({"id": block_id} if block_id else {}), **clean}


def check_blocks(data: Any, path: str = "blocks") -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise invalid(path, "must be a list")
    if len(data) > MAX_BLOCKS_PER_PAGE:
        raise invalid(path, f"must have at most {MAX_BLOCKS_PER_PAGE} blocks")
    return [check_block(b, f"{path}[{i}]") for i, b in enumerate(data)]


def check_theme(data: Any, path: str = "theme") -> dict[str, Any]:
    """The theme; a brand colour whose derived palette would not read well (WCAG AA) is refused with
    the nearest colour that does as `suggestion` (customer/colours.py)."""
    theme: dict[str, Any] = Obj(THEME).check(data, path)
    if theme["primary"]:
        theme["primary"] = theme["primary"].lower()
        problem = check_brand(theme["primary"])
        if problem:
            raise invalid(
                f"{path}.primary",
                problem.message,
                "low_contrast",
                suggestion=problem.suggestion,
                too=problem.too,
                pair=problem.pair,
                contrast=problem.contrast,
                needed=AA,
            )
    return theme


def check_seo(data: Any, path: str = "seo") -> dict[str, Any]:
    return Obj(SEO).check(data, path)  # type: ignore[no-any-return]


def _site_path(value: Any, path: str) -> str:
    text = Str(max_length=300, required=True).check(value, path)
    if not text.startswith("/") or text.startswith("//") or "\\" in text or any(c.isspace() for c in text):
        raise invalid(path, "must be a path on the site starting with /")
    return str(text)


def check_redirects(data: Any, path: str = "redirects") -> dict[str, str]:
    """{"/old-path": "/new-path/" or "https://…"}: from a path on the site to a path or a URL."""
    if not isinstance(data, dict):
        raise invalid(path, "must be an object")
    if len(data) > MAX_REDIRECTS:
        raise invalid(path, f"must have at most {MAX_REDIRECTS} entries")
    clean: dict[str, str] = {}
    for source, target in data.items():
        where = f"{path}[{source!r}]"
        _site_path(source, where)
        clean[source] = Link(required=True).check(target, where)
        if clean[source].startswith(("mailto:", "tel:", "#")):
            raise invalid(where, "must redirect to a /path or an http(s) URL")
    return clean


def referenced_assets(blocks: list[dict[str, Any]]) -> set[str]:
    """Every asset sha256 the blocks point at."""
    found: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key in ("asset", "image") and isinstance(value, str) and value:
            found.add(value)

    walk(blocks)
    return found
