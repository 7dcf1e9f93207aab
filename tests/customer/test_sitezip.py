"""The published site as a zip (customer/sitezip.py): every live file laid out as folders, links
relative so index.html works opened from a folder, capped in size, only for the site's owner."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from hypothesis import given
from hypothesis import strategies as st

from customer import sitezip
from devstack.stack import Stack
from tests.customer.conftest import Owner
from tests.customer.test_publish import site_with_content

KNOWN = {"/": "index.html", "/about/": "about/index.html", "/assets/a.png": "assets/a.png"}


def test_pages_become_folders_with_an_index() -> None:
    assert sitezip.file_name("/") == "index.html"
    assert sitezip.file_name("/about/") == "about/index.html"
    assert sitezip.file_name("/menu/drinks/") == "menu/drinks/index.html"
    assert sitezip.file_name("/robots.txt") == "robots.txt"


def test_links_become_relative_to_the_page() -> None:
    html = (
        '<a href="/">Home</a><a href="/about/#hours">About</a><a href="/about">About</a>'
        '<img src="/assets/a.png" srcset="/assets/a.png 480w, /assets/a.png 960w">'
        '<a href="https://example.com/x">out</a><a href="//cdn.example/x">cdn</a><a href="tel:+41">call</a>'
        '<div style="background:url(/assets/a.png)"></div>'
    )
    at_top = sitezip.rewrite(html, "index.html", KNOWN)
    assert 'href="index.html"' in at_top
    assert 'href="about/index.html#hours"' in at_top
    assert at_top.count('href="about/index.html"') == 1
    assert 'src="assets/a.png" srcset="assets/a.png 480w, assets/a.png 960w"' in at_top
    assert 'href="https://example.com/x"' in at_top
    assert 'href="//cdn.example/x"' in at_top
    assert "url(assets/a.png)" in at_top
    deeper = sitezip.rewrite(html, "about/index.html", KNOWN)
    assert 'href="../index.html"' in deeper
    assert 'src="../assets/a.png"' in deeper


@given(st.lists(st.from_regex(r"[a-z0-9-]{1,8}", fullmatch=True), min_size=0, max_size=4))
def test_a_relative_link_resolves_to_the_file_it_names(parts: list[str]) -> None:
    """From any page's folder, the rewritten link joined to it is the target's file in the zip."""
    page = "/" + "".join(p + "/" for p in parts)
    here = sitezip.file_name(page)
    known = {**KNOWN, page: here}
    for target, name in known.items():
        link = sitezip.relative(target, here, known)
        assert posixpath.normpath(posixpath.join(posixpath.dirname(here), link)) == name


async def test_the_zip_holds_the_live_site_and_opens_from_a_folder(owner: Owner, stack: Stack) -> None:
    site = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    reply = await owner.call("GET", f"/api/v1/sites/{site['id']}/export.zip")
    assert reply.status == 200, reply.body[:300]
    assert reply.header("content-type") == "application/zip"
    assert 'filename="bakery-rosa-site.zip"' in reply.header("content-disposition")
    archive = zipfile.ZipFile(io.BytesIO(reply.body))
    names = set(archive.namelist())
    assert {"index.html", "about/index.html", "404.html", "robots.txt", "sitemap.xml", "README.txt"} <= names
    images = [n for n in names if n.startswith("assets/") and n.endswith(".png")]
    assert len(images) == 1
    assert archive.getinfo(images[0]).compress_type == zipfile.ZIP_STORED
    home = archive.read("index.html").decode()
    assert "Fresh bread &lt;daily&gt;" in home
    assert f'src="{images[0]}"' in home
    assert 'href="about/index.html"' in home
    # No root-relative link is left in any page: each would break opened from a folder.
    for name in ("index.html", "about/index.html", "404.html"):
        page = archive.read(name).decode()
        assert not re.search(r"""(?:href|src)=["']/(?!/)""", page), name
        for link in re.findall(r"""(?:href|src)=["']([^"'#?]+)""", page):
            if ":" in link or link.startswith("//"):
                continue  # absolute (canonical, tel:, the form's post address)
            assert posixpath.normpath(posixpath.join(posixpath.dirname(name), link)) in names, (name, link)


async def test_an_unpublished_site_and_another_accounts_site_are_refused(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    reply = await owner.call("GET", f"/api/v1/sites/{site['id']}/export.zip")
    assert reply.status == 409
    assert reply.json()["error"]["code"] == "not_published"
    other = await owner.call("GET", "/api/v1/sites/s_" + "0" * 32 + "/export.zip")
    assert other.status == 404


async def test_a_site_over_the_cap_is_refused_in_plain_words(owner: Owner, stack: Stack, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    site = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    monkeypatch.setattr(sitezip, "MAX_BYTES", 1000)
    reply = await owner.call("GET", f"/api/v1/sites/{site['id']}/export.zip")
    assert reply.status == 413
    error = reply.json()["error"]
    assert error["code"] == "export_too_large"
    assert error["limit_bytes"] == 1000
    assert "too big to download" in error["message"]
    assert error["request_id"]
