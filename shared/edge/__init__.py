"""Cloudflare adapters: the only code that imports `js`, `pyodide` or `workers`.

It turns Workers bindings into the ports of `shared.ports` and converts `workers.Request` /
`workers.Response` to and from `shared.http`. App cores never import it; each `entry.py` does."""
