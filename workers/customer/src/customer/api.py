"""Customer's HTTP layer, and nothing else: each handler reads the request (path parameters, JSON body,
If-Match), calls a business function with plain values, and turns its typed result into a response.
The business modules (sites, assets, publish, leads, domains, forms, export, accounts) never see a
request or build a response.

Every route but the public form endpoint acts for the account core vouched for: InternalGuard
verifies the signed header once and hands the identity to the handler (`Call.identity`). A site
route names the least role it needs in MEMBER_ACCESS (customer/team.py: viewer < editor < owner;
a route not named there is the owner's alone): a site the caller has no role on is a 404, a role too
small a 403. Limits come from the site owner's plan (shared/plans.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from customer import (
    accounts,
    assets,
    blocks,
    catalogue,
    domains,
    export,
    formpage,
    forms,
    history,
    insights,
    leads,
    publish,
    sites,
    sitestore,
    sitezip,
    team,
)
from customer.deps import CustomerDeps
from customer.model import Download, FormAnswer, FormPost, Owner, Site, Tagged
from customer.operations import API
from customer.store import page_of, sites_of
from shared import health
from shared.errors import HttpError
from shared.http import Request, Response, json_response
from shared.internal_auth import Identity
from shared.jsonbody import read_json_object
from shared.openapi import DESCRIBE_PATH, paths
from shared.routing import Call as Routed
from shared.routing import Handler as RoutedHandler
from shared.routing import Params, Router
from shared.schema import check_fields, read_query
from shared.site_layout import SITE_HOST_HEADER

TABLES = (
    "customers",
    "sites",
    "domains",
    "pages",
    "assets",
    "versions",
    "leads",
    "form_attempts",
    "held_addresses",
    "site_members",
    "site_invitations",
    "site_activity",
    "page_history",
)


@dataclass
class Call:
    """One request to a handler: the ports, the request, its path parameters and the verified identity."""

    deps: CustomerDeps
    request: Request
    params: Params
    identity: Identity
    need: str = "owner"  # the least role on the path's site this route needs (MEMBER_ACCESS)
    _owner: Owner | None = None
    _site: Site | None = None
    role: str = ""

    async def owner(self) -> Owner:
        """The caller, as customer knows her (her own account and plan)."""
        if self._owner is None:
            self._owner = await sites.owner_of(self.deps, self.identity)
        return self._owner

    async def site(self) -> Site:
        """The path's site, if the caller's role on it is at least the route's (404 with no role,
        403 with too small a one)."""
        if self._site is None:
            self._site, self.role = await team.access(self.deps, await self.owner(), self.params["site_id"], self.need)
        return self._site

    async def acting(self) -> Owner:
        """Whom a call on the path's site acts for: its owner with her plan (after the role check)."""
        return await team.acting_owner(self.deps, await self.owner(), await self.site())

    async def editable_site(self) -> Site:
        """The path's site, if the caller may change it and its owner's plan lets it change (402 otherwise)."""
        return await sites.editable_site(self.deps, await self.acting(), self.params["site_id"])

    async def author(self) -> history.Author:
        """The caller as a page's history names her (customer/history.py)."""
        return history.Author((await self.owner()).customer_id, self.identity.email or "")

    async def did(self, action: str, subject: str = "") -> None:
        """Notes in the site's activity that the caller did `action` (customer/team.py)."""
        me = await self.owner()
        await team.record(self.deps, await self.site(), me.customer_id, self.identity.email or "", action, subject)

    def body(self) -> dict[str, Any]:
        return read_json_object(self.request)

    @property
    def if_match(self) -> str:
        return self.request.header("if-match")

    def account(self) -> str:
        """The path's account, only for the account core vouched for: a bug elsewhere must not
        reach someone else's data."""
        if self.identity.account_id != self.params["account_id"]:
            raise HttpError(403, "internal_auth_failed", "The vouched identity does not own this account.")
        return self.params["account_id"]


