"""Publishing end to end on CPython: core -> customer -> R2 -> domain."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from devstack.adapters import drained
from devstack.stack import Stack
from domain import app as domain
from shared.http import Request
from shared.ports import Blob, OpenBlob
from tests.conftest import FakeClock
from tests.customer.conftest import Owner, history_bodies, png, published_page

HOST = "bakery-rosa.localhost"


async def site_with_content(owner: Owner) -> dict[str, Any]:
    site = await owner.new_site()
    sha = (await owner.upload(site["id"], png(1))).json()["sha256"]
    home = site["pages"][0]["id"]
    await owner.ok(
        "PUT",
        f"/api/v1/sites/{site['id']}/pages/{home}",
        {
            "blocks": [
                {
                    "type": "hero",
                    "heading": "Fresh bread <daily>",
                    "subheading": "Since 1999",
                    "image": sha,
                    "image_alt": "Loaf",
                },
                {"type": "rich_text", "markdown": "## Hours\n\nOpen **every** day. [Call us](tel:+123)"},
            ]
        },
    )
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/pages", {"title": "About", "slug": "about"}, 201)
    return site


async def test_publish_serves_the_site_by_its_host(owner: Owner, stack: Stack) -> None:
    site = await site_with_content(owner)
    assert site["default_host"] == HOST
    result = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    assert result["version"] == 1
    assert result["url"] == "http://bakery-rosa.localhost:8788/"
    home = await published_page(stack, HOST + ":8788")
    assert home.status == 200
    assert home.header("content-type") == "text/html; charset=utf-8"
    assert b"Fresh bread &lt;daily&gt;" in home.body
    assert b"<strong>every</strong>" in home.body
    assert b'<link rel="canonical" href="http://bakery-rosa.localhost:8788/">' in home.body
    assert b"<script" not in home.body
    about = await published_page(stack, HOST, "/about/")
    assert about.status == 200
    assert b'aria-current="page"' in about.body
    assert (await published_page(stack, HOST, "/about")).header("location") == "/about/"
    sitemap = await published_page(stack, HOST, "/sitemap.xml")
    assert b"<loc>http://bakery-rosa.localhost:8788/about/</loc>" in sitemap.body
    assert (await published_page(stack, HOST, "/robots.txt")).body.startswith(b"User-agent: *\nAllow: /")
    missing = await published_page(stack, HOST, "/nope")
    assert missing.status == 404
    assert b"Page not found" in missing.body
    assert b"Bakery Rosa" in missing.body


async def test_republish_writes_only_what_changed_and_rollback_is_byte_for_byte(owner: Owner, stack: Stack) -> None:
    site = await site_with_content(owner)
    first = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    v1_home = (await published_page(stack, HOST)).body
    v1_about = (await published_page(stack, HOST, "/about/")).body
    about_id = next(p["id"] for p in (await owner.ok("GET", f"/api/v1/sites/{site['id']}"))["pages"] if p["slug"])
    await owner.ok(
        "PUT",
        f"/api/v1/sites/{site['id']}/pages/{about_id}",
        {"blocks": [{"type": "rich_text", "markdown": "We bake."}]},
    )
    second = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    assert first["files_written"] >= 5  # 2 pages, css, sitemap, robots, 404
    assert (second["version"], second["files_written"], second["pointers_written"]) == (2, 1, 1)
    assert (await published_page(stack, HOST)).body == v1_home  # unchanged page, same bytes
    await asyncio.sleep(0)
    assert b"We bake." in (await fresh(stack, "/about/")).body
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/versions/1/rollback", {})
    assert (await fresh(stack, "/about/")).body == v1_about
    versions = await owner.ok("GET", f"/api/v1/sites/{site['id']}/versions")
    assert versions["live_version"] == 1
    assert [v["number"] for v in versions["versions"]] == [2, 1]


async def fresh(stack: Stack, path: str) -> Any:
    """A view after the pointer cache let go (as `pointer_ttl` seconds later)."""
    clock: FakeClock = stack.domain.clock  # type: ignore[assignment]
    clock.advance(60)
    return await published_page(stack, HOST, path)


async def test_unpublish_takes_the_site_offline(owner: Owner, stack: Stack) -> None:
    site = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/unpublish", {}, 204)
    gone = await fresh(stack, "/")
    assert gone.status == 404
    assert b"There is no site here" in gone.body


async def test_only_the_plans_number_of_versions_is_kept(owner: Owner, stack: Stack) -> None:
    owner.plan = "free"  # keeps 2
    site = await owner.new_site()
    home = site["pages"][0]["id"]
    for n in range(4):
        await owner.ok(
            "PUT", f"/api/v1/sites/{site['id']}/pages/{home}", {"blocks": [{"type": "rich_text", "markdown": f"v{n}"}]}
        )
        await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    versions = await owner.ok("GET", f"/api/v1/sites/{site['id']}/versions")
    assert [v["number"] for v in versions["versions"]] == [4, 3]
    gone = await owner.call("POST", f"/api/v1/sites/{site['id']}/versions/1/rollback", {})
    assert gone.status == 404
    assert stack.blobs is not None
    files = await stack.blobs.list(f"sites/{site['id']}/files/")
    live = {e[0] for v in await versions_manifests(stack, site["id"]) for e in v}
    kept = live | await history_bodies(stack, site["id"])  # the page's history keeps its own files
    assert set(f.rsplit("/", 1)[1] for f in files) == kept  # v1 and v2's own files were deleted


async def versions_manifests(stack: Stack, site_id: str) -> list[list[list[Any]]]:
    rows = await (await stack.site_db(site_id)).all("SELECT manifest FROM versions WHERE site_id = ?", (site_id,))
    out = []
    for row in rows:
        m = json.loads(row["manifest"])
        out.append([*m["files"].values(), m["not_found"]])
    return out


async def test_preview_is_private_and_noindex(owner: Owner, stack: Stack) -> None:
    site = await site_with_content(owner)
    preview = await owner.ok("POST", f"/api/v1/sites/{site['id']}/preview", {})
    host = preview["url"].split("//")[1].split(":")[0]
    assert host.startswith("preview--")
    assert len(host.split(".")[0]) == len("preview--") + 32
    page = await published_page(stack, host)
    assert page.status == 200
    assert b'<meta name="robots" content="noindex, nofollow">' in page.body
    assert page.header("x-robots-tag") == "noindex, nofollow"
    assert (await published_page(stack, host, "/robots.txt")).body == b"User-agent: *\nDisallow: /\n"
    assert (await published_page(stack, HOST)).status == 404  # the draft is not live
    # The portal's editor frames the preview; nothing else may, and a published page never.
    assert page.header("content-security-policy").endswith("frame-ancestors http://127.0.0.1:8787")


class Failing:
    """A blob store that dies after `allowed` puts (a publish killed half-way)."""

    def __init__(self, inner: Any, allowed: int) -> None:
        self.inner, self.allowed = inner, allowed

    async def get(self, key: str) -> Blob | None:
        return await self.inner.get(key)  # type: ignore[no-any-return]

    async def put(
        self, key: str, body: bytes, content_type: str = "application/octet-stream", metadata: Any = None
    ) -> None:
        if self.allowed <= 0:
            raise RuntimeError("killed")
        self.allowed -= 1
        await self.inner.put(key, body, content_type, metadata)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)

    async def list(self, prefix: str) -> list[str]:
        return await self.inner.list(prefix)  # type: ignore[no-any-return]


async def test_a_publish_killed_half_way_leaves_the_old_version_live(owner: Owner, stack: Stack) -> None:
    site = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    before = {p: (await published_page(stack, HOST, p)).body for p in ("/", "/about/")}
    for page in (await owner.ok("GET", f"/api/v1/sites/{site['id']}"))["pages"]:
        body = {"blocks": [{"type": "rich_text", "markdown": f"NEW {page['title']}"}]}
        await owner.ok("PUT", f"/api/v1/sites/{site['id']}/pages/{page['id']}", body)
    inner = stack.blobs
    stack.swap_ports("customer", blobs=Failing(inner, 1))  # one new page is written, then the process dies
    failed = await owner.call("POST", f"/api/v1/sites/{site['id']}/publish", {})
    stack.swap_ports("customer", blobs=inner)
    assert failed.status == 500
    assert {p: (await fresh(stack, p)).body for p in ("/", "/about/")} == before
    again = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)  # the lock was released
    assert again["version"] == 2
    assert b"NEW Home" in (await fresh(stack, "/")).body


class Yielding:
    """Every store call yields to the event loop, so concurrent readers interleave with the writer."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def get(self, key: str) -> Blob | None:
        await asyncio.sleep(0)
        return await self.inner.get(key)  # type: ignore[no-any-return]

    async def open(self, key: str, first: int = 0, last: int | None = None) -> OpenBlob | None:
        await asyncio.sleep(0)
        return await self.inner.open(key, first, last)  # type: ignore[no-any-return]

    async def put(
        self, key: str, body: bytes, content_type: str = "application/octet-stream", metadata: Any = None
    ) -> None:
        await asyncio.sleep(0)
        await self.inner.put(key, body, content_type, metadata)
        await asyncio.sleep(0)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)

    async def list(self, prefix: str) -> list[str]:
        return await self.inner.list(prefix)  # type: ignore[no-any-return]


