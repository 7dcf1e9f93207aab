"""Customer's HTTP layer, and nothing else: each handler reads the request (path parameters, JSON body,
If-Match), calls a business function with plain values, and turns its typed result into a response.
The business modules (sites, assets, publish, leads, domains, forms, export, accounts) never see a
request or build a response.

Every route but the public form endpoint acts for the account core vouched for: InternalGuard
verifies the signed header once and hands the identity to the handler (`Call.identity`); a site of
another account is a 404. Limits come from the vouched plan (shared/plans.py)."""

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
    forms,
    insights,
    leads,
    publish,
    sites,
    sitezip,
)
from customer.deps import CustomerDeps
from customer.model import Download, FormPost, Owner, Site, Tagged
from customer.operations import API
from customer.store import sites_of
from shared import health
from shared.errors import HttpError
from shared.http import Request, Response, json_response
from shared.internal_auth import Identity
from shared.jsonbody import read_json_object
from shared.openapi import DESCRIBE_PATH, paths
from shared.routing import Call as Routed
from shared.routing import Handler as RoutedHandler
from shared.routing import Params, Router
from shared.schema import read_query

TABLES = ("customers", "sites", "domains", "pages", "assets", "versions", "leads", "form_attempts", "held_addresses")


@dataclass
class Call:
    """One request to a handler: the ports, the request, its path parameters and the verified identity."""

    deps: CustomerDeps
    request: Request
    params: Params
    identity: Identity
    _owner: Owner | None = None

    async def owner(self) -> Owner:
        if self._owner is None:
            self._owner = await sites.owner_of(self.deps, self.identity)
        return self._owner

    async def site(self) -> Site:
        """The path's site, if the caller owns it (404 otherwise)."""
        return await sites.my_site(self.deps, await self.owner(), self.params["site_id"])

    async def editable_site(self) -> Site:
        """The path's site, if the caller owns it and the plan lets them change it (402 otherwise)."""
        return await sites.editable_site(self.deps, await self.owner(), self.params["site_id"])

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
    return json_response({"sites": await sites.list_sites(c.deps, await c.owner())})


async def create_site(c: Call) -> Response:
    return json_response(await sites.create_site(c.deps, await c.owner(), c.body()), 201)


async def get_site(c: Call) -> Response:
    return tagged(await sites.tagged_site(c.deps, await c.site()))


async def update_site(c: Call) -> Response:
    return tagged(await sites.update_site(c.deps, await c.owner(), c.params["site_id"], c.body(), c.if_match))


async def delete_site(c: Call) -> Response:
    await accounts.delete_site(c.deps, await c.site())
    return no_content()


async def create_page(c: Call) -> Response:
    return tagged(await sites.create_page(c.deps, await c.owner(), c.params["site_id"], c.body()), 201)


async def get_page(c: Call) -> Response:
    return tagged(await sites.tagged_page(c.deps, await c.site(), c.params["page_id"]))


async def update_page(c: Call) -> Response:
    owner, p = await c.owner(), c.params
    return tagged(await sites.update_page(c.deps, owner, p["site_id"], p["page_id"], c.body(), c.if_match))


async def delete_page(c: Call) -> Response:
    await sites.delete_page(c.deps, await c.owner(), c.params["site_id"], c.params["page_id"], c.if_match)
    return no_content()


async def add_block(c: Call) -> Response:
    owner, p = await c.owner(), c.params
    return tagged(await sites.add_block(c.deps, owner, p["site_id"], p["page_id"], c.body(), c.if_match), 201)


# --- assets -----------------------------------------------------------------------------------------
async def upload(c: Call) -> Response:
    name = read_query(c.request, assets.UPLOAD_QUERY)["name"]
    stored = await assets.upload(c.deps, await c.owner(), await c.editable_site(), c.request.body, name)
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
    return no_content()


async def upload_variant(c: Call) -> Response:
    site = await c.site()
    variant = await assets.upload_variant(c.deps, await c.owner(), site, c.params["sha256"], c.request.body)
    return json_response(variant, 201)


async def all_assets(c: Call) -> Response:
    mine = await sites_of(c.deps.db, (await c.owner()).customer_id)
    return json_response({"assets": await assets.list_assets(c.deps, [s.id for s in mine])})


# --- publishing -------------------------------------------------------------------------------------
async def preview(c: Call) -> Response:
    site = await c.editable_site()
    return json_response(await publish.preview(c.deps, site, (await c.owner()).plan))


async def publish_site(c: Call) -> Response:
    site = await c.editable_site()
    result = await publish.publish(c.deps, site, (await c.owner()).plan)
    return json_response(result, 200 if result["unchanged"] else 201)


async def versions(c: Call) -> Response:
    return json_response(await publish.versions(c.deps, await c.site()))


async def rollback(c: Call) -> Response:
    site = await c.editable_site()
    text = c.params["number"]
    number = int(text) if text.isdigit() and len(text) < 10 else -1
    return json_response(await publish.rollback(c.deps, site, number))


async def unpublish(c: Call) -> Response:
    await publish.unpublish(c.deps, await c.site())
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
    return json_response(await insights.insights(c.deps, await c.owner(), site, query))


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


# --- public: lead forms (core forwards without a session) -------------------------------------------
async def submit_form(c: Call) -> Response:
    r = c.request
    post = FormPost(r.header("content-type"), r.body, r.header("cf-connecting-ip"), r.header("x-request-id"))
    return forms.visitor_answer(await forms.submit(c.deps, c.params["site_id"], c.params["block_id"], post))


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
    "/api/v1/forms/{site_id}/{block_id}": {"POST": submit_form},  # public: no session
}


def router(deps: CustomerDeps) -> Router:
    routes = Router()
    for pattern, methods in ROUTES.items():
        for method, handler in methods.items():
            routes.add(method, pattern, _bound(deps, handler))
    return routes


def _bound(deps: CustomerDeps, handler: Handler) -> RoutedHandler:
    async def handle(routed: Routed) -> Response:
        return await handler(Call(deps, routed.request, routed.params, routed.identity))

    return handle
