"""Mailer's HTTP layer, and nothing else: each handler parses the request into a typed value
(shared/schema.py), calls the store or a client with plain values and shapes the answer. Everything
sits behind InternalGuard (core only).

POST /internal/send               record a message and enqueue it (or keep it in the outbox)
POST /internal/crm                {"event", "email", "attribution"?}: queue a HubSpot contact sync (mailer.crm)
POST /api/v1/webhooks/resend      Resend's Svix-signed events, forwarded raw by core
GET  /internal/outbox[.json|/id]  the local outbox; 404 when RESEND_API_KEY is set
POST /internal/forget             {"address"}: an account was deleted; forget everything about the address
POST /internal/export             {"address"}: the mail log for the address (an account export)
GET  /internal/health"""

from __future__ import annotations

from mailer import outbox, sending, svix
from mailer.headers import Address
from mailer.operations import API
from mailer.services import AboutAddress, Mailer, forget
from shared import crm as crm_contract
from shared import health, mail
from shared.errors import NotFound
from shared.http import Response, json_response
from shared.jsonbody import read_json_object
from shared.openapi import describe
from shared.routing import Call, Router, Table
from shared.schema import Field, read_command

TABLES = ("emails", "suppressions", "outbox", "webhook_events", "crm_forgotten")
ABOUT_ADDRESS: dict[str, Field] = {"address": Address()}


async def get_health(svc: Mailer, c: Call) -> Response:
    return json_response(health.report("mailer", {"d1": await health.check_database(svc.db, TABLES)}))


async def post_send(svc: Mailer, c: Call) -> Response:
    result = await svc.sender.send(sending.parse(read_json_object(c.request)))
    return json_response(result.body(), 202)


async def post_crm(svc: Mailer, c: Call) -> Response:
    return json_response({"crm": await svc.crm.request(read_json_object(c.request))}, 202)


async def post_forget(svc: Mailer, c: Call) -> Response:
    await forget(svc, read_command(c.request, ABOUT_ADDRESS, AboutAddress))
    return Response(204)


async def post_export(svc: Mailer, c: Call) -> Response:
    return json_response(await svc.store.about(read_command(c.request, ABOUT_ADDRESS, AboutAddress).address))


async def post_resend_webhook(svc: Mailer, c: Call) -> Response:
    r = c.request
    delivery = svix.Signed(r.header("svix-id"), r.header("svix-timestamp"), r.header("svix-signature"), r.body)
    return json_response(await svc.webhooks.handle(delivery))


def _outbox_mode(svc: Mailer, c: Call) -> None:
    if not svc.outbox:  # Real sending: there is no outbox, and mail bodies are never kept.
        raise NotFound("not_found", f"No route for {c.request.path}.")


async def get_outbox(svc: Mailer, c: Call) -> Response:
    _outbox_mode(svc, c)
    return outbox.list_page(await svc.store.outbox())


async def get_outbox_json(svc: Mailer, c: Call) -> Response:
    _outbox_mode(svc, c)
    return outbox.as_json(await svc.store.outbox())


async def get_outbox_message(svc: Mailer, c: Call) -> Response:
    _outbox_mode(svc, c)
    return outbox.message_page(await outbox.find(svc.store, c.params["email_id"]))


# Every route mailer answers, in one table: path -> method -> handler.
ROUTES: Table[Mailer] = {
    "/internal/health": {"GET": get_health},
    mail.SEND_PATH: {"POST": post_send},
    crm_contract.CRM_PATH: {"POST": post_crm},
    "/internal/forget": {"POST": post_forget},
    "/internal/export": {"POST": post_export},
    "/api/v1/webhooks/resend": {"POST": post_resend_webhook},
    "/internal/outbox": {"GET": get_outbox},
    "/internal/outbox.json": {"GET": get_outbox_json},
    "/internal/outbox/{email_id}": {"GET": get_outbox_message},
}


def router(svc: Mailer) -> Router:
    routes = Router()
    routes.add_table(ROUTES, svc)
    describe(routes, API)
    return routes
