"""The DNS-over-HTTPS stand-in answers in the real resolver's JSON shape (Cloudflare's 1.1.1.1,
Google's schema), refuses what the real endpoint refuses, persists its records, and lets the
Cloudflare stand-in see DNS as Cloudflare would."""

from __future__ import annotations

import json
from pathlib import Path

from devstack.cloudflare_standin import API, CloudflareApi, CloudflareStandin
from devstack.dns_standin import DOH_URL, DnsStandin
from devstack.persist import Persisted
from shared.http import Request

JSON = {"accept": "application/dns-json"}


def ask(name: str, rtype: str = "A", headers: dict[str, str] | None = None, url: str = DOH_URL) -> Request:
    return Request("GET", url, f"name={name}&type={rtype}", JSON if headers is None else headers)


async def test_the_answer_has_the_resolvers_shape() -> None:
    dns = DnsStandin()
    dns.set("www.example.com", "CNAME", ["edge.smartpages.site"])
    dns.set("edge.smartpages.site", "A", ["104.16.1.1"])
    dns.set("_cf-custom-hostname.www.example.com", "TXT", ["a1b2"])
    dns.set("example.com", "NS", ["ns1.domaincontrol.com", "ns2.domaincontrol.com"])

    cname = (await dns.fetch(ask("www.example.com", "CNAME"))).json()
    assert set(cname) == {"Status", "TC", "RD", "RA", "AD", "CD", "Question", "Answer"}
    assert cname["Status"] == 0
    assert cname["Question"] == [{"name": "www.example.com.", "type": 5}]
    assert cname["Answer"] == [{"name": "www.example.com.", "type": 5, "TTL": 300, "data": "edge.smartpages.site."}]
    # A resolver follows the CNAME: its record first, then the target's of the asked type.
    followed = (await dns.fetch(ask("www.example.com", "1"))).json()["Answer"]
    assert [(a["type"], a["data"]) for a in followed] == [(5, "edge.smartpages.site."), (1, "104.16.1.1")]
    txt = (await dns.fetch(ask("_cf-custom-hostname.www.example.com", "TXT"))).json()["Answer"]
    assert txt[0]["data"] == '"a1b2"'  # TXT data comes quoted
    ns = (await dns.fetch(ask("example.com", "NS"))).json()["Answer"]
    assert [a["data"] for a in ns] == ["ns1.domaincontrol.com.", "ns2.domaincontrol.com."]
    # A name with other records: NOERROR, no Answer; a name with none: NXDOMAIN (3).
    empty = (await dns.fetch(ask("example.com", "TXT"))).json()
    assert "Answer" not in empty
    assert empty["Status"] == 0
    assert (await dns.fetch(ask("nothing.example.com"))).json()["Status"] == 3


async def test_it_refuses_what_the_real_endpoint_refuses() -> None:
    dns = DnsStandin()
    assert (await dns.fetch(ask("example.com", headers={}))).status == 400  # not asking for JSON
    assert (await dns.fetch(ask("example.com", "BOGUS"))).status == 400
    assert (await dns.fetch(Request("GET", DOH_URL, "type=A", JSON))).status == 400
    assert (await dns.fetch(ask("example.com", url="https://cloudflare-dns.com/other"))).status == 404
    ct = Request("GET", DOH_URL, "name=example.com&type=A&ct=application/dns-json", {})
    assert (await dns.fetch(ct)).status == 200  # the `ct` parameter works as the header does


async def test_over_http_a_registrar_sets_records_and_they_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "dns.json"
    url = "http://127.0.0.1:8790/dns-query"
    cf = CloudflareStandin("tok", "zone", base="http://127.0.0.1:8790/client/v4")
    api = CloudflareApi(cf, dns=Persisted(DnsStandin(url), path))
    body = json.dumps({"name": "shop.example.com", "type": "CNAME", "data": ["edge.smartpages.site"]}).encode()
    assert (await api.handle(Request("PUT", "/_standin/dns", body=body))).status == 200
    seen = await api.handle(Request("GET", "/dns-query", "name=shop.example.com&type=CNAME", JSON))
    assert seen.json()["Answer"][0]["data"] == "edge.smartpages.site."
    again = DnsStandin(url)
    Persisted(again, path)  # a restarted stand-in
    assert again.values("shop.example.com", "CNAME") == ["edge.smartpages.site"]
    gone = json.dumps({"name": "shop.example.com", "type": "CNAME"}).encode()
    assert (await api.handle(Request("DELETE", "/_standin/dns", body=gone))).status == 200
    assert (await api.handle(Request("GET", "/dns-query", "name=shop.example.com&type=CNAME", JSON))).json()[
        "Status"
    ] == 3


async def test_cloudflare_sees_the_records_and_activates_the_hostname() -> None:
    dns = DnsStandin()
    cf = CloudflareStandin("tok", "zone", dns=dns)
    auth = {"authorization": "Bearer tok", "content-type": "application/json"}
    url = f"{API}/zones/zone/custom_hostnames"
    body = json.dumps({"hostname": "shop.example.com", "ssl": {"method": "txt", "type": "dv"}}).encode()
    made = (await cf.fetch(Request("POST", url, headers=auth, body=body))).json()["result"]

    async def status() -> str:
        return str((await cf.fetch(Request("GET", f"{url}/{made['id']}", headers=auth))).json()["result"]["status"])

    dns.set("shop.example.com", "CNAME", ["edge.smartpages.site"])
    assert await status() == "pending"  # the TXT records are not there yet
    dns.set(made["ownership_verification"]["name"], "TXT", [made["ownership_verification"]["value"]])
    assert await status() == "pending"
    record = made["ssl"]["validation_records"][0]
    dns.set(record["txt_name"], "TXT", ["something else"])
    assert await status() == "pending"  # a wrong value is not enough
    dns.set(record["txt_name"], "TXT", [record["txt_value"]])
    assert await status() == "active"
