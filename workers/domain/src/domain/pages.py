"""SmartPages' own pages for visitors (not a customer's): unknown host, errors. Plain HTML, no script."""

from __future__ import annotations

from html import escape

from shared.errors import HttpError
from shared.http import Response, html_response

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#1f2933}}
h1{{font-size:1.5rem}}small{{color:#52606d}}</style></head>
<body><main><h1>{title}</h1><p>{message}</p><p><small>SmartPages · request {request_id}</small></p></main></body></html>
"""


def error_page(error: HttpError, request_id: str) -> Response:
    titles = {404: "There is no site here", 400: "That address is not valid"}
    title = titles.get(error.status, "Something went wrong")
    html = _TEMPLATE.format(title=escape(title), message=escape(error.message), request_id=escape(request_id))
    return html_response(html, error.status, [("x-error-code", error.code), *error.headers])
