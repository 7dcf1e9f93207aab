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
from html import escape, unescape

from customer import forms
from customer.deps import CustomerDeps
from customer.model import FormAnswer
from shared.site_layout import decode, file_key, pointer_key


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


_CONTROL = r'<(?P<tag>input|select|textarea)\b(?P<attrs>[^>]*\bname="{name}"[^>]*)>'
_VALUE = re.compile(r'\svalue="([^"]*)"')
_OPTION = re.compile(r'<option value="([^"]*)"(?: selected)?>')


def _option(match: re.Match[str], chosen: str) -> str:
    own = match.group(1)
    return f'<option value="{own}"{" selected" if unescape(own) == chosen else ""}>'


def _fill(segment: str, name: str, value: str) -> str:
    """Puts `value` back into every control named `name`: a text's value, a textarea's text, the
    chosen option, the ticked boxes (one a line in `value`)."""
    picked = set(value.split("\n")) if value else set()
    out, at = [], 0
    for match in re.finditer(_CONTROL.format(name=re.escape(name)), segment):
        tag, attrs = match.group("tag"), match.group("attrs")
        out.append(segment[at : match.start()])
        at = match.end()
        if tag == "textarea":
            close = segment.index("</textarea>", at)
            out.append(f"<textarea{attrs}>{escape(value, quote=False)}</textarea>")
            at = close + len("</textarea>")
        elif tag == "select":
            close = segment.index("</select>", at)
            options = _OPTION.sub(lambda m: _option(m, value), segment[at:close])
            out.append(f"<select{attrs}>{options}</select>")
            at = close + len("</select>")
        elif re.search(r'\stype="checkbox"', attrs):
            own = _VALUE.search(attrs)
            ticked = own is not None and unescape(own.group(1)) in picked
            out.append(f"<input{attrs.replace(' checked', '')}{' checked' if ticked else ''}>")
        else:
            out.append(f'<input{_VALUE.sub("", attrs)} value="{escape(value)}">')
    out.append(segment[at:])
    return "".join(out)


def _mark(segment: str, name: str, note_id: str, words: str, focus: bool) -> str:
    """The problem of the field `name` next to it: its first control marked invalid (and focused),
    the words at the end of the field's paragraph or group."""
    first = re.search(_CONTROL.format(name=re.escape(name)), segment)
    if first is None:
        return segment
    extra = f' aria-invalid="true" aria-describedby="{note_id}"' + (" autofocus" if focus else "")
    tag = f"<{first.group('tag')}{first.group('attrs')}{extra}>"
    segment = segment[: first.start()] + tag + segment[first.end() :]
    group = segment.rfind("<fieldset", 0, first.start()) > segment.rfind("</fieldset>", 0, first.start())
    close = segment.find("</fieldset>" if group else "</p>", first.start())
    note = f'<span class="field-error" id="{note_id}">{escape(words)}</span>'
    return segment[:close] + note + segment[close:] if close >= 0 else segment


def refill(html: str, block_id: str, answer: FormAnswer) -> str | None:
    """`html` with the form `block_id` filled back in; None when the page does not hold it."""
    start = html.find(f'id="form-{escape(block_id)}"')
    end = html.find("</section>", start)
    opening = html.find("<form", start)
    if start < 0 or end < 0 or not start < opening < end:
        return None
    segment = html[start:end]
    for name, value in answer.data.items():
        if name not in forms.FORM_FIELDS:
            segment = _fill(segment, name, value)
    focus = next(iter(answer.errors), None)
    for name, words in answer.errors.items():
        segment = _mark(segment, name, f"{escape(block_id)}-{name}-error", words, name == focus)
    form_at = segment.find("<form")
    form_end = segment.find(">", form_at) + 1
    summary = (
        f'<p class="form-problem" role="alert" tabindex="-1"{"" if focus else " autofocus"}>'
        f"{escape(answer.problem)}</p>"
    )
    segment = segment[:form_end] + summary + segment[form_end:]
    return html[:start] + segment + html[end:]
