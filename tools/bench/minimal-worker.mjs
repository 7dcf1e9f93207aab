// The JavaScript floor for tools/bench/domain.mjs: a minimal Worker answering from the Cache API.
export default {
  async fetch(request, env) {
    return (await caches.default.match(env.CACHE_KEY)) ?? new Response('miss', { status: 404 });
  },
};
