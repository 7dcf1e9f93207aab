"""SmartPages' own pages for visitors (not a customer's): unknown host, errors. Plain HTML, no script."""

from __future__ import annotations

from html import escape

from shared.http import Response, html_response

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#1f2933}}
h1{{font-size:1.5rem}}small{{color:#52606d}}</style></head>
<body><main><h1>{title}</h1><p>{message}</p><p><small>SmartPages · request {request_id}</small></p></main></body></html>
"""


def error_page(
    status: int, code: str, message: str, request_id: str, headers: list[tuple[str, str]] | None = None
) -> Response:
    titles = {404: "There is no site here", 400: "That address is not valid"}
    title = titles.get(status, "Something went wrong")
    html = _TEMPLATE.format(title=escape(title), message=escape(message), request_id=escape(request_id))
    return html_response(html, status, [("x-error-code", code), *(headers or [])])
