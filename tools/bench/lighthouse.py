"""Lighthouse 12 (mobile) on a realistic published site, on the runtime lane (prints, not a test):

    .venv/bin/python -m tools.bench.lighthouse [--runs 3] [--themes ocean,forest+bistro] [--keep DIR]
    .venv/bin/python -m tools.bench.lighthouse --templates all|bakery,cafe [--runs 1]

A theme is a palette, or palette+fonts (a font pair of customer/blocks.py, e.g. a web-font pair).
With --templates, each template (customer/templates.py) is published as a site made from it
(`POST /api/v1/sites {name, template}`, as the portal does: its pages, theme and photos), and
every page of it is measured instead.

The site: one home page of 11 blocks with 6 photos (JPEGs made by Chromium's canvas, camera-sized:
1600x1067, prepared for upload by the portal's own photos.js in Chromium: the original and its
responsive variants), built and published through customer's app core on CPython, then copied into the
lane's R2 under `bench-<theme>.localhost` (Chromium resolves *.localhost to loopback), once per
theme. Lighthouse (npm, pinned in tools/bench/package.json, installed by `scripts/setup --full-browser`)
drives Debian's full /usr/bin/chromium headless with its default mobile settings (simulated throttling).
Per theme, one first visit (cold: the data centre's cache is empty) is printed apart, then the medians
of the runs after it. The lane answers as Cloudflare's edge would, HTML compressed (tools/lane/web.mjs:
edgeCompressed)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

from tests.lane.harness import running
from tools import chromium
from tools.bench.publish import call  # imports devstack, which puts the app cores on sys.path

from customer.blocks import PALETTES  # isort: skip

ROOT = Path(__file__).resolve().parents[2]
# Lighthouse has a package.json of its own (tools/bench): `scripts/setup --full-browser` installs it,
# so the test run's npm ci does not unpack its 142 packages.
LIGHTHOUSE = ROOT / "tools" / "bench" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

_PHOTO_SCRIPT = """([w, h, seed]) => {
  const c = document.createElement('canvas'); c.width = w; c.height = h;
  const g = c.getContext('2d');
  let s = seed; const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const sky = g.createLinearGradient(0, 0, 0, h);
  sky.addColorStop(0, `hsl(${rnd() * 360},60%,70%)`); sky.addColorStop(1, `hsl(${rnd() * 360},50%,35%)`);
  g.fillStyle = sky; g.fillRect(0, 0, w, h);
  for (let i = 0; i < 400; i++) {
    g.fillStyle = `hsla(${rnd() * 360},55%,${30 + rnd() * 50}%,${0.15 + rnd() * 0.5})`;
    g.beginPath(); g.arc(rnd() * w, rnd() * h, 5 + rnd() * 120, 0, Math.PI * 2); g.fill();
  }
  const img = g.getImageData(0, 0, w, h);  // grain, as a camera sensor has
  for (let i = 0; i < img.data.length; i += 4) {
    const n = (rnd() - 0.5) * 28; img.data[i] += n; img.data[i+1] += n; img.data[i+2] += n;
  }
  g.putImageData(img, 0, 0);
  return c.toDataURL('image/jpeg', 0.82);
}"""


PHOTOS_JS = ROOT / "workers" / "core" / "public" / "photos.js"
_PREPARE_SCRIPT = """async ([camera]) => {
  const { prepare } = await import('/photos.js');
  const b64 = async (blob) => {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = ''; for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return [btoa(s), blob.type];
  };
  const file = new File([await (await fetch(camera)).blob()], 'photo.jpg', { type: 'image/jpeg' });
  const made = await prepare(file);
  return [await b64(made.original), ...(await Promise.all(made.variants.map(b64)))];
}"""


def photos(count: int) -> list[list[tuple[bytes, str]]]:
    """`count` camera photos, each as the portal uploads it: [original, *variants] as (bytes, type),
    made by the portal's own photos.js (workers/core/public) in Chromium, as an owner's browser would."""
    from playwright.sync_api import Route, sync_playwright

    def serve(route: Route) -> None:
        if route.request.url.endswith(".js"):  # photos.js and the modules it imports (lib/…)
            module = PHOTOS_JS.parent / route.request.url.removeprefix("http://portal.invalid/")
            route.fulfill(body=module.read_bytes(), content_type="text/javascript")
        else:
            route.fulfill(body="<!doctype html><title>photos</title>", content_type="text/html")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium.full(), args=["--no-sandbox"])
        page = browser.new_page()
        page.route("http://portal.invalid/**", serve)
        page.goto("http://portal.invalid/")
        out = []
        for i in range(count):
            camera = page.evaluate(_PHOTO_SCRIPT, [1600, 1067, 7919 * (i + 1)])
            made = page.evaluate(_PREPARE_SCRIPT, [camera])
            out.append([(base64.b64decode(data), content_type) for data, content_type in made])
        browser.close()
    return out


def site_blocks(shas: list[str]) -> list[dict[str, Any]]:
    """Eleven blocks, the way a bakery would fill them in."""
    return [
        {"type": "hero", "heading": "Bread baked before sunrise",
         "subheading": "A family bakery in the old town since 1987.", "image": shas[0],
         "image_alt": "Loaves cooling on a rack", "cta_label": "See what's fresh", "cta_href": "#menu"},
        {"type": "rich_text", "markdown": "## Our story\n\nWe bake with **stone-ground flour** from the mill down the "
         "river and a sourdough starter older than the shop.\n\n### What we believe\n\n- Long, slow fermentation\n"
         "- Local grain\n- Nothing we would not eat ourselves\n\nCome by and [say hello](#visit)."},
        {"type": "features", "heading": "Why people come back", "items": [
            {"title": "Sourdough daily", "text": "Rye, spelt and wheat loaves from 7 am."},
            {"title": "Cakes to order", "text": "Birthdays, weddings and Tuesdays."},
            {"title": "Coffee", "text": "Roasted two streets away."}]},
        {"type": "gallery", "heading": "From the oven", "images": [
            {"asset": s, "alt": f"Fresh bakes, photo {i + 1}"} for i, s in enumerate(shas[1:5])]},
        {"type": "image", "asset": shas[5], "alt": "The shop front in the morning", "caption": "Corner of Mill Lane"},
        {"type": "pricing", "heading": "Bread subscriptions", "plans": [
            {"name": "Weekly loaf", "price": "€6", "period": "per week", "features": ["One loaf", "Pick up any day"],
             "cta_label": "Subscribe", "cta_href": "#contact"},
            {"name": "Family", "price": "€15", "period": "per week", "features": ["Three loaves", "A pastry box"],
             "cta_label": "Subscribe", "cta_href": "#contact", "highlighted": True}]},
        {"type": "testimonials", "heading": "What neighbours say", "items": [
            {"quote": "The best rye I have had outside my grandmother's kitchen.", "author": "Anna K.",
             "role": "regular"},
            {"quote": "Our wedding cake was perfect.", "author": "Sam and Lee"}]},
        {"type": "cta", "heading": "Hungry yet?", "text": "Order a cake for the weekend.", "label": "Order now",
         "href": "#contact"},
        {"type": "lead_form", "heading": "Order or ask", "intro": "We answer within a day.", "ask_phone": True},
        {"type": "hours_location", "heading": "Visit us", "hours": [
            {"day": d, "opens": "07:00", "closes": "18:00"} for d in ("mon", "tue", "wed", "thu", "fri")]
            + [{"day": "sat", "opens": "08:00", "closes": "14:00"}, {"day": "sun", "closed": True}],
         "address": "Mill Lane 4\n8001 Zurich", "phone": "+41 44 000 00 00", "email": "hello@example.com"},
        {"type": "footer", "text": "© Mill Lane Bakery", "links": [{"label": "Instagram", "href": "https://example.com/"}]},
    ]  # fmt: skip


async def publish_themes(
    themes: list[str], state: Path, uploads: list[list[tuple[bytes, str]]]
) -> dict[str, dict[str, tuple[bytes, str]]]:
    """theme -> every R2 object of that theme's published site (key -> (body, content type))."""
    from devstack import stack as stack_module

    stack = await stack_module.build(state)
    assert stack.blobs is not None
    stack.customer.log = lambda line: None  # type: ignore[method-assign]  # a line per call is noise here
    j = lambda d: json.dumps(d).encode()  # noqa: E731
    site = (await call(stack, "POST", "/api/v1/sites", j({"name": "Mill Lane Bakery"}))).json()
    sid, home = site["id"], site["pages"][0]["id"]
    shas = []
    for (original, content_type), *variants in uploads:  # the original, then the copies the portal made
        sha = (await call(stack, "POST", f"/api/v1/sites/{sid}/assets", original, content_type)).json()["sha256"]
        for variant, variant_type in variants:
            await call(stack, "POST", f"/api/v1/sites/{sid}/assets/{sha}/variants", variant, variant_type)
        shas.append(sha)
    await call(stack, "PUT", f"/api/v1/sites/{sid}/pages/{home}", j({"title": "Home", "blocks": site_blocks(shas)}))
    seo = {"description": "Sourdough, cakes and coffee in the old town.", "language": "en"}
    out: dict[str, dict[str, tuple[bytes, str]]] = {}
    for theme in themes:
        palette, _, fonts = theme.partition("+")  # "forest+bistro": a palette with a font pair
        chosen = {"palette": palette, **({"fonts": fonts} if fonts else {})}
        await call(stack, "PATCH", f"/api/v1/sites/{sid}", j({"theme": chosen, "seo": seo}))
        await call(stack, "POST", f"/api/v1/sites/{sid}/publish", b"{}")
        out[theme] = await site_objects(stack, sid, site["default_host"], theme.replace("+", "-"))
    stack.close()
    return out


