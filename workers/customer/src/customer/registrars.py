"""Where her DNS is kept, told from the domain's public name servers (NS records), and the steps to
add records there in plain words. The providers most small businesses use; any other gets the
general steps. Only wording: nothing here is asked of the provider."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Registrar:
    id: str
    name: str
    ns_suffixes: tuple[str, ...]
    steps: tuple[str, ...]
    # The domain itself (example.com) cannot hold a CNAME at most providers: what this one offers.
    apex: str = ""

    def json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "steps": list(self.steps), "apex": self.apex}


_ADD = "For each record below, add a new record: pick its type, then copy its name and its value with the Copy buttons."
_SAVE = "Save. Most changes are seen within an hour; this page checks by itself and shows each record turning green."
_FORWARD = (
    "For {apex} itself: this provider cannot point the domain itself with a CNAME. Skip that record and use"
    " its domain forwarding instead, to https://www.{apex} (permanent). Your site works at www either way."
)

REGISTRARS: tuple[Registrar, ...] = (
    Registrar(
        "godaddy",
        "GoDaddy",
        ("domaincontrol.com",),
        (
            "Sign in at godaddy.com and open your Domain Portfolio.",
            "Choose your domain, then DNS (the tab called DNS Records).",
            "Choose Add New Record. " + _ADD,
            "In Name, type only the part shown under 'Name to type' (GoDaddy adds your domain itself);"
            " use @ for the domain itself.",
            _SAVE,
        ),
        _FORWARD,
    ),
    Registrar(
        "namecheap",
        "Namecheap",
        ("registrar-servers.com",),
        (
            "Sign in at namecheap.com and open Domain List.",
            "Next to your domain, choose Manage, then the Advanced DNS tab.",
            "Under Host Records, choose Add New Record. " + _ADD,
            "In Host, type only the part shown under 'Name to type'; use @ for the domain itself.",
            "Remove any older CNAME or URL Redirect record with the same host, then save with the tick.",
            _SAVE,
        ),
        "For {apex} itself, choose the record type ALIAS (Namecheap's name for it) with the same value.",
    ),
    Registrar(
        "ionos",
        "IONOS",
        ("ui-dns.com", "ui-dns.de", "ui-dns.org", "ui-dns.biz"),
        (
            "Sign in at ionos.com and open Domains & SSL.",
            "Next to your domain, open the menu (the gear) and choose DNS.",
            "Choose Add record. " + _ADD,
            "In Host name, type only the part shown under 'Name to type'; use @ for the domain itself.",
            _SAVE,
        ),
        _FORWARD,
    ),
    Registrar(
        "squarespace",
        "Squarespace Domains (formerly Google Domains)",
        ("googledomains.com", "squarespacedns.com"),
        (
            "Sign in at domains.squarespace.com and choose your domain.",
            "Open DNS, then DNS Settings, and scroll to Custom records.",
            "Choose Add record. " + _ADD,
            "In Host, type only the part shown under 'Name to type'; use @ for the domain itself.",
            _SAVE,
        ),
        _FORWARD,
    ),
    Registrar(
        "cloudflare",
        "Cloudflare",
        ("ns.cloudflare.com",),
        (
            "Sign in at dash.cloudflare.com and choose your domain.",
            "Open DNS, then Records, and choose Add record. " + _ADD,
            "Set Proxy status to 'DNS only' (the grey cloud) for the CNAME records.",
            _SAVE,
        ),
        "For {apex} itself, a CNAME is fine: Cloudflare flattens it by itself.",
    ),
    Registrar(
        "ovh",
        "OVHcloud",
        ("ovh.net", "ovh.ca", "anycast.me"),
        (
            "Sign in to the OVHcloud Control Panel and open Web Cloud, then Domain names.",
            "Choose your domain and open the DNS zone tab.",
            "Choose Add an entry. " + _ADD,
            "In Sub-domain, type only the part shown under 'Name to type'; leave it empty for the domain itself.",
            _SAVE,
        ),
        _FORWARD,
    ),
    Registrar(
        "gandi",
        "Gandi",
        ("gandi.net",),
        (
            "Sign in at admin.gandi.net and open Domain, then your domain.",
            "Open the DNS Records tab and choose Add record. " + _ADD,
            "In Name, type only the part shown under 'Name to type'; use @ for the domain itself.",
            _SAVE,
        ),
        "For {apex} itself, choose the record type ALIAS with the same value.",
    ),
    Registrar(
        "hostinger",
        "Hostinger",
        ("dns-parking.com", "hostinger.com"),
        (
            "Sign in at hpanel.hostinger.com and open Domains, then your domain.",
            "Open DNS / Nameservers, then DNS records.",
            _ADD,
            "In Name, type only the part shown under 'Name to type'; use @ for the domain itself.",
            _SAVE,
        ),
        _FORWARD,
    ),
    Registrar(
        "wix",
        "Wix",
        ("wixdns.net",),
        (
            "Sign in at wix.com and open Domains from your account menu.",
            "Next to your domain, open the menu (three dots) and choose Manage DNS records.",
            "Choose + Add Record in the section of each type. " + _ADD,
            "In Host name, type only the part shown under 'Name to type'.",
            _SAVE,
        ),
        _FORWARD,
    ),
    Registrar(
        "infomaniak",
        "Infomaniak",
        ("infomaniak.ch", "infomaniak.com"),
        (
            "Sign in at manager.infomaniak.com and open Domains, then your domain.",
            "Open DNS zone and choose Add an entry. " + _ADD,
            "In Source, type only the part shown under 'Name to type'; leave it empty for the domain itself.",
            _SAVE,
        ),
        _FORWARD,
    ),
)

GENERIC = Registrar(
    "other",
    "your domain provider",
    (),
    (
        "Sign in where you bought your domain (or where its DNS is kept) and find its DNS settings;"
        " they may be called DNS records, DNS zone or Advanced DNS.",
        _ADD,
        "If the name field already shows your domain, type only the part shown under 'Name to type'; use @ for"
        " the domain itself.",
        _SAVE,
    ),
    "For {apex} itself, use the record type your provider calls ALIAS, ANAME or CNAME flattening. If it has"
    " none, skip that record and use its domain forwarding to https://www.{apex}. Your site works at www either way.",
)


def detect(name_servers: list[str]) -> Registrar | None:
    """The provider whose name servers these are, or None."""
    for server in name_servers:
        host = server.lower().rstrip(".")
        for registrar in REGISTRARS:
            if any(host == s or host.endswith("." + s) for s in registrar.ns_suffixes):
                return registrar
    return None
