"""Parsing JSON from outside without trusting its shape: a nesting-depth guard before `json.loads`.

`json.loads` recurses once per level. On CPython a deep document is a `RecursionError`; on Pyodide
(Cloudflare's Python) the WebAssembly stack overflows first, a fatal error that takes the whole
isolate down with every request it holds. So every parser of bytes from outside counts the depth
first, in C-speed passes (no Python loop per byte), and refuses past `MAX_DEPTH`. Our own formats
nest a handful of levels (a page's blocks: 5; a Stripe event: under 10), so 64 is generous.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64

# A JSON string (escapes included): its brackets are text, not nesting. The closing quote is
# optional so that an unterminated string ends the scan instead of being retried from every quote
# inside it (quadratic on `"\"\"\"…`).
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class TooDeep(ValueError):
    """The document nests deeper than the limit (a `ValueError`, as `json.loads`'s errors are)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def depth(text: str) -> int:
    """How deep the document's arrays and objects nest (an upper bound for malformed text)."""
    if text.count("[") + text.count("{") == 0:
        return 0
    brackets = _BRACKETS.findall(_STRING.sub('""', text))
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def loads(data: str | bytes | bytearray, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` that refuses a document nested deeper than `max_depth` before parsing it.

    Raises `UnicodeDecodeError` for bytes that are not UTF-8, `TooDeep`, or `json.JSONDecodeError`:
    all `ValueError`s."""
    text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    # Cheap exit: fewer openers than the limit cannot nest past it.
    if text.count("[") + text.count("{") > max_depth and depth(text) > max_depth:
        raise TooDeep(max_depth)
    return json.loads(text)