Handler = Callable[[Call], Awaitable[Response]]


def tagged(result: Tagged, status: int = 200) -> Response:
    return json_response(result.body, status, [("etag", result.etag)])


def no_content() -> Response:
    return Response(204)


def file_response(file: Download, inline_headers: list[tuple[str, str]] | None = None) -> Response:
    headers = [("content-type", file.content_type)]
    if file.filename:
        headers += [("content-disposition", f'attachment; filename="{file.filename}"'), ("cache-control", "no-store")]
    return Response(200, [*headers, *(inline_headers or [])], file.body)


# --- internal: health and the account's data (core's export and deletion) --------------------------
async def get_health(c: Call) -> Response:
    deps = c.deps
    stores = {
        "d1": await health.check_database(deps.db, TABLES),
        "r2": await health.check_blob_store(deps.blobs, write=f"{deps.clock.now()}".encode()),
        # SITE_STORE: a call into an object, its schema applied (docs/architecture.md, "Storage").
        "site_stores": await health.check_database(deps.stores.database(sitestore.PROBE), sitestore.SITE_TABLES),
    }
    return json_response(health.report("customer", stores))


async def export_account(c: Call) -> Response:
    return json_response(await export.export_account(c.deps, c.account()))


async def delete_account(c: Call) -> Response:
    found = await accounts.delete_account_data(c.deps, c.account())
    return Response(204 if found else 404)


async def suspend_account(c: Call) -> Response:
    """Core scheduled the account's deletion: its sites go offline, kept for the window."""
    return json_response({"suspended": await accounts.suspend_account(c.deps, c.account())})


async def restore_account(c: Call) -> Response:
    """The owner signed in within the window: her sites serve again."""
    return json_response({"restored": await accounts.restore_account(c.deps, c.account())})


async def account_email(c: Call) -> Response:
    """Core confirmed (or undid) an email change: lead mail goes to the vouched address from now on,
    not after the owner's next call (issue 23, L9)."""
    account_id = c.account()
    if not c.identity.email:
        raise HttpError(400, "email_missing", "The vouched identity carries no email.")
    await c.deps.db.run("UPDATE customers SET email = ? WHERE account_id = ?", (c.identity.email, account_id))
    return no_content()


async def cut_over_domains(c: Call) -> Response:
    """Day 14 of a downgrade (billing's timeline asks): the account's custom domains redirect."""
    return json_response({"domains_cut_over": await domains.cut_over_account(c.deps, c.account())})


async def block_catalogue(c: Call) -> Response:
    return json_response(blocks.catalogue_json(), headers=[("cache-control", "private, max-age=300")])


async def site_catalogue(c: Call) -> Response:
    return json_response(catalogue.catalogue(), headers=[("cache-control", "private, max-age=300")])


# --- sites and pages --------------------------------------------------------------------------------
async def list_sites(c: Call) -> Response:
    """Her own sites, then those shared with her (with her role and the owner's address)."""
    me = await c.owner()
    mine = [{**s, "role": "owner"} for s in await sites.list_sites(c.deps, me)]
    theirs = await team.shared_sites(c.deps, me)
    shown = await sites.sites_json(c.deps, [site for site, _, _ in theirs])
    shared = [{**s, "role": role, "owner_email": email} for s, (_, role, email) in zip(shown, theirs, strict=True)]
    return json_response({"sites": mine + shared})


async def create_site(c: Call) -> Response:
    return json_response(await sites.create_site(c.deps, await c.owner(), c.body()), 201)


async def get_site(c: Call) -> Response:
    found = await sites.tagged_site(c.deps, await c.site())
    return json_response({**found.body, "role": c.role}, headers=[("etag", found.etag)])


async def update_site(c: Call) -> Response:
    body = c.body()
    updated = await sites.update_site(c.deps, await c.acting(), c.params["site_id"], body, c.if_match)
    await c.did("site_changed", ", ".join(sorted(body)))
    return tagged(updated)


