"""Workers Analytics Engine, locally: the CPython adapter of the `Analytics` port and a stand-in of
the SQL API that reads what was written.

Points live as JSON lines, one file per dataset (`<dir>/<dataset>.jsonl`), the format the lane's
dataset binding writes (tools/lane/bindings.mjs): `{"dataset", "timestamp" (ms), "index1", "blobs",
"doubles", "_sample_interval"}`. So the stand-in answers for points the real binding shape wrote on
the lane (Pyodide) and for points this module's adapter wrote on the CPython stack.

The SQL API stand-in answers `POST /client/v4/accounts/{account_id}/analytics_engine/sql` with the
query as the body and `Authorization: Bearer <token>`, in the API's JSON shape
(`{"meta": [{"name", "type"}], "data": [{...}], "rows", "rows_before_limit_at_least"}`; UInt64
sums quoted as strings, as ClickHouse's JSON output does). It implements the subset the product
sends (customer/insights.py) and refuses anything else with 422 and the reason, never a guess:

    SELECT item [AS alias], ...          item: a column (timestamp, index1, blob1..20, double1..20,
                                         _sample_interval), SUM(_sample_interval),
                                         SUM(_sample_interval * doubleN), COUNT(),
                                         formatDateTime(timestamp, '%Y-%m-%d') (%Y %m %d %H)
    FROM <dataset>
    [WHERE cond AND cond ...]            cond: column op literal; op = != <> < <= > >=; literal:
                                         'text', a number, toDateTime('YYYY-MM-DD hh:mm:ss')
    [GROUP BY name, ...] [ORDER BY name [ASC|DESC], ...] [LIMIT n] [FORMAT JSON]

A missing or wrong token is Cloudflare's envelope (9106 / 10000), another account 403 (10000).
A dataset nobody wrote to yet answers no rows."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devstack.cloudflare_standin import failure
from shared.http import Request, Response, json_response
from shared.ports import DataPoint

LIMITS = {"blobs": 20, "doubles": 20, "indexes": 1, "index_bytes": 96, "blob_bytes": 16 * 1024}
SQL_PATH = re.compile(r"^/accounts/([^/]+)/analytics_engine/sql$")


def check_point(point: DataPoint) -> None:
    """AE's limits (developers.cloudflare.com/analytics/analytics-engine/limits/), as the lane's binding."""
    if len(point.blobs) > LIMITS["blobs"]:
        raise TypeError("Maximum of 20 blobs supported.")
    if len(point.doubles) > LIMITS["doubles"]:
        raise TypeError("Maximum of 20 doubles supported.")
    if len(point.index.encode()) > LIMITS["index_bytes"]:
        raise TypeError("Index exceeds 96 bytes.")
    if sum(len(b.encode()) for b in point.blobs) > LIMITS["blob_bytes"]:
        raise TypeError("Blobs exceed 16384 bytes in total.")


@dataclass
class FileDataset:
    """The `Analytics` port on CPython: each point appended to `<dir>/<dataset>.jsonl`."""

    folder: Path
    dataset: str
    now: Any = time.time  # seconds; tests pass a clock's `now`

    def write(self, point: DataPoint) -> None:
        check_point(point)
        self.folder.mkdir(parents=True, exist_ok=True)
        line = {
            "dataset": self.dataset,
            "timestamp": int(self.now() * 1000),
            "index1": point.index,
            "blobs": list(point.blobs),
            "doubles": list(point.doubles),
            "_sample_interval": 1,
        }
        with (self.folder / f"{self.dataset}.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")


def read_points(folder: Path, dataset: str) -> list[dict[str, Any]]:
    path = folder / f"{dataset}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class SqlError(ValueError):
    """A query outside the subset, or a malformed one: 422 with this message."""


def _row_value(point: dict[str, Any], column: str) -> Any:
    if column == "timestamp":
        return point["timestamp"] / 1000
    if column == "index1":
        return point.get("index1", "")
    if column == "_sample_interval":
        return point.get("_sample_interval", 1)
    match = re.fullmatch(r"(blob|double)([1-9]|1[0-9]|20)", column)
    if not match:
        raise SqlError(f"Unknown column {column!r}")
    values = point.get(match[1] + "s", [])
    n = int(match[2]) - 1
    if match[1] == "blob":
        return values[n] if n < len(values) else ""
    return float(values[n]) if n < len(values) else 0.0


_TYPES = {"timestamp": "DateTime", "index1": "String", "_sample_interval": "UInt32"}


def _column_type(column: str) -> str:
    return _TYPES.get(column, "String" if column.startswith("blob") else "Float64")


@dataclass
class Item:
    name: str
    kind: str  # column | sum | sum_double | count | format
    column: str = ""
    fmt: str = ""

    @property
    def type(self) -> str:
        return {
            "sum": "UInt64",
            "count": "UInt64",
            "sum_double": "Float64",
            "format": "String",
        }.get(self.kind, _column_type(self.column))

    def aggregate(self) -> bool:
        return self.kind in ("sum", "sum_double", "count")


_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DATE_FORMATS = {"%Y": "%Y", "%m": "%m", "%d": "%d", "%H": "%H"}


def _item(text: str) -> Item:
    text = text.strip()
    alias_match = re.fullmatch(rf"(.+?)\s+AS\s+({_IDENT})", text, re.IGNORECASE | re.DOTALL)
    expr, alias = (alias_match[1].strip(), alias_match[2]) if alias_match else (text, "")
    if re.fullmatch(_IDENT, expr):
        _row_value({"timestamp": 0}, expr)  # unknown column -> SqlError
        return Item(alias or expr, "column", expr)
    if re.fullmatch(r"SUM\(\s*_sample_interval\s*\)", expr, re.IGNORECASE):
        return Item(alias or expr, "sum", "_sample_interval")
    double = re.fullmatch(r"SUM\(\s*_sample_interval\s*\*\s*(double\d+)\s*\)", expr, re.IGNORECASE)
    if double:
        _row_value({"timestamp": 0}, double[1])
        return Item(alias or expr, "sum_double", double[1])
    if re.fullmatch(r"COUNT\(\s*\)", expr, re.IGNORECASE):
        return Item(alias or expr, "count")
    fmt = re.fullmatch(r"formatDateTime\(\s*timestamp\s*,\s*'([^']*)'\s*\)", expr)
    if fmt:
        if re.sub(r"%[YmdH]", "", fmt[1]).strip("-: T"):
            raise SqlError(f"The stand-in formats only %Y %m %d %H, not {fmt[1]!r}")
        return Item(alias or expr, "format", "timestamp", fmt[1])
    raise SqlError(f"The stand-in does not support the expression {expr!r}")


_OPS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _literal(text: str) -> Any:
    text = text.strip()
    if re.fullmatch(r"'(?:[^'\\]|\\.)*'", text):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    stamp = re.fullmatch(r"toDateTime\(\s*'(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})'\s*\)", text)
    if stamp:
        return datetime.strptime(stamp[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
    raise SqlError(f"The stand-in does not support the value {text!r}")


def _conditions(text: str) -> list[tuple[str, str, Any]]:
    out = []
    for part in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE):
        match = re.fullmatch(rf"({_IDENT})\s*(=|!=|<>|<=|>=|<|>)\s*(.+)", part.strip(), re.DOTALL)
        if not match:
            raise SqlError(f"The stand-in does not support the condition {part.strip()!r}")
        _row_value({"timestamp": 0}, match[1])
        out.append((match[1], match[2], _literal(match[3])))
    return out


_QUERY = re.compile(
    rf"^\s*SELECT\s+(?P<items>.+?)\s+FROM\s+(?P<table>{_IDENT})"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+GROUP\s+BY\s+(?P<group>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?"
    r"(?:\s+FORMAT\s+(?P<format>\w+))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def _split_items(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in (p.strip() for p in parts) if p]


def run_query(sql: str, folder: Path) -> dict[str, Any]:
    match = _QUERY.match(sql)
    if not match:
        raise SqlError("The stand-in answers only SELECT ... FROM <dataset> [WHERE] [GROUP BY] [ORDER BY] [LIMIT]")
    if match["format"] and match["format"].upper() != "JSON":
        raise SqlError(f"The stand-in answers only FORMAT JSON, not {match['format']}")
    items = [_item(t) for t in _split_items(match["items"])]
    where = _conditions(match["where"]) if match["where"] else []
    group = [g.strip() for g in match["group"].split(",")] if match["group"] else []
    names = {i.name: i for i in items}
    for g in group:
        if g not in names or names[g].aggregate():
            raise SqlError(f"GROUP BY {g!r} must name a selected column that is not an aggregate")
    aggregated = any(i.aggregate() for i in items)
    if aggregated:
        loose = [i.name for i in items if not i.aggregate() and i.name not in group]
        if loose:
            raise SqlError(f"Column {loose[0]!r} is not under an aggregate function and not in GROUP BY")

    def plain(item: Item, point: dict[str, Any]) -> Any:
        value = _row_value(point, item.column)
        if item.kind == "format":
            return datetime.fromtimestamp(value, UTC).strftime(item.fmt)
        if item.column == "timestamp":
            return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S")
        return value

    points = [
        p
        for p in read_points(folder, match["table"])
        if all(_OPS[op](_row_value(p, col), val) for col, op, val in where)
    ]
    rows: list[dict[str, Any]] = []
    if aggregated:
        groups: dict[tuple[Any, ...], dict[str, Any]] = {}
        for p in points:
            key = tuple(plain(names[g], p) for g in group)
            row = groups.setdefault(key, {i.name: (plain(i, p) if not i.aggregate() else 0) for i in items})
            for i in items:
                if i.kind == "sum":
                    row[i.name] += p.get("_sample_interval", 1)
                elif i.kind == "count":
                    row[i.name] += 1
                elif i.kind == "sum_double":
                    row[i.name] += p.get("_sample_interval", 1) * _row_value(p, i.column)
        rows = list(groups.values())
    else:
        rows = [{i.name: plain(i, p) for i in items} for p in points]
    for part in reversed(_split_items(match["order"] or "")):
        order = re.fullmatch(rf"({_IDENT})(?:\s+(ASC|DESC))?", part, re.IGNORECASE)
        if not order or order[1] not in names:
            raise SqlError(f"ORDER BY {part!r} must name a selected column")
        rows.sort(key=lambda r, n=order[1]: r[n], reverse=(order[2] or "").upper() == "DESC")  # type: ignore[misc]
    total = len(rows)
    if match["limit"]:
        rows = rows[: int(match["limit"])]
    for row in rows:  # ClickHouse's JSON quotes 64-bit integers
        for i in items:
            if i.type == "UInt64":
                row[i.name] = str(int(row[i.name]))
    return {
        "meta": [{"name": i.name, "type": i.type} for i in items],
        "data": rows,
        "rows": len(rows),
        "rows_before_limit_at_least": total,
    }


@dataclass
class AnalyticsSqlStandin:
    """The SQL API over the points in `folder`, for `account_id` with `token` (Account Analytics: Read)."""

    token: str
    account_id: str
    folder: Path
    base: str = "https://api.cloudflare.com/client/v4"
    queries: list[str] = field(default_factory=list)

    async def fetch(self, request: Request) -> Response:
        # An absolute URL (in process) or a path (over HTTP): what follows /client/v4 either way.
        path = request.path.split("/client/v4", 1)[1] if "/client/v4" in request.path else request.path
        match = SQL_PATH.match(path)
        if not match:
            return failure(404, 7000, "No route for that URI")
        if request.method != "POST":
            return failure(405, 10405, "Method not allowed")
        auth = request.header("authorization")
        if not auth:
            return failure(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
        if auth != f"Bearer {self.token}" or match[1] != self.account_id:
            return failure(403, 10000, "Authentication error")
        sql = request.body.decode("utf-8", errors="replace")
        self.queries.append(sql)
        try:
            return json_response(run_query(sql, self.folder))
        except SqlError as exc:
            return Response(422, [("content-type", "text/plain; charset=utf-8")], str(exc).encode())