async def site_objects(stack: Any, site_id: str, host: str, label: str) -> dict[str, tuple[bytes, str]]:
    """Every R2 object of the site's live version, its pointer served as `bench-<label>.localhost`."""
    objects: dict[str, tuple[bytes, str]] = {}
    for key in await stack.blobs.list(f"sites/{site_id}/files/"):
        blob = await stack.blobs.get(key)
        assert blob is not None
        objects[key] = (blob.body, blob.content_type)
    pointer = await stack.blobs.get(f"hosts/{host}.json")
    assert pointer is not None
    objects[f"hosts/bench-{label}.localhost.json"] = (pointer.body, "application/json")
    return objects


async def publish_templates(ids: list[str], state: Path) -> dict[str, tuple[dict[str, tuple[bytes, str]], list[str]]]:
    """template id -> (every R2 object of a site made from it, its pages' paths)."""
    from devstack import stack as stack_module

    stack = await stack_module.build(state)
    assert stack.blobs is not None
    stack.customer.log = lambda line: None  # type: ignore[method-assign]
    out = {}
    for template in ids:
        body = json.dumps({"name": "Harbour Lane", "template": template}).encode()
        site = (await call(stack, "POST", "/api/v1/sites", body)).json()
        await call(stack, "POST", f"/api/v1/sites/{site['id']}/publish", b"{}")
        objects = await site_objects(stack, site["id"], site["default_host"], template)
        out[template] = (objects, [p["path"] for p in site["pages"]])
        await call(stack, "DELETE", f"/api/v1/sites/{site['id']}")  # its files are copied; a plan holds 5 sites
    stack.close()
    return out