async def delete_site(c: Call) -> Response:
    await accounts.delete_site(c.deps, await c.site())
    return no_content()


async def create_page(c: Call) -> Response:
    created = await sites.create_page(c.deps, await c.acting(), c.params["site_id"], c.body())
    await c.did("page_added", str(created.body["title"]))
    return tagged(created, 201)


async def get_page(c: Call) -> Response:
    return tagged(await sites.tagged_page(c.deps, await c.site(), c.params["page_id"]))


async def update_page(c: Call) -> Response:
    owner, p = await c.acting(), c.params
    saved = await sites.update_page(c.deps, owner, p["site_id"], p["page_id"], c.body(), c.if_match, await c.author())
    await c.did("page_saved", str(saved.body["title"]))
    return tagged(saved)


async def delete_page(c: Call) -> Response:
    owner, p = await c.acting(), c.params
    site = await c.site()
    title = (await page_of(c.deps.site_db(site), site.id, p["page_id"])).title
    await sites.delete_page(c.deps, owner, p["site_id"], p["page_id"], c.if_match)
    await c.did("page_deleted", title)
    return no_content()


async def add_block(c: Call) -> Response:
    owner, p = await c.acting(), c.params
    added = await sites.add_block(c.deps, owner, p["site_id"], p["page_id"], c.body(), c.if_match, await c.author())
    site = await c.site()
    await c.did("page_saved", (await page_of(c.deps.site_db(site), site.id, p["page_id"])).title)
    return tagged(added, 201)


async def page_history(c: Call) -> Response:
    return json_response(await sites.page_history(c.deps, await c.site(), c.params["page_id"]))


async def restore_page(c: Call) -> Response:
    owner, p = await c.acting(), c.params
    text = p["number"]
    number = int(text) if text.isdigit() and len(text) < 10 else -1
    restored = await sites.restore_page(c.deps, owner, p["site_id"], p["page_id"], number, c.if_match, await c.author())
    await c.did("page_restored", str(restored.body["title"]))
    return tagged(restored)


# --- assets -----------------------------------------------------------------------------------------
async def upload(c: Call) -> Response:
    name = read_query(c.request, assets.UPLOAD_QUERY)["name"]
    site = await c.editable_site()
    stored = await assets.upload(c.deps, await c.acting(), site, c.request.body, name)
    if stored.stored:
        await c.did("picture_added", name)
    return json_response(asdict(stored), 201 if stored.stored else 200)


async def site_assets(c: Call) -> Response:
    return json_response({"assets": await assets.library(c.deps, await c.site())})


async def get_asset(c: Call) -> Response:
    file = await assets.download(c.deps, await c.site(), c.params["sha256"])
    # The editor's view of an upload: never sniffed, never a document that could run anything.
    return file_response(
        file, [("x-content-type-options", "nosniff"), ("content-security-policy", "default-src 'none'; sandbox")]
    )


async def delete_asset(c: Call) -> Response:
    await assets.delete(c.deps, await c.site(), c.params["sha256"])
    await c.did("picture_deleted")
    return no_content()


async def upload_variant(c: Call) -> Response:
    site = await c.site()
    variant = await assets.upload_variant(c.deps, await c.acting(), site, c.params["sha256"], c.request.body)
    return json_response(variant, 201)


async def all_assets(c: Call) -> Response:
    mine = await sites_of(c.deps.db, (await c.owner()).customer_id)
    return json_response({"assets": await assets.list_assets(c.deps, mine)})


# --- publishing -------------------------------------------------------------------------------------
async def preview(c: Call) -> Response:
    site = await c.editable_site()
    return json_response(await publish.preview(c.deps, site, (await c.acting()).plan))


