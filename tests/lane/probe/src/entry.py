import asyncio
import hashlib
import json
import socket
import subprocess
import threading
import time
from urllib.parse import parse_qs, urlsplit

import _cloudflare_compat_flags
from workers import Response, WorkerEntrypoint, fetch

from shared.edge.bindings import R2BlobStore, WebCrypto


def attempt(action):
    try:
        action()
    except Exception as exc:
        return f"refused: {type(exc).__name__}"
    return "allowed"


FORBIDDEN = {
    "thread": lambda: threading.Thread(target=lambda: None).start(),
    "socket": lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
    "subprocess": lambda: subprocess.run(["true"], check=False),
    "pbkdf2_hmac": lambda: hashlib.pbkdf2_hmac("sha256", b"p", b"s", 1),
}


DATE_FLAGS = ("python_request_headers_preserve_commas", "python_check_rng_state", "enable_python_external_sdk")


def spin(ms):
    """Busy CPU for `ms` milliseconds, synchronously."""
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        url = urlsplit(request.url)
        path, query = url.path, {k: v[0] for k, v in parse_qs(url.query).items()}
        if path == "/flags":
            return Response(json.dumps({flag: bool(getattr(_cloudflare_compat_flags, flag)) for flag in DATE_FLAGS}))
        if path == "/spin":
            spin(int(query["ms"]))
            return Response("spun")
        if path == "/parallel":

            async def one():
                return await (await fetch(query["url"])).text()

            await asyncio.gather(*(one() for _ in range(int(query["n"]))))
            return Response("fetched")
        if path == "/crash":
            # Plain json.loads, no depth guard: deep enough, the wasm stack overflows (a fatal error).
            depth = int(query["depth"])
            json.loads("[" * depth + "]" * depth)
            return Response("survived")
        if path == "/allocate":
            held = bytearray(int(query["mb"]) * 2**20)
            return Response(str(len(held)))
        if path == "/subrequests":
            for _ in range(int(query["n"])):
                await (await fetch(query["url"])).text()
            return Response("fetched")
        if path == "/forbidden":
            return Response(json.dumps({name: attempt(action) for name, action in FORBIDDEN.items()}))
        if path == "/crypto":
            ask = json.loads(await request.text())
            crypto = WebCrypto()
            password, salt = ask["password"].encode(), ask["salt"].encode()
            try:
                derived = (await crypto.pbkdf2_sha256(password, salt, ask["iterations"])).hex()
            except Exception as exc:
                derived = f"refused: {type(exc).__name__}"
            answer = {
                "pbkdf2": derived,
                "hmac": (await crypto.hmac_sha256(salt, password)).hex(),
                "sha256": (await crypto.sha256(password)).hex(),
                "random": len(crypto.random_bytes(32)),
            }
            return Response(json.dumps(answer))
        if path == "/blob":  # the edge's R2 adapter on an object as stored (e.g. without a content type)
            store = R2BlobStore(self.env.BLOBS)
            blob = await store.get(query["key"])
            opened = await store.open(query["key"])
            if blob is None or opened is None:
                return Response("no such object", status=404)
            answer = {"get": blob.content_type, "open": opened.content_type, "size": len(blob.body)}
            return Response(json.dumps(answer))
        return Response("not found", status=404)
