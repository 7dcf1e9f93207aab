"""A site's theme as CSS, and the favicon drawn from it. One stylesheet per site, inline.

Colours come from a preset palette, or from the owner's brand colour: the whole palette is derived
from it (a faint tint of it as the background, a light one for tinted sections, a near-black of its
hue for text) and every text/background pair the pages use is checked against WCAG AA (4.5:1,
`PAIRS`). A brand colour whose palette would fail is refused when saved (`check_brand`, with the
nearest colour that passes as the suggestion), and a stored one that fails (saved before the rule)
is rendered as that nearest colour: no published page shows a failing pair. Text on a coloured
surface is white or near-black, whichever contrasts more.

Fonts: a system-font pair (nothing fetched) or a web-font pair, self-hosted with the site
(customer/fontfiles.py): `@font-face` with `font-display: swap` and the Latin unicode-range, and
only the headings' face and the body's regular face preloaded. Vertical rhythm: every section gets
the same `--space` above and below."""

from __future__ import annotations

from html import escape
from typing import Any

from customer.blocks import FONT_PAIRINGS, PALETTES, WEB_FONTS, FontFace
from customer.colours import DARK_TEXT, contrast, derive, nearest_passing, text_on

__all__ = ["DARK_TEXT", "contrast", "palette", "stylesheet", "text_on"]

# The page grid in rem. The stylesheet below and the images' `sizes` (images.py) are both written
# from these, so a browser picks each photo's file for the width the layout really gives it.
WRAP = 68.0  # .wrap's max-width; its content is WRAP - 2 * PAD wide at most
PAD = 1.25  # .wrap's padding on each side
GAP = 1.5  # --gap, between grid columns
SPLIT_AT = 48.0  # viewport width from which a split hero puts its photo beside the text
SPLIT_GAP = 2 * GAP  # between the text and the photo of a split hero
TILE, TILE_WIDE = 9.0, 15.0  # gallery tiles: at most two (of TILE rem or more) side by side on a phone;
# from SPLIT_AT as many of TILE_WIDE rem or more as fit
STRIP_SHARE, STRIP_MAX = 0.85, 26.0  # a scrolling gallery's photo: 85% of the row, at most 26rem

# The Latin subset every font file holds (workers/customer/fonts/README.md).
LATIN = (
    "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,"
    "U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD"
)


def palette(theme: dict[str, Any]) -> dict[str, str]:
    """The colours a page uses: the preset's, or those derived from the brand colour (as the nearest
    passing colour when the stored one fails)."""
    if theme.get("primary"):
        return derive(nearest_passing(theme["primary"]))
    colors = dict(PALETTES.get(theme.get("palette") or "ocean", PALETTES["ocean"]))
    colors["on_primary"] = text_on(colors["primary"])
    return colors


def favicon_svg(name: str, theme: dict[str, Any]) -> bytes:
    """The site's initial on its primary colour: every site has an icon (no 404 for it)."""
    colors = palette(theme)
    initial = escape((name.strip()[:1] or "S").upper())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="14" fill="{colors["primary"]}"/>'
        f'<text x="32" y="44" font-family="system-ui,sans-serif" font-size="36" font-weight="700" '
        f'text-anchor="middle" fill="{text_on(colors["primary"])}">{initial}</text></svg>'
    ).encode()


def fonts_of(theme: dict[str, Any]) -> tuple[FontFace, ...]:
    """The web font files the theme's pages load (none for a system-font pair)."""
    return WEB_FONTS.get(theme.get("fonts") or "modern", ())


def font_faces(faces: tuple[FontFace, ...], urls: dict[str, str]) -> str:
    """@font-face rules for `faces`, each file at urls[face.file]."""
    return "".join(
        f'@font-face{{font-family:"{f.family}";font-style:normal;font-weight:{f.weight};font-display:swap;'
        f'src:url({urls[f.file]}) format("woff2");unicode-range:{LATIN}}}\n'
        for f in faces
        if f.file in urls
    )