async def publish_site(c: Call) -> Response:
    site = await c.editable_site()
    result = await publish.publish(c.deps, site, (await c.acting()).plan, await c.author())
    if not result["unchanged"]:
        await c.did("published", str(result.get("version", "")))
    return json_response(result, 200 if result["unchanged"] else 201)


async def versions(c: Call) -> Response:
    return json_response(await publish.versions(c.deps, await c.site()))


async def rollback(c: Call) -> Response:
    site = await c.editable_site()
    text = c.params["number"]
    number = int(text) if text.isdigit() and len(text) < 10 else -1
    result = await publish.rollback(c.deps, site, number)
    await c.did("rolled_back", str(number))
    return json_response(result)


async def unpublish(c: Call) -> Response:
    await publish.unpublish(c.deps, await c.site())
    await c.did("unpublished")
    return no_content()


# --- the leads inbox --------------------------------------------------------------------------------
async def list_leads(c: Call) -> Response:
    return json_response(await leads.list_leads(c.deps, await c.site()))


async def export_leads(c: Call) -> Response:
    return file_response(await leads.export_csv(c.deps, await c.site()))


async def export_site(c: Call) -> Response:
    """The live version as a zip, ready to host elsewhere (customer/sitezip.py)."""
    return file_response(await sitezip.site_zip(c.deps, await c.site()))


async def mark_lead(c: Call) -> Response:
    await leads.mark(c.deps, await c.site(), c.params["lead_id"], c.body())
    return no_content()


async def delete_lead(c: Call) -> Response:
    await leads.delete(c.deps, await c.site(), c.params["lead_id"])
    return no_content()


# --- insights ----------------------------------------------------------------------------------------
async def site_insights(c: Call) -> Response:
    query = read_query(c.request, insights.QUERY)
    site = await c.site()
    return json_response(await insights.insights(c.deps, await c.acting(), site, query))


# --- domains ----------------------------------------------------------------------------------------
async def list_domains(c: Call) -> Response:
    return json_response({"domains": await domains.list_domains(c.deps, await c.owner())})


async def add_domain(c: Call) -> Response:
    return json_response(await domains.add_domain(c.deps, await c.owner(), c.body()), 201)


async def get_domain(c: Call) -> Response:
    return json_response(await domains.get_domain(c.deps, await c.owner(), c.params["hostname"]))


async def refresh_domain(c: Call) -> Response:
    return json_response(await domains.refresh_domain(c.deps, await c.owner(), c.params["hostname"]))


async def remove_domain(c: Call) -> Response:
    await domains.remove_domain(c.deps, await c.owner(), c.params["hostname"])
    return no_content()


# --- the site's team and its activity (customer/team.py) --------------------------------------------
async def get_team(c: Call) -> Response:
    return json_response(await team.team(c.deps, await c.acting(), await c.site()))


async def invite(c: Call) -> Response:
    site = await c.site()
    invitation = await team.invite(c.deps, await c.acting(), site, c.body())
    await c.did("invited", f"{invitation['email']} ({invitation['role']})")
    return json_response(invitation, 201)


async def revoke_invitation(c: Call) -> Response:
    email = await team.revoke(c.deps, await c.site(), c.params["invitation_id"])
    await c.did("invitation_revoked", email)
    return no_content()


async def remove_member(c: Call) -> Response:
    email = await team.remove_member(c.deps, await c.site(), c.params["member_id"])
    await c.did("member_removed", email)
    return no_content()


async def site_activity(c: Call) -> Response:
    return json_response(await team.activity(c.deps, await c.site()))


async def lookup_invitation(c: Call) -> Response:
    """Public (the mailed link's holder): what the invitation is, before she signs in."""
    token = read_body_fields(c, team.TOKEN_FIELDS)["token"]
    return json_response(await team.lookup(c.deps, token))


async def accept_invitation(c: Call) -> Response:
    token = read_body_fields(c, team.TOKEN_FIELDS)["token"]
    return json_response(await team.accept(c.deps, await c.owner(), c.identity.email, token))


