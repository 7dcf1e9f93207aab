"""A refused lead-form post, answered on the site's own page (issue 27.1, "an enquiry is never lost").

Domain forwards a post of `/_smartpages/forms/<block>` here with the host the visitor used. The
answer to a refused post is the published page the form is on, read from R2 through that host's live
pointer (so it is exactly what the visitor saw: the site's design, its CSP-hashed inline style, the
Turnstile widget), with the form filled back in: every value the visitor typed, each field's problem
next to it (`aria-invalid`, `aria-describedby`), a summary above the form (`role="alert"`), and the
first problem focused (`autofocus`: no script needed, and the browser scrolls to it). Nothing of it
is cached (`no-store`) and nothing the visitor typed is in a URL. A taken post is a 303 to the page's
`#thanks-<block>` on the same host.

The markup filled in is render.py's `block_lead_form`: the form's section `id="form-<block>"`, each
control `name="<field>"` with `id="<block>-<field>"`. When the page or the form cannot be found (a
pointer replaced meanwhile, a form moved to another page), the small page of forms.visitor_answer
answers instead: still what the visitor wrote, never an empty form."""

from __future__ import annotations

import re
from html import escape

from customer import forms
from customer.deps import CustomerDeps
from customer.model import FormAnswer
from shared.http import Response
from shared.site_layout import decode, file_key, pointer_key

HOST_HEADER = "x-smartpages-site-host"  # the host the visitor posted to (domain sets it, signed)
NO_STORE = ("cache-control", "no-store")


def answered(answer: FormAnswer, block_id: str, page_html: str | None) -> Response:
    """The visitor's answer on the site's host: 303 to the thank-you, or the page filled back in."""
    if not answer.refused:
        return Response(303, [("location", f"{answer.page}#thanks-{block_id}"), NO_STORE])
    extra = [("retry-after", str(forms.WINDOW_SECONDS))] if answer.status == 429 else []
    filled = refill(page_html, block_id, answer) if page_html is not None else None
    if filled is None:
        plain = forms.visitor_answer(answer)
        return Response(plain.status, [*plain.headers, NO_STORE], plain.body)
    return Response(
        answer.status, [("content-type", "text/html; charset=utf-8"), NO_STORE, *extra], filled.encode("utf-8")
    )


async def published_html(deps: CustomerDeps, host: str, site_id: str, path: str) -> str | None:
    """The page at `path` as `host` serves it now, if `host` serves `site_id`."""
    pointer = await deps.blobs.get(pointer_key(host)) if host else None
    if pointer is None:
        return None
    try:
        live = decode(pointer.body)
    except ValueError:
        return None
    entry = live.files.get(path) if live.site == site_id and live.redirect is None else None
    if entry is None or not entry.content_type.startswith("text/html"):
        return None
    blob = await deps.blobs.get(file_key(site_id, entry.sha256))
    return blob.body.decode("utf-8", "replace") if blob is not None else None


def _control(segment: str, name: str) -> re.Match[str] | None:
    quoted = re.escape(name)
    return re.search(
        rf'<textarea(?P<a>[^>]*\bname="{quoted}"[^>]*)>(?P<text>[^<]*)</textarea>|<input(?P<i>[^>]*\bname="{quoted}"[^>]*)>',
        segment,
    )


def _filled_control(match: re.Match[str], value: str, extra: str, note: str) -> str:
    if match.group("a") is not None:
        return f"<textarea{match.group('a')}{extra}>{escape(value, quote=False)}</textarea>{note}"
    attrs = re.sub(r'\svalue="[^"]*"', "", match.group("i"))
    return f'<input{attrs} value="{escape(value)}"{extra}>{note}'


def refill(html: str, block_id: str, answer: FormAnswer) -> str | None:
    """`html` with the form `block_id` filled back in; None when the page does not hold it."""
    start = html.find(f'id="form-{escape(block_id)}"')
    end = html.find("</section>", start)
    opening = html.find("<form", start)
    if start < 0 or end < 0 or not start < opening < end:
        return None
    segment = html[start:end]
    focus = next(iter(answer.errors), None)
    for name in forms.VISITOR_FIELDS:
        match = _control(segment, name)
        if match is None:
            continue
        extra, note = "", ""
        if name in answer.errors:
            note_id = f"{escape(block_id)}-{name}-error"
            extra = f' aria-invalid="true" aria-describedby="{note_id}"' + (" autofocus" if name == focus else "")
            note = f'<span class="field-error" id="{note_id}">{escape(answer.errors[name])}</span>'
        filled = _filled_control(match, answer.data.get(name, ""), extra, note)
        segment = segment[: match.start()] + filled + segment[match.end() :]
    form_at = segment.find("<form")
    form_end = segment.find(">", form_at) + 1
    summary = (
        f'<p class="form-problem" role="alert" tabindex="-1"{"" if focus else " autofocus"}>'
        f"{escape(answer.problem)}</p>"
    )
    segment = segment[:form_end] + summary + segment[form_end:]
    return html[:start] + segment + html[end:]
