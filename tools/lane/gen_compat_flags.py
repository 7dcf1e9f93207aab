"""Writes tools/lane/compat-flags.json, the lane's table of workerd's compatibility flags, from
workerd's `src/workerd/io/compatibility-date.capnp` at the version the pinned wrangler runs:

    python3 -m tools.lane.gen_compat_flags path/to/compatibility-date.capnp

(e.g. `git show v1.20260730.1:src/workerd/io/compatibility-date.capnp` in a workerd clone; the
version is node_modules/@cloudflare/workerd-linux-64's). tests/lane/test_compat_flags.py checks
the table against the strings of the pinned workerd binary, so a new pin cannot go unnoticed."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TABLE = Path(__file__).with_name("compat-flags.json")

FIELD = re.compile(r"^\s*(\w+) @\d+\s*:\s*Bool(.*?);", re.MULTILINE | re.DOTALL)
ANNOTATION = re.compile(r"\$(\w+)(?:\((.*?)\))?(?=\s|$)", re.DOTALL)


def parse(capnp: str) -> list[dict[str, object]]:
    """One entry per flag field, in schema order (workerd evaluates implications in that order)."""
    body = capnp[capnp.index("struct CompatibilityFlags") :]
    flags = []
    for match in FIELD.finditer(body):
        entry: dict[str, object] = {"field": match.group(1)}
        for name, args in ANNOTATION.findall(match.group(2)):
            if name == "compatEnableFlag":
                entry["enable"] = json.loads(args)
            elif name == "compatDisableFlag":
                entry["disable"] = json.loads(args)
            elif name == "compatEnableDate":
                entry["date"] = json.loads(args)
            elif name == "compatEnableAllDates":
                entry["allDates"] = True
            elif name == "experimental":
                entry["experimental"] = True
            elif name == "impliedByAfterDate":
                date = re.search(r'date\s*=\s*"([^"]+)"', args)
                names = re.findall(r'"(\w+)"', re.sub(r'date\s*=\s*"[^"]+"', "", args))
                if not (date and names):
                    raise ValueError(f"cannot read impliedByAfterDate({args})")
                entry.setdefault("impliedBy", []).append({"fields": names, "date": date.group(1)})  # type: ignore[attr-defined]
        flags.append(entry)
    return flags


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    flags = parse(Path(argv[0]).read_text())
    TABLE.write_text(json.dumps(flags, indent=1) + "\n")
    print(f"wrote {len(flags)} flags to {TABLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
