"""Each page's history: its saved drafts and the drafts it was published from, with what changed
in words ("Changed the headline of the Big headline block", "Added a Photo gallery block"), any of
which can be restored into the draft.

Cheap per site: the editor saves as the owner types, so saves less than MERGE_SECONDS after an
entry began join that entry (it then describes everything since the entry before it), and a page
keeps its newest KEEP entries, the oldest going first. D1 holds only the index (a row of ~200
bytes per entry: at most pages × KEEP rows); each entry's body is a site file in R2, addressed by its
content (so a publish of the draft just saved writes nothing), and a body no entry names any more is
an orphan candidate the scheduled collector deletes (customer/orphans.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from customer import orphans
from customer.blocks import CATALOGUE
from customer.deps import CustomerDeps
from customer.model import Block, Page, Site
from shared.ports import Database, SqlValue
from shared.site_layout import file_key

KEEP = 30  # entries per page
PER_STATEMENT = 500  # pages a publish records per statement: ~60 KB of JSON, inside D1's 100 KB
MERGE_SECONDS = 300  # saves within 5 minutes of an entry's start are that entry
MAX_SAID = 6  # sentences per entry; more are summed up


@dataclass(frozen=True)
class Author:
    """Who saved: an account and its address then (the owner or a member of the site's team)."""

    customer_id: str
    who: str


NOBODY = Author("", "")  # the page as it was before its first saved change


@dataclass(frozen=True)
class Body:
    """What an entry keeps of a page, and what a restore puts back (its address stays)."""

    title: str
    description: str
    blocks: list[Block]

    @classmethod
    def of(cls, page: Page) -> Body:
        return cls(page.title, page.description, page.blocks)

    def dumps(self) -> str:
        return json.dumps({"title": self.title, "description": self.description, "blocks": self.blocks})

    @classmethod
    def loads(cls, text: str) -> Body:
        data = json.loads(text)
        return cls(str(data["title"]), str(data["description"]), list(data["blocks"]))


def _label(block: Block) -> str:
    kind = CATALOGUE.get(str(block.get("type")))
    return kind.label if kind else "block"


def _article(words: str) -> str:
    return "an" if words[:1].lower() in "aeiou" else "a"


def _field_words(block: Block, name: str) -> str:
    kind = CATALOGUE.get(str(block.get("type")))
    control = next((c for c in kind.fields if c.name == name), None) if kind else None
    return (control.label if control else name).lower()


def _moved(old: list[str], new: list[str]) -> list[str]:
    """The blocks (ids) that changed place: those outside the longest run kept in order."""
    common_old = [i for i in old if i in new]
    common_new = [i for i in new if i in old]
    n, m = len(common_old), len(common_new)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            same = common_old[a] == common_new[b]
            table[a][b] = table[a + 1][b + 1] + 1 if same else max(table[a + 1][b], table[a][b + 1])
    kept: set[str] = set()
    a = b = 0
    while a < n and b < m:
        if common_old[a] == common_new[b]:
            kept.add(common_old[a])
            a, b = a + 1, b + 1
        elif table[a + 1][b] >= table[a][b + 1]:
            a += 1
        else:
            b += 1
    return [i for i in common_new if i not in kept]


def _block_changes(before: Block, after: Block) -> str | None:
    names = [k for k in dict.fromkeys([*before, *after]) if k not in ("id", "type") and before.get(k) != after.get(k)]
    if not names:
        return None
    label = _label(after)
    if len(names) > 2:
        return f"Edited the {label} block"
    fields = " and ".join(_field_words(after, n) for n in names)
    return f"Changed the {fields} of the {label} block"


def describe(old: Body, new: Body) -> list[str]:
    """What changed from `old` to `new`, in the owner's words."""
    said: list[str] = []
    if old.title != new.title:
        said.append(f"Renamed the page “{new.title}”")
    if old.description != new.description:
        said.append("Changed the page’s description")
    before = {str(b.get("id")): b for b in old.blocks}
    after = {str(b.get("id")): b for b in new.blocks}
    for block_id, block in after.items():
        if block_id not in before:
            label = _label(block)
            said.append(f"Added {_article(label)} {label} block")
        elif (changed := _block_changes(before[block_id], block)) is not None:
            said.append(changed)
    said += [f"Removed the {_label(b)} block" for i, b in before.items() if i not in after]
    said += [f"Moved the {_label(after[i])} block" for i in _moved(list(before), list(after))]
    if len(said) > MAX_SAID:
        said = [*said[: MAX_SAID - 1], f"and {len(said) - MAX_SAID + 1} more changes"]
    return said


async def _latest(db: Database, site_id: str, page_id: str, count: int = 2) -> list[dict[str, Any]]:
    return await db.all(
        "SELECT number, created_at, kind, customer_id, body_sha FROM page_history WHERE site_id = ? AND page_id = ?"
        " ORDER BY number DESC LIMIT ?",
        (site_id, page_id, count),
    )


# --- bodies: site files in R2, so D1 holds only the index (docs/sites.md, "Page history") ----------
async def _digest(deps: CustomerDeps, body: Body) -> tuple[str, bytes]:
    data = body.dumps().encode()
    return (await deps.crypto.sha256(data)).hex(), data


async def _store(deps: CustomerDeps, site_id: str, body: Body, *known: str) -> str:
    """The body's content address; written unless it is one of `known` (already stored)."""
    sha, data = await _digest(deps, body)
    if sha not in known:
        await deps.blobs.put(file_key(site_id, sha), data, "application/json")
    return sha


async def _load(deps: CustomerDeps, site_id: str, sha: str) -> Body | None:
    """An entry's body; None if its file is gone (collected in a race with a save: said as not kept)."""
    blob = await deps.blobs.get(file_key(site_id, sha))
    return Body.loads(blob.body.decode()) if blob is not None else None


# A page's entries past its newest KEEP (`number` is the page's, so each page keeps its own KEEP).
_BEYOND = (
    "site_id = ? AND number <= (SELECT MAX(p.number) FROM page_history p"
    " WHERE p.site_id = page_history.site_id AND p.page_id = page_history.page_id) - ?"
)


async def _drop(deps: CustomerDeps, site: Site, where: str, *params: SqlValue) -> None:
    """Drops the entries matching `where`, their bodies first noted as orphan candidates in D1
    (customer/orphans.py: the collector deletes each once no entry, version or upload names it). Noted
    before the drop, so a drop that fails leaves candidates still named, which the collector keeps."""
    db = deps.site_db(site)
    dropped = await db.all(f"SELECT body_sha FROM page_history WHERE {where}", params)  # noqa: S608 (constants)
    if dropped:
        await orphans.note(deps.db, deps.clock, site.id, (str(r["body_sha"]) for r in dropped))
        await db.run(f"DELETE FROM page_history WHERE {where}", params)  # noqa: S608 (constants)


async def _add(
    deps: CustomerDeps,
    site: Site,
    page_id: str,
    kind: str,
    sha: str,
    said: list[str],
    author: Author,
) -> None:
    """Adds an entry (its body stored as `sha`), then drops the page's entries beyond KEEP."""
    now = deps.clock.now()
    await deps.site_db(site).run(
        "INSERT INTO page_history (site_id, page_id, number, created_at, saved_at, kind, version, revision,"
        " customer_id, who, changes, body_sha)"
        " SELECT ?, ?, COALESCE(MAX(number), 0) + 1, ?, ?, ?, NULL, NULL, ?, ?, ?, ? FROM page_history"
        " WHERE site_id = ? AND page_id = ?",
        (
            site.id,
            page_id,
            now,
            now,
            kind,
            author.customer_id or None,
            author.who,
            json.dumps(said),
            sha,
            site.id,
            page_id,
        ),
    )
    await _drop(deps, site, f"page_id = ? AND {_BEYOND}", page_id, site.id, KEEP)


async def saved(deps: CustomerDeps, site: Site, old: Page, new: Body, author: Author, kind: str = "draft") -> None:
    """After `author`'s page write: the new draft joins her entry begun less than MERGE_SECONDS ago,
    or starts one. A page's first entry is what it was before (so the first change can be undone)."""
    db = deps.site_db(site)
    latest = await _latest(db, site.id, old.id)
    if not latest:
        first = await _store(deps, site.id, Body.of(old))
        await _add(deps, site, old.id, "draft", first, [], NOBODY)
        latest = await _latest(db, site.id, old.id)
    last = latest[0]
    joins = (
        kind == "draft"
        and last["kind"] == "draft"
        and (last["customer_id"] or "") == author.customer_id  # two people's edits stay apart
        and len(latest) > 1
        and deps.clock.now() - float(last["created_at"]) < MERGE_SECONDS
    )
    before = await _load(deps, site.id, str(latest[1 if joins else 0]["body_sha"]))
    said = describe(before, new) if before is not None else []
    if not joins and not said and kind == "draft":
        return  # nothing a reader would see changed
    sha = await _store(deps, site.id, new, *(str(r["body_sha"]) for r in latest))
    if joins:
        if str(last["body_sha"]) != sha:
            await orphans.note(deps.db, deps.clock, site.id, [str(last["body_sha"])])
        await db.run(
            "UPDATE page_history SET body_sha = ?, changes = ?, saved_at = ?"
            " WHERE site_id = ? AND page_id = ? AND number = ?",
            (sha, json.dumps(said), deps.clock.now(), site.id, old.id, last["number"]),
        )
        return
    await _add(deps, site, old.id, kind, sha, said, author)


async def published(deps: CustomerDeps, site: Site, pages: list[Page], version: int, author: Author) -> None:
    """A publish: each page's draft as published, restorable later even after more edits. A page
    not changed since its last publish (its latest entry is that publish, at its revision) adds
    nothing, nor does a page never edited (its first edit keeps it as it was); the body is almost
    always its latest entry's, already stored. So a publish costs one read, a write per 500 changed
    pages and the drop of entries beyond KEEP, whatever the site's size."""
    db, site_id = deps.site_db(site), site.id
    latest = {
        str(r["page_id"]): r
        for r in await db.all(
            "SELECT h.page_id, h.kind, h.revision, h.body_sha FROM page_history h WHERE h.site_id = ? AND h.number ="
            " (SELECT MAX(number) FROM page_history WHERE site_id = h.site_id AND page_id = h.page_id)",
            (site_id,),
        )
    }
    changed = []
    for page in pages:
        last = latest.get(page.id)
        if last is None or (last["kind"] == "published" and last["revision"] == page.revision):
            continue
        sha = await _store(deps, site_id, Body.of(page), str(last["body_sha"]))
        changed.append({"page": page.id, "revision": page.revision, "sha": sha})
    if not changed:
        return
    now, by = deps.clock.now(), author.customer_id or None
    await db.batch(
        [
            (
                "INSERT INTO page_history (site_id, page_id, number, created_at, saved_at, kind, version, revision,"
                " customer_id, who, changes, body_sha)"
                " SELECT ?, json_extract(j.value, '$.page'), 1 + (SELECT MAX(number) FROM page_history"
                " WHERE site_id = ? AND page_id = json_extract(j.value, '$.page')), ?, ?, 'published', ?,"
                " json_extract(j.value, '$.revision'), ?, ?, '[]', json_extract(j.value, '$.sha') FROM json_each(?) j",
                (
                    site_id,
                    site_id,
                    now,
                    now,
                    version,
                    by,
                    author.who,
                    json.dumps(changed[start : start + PER_STATEMENT]),
                ),
            )
            for start in range(0, len(changed), PER_STATEMENT)
        ]
    )
    await _drop(deps, site, _BEYOND, site_id, KEEP)  # every page's entries beyond KEEP, in two statements


async def entries(deps: CustomerDeps, site: Site, page_id: str) -> list[dict[str, Any]]:
    site_id = site.id
    rows = await deps.site_db(site).all(
        "SELECT number, created_at, saved_at, kind, version, who, changes FROM page_history"
        " WHERE site_id = ? AND page_id = ? ORDER BY number DESC",
        (site_id, page_id),
    )
    return [
        {
            "number": int(r["number"]),
            "saved_at": r["saved_at"],
            "kind": r["kind"],
            "version": r["version"],
            "who": r["who"],
            "changes": json.loads(r["changes"]),
        }
        for r in rows
    ]


async def entry(deps: CustomerDeps, site: Site, page_id: str, number: int) -> Body | None:
    rows = await deps.site_db(site).all(
        "SELECT body_sha FROM page_history WHERE site_id = ? AND page_id = ? AND number = ?",
        (site.id, page_id, number),
    )
    return await _load(deps, site.id, str(rows[0]["body_sha"])) if rows else None


async def forget_author(deps: CustomerDeps, site: Site, customer_id: str) -> None:
    """A deleted account's address leaves the history of a page it helped on (as in the activity)."""
    await deps.site_db(site).run(
        "UPDATE page_history SET who = 'a deleted account', customer_id = NULL WHERE customer_id = ?", (customer_id,)
    )


async def forget(deps: CustomerDeps, site: Site, page_id: str) -> None:
    await _drop(deps, site, "site_id = ? AND page_id = ?", site.id, page_id)