async def test_readers_during_a_publish_see_the_old_or_the_new_page_whole(
    owner: Owner, stack: Stack, clock: FakeClock, crypto: Any
) -> None:
    site = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    old = {p: (await published_page(stack, HOST, p)).body for p in ("/", "/about/")}
    home = site["pages"][0]["id"]
    await owner.ok(
        "PUT",
        f"/api/v1/sites/{site['id']}/pages/{home}",
        {"blocks": [{"type": "rich_text", "markdown": "Version two " * 50}]},
    )
    stack.swap_ports("customer", blobs=Yielding(stack.blobs))
    # No cache and no pointer memo: every view reads R2.
    reader = domain.bootstrap(domain.Settings(0), domain.Ports(blobs=Yielding(stack.blobs), clock=clock, crypto=crypto))
    publishing = asyncio.ensure_future(owner.call("POST", f"/api/v1/sites/{site['id']}/publish", {}))
    views = await asyncio.gather(*(staggered(reader, i) for i in range(1000)))
    published = await publishing
    stack.swap_ports("customer", blobs=stack.blobs)
    assert published.status == 201
    new_home = (await drained(await reader.handle(_get(HOST, "/")))).body
    assert new_home != old["/"]
    homes = [v for i, v in enumerate(views) if i % 2]
    assert all(v.status == 200 for v in views)
    assert all(v.body in (old["/"], new_home) for v in homes)
    assert all(v.body == old["/about/"] or b"Version two" not in v.body for v in views[::2])
    seen = {v.body for v in homes}
    assert old["/"] in seen, "the publish did not overlap the reads"
    assert new_home in seen, "the publish did not overlap the reads"


