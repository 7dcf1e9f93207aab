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
_BOT = re.compile(
    r"bot|crawl|spider|slurp|fetch|monitor|preview|scan|curl|wget|python|httpclient|headless|lighthouse|facebookexternalhit",
    re.IGNORECASE,
)
_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))", re.IGNORECASE)
_MOBILE = re.compile(r"mobi|iphone|ipod|android|blackberry|opera mini|iemobile", re.IGNORECASE)
_COUNTRY = re.compile(r"^[A-Z0-9]{2}$")


def device_class(user_agent: str) -> str:
    if _TABLET.search(user_agent):
        return "tablet"
    if _MOBILE.search(user_agent):
        return "mobile"
    return "desktop"


def is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(_BOT.search(user_agent))


def _host_of(referer: str) -> str | None:
    """The referring URL's host name, lower-cased; None when there is none or it is unreadable."""
    if not referer:
        return None
    try:
        return (urlsplit(referer.strip()).hostname or "").lower().rstrip(".") or None
    except ValueError:
        return None


def referrer_host(referer: str, own_host: str) -> str:
    """The referring site's host name only; "" when there is none, it is unreadable, or it is this site."""
    host = _host_of(referer)
    return "" if host is None or host == own_host or len(host) > 253 else host


def country_of(request: Request) -> str:
    country = request.country.strip().upper()
    return country if _COUNTRY.match(country) else "XX"


def clipped(text: str, limit: int) -> str:
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode(errors="ignore")


def view_point(site_id: str, host: str, request: Request) -> DataPoint:
    """The data point of one page view of `site_id` served at `host`."""
    user_agent = request.header("user-agent")
    came_from = _host_of(request.header("referer"))
    from_same_site = came_from == host
    outside = "" if came_from is None or from_same_site or len(came_from) > 253 else came_from
    return DataPoint(
        index=site_id,
        blobs=(
            site_id,
            clipped(request.path, MAX_PATH),
            outside,
            country_of(request),
            device_class(user_agent),
            "1" if is_bot(user_agent) else "0",
            KIND_VIEW,
            "0" if from_same_site else "1",
        ),
        doubles=(1.0,),
    )

