"""One Workers Analytics Engine data point per page view, with nothing personal in it.

What a point holds (docs/privacy.md): the site, the path (never the query string), the host of an
outside referrer (never its path), the country the edge placed the request in, a device class and a
bot flag read from the User-Agent (the User-Agent itself is not kept), and whether the view starts
a visit (it did not come from another page of the same site). No cookie is read or set, no IP
address, no identifier of the visitor: a view cannot be tied to a person or to another view.

Columns, as the SQL API sees them (customer/insights.py reads them): index1 = site id; blob1 site
id, blob2 path, blob3 referrer host ("" for none or the site itself), blob4 country ("XX" unknown),
blob5 device (mobile | tablet | desktop), blob6 bot ("1" | "0"), blob7 kind ("view"), blob8 visit
start ("1" | "0"); double1 = 1 (a view)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from shared.http import Request
from shared.ports import DataPoint

KIND_VIEW = "view"
MAX_PATH = 512  # bytes kept of a path: AE allows 16 KB of blobs per point, a path never needs more
# Lower-case words of a User-Agent: plain substring tests (a regex of alternations cost ~14 us a view
# on CPython, several times that on Pyodide), and each agent is classified once per isolate.
_BOT_WORDS = ("bot", "crawl", "spider", "slurp", "fetch", "monitor", "preview", "scan", "curl", "wget", "python",
              "httpclient", "headless", "lighthouse", "facebookexternalhit")  # fmt: skip
_TABLET_WORDS = ("ipad", "tablet", "kindle", "silk", "playbook")
_MOBILE_WORDS = ("mobi", "iphone", "ipod", "android", "blackberry", "opera mini", "iemobile")
_COUNTRY = re.compile(r"^[A-Z0-9]{2}$")
_KNOWN: dict[str, tuple[str, bool]] = {}  # user agent -> (device class, bot), this isolate's
_KNOWN_LIMIT = 512


def _classify(user_agent: str) -> tuple[str, bool]:
    known = _KNOWN.get(user_agent)
    if known is not None:
        return known
    ua = user_agent.lower()
    if any(w in ua for w in _TABLET_WORDS) or ("android" in ua and "mobile" not in ua):
        device = "tablet"
    elif any(w in ua for w in _MOBILE_WORDS):
        device = "mobile"
    else:
        device = "desktop"
    found = (device, not ua.strip() or any(w in ua for w in _BOT_WORDS))
    if len(_KNOWN) >= _KNOWN_LIMIT:
        _KNOWN.clear()
    _KNOWN[user_agent] = found
    return found


def device_class(user_agent: str) -> str:
    return _classify(user_agent)[0]


def is_bot(user_agent: str) -> bool:
    return _classify(user_agent)[1]


def _host_of(referer: str) -> str | None:
    """The referring URL's host name, lower-cased; None when there is none or it is unreadable."""
    if not referer:
        return None
    try:
        return (urlsplit(referer.strip()).hostname or "").lower().rstrip(".") or None
    except ValueError:
        return None


def _outside(host: str | None, own_host: str) -> str:
    return "" if host is None or host == own_host or len(host) > 253 else host


def referrer_host(referer: str, own_host: str) -> str:
    """The referring site's host name only; "" when there is none, it is unreadable, or it is this site."""
    return _outside(_host_of(referer), own_host)


def country_of(request: Request) -> str:
    country = request.country.strip().upper()
    return country if _COUNTRY.match(country) else "XX"


def clipped(text: str, limit: int) -> str:
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode(errors="ignore")


def view_point(site_id: str, host: str, request: Request) -> DataPoint:
    """The data point of one page view of `site_id` served at `host`."""
    device, bot = _classify(request.header("user-agent"))
    came_from = _host_of(request.header("referer"))
    return DataPoint(
        index=site_id,
        blobs=(
            site_id,
            clipped(request.path, MAX_PATH),
            _outside(came_from, host),
            country_of(request),
            device,
            "1" if bot else "0",
            KIND_VIEW,
            "0" if came_from == host else "1",
        ),
        doubles=(1.0,),
    )
