"""The local outbox, Mailpit-style: what the mailer would have sent when there is no RESEND_API_KEY.

    GET /internal/outbox        HTML list, newest first
    GET /internal/outbox/{id}   one message: headers, the HTML in a sandboxed iframe, the text part
    GET /internal/outbox.json   the list as JSON, with both bodies and the links in the text part

Links between the pages are relative, so they work both here and where core exposes these pages
(`/dev/outbox…`, only behind its dev flag). Everything shown is escaped; the message's own HTML is
only ever placed in an iframe's `srcdoc`, sandboxed without scripts or same-origin access."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from mailer.store import MailStore, OutboxMessage
from shared.errors import HttpError
from shared.http import Response, html_response, json_response

_LINK = re.compile(r"https?://[^\s<>\"']+")
_HEADERS = [
    ("cache-control", "no-store"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:"),
]
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;padding:24px;background:#f1f5f9;color:#0f172a}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "td,th{padding:8px 12px;border-bottom:1px solid #e2e8f0;text-align:left}"
    "iframe{width:100%;height:70vh;border:1px solid #cbd5e1;background:#fff}"
    "pre{white-space:pre-wrap;background:#fff;padding:12px;border:1px solid #cbd5e1}"
    ".note{color:#64748b;font-size:13px}"
)


def links(text: str) -> list[str]:
    return _LINK.findall(text)


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _page(title: str, body: str) -> Response:
    return html_response(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>",
        headers=_HEADERS,
    )


def list_page(messages: list[OutboxMessage]) -> Response:
    rows = "".join(
        f"<tr><td>{_e(_when(m.created_at))}</td><td>{_e(m.recipient)}</td>"
        f'<td><a href="outbox/{_e(m.id)}">{_e(m.subject)}</a></td><td>{_e(m.template)}</td></tr>'
        for m in messages
    )
    table = (
        f"<table><tr><th>When</th><th>To</th><th>Subject</th><th>Template</th></tr>{rows}</table>"
        if messages
        else "<p>No mail yet.</p>"
    )
    note = '<p class="note">Local outbox: nothing here was sent. Set RESEND_API_KEY to send for real.</p>'
    return _page("Outbox", f"<h1>Outbox ({len(messages)})</h1>{note}{table}")


def message_page(message: OutboxMessage) -> Response:
    # `<base target=_blank>` opens the message's links in a new tab (the sandbox allows popups only).
    document = '<base target="_blank">' + message.html
    body = (
        '<p><a href="../outbox">← Outbox</a></p>'
        f"<h1>{_e(message.subject)}</h1>"
        f"<table><tr><th>From</th><td>{_e(message.sender)}</td></tr>"
        f"<tr><th>To</th><td>{_e(message.recipient)}</td></tr>"
        f"<tr><th>Template</th><td>{_e(message.template)}</td></tr>"
        f"<tr><th>Date</th><td>{_e(_when(message.created_at))}</td></tr></table>"
        "<h2>HTML</h2>"
        '<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" '
        f'title="Message HTML" srcdoc="{_e(document)}"></iframe>'
        f"<h2>Text</h2><pre>{_e(message.text)}</pre>"
    )
    return _page(message.subject, body)


def as_json(messages: list[OutboxMessage]) -> Response:
    items = [{**m.summary(), "text": m.text, "html": m.html, "links": links(m.text)} for m in messages]
    return json_response({"messages": items})


async def find(store: MailStore, email_id: str) -> OutboxMessage:
    message = await store.outbox_message(email_id)
    if message is None:
        raise HttpError(404, "not_found", "No such message in the outbox.")
    return message
