"""`.env` / `.dev.vars` files as wrangler reads them: NAME=value lines, `#` comments, optional quotes."""

from __future__ import annotations


def parse_dotenv(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and name and not name.startswith("#"):
            values[name.strip()] = value.strip().strip('"')
    return values
