"""Template thumbnails and previews (issue 26.5), made from the renderer itself: each template is
rendered by customer/render.py as a site named "Harbour Lane" (customer.templates.site_data) and
laid out in Chromium (Debian's headless shell, as the tests use: tools/chromium.py), then

    workers/core/public/templates/<id>/thumb.webp     the top of the home page at 1280 x 800,
                                                      shrunk to 480 x 300 (the chooser's picture)
    workers/core/public/templates/<id>/page-<n>.webp  every page in full at 1024 px, shrunk to
                                                      512 px wide (the full preview before choosing)
    workers/core/public/templates/versions.json       each template's fingerprint when they were made

tests/customer/test_templates.py fails when a template changed and this was not run again:

    .venv/bin/python -m tools.thumbnails [id ...]"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "workers" / "customer" / "src")]

from customer import render, templatephotos, templates  # noqa: E402
from tools import chromium  # noqa: E402

OUT = ROOT / "workers" / "core" / "public" / "templates"
VERSIONS = OUT / "versions.json"
SAMPLE_NAME = "Harbour Lane"


def files_of(template: templates.Template) -> dict[str, tuple[bytes, str]]:
    """Path -> (bytes, content type): the rendered site with its photos, as a host would serve it."""
    import base64

    rendered = render.render_site(templates.site_data(template, SAMPLE_NAME))
    served = {path: (f.body, f.content_type) for path, f in rendered.files.items()}
    photos = {f[0]: f for original, variants in templatephotos.PHOTOS.values() for f in (original, *variants)}
    for path, (sha, kind) in rendered.assets.items():
        served[path] = (base64.b64decode(photos[sha][4]), kind)
    return served


def _webp(png: bytes, width: int, height: int | None = None, quality: int = 70) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if height is not None:
        image = image.crop((0, 0, image.width, min(image.height, round(image.width * height / width))))
    image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality, method=6)
    return out.getvalue()


def server(served: dict[str, tuple[bytes, str]]) -> Any:
    """A Playwright route handler answering http://template.test/ with the rendered files."""

    def serve(route: Any) -> None:
        path = "/" + route.request.url.split("/", 3)[3].split("?")[0]
        body, kind = served.get(path, (b"", "text/plain"))
        route.fulfill(status=200 if path in served else 404, body=body, content_type=kind)

    return serve


SETTLE = """async () => {
  document.querySelectorAll('img[loading=lazy]').forEach((img) => { img.loading = 'eager'; });
  await Promise.all([...document.images].map((img) => img.decode().catch(() => null)));
  await document.fonts.ready;
}"""


def make(chosen: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    versions = json.loads(VERSIONS.read_text()) if VERSIONS.exists() else {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium.HEADLESS_SHELL, args=chromium.ARGS)
        for template in templates.TEMPLATES:
            if chosen and template.id not in chosen:
                continue
            serve = server(files_of(template))

            folder = OUT / template.id
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.webp"):
                old.unlink()
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.route("http://template.test/**", serve)
            page.goto("http://template.test/", wait_until="load")
            page.evaluate(SETTLE)  # every picture decoded, the web fonts in: the same pixels every run
            (folder / "thumb.webp").write_bytes(_webp(page.screenshot(), 480, 300, quality=75))
            page.set_viewport_size({"width": 1024, "height": 800})
            for n, p in enumerate(template.pages):
                page.goto(f"http://template.test/{p.slug + '/' if p.slug else ''}", wait_until="load")
                page.evaluate(SETTLE)
                (folder / f"page-{n}.webp").write_bytes(_webp(page.screenshot(full_page=True), 512, quality=60))
            context.close()
            versions[template.id] = template.fingerprint()
            print(f"{template.id}: {sum(f.stat().st_size for f in folder.glob('*.webp'))} bytes")
        browser.close()
    VERSIONS.write_text(json.dumps(dict(sorted(versions.items())), indent=1) + "\n")


if __name__ == "__main__":
    make(sys.argv[1:])
