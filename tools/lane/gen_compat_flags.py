"""Writes tools/lane/compat-flags.json, the lane's table of workerd's compatibility flags, from the
workerd that `wrangler deploy` targets: the binary the pinned wrangler ships
(node_modules/wrangler/node_modules/@cloudflare/workerd-linux-64; Miniflare's own workerd, which
the lane runs D1/R2/KV on, is older and does not know every flag):

    python3 -m tools.lane.gen_compat_flags [WORKERD_BINARY]

The binary carries workerd's compiled `compatibility-date.capnp` schema (the `CompatibilityFlags`
struct, node id 0x8f8c1b68151b6cef, as a Cap'n Proto message), so the table is read from it
exactly: every field in ordinal order with its annotations (enable and disable flag, enable date,
all dates, experimental, implied-by-after-date, and whether it selects a Python release).
tests/lane/test_compat_flags.py regenerates the table from the pinned binary and compares, so a new
pin cannot go unnoticed."""

from __future__ import annotations

import json
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = Path(__file__).with_name("compat-flags.json")
WRANGLER_WORKERD = ROOT / "node_modules" / "wrangler" / "node_modules" / "@cloudflare" / "workerd-linux-64"
WORKERD = WRANGLER_WORKERD / "bin" / "workerd"

NODE_ID = 0x8F8C1B68151B6CEF  # struct CompatibilityFlags
DISPLAY_NAME = "workerd/io/compatibility-date.capnp:CompatibilityFlags"
# Annotation ids (compatibility-date.capnp).
ENABLE_FLAG = 0xB6DABBC87CD1B03E
DISABLE_FLAG = 0xD145CF1ADC42577C
ENABLE_DATE = 0x91A5D5D7244CF6D0
ENABLE_ALL_DATES = 0x9A1D37C8030D9418
EXPERIMENTAL = 0xE3E5A63E76284D88
IMPLIED_BY_AFTER_DATE = 0xE3E5A63E76284D89
PYTHON_SNAPSHOT_RELEASE = 0xEF74C0CC5D18CC0C
VALUE_TEXT, VALUE_STRUCT = 12, 16  # schema.capnp Value union


@dataclass(frozen=True)
class Struct:
    data: int  # word index of the data section
    data_words: int
    pointers: int  # word index of the pointer section
    pointer_count: int


class Message:
    """Just enough of the Cap'n Proto encoding to read one single-segment schema node."""

    def __init__(self, buf: bytes, base: int) -> None:
        self.buf, self.base = buf, base

    def word(self, index: int) -> int:
        value: int = struct.unpack_from("<Q", self.buf, self.base + 8 * index)[0]
        return value

    @staticmethod
    def _offset(pointer: int) -> int:
        offset = (pointer >> 2) & 0x3FFFFFFF
        return offset - 0x40000000 if offset & 0x20000000 else offset

    def struct(self, at: int) -> Struct | None:
        pointer = self.word(at)
        if pointer == 0:
            return None
        if pointer & 3 != 0:
            raise ValueError(f"not a struct pointer at word {at}")
        data_words, pointer_count = (pointer >> 32) & 0xFFFF, (pointer >> 48) & 0xFFFF
        start = at + 1 + self._offset(pointer)
        return Struct(start, data_words, start + data_words, pointer_count)

    def _list(self, at: int) -> tuple[int, int, int] | None:
        pointer = self.word(at)
        if pointer == 0:
            return None
        if pointer & 3 != 1:
            raise ValueError(f"not a list pointer at word {at}")
        return at + 1 + self._offset(pointer), (pointer >> 32) & 7, pointer >> 35

    def text(self, at: int) -> str | None:
        found = self._list(at)
        if found is None:
            return None
        start, size, count = found
        if size != 2:
            raise ValueError(f"not a text at word {at}")
        return self.buf[self.base + 8 * start : self.base + 8 * start + count - 1].decode()

    def texts(self, at: int) -> list[str]:
        found = self._list(at)
        if found is None:
            return []
        start, size, count = found
        if size != 6:
            raise ValueError(f"not a list of pointers at word {at}")
        return [t for i in range(count) if (t := self.text(start + i)) is not None]

    def structs(self, at: int) -> list[Struct]:
        found = self._list(at)
        if found is None:
            return []
        start, size, _ = found
        if size != 7:
            raise ValueError(f"not a list of structs at word {at}")
        tag = self.word(start)
        count, data_words, pointer_count = (tag >> 2) & 0x3FFFFFFF, (tag >> 32) & 0xFFFF, (tag >> 48) & 0xFFFF
        step = data_words + pointer_count
        return [
            Struct(start + 1 + i * step, data_words, start + 1 + i * step + data_words, pointer_count)
            for i in range(count)
        ]

    def u16(self, s: Struct, byte: int) -> int:
        if byte + 2 > 8 * s.data_words:
            return 0
        value: int = struct.unpack_from("<H", self.buf, self.base + 8 * s.data + byte)[0]
        return value

    def u64(self, s: Struct, byte: int) -> int:
        if byte + 8 > 8 * s.data_words:
            return 0
        value: int = struct.unpack_from("<Q", self.buf, self.base + 8 * s.data + byte)[0]
        return value


