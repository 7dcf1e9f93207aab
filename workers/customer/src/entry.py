from workers import WorkerEntrypoint

from customer.app import CustomerDeps, Settings, create_app, create_job
from customer.deps import CLOUDFLARE_API
from shared.edge import bindings
from shared.edge.events import run_scheduled
from shared.edge.worker import serve, var
from shared.turnstile import Turnstile


def deps(env):
    settings = Settings(
        sites_domain=var(env, "SITES_DOMAIN", "smartpages.site"),
        sites_scheme=var(env, "SITES_SCHEME", "https"),
        sites_port=var(env, "SITES_PORT"),
        portal_origin=var(env, "PORTAL_ORIGIN", "https://www.smartpages.online"),
        cf_api_base=var(env, "CF_API_BASE", CLOUDFLARE_API),
        cf_api_token=var(env, "CF_API_TOKEN"),
        cf_zone_id=var(env, "CF_ZONE_ID"),
    )
    return CustomerDeps(
        db=bindings.D1Database(env.DB),
        blobs=bindings.R2BlobStore(env.SITES),
        mailer=bindings.ServiceBinding(env.MAILER, "mailer"),
        clock=bindings.SystemClock(),
        crypto=bindings.WebCrypto(),
        internal_secret=var(env, "INTERNAL_SECRET"),
        http=bindings.FetchClient(),
        settings=settings,
        turnstile=Turnstile(bindings.FetchClient(), var(env, "TURNSTILE_SECRET_KEY"), var(env, "TURNSTILE_SITE_KEY")),
    )


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await serve("customer", self.env, request, lambda env: create_app(deps(env)))

    async def scheduled(self, controller, *_):
        await run_scheduled("customer", self.env, controller, lambda env: create_job(deps(env)))
