"""A trivial Python Worker: the cached response for the key the benchmark names, as it is."""

import js
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        hit = await js.caches.default.match(self.env.CACHE_KEY)
        if hit is None:
            return Response("miss", status=404)
        return hit