def stylesheet(theme: dict[str, Any], font_urls: dict[str, str] | None = None) -> str:
    colors = palette(theme)
    pair = theme.get("fonts") or "modern"
    headings, body = FONT_PAIRINGS.get(pair, FONT_PAIRINGS["modern"])
    faces = fonts_of(theme)
    head_weight = faces[0].weight if faces else 700
    on_primary = colors["on_primary"]
    return (
        font_faces(faces, font_urls or {})
        + f""":root{{
--primary:{colors["primary"]};--on-primary:{on_primary};--bg:{colors["background"]};
--text:{colors["text"]};--muted:{colors["muted"]};--surface:#ffffff;--line:rgba(0,0,0,.1);
--head:{headings};--body:{body};--space:clamp(2.75rem,7vw,4.5rem);--gap:{GAP:g}rem;--radius:.75rem}}
*,*::before,*::after{{box-sizing:border-box}}
html{{-webkit-text-size-adjust:100%}}
body{{margin:0;background:var(--bg);color:var(--text);font:1.0625rem/1.6 var(--body)}}
h1,h2,h3,h4,h5,h6{{font-family:var(--head);font-weight:{head_weight};line-height:1.2;margin:0 0 .6em}}
h1{{font-size:clamp(2.1rem,6vw,3.4rem)}}h2{{font-size:clamp(1.55rem,3.6vw,2.2rem)}}h3{{font-size:1.2rem}}
p,ul,ol,table,figure,blockquote{{margin:0 0 1rem}}
img{{max-width:100%;height:auto;display:block}}
a{{color:var(--primary);text-underline-offset:.15em}}
a:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible,[tabindex]:focus-visible{{
outline:3px solid var(--primary);outline-offset:2px}}
.wrap{{max-width:{WRAP:g}rem;margin:0 auto;padding-left:{PAD:g}rem;padding-right:{PAD:g}rem}}
main>section,main>figure{{padding:var(--space) 0}}
main>section>:last-child,.wrap>:last-child{{margin-bottom:0}}
main>section+section.tinted,main>section.tinted+section{{border-top:0}}
.tinted{{background:var(--muted)}}
.skip{{position:absolute;left:-999px}}.skip:focus{{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:3}}
.site-header{{border-bottom:1px solid var(--line)}}
.site-header .wrap{{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between;
padding-top:.9rem;padding-bottom:.9rem}}
.brand{{font:{head_weight} 1.25rem var(--head);text-decoration:none;color:var(--text)}}
.brand img{{height:3rem;width:auto}}
nav ul,.site-footer ul{{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}}
nav a{{display:inline-block;padding:.5rem 0}}
nav a[aria-current=page]{{font-weight:700;text-decoration:none}}
.page-title{{padding:var(--space) 0 0}}
.lead{{font-size:1.2rem;max-width:40rem}}
.button,button{{display:inline-block;background:var(--primary);color:var(--on-primary);border:0;border-radius:.5rem;
padding:.8rem 1.4rem;font:inherit;font-weight:600;text-decoration:none;cursor:pointer;min-height:48px}}
.hero{{position:relative}}
.hero-overlay{{display:grid;align-items:center;min-height:min(78vh,34rem);background:var(--primary);
color:var(--on-primary);text-align:center;overflow:hidden}}
.hero-overlay .hero-image{{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}}
.hero-overlay.has-image{{color:#fff;background:#1f2933}}
.hero-overlay.has-image::before{{content:"";position:absolute;inset:0;z-index:1;
background:linear-gradient(rgba(0,0,0,.55),rgba(0,0,0,.7))}}
.hero-overlay .hero-text{{position:relative;z-index:2;width:100%}}
.hero-overlay .lead{{margin-left:auto;margin-right:auto}}
.hero-overlay.has-image h1,.hero-overlay.has-image .lead{{text-shadow:0 1px 3px rgba(0,0,0,.5)}}
.hero-overlay.has-image .button{{background:#fff;color:{DARK_TEXT}}}
.hero-split{{background:var(--muted)}}
.hero-split .wrap{{display:grid;gap:var(--gap) {SPLIT_GAP:g}rem;align-items:center}}
.hero-split .hero-image{{border-radius:var(--radius);width:100%}}
@media (min-width:{SPLIT_AT:g}rem){{.hero-split .wrap{{grid-template-columns:1fr 1fr}}}}
.grid{{list-style:none;margin:0;padding:0;display:grid;gap:var(--gap);
grid-template-columns:repeat(auto-fit,minmax(min(100%,{TILE_WIDE:g}rem),1fr))}}
.card,.features-cards li,.pricing .grid>li,.testimonials li{{background:var(--surface);color:{DARK_TEXT};
border:1px solid var(--line);border-radius:var(--radius);padding:1.5rem;box-shadow:0 1px 2px rgba(0,0,0,.06)}}
.card a:not(.button),.pricing li a:not(.button){{color:inherit}}
.features-list ul{{list-style:none;margin:0;padding:0;display:grid;gap:var(--gap);max-width:44rem}}
.features-list li{{border-left:4px solid var(--primary);padding-left:1rem}}
.pricing .grid>li{{display:flex;flex-direction:column}}.pricing .grid>li ul{{padding-left:1.2rem;flex:1}}
.pricing li.highlighted{{border:3px solid var(--primary)}}
.price{{font-size:1.9rem;font-weight:700;margin-bottom:.75rem}}.period{{font-size:1rem;font-weight:400}}
.testimonials blockquote{{margin:0 0 .75rem;font-size:1.1rem}}.testimonials figure{{margin:0}}
.testimonials figcaption{{font-weight:600}}
.gallery-grid .grid{{
grid-template-columns:repeat(auto-fit,minmax(min(100%,max({TILE:g}rem,calc(50% - {GAP / 2:g}rem))),1fr))}}
@media (min-width:{SPLIT_AT:g}rem){{
.gallery-grid .grid{{grid-template-columns:repeat(auto-fit,minmax({TILE_WIDE:g}rem,1fr))}}}}
.gallery-grid img{{width:100%;aspect-ratio:4/3;object-fit:cover;border-radius:var(--radius)}}
.gallery-strip ul{{list-style:none;margin:0;padding:0 0 .75rem;display:grid;grid-auto-flow:column;
grid-auto-columns:min({STRIP_SHARE * 100:g}%,{STRIP_MAX:g}rem);gap:var(--gap);overflow-x:auto;
scroll-snap-type:x mandatory}}
.gallery-strip li{{scroll-snap-align:start}}.gallery-strip img{{border-radius:var(--radius)}}
.image img{{border-radius:var(--radius)}}figcaption{{font-size:.95rem;margin-top:.5rem}}
.cta{{background:var(--primary);color:var(--on-primary);text-align:center}}
.cta .button{{background:var(--on-primary);color:var(--primary)}}
.cta-card .card-box{{border:2px solid var(--primary);border-radius:var(--radius);padding:clamp(1.5rem,5vw,3rem);
text-align:center}}
.text-centred{{max-width:{44 + 2 * PAD:g}rem;text-align:center}}
.image-wide img{{width:100%;max-height:85vh;object-fit:cover}}.image-wide figcaption{{margin-top:.5rem}}
.price-list{{list-style:none;margin:0;padding:0;max-width:44rem}}
.price-list>li{{display:grid;grid-template-columns:1fr auto;gap:0 1rem;align-items:baseline;padding:1rem 0;
border-bottom:1px solid var(--line)}}
.price-list>li>h2,.price-list>li>h3,.price-list .price{{margin:0}}.price-list .price{{font-size:1.25rem}}
.price-list>li>ul{{grid-column:1/-1;margin:.25rem 0 0;padding-left:1.2rem}}
.price-list>li>.button{{grid-column:1/-1;justify-self:start;margin-top:.75rem}}
.price-list li.highlighted{{border-left:4px solid var(--primary);padding-left:1rem}}
.spotlight{{list-style:none;margin:0 auto;padding:0;display:grid;gap:2.5rem;max-width:44rem;text-align:center}}
.spotlight blockquote{{font:clamp(1.25rem,3vw,1.6rem)/1.4 var(--head)}}
label{{display:block;font-weight:600;margin-bottom:.25rem}}
input,textarea,select{{width:100%;max-width:36rem;padding:.7rem;font:inherit;border:1px solid #6b7280;
border-radius:.5rem;background:#fff;color:{DARK_TEXT}}}
input[type=checkbox]{{width:auto;margin:0 .5rem 0 0}}
label.option{{font-weight:400;display:flex;align-items:center;padding:.35rem 0}}
.options{{border:0;padding:0;margin:0 0 1rem}}.options legend{{font-weight:600;margin-bottom:.25rem}}
.hp{{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}}
.thanks{{display:none;background:var(--muted);padding:1rem;border-radius:.5rem}}.thanks:target{{display:block}}
.form-problem{{background:var(--muted);padding:1rem;border-radius:.5rem;border-left:4px solid #b91c1c}}
.field-error{{display:block;margin-top:.25rem;padding-left:.5rem;border-left:4px solid #b91c1c;font-weight:600}}
[aria-invalid=true]{{border:2px solid #b91c1c}}
.hours .grid{{align-items:start}}
table{{border-collapse:collapse}}th,td{{text-align:left;padding:.3rem 1.25rem .3rem 0}}
caption{{text-align:left;font-weight:700;margin-bottom:.25rem}}
address{{font-style:normal}}address a{{display:inline-block;padding:.35rem 0}}
.site-footer{{border-top:1px solid var(--line);padding:2rem 0;font-size:.9375rem}}
.site-footer a{{display:inline-block;padding:.4rem 0}}
.badge a{{color:inherit}}
@media (prefers-reduced-motion:reduce){{*{{transition:none!important;animation:none!important}}}}
"""
    )
