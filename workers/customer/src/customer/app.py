"""Customer's app core: sites, pages, blocks, assets, publishing, domains and lead forms.

Every route but the public form endpoint acts for the account core vouched for (identity_of); a
site of another account is a 404. Limits come from the vouched plan (shared/plans.py)."""

from __future__ import annotations

from typing import Any

from customer import accounts, assets, domains, export, forms, leads, maintenance, publish, sites
from customer.deps import CustomerDeps, Settings
from customer.store import sites_of
from shared import health
from shared.app import App
from shared.http import Request, Response, json_response
from shared.internal import InternalGuard
from shared.routing import Params, Router
from shared.scheduled import Job

__all__ = ["CustomerDeps", "Settings", "create_app", "create_job"]

TABLES = ("customers", "sites", "domains", "pages", "assets", "versions", "leads", "form_attempts", "held_addresses")


def create_job(deps: CustomerDeps) -> Job:
    """The Cron Trigger's job: customer.maintenance, whatever the pattern (there is one)."""

    async def job(cron: str, scheduled_time: float) -> dict[str, Any]:
        return await maintenance.run(deps)

    return job


def create_app(deps: CustomerDeps) -> App:
    router = Router()
    route = router.route

    @route("GET", "/internal/health")
    async def get_health(request: Request, params: Params) -> Response:
        stores = {
            "d1": await health.check_database(deps.db, TABLES),
            "r2": await health.check_blob_store(deps.blobs, write=f"{deps.clock.now()}".encode()),
        }
        return json_response(health.report("customer", stores))

    @route("GET", "/internal/accounts/{account_id}/export")
    async def export_account(request: Request, params: Params) -> Response:
        return await export.export_account(deps, request, params["account_id"])

    @route("DELETE", "/internal/accounts/{account_id}")
    async def delete_account(request: Request, params: Params) -> Response:
        return await accounts.delete_account_data(deps, request, params["account_id"])

    @route("POST", "/internal/accounts/{account_id}/domains/cut-over")
    async def cut_over_domains(request: Request, params: Params) -> Response:
        return await domains.cut_over_account(deps, request, params["account_id"])

    # --- sites and pages ---------------------------------------------------------------------
    @route("GET", "/api/v1/sites")
    async def list_sites(request: Request, params: Params) -> Response:
        return await sites.list_sites(deps, request)

    @route("POST", "/api/v1/sites")
    async def create_site(request: Request, params: Params) -> Response:
        return await sites.create_site(deps, request)

    @route("GET", "/api/v1/sites/{site_id}")
    async def get_site(request: Request, params: Params) -> Response:
        return await sites.get_site(deps, request, params["site_id"])

    @route("PATCH", "/api/v1/sites/{site_id}")
    async def update_site(request: Request, params: Params) -> Response:
        return await sites.update_site(deps, request, params["site_id"])

    @route("DELETE", "/api/v1/sites/{site_id}")
    async def delete_site(request: Request, params: Params) -> Response:
        site = await sites.my_site(deps, request, params["site_id"])
        await accounts.delete_site(deps, site)
        return Response(204)

    @route("POST", "/api/v1/sites/{site_id}/pages")
    async def create_page(request: Request, params: Params) -> Response:
        return await sites.create_page(deps, request, params["site_id"])

    @route("GET", "/api/v1/sites/{site_id}/pages/{page_id}")
    async def get_page(request: Request, params: Params) -> Response:
        return await sites.get_page(deps, request, params["site_id"], params["page_id"])

    @route("PUT", "/api/v1/sites/{site_id}/pages/{page_id}")
    async def update_page(request: Request, params: Params) -> Response:
        return await sites.update_page(deps, request, params["site_id"], params["page_id"])

    @route("DELETE", "/api/v1/sites/{site_id}/pages/{page_id}")
    async def delete_page(request: Request, params: Params) -> Response:
        return await sites.delete_page(deps, request, params["site_id"], params["page_id"])

    @route("POST", "/api/v1/sites/{site_id}/pages/{page_id}/blocks")
    async def add_block(request: Request, params: Params) -> Response:
        return await sites.add_block(deps, request, params["site_id"], params["page_id"])

    # --- assets ---------------------------------------------------------------------------------
    @route("POST", "/api/v1/sites/{site_id}/assets")
    async def upload(request: Request, params: Params) -> Response:
        return await assets.upload(deps, await sites.editable_site(deps, request, params["site_id"]), request)

    @route("GET", "/api/v1/sites/{site_id}/assets")
    async def site_assets(request: Request, params: Params) -> Response:
        return await assets.library(deps, await sites.my_site(deps, request, params["site_id"]))

    @route("GET", "/api/v1/sites/{site_id}/assets/{sha256}")
    async def download(request: Request, params: Params) -> Response:
        site = await sites.my_site(deps, request, params["site_id"])
        return await assets.download(deps, site, params["sha256"])

    @route("DELETE", "/api/v1/sites/{site_id}/assets/{sha256}")
    async def delete_asset(request: Request, params: Params) -> Response:
        site = await sites.my_site(deps, request, params["site_id"])
        return await assets.delete(deps, site, params["sha256"])

    @route("POST", "/api/v1/sites/{site_id}/assets/{sha256}/variants")
    async def upload_variant(request: Request, params: Params) -> Response:
        site = await sites.my_site(deps, request, params["site_id"])
        return await assets.upload_variant(deps, site, params["sha256"], request)

    @route("GET", "/api/v1/assets")
    async def all_assets(request: Request, params: Params) -> Response:
        mine = await sites_of(deps.db, await sites.me(deps, request))
        return await assets.list_assets(deps, [s.id for s in mine])

    # --- publishing -------------------------------------------------------------------------
    @route("POST", "/api/v1/sites/{site_id}/preview")
    async def preview(request: Request, params: Params) -> Response:
        site = await sites.editable_site(deps, request, params["site_id"])
        return json_response(await publish.preview(deps, site, sites.plan_of(request)))

    @route("POST", "/api/v1/sites/{site_id}/publish")
    async def publish_site(request: Request, params: Params) -> Response:
        site = await sites.editable_site(deps, request, params["site_id"])
        result = await publish.publish(deps, site, sites.plan_of(request))
        return json_response(result, 200 if result["unchanged"] else 201)

    @route("GET", "/api/v1/sites/{site_id}/versions")
    async def versions(request: Request, params: Params) -> Response:
        return await publish.versions(deps, await sites.my_site(deps, request, params["site_id"]))

    @route("POST", "/api/v1/sites/{site_id}/versions/{number}/rollback")
    async def rollback(request: Request, params: Params) -> Response:
        site = await sites.editable_site(deps, request, params["site_id"])
        number = int(params["number"]) if params["number"].isdigit() and len(params["number"]) < 10 else -1
        return json_response(await publish.rollback(deps, site, number))

    @route("POST", "/api/v1/sites/{site_id}/unpublish")
    async def unpublish(request: Request, params: Params) -> Response:
        await publish.unpublish(deps, await sites.my_site(deps, request, params["site_id"]))
        return Response(204)

    # --- the leads inbox ------------------------------------------------------------------------
    @route("GET", "/api/v1/sites/{site_id}/leads")
    async def list_leads(request: Request, params: Params) -> Response:
        return await leads.list_leads(deps, await sites.my_site(deps, request, params["site_id"]))

    @route("GET", "/api/v1/sites/{site_id}/leads.csv")
    async def export_leads(request: Request, params: Params) -> Response:
        return await leads.export_csv(deps, await sites.my_site(deps, request, params["site_id"]))

    @route("PATCH", "/api/v1/sites/{site_id}/leads/{lead_id}")
    async def mark_lead(request: Request, params: Params) -> Response:
        site = await sites.my_site(deps, request, params["site_id"])
        return await leads.mark(deps, site, params["lead_id"], request)

    @route("DELETE", "/api/v1/sites/{site_id}/leads/{lead_id}")
    async def delete_lead(request: Request, params: Params) -> Response:
        site = await sites.my_site(deps, request, params["site_id"])
        return await leads.delete(deps, site, params["lead_id"])

    # --- domains --------------------------------------------------------------------------------
    @route("GET", "/api/v1/domains")
    async def list_domains(request: Request, params: Params) -> Response:
        return await domains.list_domains(deps, request)

    @route("POST", "/api/v1/domains")
    async def add_domain(request: Request, params: Params) -> Response:
        return await domains.add_domain(deps, request)

    @route("GET", "/api/v1/domains/{hostname}")
    async def get_domain(request: Request, params: Params) -> Response:
        return await domains.get_domain(deps, request, params["hostname"])

    @route("POST", "/api/v1/domains/{hostname}/refresh")
    async def refresh_domain(request: Request, params: Params) -> Response:
        return await domains.refresh_domain(deps, request, params["hostname"])

    @route("DELETE", "/api/v1/domains/{hostname}")
    async def remove_domain(request: Request, params: Params) -> Response:
        return await domains.remove_domain(deps, request, params["hostname"])

    # --- public: lead forms (core forwards without a session) -----------------------------------
    @route("POST", "/api/v1/forms/{site_id}/{block_id}")
    async def submit_form(request: Request, params: Params) -> Response:
        return await forms.submit(deps, request, params["site_id"], params["block_id"])

    guard = InternalGuard(router, deps.crypto, deps.clock, deps.internal_secret)
    return App("customer", guard, deps.clock, deps.crypto)
