"""The runbook commands of docs/operations.md, as a test runs them: every fenced block whose info
string is `sh runbook`, split into commands (a `\\`-continued line is one command; comments and
blank lines dropped; `NAME=value` lines are the block's settings, prefixed to each later command)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
_BLOCK = re.compile(r"^( *)```(\S*)([^\n]*)\n(.*?)^\1```", re.S | re.M)
_SETTING = re.compile(r"^[A-Z][A-Z0-9_]*=")
_PLACEHOLDER = re.compile(r"<[a-z0-9-]+>")
NOT_REHEARSED = "# not rehearsed:"  # the first line of a `sh` block the test cannot run offline, and why


@dataclass(frozen=True)
class Command:
    heading: str  # the section it is under
    settings: tuple[str, ...]  # the block's NAME=value lines before it
    line: str

    @property
    def reads_config(self) -> bool:
        """It acts on a worker through its config (`-c build/<worker>/wrangler.toml --env "$ENV"`),
        which wrangler resolves through the config's `[env.<name>]` section."""
        return " -c " in f" {self.line} "

    def script(self, env: str, placeholders: dict[str, str]) -> str:
        """The command for `env`, after its settings, with `<placeholder>`s filled in (one left
        unfilled is an error: the docs grew a placeholder the test does not know)."""
        settings = [re.sub(r"^ENV=\S+", f"ENV={env}", s) for s in self.settings]
        text = "\n".join(["set -euo pipefail", *settings, self.line])
        for name, value in placeholders.items():
            text = text.replace(f"<{name}>", value)
        if left := _PLACEHOLDER.findall(text):
            raise ValueError(f"unfilled placeholders {left} in: {self.line}")
        return text


def shell_blocks(text: str) -> list[tuple[str, str, str]]:
    """(heading, info string, body) of every fenced block, with list indentation removed."""
    out = []
    for match in _BLOCK.finditer(text):
        indent, lang, rest, body = match.groups()
        heading = ["", *re.findall(r"^#{2,6} (.+)$", text[: match.start()], re.M)][-1]  # sh comments are "# "
        lines = [line[len(indent) :] if line.startswith(indent) else line for line in body.splitlines()]
        out.append((heading, f"{lang}{rest}".strip(), "\n".join(lines)))
    return out


def runbook_commands(text: str | None = None) -> list[Command]:
    commands = []
    for heading, info, body in shell_blocks(OPERATIONS.read_text() if text is None else text):
        if info != "sh runbook":
            continue
        settings: list[str] = []
        for line in body.replace("\\\n", " ").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if _SETTING.match(line):
                settings.append(line)
            else:
                commands.append(Command(heading, tuple(settings), re.sub(r"\s+", " ", line)))
    return commands


def run(
    command: Command, env: str, placeholders: dict[str, str], cwd: Path, values: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command.script(env, placeholders)],
        cwd=cwd, env=values, input=stdin, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