async def staggered(reader: Any, i: int) -> Any:
    """Reader i starts i/2 event-loop turns late, so the reads spread over the whole publish."""
    for _ in range(i // 2):
        await asyncio.sleep(0)
    return await drained(await reader.handle(_get(HOST, "/" if i % 2 else "/about/")))


def _get(host: str, path: str) -> Request:
    return Request("GET", path, "", {"host": host})


async def test_publishing_an_unchanged_draft_is_a_no_op_that_says_so(owner: Owner, stack: Stack) -> None:
    """A double click used to record a second, identical version (and on Free, which keeps 2,
    evict the real previous one)."""
    owner.plan = "free"
    site = await owner.new_site()
    home = site["pages"][0]["id"]
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    await owner.ok(
        "PUT", f"/api/v1/sites/{site['id']}/pages/{home}", {"blocks": [{"type": "rich_text", "markdown": "v2"}]}
    )
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    again = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 200)
    assert (again["version"], again["unchanged"], again["files_written"], again["pointers_written"]) == (2, True, 0, 0)
    versions = await owner.ok("GET", f"/api/v1/sites/{site['id']}/versions")
    assert [v["number"] for v in versions["versions"]] == [2, 1]


async def test_a_file_lost_from_r2_is_written_again_by_the_next_publish(owner: Owner, stack: Stack) -> None:
    """The finding: a page whose R2 object disappeared stayed 503 however often the site was
    republished (0 files written)."""
    assert stack.blobs is not None
    site = await site_with_content(owner)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    pointer = json.loads((await stack.blobs.get(f"hosts/{HOST}.json")).body)  # type: ignore[union-attr]
    lost = pointer["files"]["/about/"][0]
    await stack.blobs.delete(f"sites/{site['id']}/files/{lost}")
    assert (await fresh(stack, "/about/")).status == 503
    again = await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 200)  # the draft is unchanged
    assert (again["unchanged"], again["files_written"]) == (True, 1)
    healed = await fresh(stack, "/about/")
    assert healed.status == 200