def main_templates(runs: int, ids: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sites = asyncio.run(publish_templates(ids, Path(tmp) / "stack"))
        with running(Path(tmp) / "lane", ("domain:POINTER_CACHE_SECONDS=30",)) as lane:
            for objects, _ in sites.values():
                for key, (body, ctype) in objects.items():
                    reply = httpx.put(
                        f"{lane.admin}/r2/smartpages-sites/{key}", content=body, headers={"content-type": ctype}
                    )
                    reply.raise_for_status()
            port = lane.domain.rsplit(":", 1)[1]
            print(f"Lighthouse 12 mobile, median of {runs} run(s) after a first visit, every page of each template")
            print(
                f"{'template / page':28} {'perf':>5} {'a11y':>5} {'bp':>5} {'seo':>5}"
                + f" {'LCP ms':>7} {'CLS':>6} {'KB':>6}"
            )
            for template, (_, paths) in sites.items():
                for path in paths:
                    url = f"http://bench-{template}.localhost:{port}{path}"
                    lighthouse(url)  # the first visit fills the data centre's cache (printed apart in main)
                    results = [lighthouse(url) for _ in range(runs)]
                    med = {k: statistics.median(r[k] for r in results) for k in results[0] if k != "failed"}
                    failed = sorted({a for r in results for a in r["failed"]})  # type: ignore[union-attr]
                    print(
                        f"{template + ' ' + path:28} {med['performance']:5.0f} {med['accessibility']:5.0f}"
                        f" {med['best-practices']:5.0f} {med['seo']:5.0f} {med['LCP ms']:7.0f} {med['CLS']:6.3f}"
                        f" {med['KB']:6.0f}" + (f"   not passed: {', '.join(failed)}" if failed else ""),
                        flush=True,
                    )


def lighthouse_cli() -> list[str]:
    """Lighthouse's command line, on the project's Node."""
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is not installed: run `scripts/setup --full-browser` first")
    return [str(ROOT / "tools" / "node"), str(LIGHTHOUSE)]


def lighthouse(url: str, keep: Path | None = None) -> dict[str, float]:
    command = [
        *lighthouse_cli(), url, "--output=json", "--output-path=stdout", "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=240,
        env={**os.environ, "CHROME_PATH": chromium.full()},
    )  # fmt: skip
    report = json.loads(done.stdout)
    if keep is not None:  # the whole report, to see where the bytes and milliseconds go
        keep.write_text(done.stdout)
    if report.get("runtimeError"):
        raise RuntimeError(report["runtimeError"])
    audits = report["audits"]
    figures = {c: 100 * (report["categories"][c]["score"] or 0) for c in CATEGORIES}
    figures["LCP ms"] = audits["largest-contentful-paint"]["numericValue"]
    figures["CLS"] = audits["cumulative-layout-shift"]["numericValue"]
    figures["KB"] = audits["total-byte-weight"]["numericValue"] / 1024
    figures["requests"] = len(audits["network-requests"]["details"]["items"])
    failed = sorted(
        a for c in CATEGORIES for ref in report["categories"][c]["auditRefs"]
        if ref["weight"] and (a := ref["id"]) in audits and audits[a]["score"] is not None and audits[a]["score"] < 1
    )  # fmt: skip
    figures["failed"] = failed  # type: ignore[assignment]
    return figures


def main(runs: int, themes: list[str], keep: Path | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sites = asyncio.run(publish_themes(themes, Path(tmp) / "stack", photos(6)))
        # The deployed pointer TTL (30 s), not the 1 s of workers/domain/.dev.vars.example, which
        # would make every view re-read R2.
        with running(Path(tmp) / "lane", ("domain:POINTER_CACHE_SECONDS=30",)) as lane:
            bucket = "smartpages-sites"
            for objects in sites.values():
                for key, (body, ctype) in objects.items():
                    reply = httpx.put(f"{lane.admin}/r2/{bucket}/{key}", content=body, headers={"content-type": ctype})
                    reply.raise_for_status()
            port = lane.domain.rsplit(":", 1)[1]
            print(f"Lighthouse 12 mobile, median of {runs} runs after a first visit, 11 blocks, 6 photos, on the lane")
            print(
                f"{'theme':8} {'perf':>5} {'a11y':>5} {'bp':>5} {'seo':>5} "
                + f"{'LCP ms':>7} {'CLS':>6} {'KB':>6} {'req':>4}   first visit: perf, LCP ms"
            )
            for theme in themes:
                url = f"http://bench-{theme.replace('+', '-')}.localhost:{port}/"
                # The first visit fills the data centre's cache, as on any site with visitors; on this
                # two-core machine its cold reads (R2 -> cache, in Pyodide) also compete with
                # Chromium for the CPU, so it is printed apart rather than mixed into the median.
                first = lighthouse(url, keep and keep / f"{theme}-first.json")
                results = [lighthouse(url, keep and keep / f"{theme}-{run}.json") for run in range(runs)]
                med = {k: statistics.median(r[k] for r in results) for k in results[0] if k != "failed"}
                print(
                    f"{theme:8} {med['performance']:5.0f} {med['accessibility']:5.0f} {med['best-practices']:5.0f} "
                    f"{med['seo']:5.0f} {med['LCP ms']:7.0f} {med['CLS']:6.3f} {med['KB']:6.0f} {med['requests']:4.0f}"
                    f"   {first['performance']:5.0f} {first['LCP ms']:7.0f}",
                    flush=True,
                )
                failed = sorted({a for r in results for a in r["failed"]})  # type: ignore[union-attr]
                if failed:
                    print(f"         not passed in some run: {', '.join(failed)}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--themes", default=",".join(PALETTES))
    parser.add_argument("--keep", type=Path, help="a folder to write each run's Lighthouse JSON report into")
    parser.add_argument("--templates", help="all, or template ids (customer/templates.py) separated by commas")
    args = parser.parse_args()
    if args.templates:
        from customer.templates import TEMPLATES  # isort: skip

        chosen = [t.id for t in TEMPLATES] if args.templates == "all" else args.templates.split(",")
        raise SystemExit(main_templates(args.runs, chosen))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    main(args.runs, args.themes.split(","), args.keep)