def find_node(binary: bytes) -> tuple[Message, Struct]:
    """The schema node: a message whose root struct's first data word is the node id."""
    needle = struct.pack("<Q", NODE_ID)
    at = binary.find(needle)
    while at >= 8:
        message = Message(binary, at - 8)
        root = message.word(0)
        if root & 0x3FFFFFFF == 0 and (root >> 32) & 0xFFFF >= 5:
            node = message.struct(0)
            if node and node.pointer_count >= 4 and message.text(node.pointers) == DISPLAY_NAME:
                return message, node
        at = binary.find(needle, at + 1)
    raise ValueError(f"no {DISPLAY_NAME} schema node in the binary")


def parse_binary(binary: bytes) -> list[dict[str, object]]:
    """One entry per flag field, in ordinal order (the order workerd evaluates implications in and
    picks the Python release by)."""
    message, node = find_node(binary)
    flags = []
    for field in message.structs(node.pointers + 3):  # Node.struct.fields
        name = message.text(field.pointers)  # Field.name
        entry: dict[str, object] = {"field": name}
        for annotation in message.structs(field.pointers + 1):  # Field.annotations
            kind = message.u64(annotation, 0)
            value = message.struct(annotation.pointers)  # Annotation.value
            which = message.u16(value, 0) if value else 0
            text = message.text(value.pointers) if value and which == VALUE_TEXT else None
            if kind == ENABLE_FLAG:
                entry["enable"] = text
            elif kind == DISABLE_FLAG:
                entry["disable"] = text
            elif kind == ENABLE_DATE:
                entry["date"] = text
            elif kind == ENABLE_ALL_DATES:
                entry["allDates"] = True
            elif kind == EXPERIMENTAL:
                entry["experimental"] = True
            elif kind == PYTHON_SNAPSHOT_RELEASE:
                entry["pythonRelease"] = True
            elif kind == IMPLIED_BY_AFTER_DATE and value and which == VALUE_STRUCT:
                implied = message.struct(value.pointers)  # ImpliedByAfterDate {union {name, names}, date}
                if implied is None:
                    raise ValueError(f"{name}: empty impliedByAfterDate")
                names = (
                    message.texts(implied.pointers)
                    if message.u16(implied, 0) == 1
                    else [message.text(implied.pointers) or ""]
                )
                date = message.text(implied.pointers + 1)
                entry.setdefault("impliedBy", []).append({"fields": names, "date": date})  # type: ignore[attr-defined]
        flags.append(entry)
    return flags


def workerd_version() -> str:
    return str(json.loads((WRANGLER_WORKERD / "package.json").read_text())["version"])


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    binary = Path(argv[0]) if argv else WORKERD
    flags = parse_binary(binary.read_bytes())
    TABLE.write_text(json.dumps(flags, indent=1) + "\n")
    print(f"wrote {len(flags)} flags from {binary} to {TABLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