def read_body_fields(c: Call, fields: dict[str, Any]) -> dict[str, Any]:
    return check_fields(fields, c.body())


# --- public: lead forms (core forwards without a session) -------------------------------------------
async def submit_form(c: Call) -> Response:
    r = c.request
    post = FormPost(r.header("content-type"), r.body, r.header("cf-connecting-ip"), r.header("x-request-id"))
    return forms.visitor_answer(await forms.submit(c.deps, c.params["site_id"], c.params["block_id"], post))


async def submit_site_form(c: Call) -> Response:
    """A lead form posted to the site's own host: domain forwards it, signed as domain, with the host
    the visitor used; every outcome is answered on the site's page (customer/formpage.py)."""
    if c.identity.caller != "domain":
        raise HttpError(403, "internal_auth_failed", "Only the domain worker forwards site forms.")
    r = c.request
    site_id, block_id = c.params["site_id"], c.params["block_id"]
    post = FormPost(r.header("content-type"), r.body, r.header("cf-connecting-ip"), r.header("x-request-id"))
    answer = await forms.submit(c.deps, site_id, block_id, post)
    page = None
    if answer.refused:
        page = await formpage.published_html(c.deps, r.header(SITE_HOST_HEADER), site_id, answer.page)
    return visitor_page(answer, block_id, page)


def visitor_page(answer: FormAnswer, block_id: str, page_html: str | None) -> Response:
    """The visitor's answer on the site's host: 303 to the thank-you, or the page filled back in
    (customer/formpage.py), never cached."""
    no_store = ("cache-control", "no-store")
    if not answer.refused:
        return Response(303, [("location", f"{answer.page}#thanks-{block_id}"), no_store])
    extra = [("retry-after", str(forms.WINDOW_SECONDS))] if answer.status == 429 else []
    filled = formpage.refill(page_html, block_id, answer) if page_html is not None else None
    if filled is None:
        plain = forms.visitor_answer(answer)
        return Response(plain.status, [*plain.headers, no_store], plain.body)
    html_type = ("content-type", "text/html; charset=utf-8")
    return Response(answer.status, [html_type, no_store, *extra], filled.encode("utf-8"))


async def describe_operations(c: Call) -> Response:
    """Customer's public operations, for the OpenAPI document core serves (shared/openapi.py)."""
    return json_response({"paths": paths(API)})


SITE = "/api/v1/sites/{site_id}"
PAGE = SITE + "/pages/{page_id}"
ASSET = SITE + "/assets/{sha256}"