async def test_a_publish_killed_holding_the_lock_blocks_the_next_for_the_lock_expiry_only(
    owner: Owner, stack: Stack, clock: FakeClock
) -> None:
    """The finding: a publish killed half-way kept the site locked for ~114 s."""
    from customer.publish import LOCK_SECONDS

    site = await site_with_content(owner)
    # What kill -9 between taking the lock and releasing it leaves behind.
    await stack.databases["customer"].run(
        "UPDATE sites SET publish_lock = ?, publish_lock_owner = 'dead' WHERE id = ?",
        [clock.now() + LOCK_SECONDS, site["id"]],
    )
    refused = await owner.call("POST", f"/api/v1/sites/{site['id']}/publish", {})
    assert (refused.status, refused.json()["error"]["code"]) == (409, "publish_in_progress")
    assert LOCK_SECONDS < 60  # a user retrying within a minute gets through
    clock.advance(LOCK_SECONDS + 1)
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)


async def test_a_publish_that_outlived_its_lock_does_not_switch_the_pointer(
    owner: Owner, stack: Stack, clock: FakeClock
) -> None:
    from customer.publish import LOCK_SECONDS

    site = await site_with_content(owner)
    inner = stack.blobs

    class Slow(Yielding):
        async def list(self, prefix: str) -> list[str]:
            clock.advance(LOCK_SECONDS + 1)  # the publish stalls past its lock; another takes the site
            await stack.databases["customer"].run(
                "UPDATE sites SET publish_lock = ?, publish_lock_owner = 'newer' WHERE id = ?",
                [clock.now() + LOCK_SECONDS, site["id"]],
            )
            return await self.inner.list(prefix)  # type: ignore[no-any-return]

    stack.swap_ports("customer", blobs=Slow(inner))
    late = await owner.call("POST", f"/api/v1/sites/{site['id']}/publish", {})
    stack.swap_ports("customer", blobs=inner)
    assert (late.status, late.json()["error"]["code"]) == (409, "publish_in_progress")
    assert (await stack.blobs.get(f"hosts/{HOST}.json")) is None  # type: ignore[union-attr]
    rows = await stack.databases["customer"].all("SELECT publish_lock_owner FROM sites WHERE id = ?", [site["id"]])
    assert rows == [{"publish_lock_owner": "newer"}]  # the newer publish keeps its lock


async def test_the_editor_says_what_differs_from_the_live_site(owner: Owner) -> None:
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}"
    assert (await owner.ok("GET", url))["draft_changes"] is None  # nothing live yet
    await owner.ok("POST", f"{url}/publish", {}, 201)
    assert (await owner.ok("GET", url))["draft_changes"] == []
    home = site["pages"][0]["id"]
    await owner.ok("PUT", f"{url}/pages/{home}", {"blocks": [{"type": "rich_text", "markdown": "New"}]})
    await owner.ok("POST", f"{url}/pages", {"title": "About"}, 201)
    await owner.ok("PATCH", url, {"theme": {"palette": "berry"}})
    assert (await owner.ok("GET", url))["draft_changes"] == [
        "Home: edited",
        "About: new page",
        "Name, theme or search settings",
    ]
    await owner.ok("POST", f"{url}/publish", {}, 201)
    assert (await owner.ok("GET", url))["draft_changes"] == []


async def test_a_lost_upload_refuses_the_publish_naming_it_until_uploaded_again(owner: Owner, stack: Stack) -> None:
    # Before: the publish reported success and the picture answered 503 on the live site.
    site = await owner.new_site()
    photo = png(7)
    sha = (await owner.upload(site["id"], photo, name="shopfront.png")).json()["sha256"]
    blocks = [{"type": "hero", "heading": "Bread", "image": sha, "image_alt": "Our shop"}]
    await owner.ok("PUT", f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}", {"blocks": blocks})
    await stack.blobs.delete(f"sites/{site['id']}/files/{sha}")
    refused = await owner.call("POST", f"/api/v1/sites/{site['id']}/publish", {})
    error = refused.json()["error"]
    assert (refused.status, error["code"], error["missing"]) == (409, "images_missing", ["shopfront.png"])
    assert "Upload it again" in error["message"]
    assert (await owner.ok("GET", f"/api/v1/sites/{site['id']}"))["live_version"] is None  # nothing recorded
    (item,) = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/assets"))["assets"]
    assert item["missing"] is True
    assert (await owner.upload(site["id"], photo, name="shopfront.png")).status == 201  # the same picture again
    (item,) = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/assets"))["assets"]
    assert item["missing"] is False
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    assert (await stack.blobs.get(f"sites/{site['id']}/files/{sha}")) is not None