# Every route customer answers, in one table (as Starlette's `routes=[...]`): path -> method -> handler.
ROUTES: dict[str, dict[str, Handler]] = {
    "/internal/health": {"GET": get_health},
    DESCRIBE_PATH: {"GET": describe_operations},
    "/internal/accounts/{account_id}/export": {"GET": export_account},
    "/internal/accounts/{account_id}": {"DELETE": delete_account},
    "/internal/accounts/{account_id}/email": {"POST": account_email},
    "/internal/accounts/{account_id}/suspend": {"POST": suspend_account},
    "/internal/accounts/{account_id}/restore": {"POST": restore_account},
    "/internal/accounts/{account_id}/domains/cut-over": {"POST": cut_over_domains},
    "/api/v1/blocks/catalogue": {"GET": block_catalogue},
    "/api/v1/catalogue": {"GET": site_catalogue},
    "/api/v1/sites": {"GET": list_sites, "POST": create_site},
    SITE: {"GET": get_site, "PATCH": update_site, "DELETE": delete_site},
    SITE + "/pages": {"POST": create_page},
    PAGE: {"GET": get_page, "PUT": update_page, "DELETE": delete_page},
    PAGE + "/blocks": {"POST": add_block},
    PAGE + "/history": {"GET": page_history},
    PAGE + "/history/{number}/restore": {"POST": restore_page},
    SITE + "/assets": {"POST": upload, "GET": site_assets},
    ASSET: {"GET": get_asset, "DELETE": delete_asset},
    ASSET + "/variants": {"POST": upload_variant},
    "/api/v1/assets": {"GET": all_assets},
    SITE + "/preview": {"POST": preview},
    SITE + "/publish": {"POST": publish_site},
    SITE + "/versions": {"GET": versions},
    SITE + "/versions/{number}/rollback": {"POST": rollback},
    SITE + "/unpublish": {"POST": unpublish},
    SITE + "/leads": {"GET": list_leads},
    SITE + "/leads.csv": {"GET": export_leads},
    SITE + "/export.zip": {"GET": export_site},
    SITE + "/leads/{lead_id}": {"PATCH": mark_lead, "DELETE": delete_lead},
    SITE + "/insights": {"GET": site_insights},
    "/api/v1/domains": {"GET": list_domains, "POST": add_domain},
    "/api/v1/domains/{hostname}": {"GET": get_domain, "DELETE": remove_domain},
    "/api/v1/domains/{hostname}/refresh": {"POST": refresh_domain},
    SITE + "/team": {"GET": get_team},
    SITE + "/team/invitations": {"POST": invite},
    SITE + "/team/invitations/{invitation_id}": {"DELETE": revoke_invitation},
    SITE + "/team/members/{member_id}": {"DELETE": remove_member},
    SITE + "/activity": {"GET": site_activity},
    "/api/v1/invitations/lookup": {"POST": lookup_invitation},  # public: the mailed link is the key
    "/api/v1/invitations/accept": {"POST": accept_invitation},
    "/api/v1/forms/{site_id}/{block_id}": {"POST": submit_form},  # public: no session (pages published before 27.1)
    "/internal/forms/{site_id}/{block_id}": {"POST": submit_site_form},  # domain forwards a site's own form
}

# What a member of a site may call on it, by the least role each route needs (customer/team.py).
# A site route not named here is the owner's alone: deleting the site, taking it offline, its
# domains, its enquiries (visitors' personal data) and its team. tests/customer/test_team.py calls
# every site route as owner, editor, viewer and stranger.
VIEWER, EDITOR = "viewer", "editor"
MEMBER_ACCESS: dict[tuple[str, str], str] = {
    ("GET", SITE): VIEWER,
    ("PATCH", SITE): EDITOR,
    ("POST", SITE + "/pages"): EDITOR,
    ("GET", PAGE): VIEWER,
    ("PUT", PAGE): EDITOR,
    ("DELETE", PAGE): EDITOR,
    ("POST", PAGE + "/blocks"): EDITOR,
    ("GET", PAGE + "/history"): VIEWER,
    ("POST", PAGE + "/history/{number}/restore"): EDITOR,
    ("POST", SITE + "/assets"): EDITOR,
    ("GET", SITE + "/assets"): VIEWER,
    ("GET", ASSET): VIEWER,
    ("DELETE", ASSET): EDITOR,
    ("POST", ASSET + "/variants"): EDITOR,
    ("POST", SITE + "/preview"): EDITOR,
    ("POST", SITE + "/publish"): EDITOR,
    ("GET", SITE + "/versions"): VIEWER,
    ("POST", SITE + "/versions/{number}/rollback"): EDITOR,
    ("GET", SITE + "/insights"): VIEWER,
    ("GET", SITE + "/activity"): VIEWER,
}


def router(deps: CustomerDeps) -> Router:
    routes = Router()
    for pattern, methods in ROUTES.items():
        for method, handler in methods.items():
            routes.add(method, pattern, _bound(deps, handler, MEMBER_ACCESS.get((method, pattern), "owner")))
    return routes


def _bound(deps: CustomerDeps, handler: Handler, need: str) -> RoutedHandler:
    async def handle(routed: Routed) -> Response:
        return await handler(Call(deps, routed.request, routed.params, routed.identity, need))

    return handle
