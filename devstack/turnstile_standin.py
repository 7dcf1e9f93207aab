"""A stand-in for Cloudflare Turnstile's siteverify, in process (the HttpClient port), enforcing
the contract as Cloudflare documents it:

    POST https://challenges.cloudflare.com/turnstile/v0/siteverify
    application/x-www-form-urlencoded or application/json: secret, response, [remoteip], [idempotency_key]
    -> 200 {"success", "error-codes", "challenge_ts", "hostname", "action", "cdata", "metadata"}

Error codes: missing-input-secret, invalid-input-secret, missing-input-response,
invalid-input-response (unknown, malformed or over 2048 characters), timeout-or-duplicate (used
before, or older than 300 s), bad-request (not POST, or a body that cannot be read).

Cloudflare's documented test keys behave as documented: the secret 1x0000000000000000000000000000000AA
always passes, 2x0000000000000000000000000000000AA always fails, 3x0000000000000000000000000000000AA
answers "token already spent"; test site keys hand browsers the dummy token XXXX.DUMMY.TOKEN.XXXX,
which a real (non-test) secret refuses. For a real secret the stand-in mints tokens itself
(`issue`), as the widget would for a visitor who passed the challenge."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from shared.http import Request, Response, json_response
from shared.ports import Clock
from shared.turnstile import MAX_TOKEN_LENGTH, SITEVERIFY_URL

# Cloudflare's public test keys (documented, not secrets).
TEST_SECRET_PASSES = "1x0000000000000000000000000000000AA"  # noqa: S105
TEST_SECRET_FAILS = "2x0000000000000000000000000000000AA"  # noqa: S105
TEST_SECRET_SPENT = "3x0000000000000000000000000000000AA"  # noqa: S105
TEST_SITE_KEY_PASSES = "1x00000000000000000000AA"
DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX"  # noqa: S105
TOKEN_LIFETIME = 300


@dataclass
class Minted:
    issued_at: float
    hostname: str
    action: str
    used: bool = False


@dataclass
class TurnstileStandin:
    clock: Clock
    secret: str = "0x4AAAAAAAstandin-real-looking-secret"  # noqa: S105 (the stand-in's own, local only)
    url: str = SITEVERIFY_URL
    tokens: dict[str, Minted] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def issue(self, hostname: str = "www.smartpages.online", action: str = "") -> str:
        """A token as the widget gives a visitor who passed (for the real secret)."""
        token = "0." + uuid.uuid4().hex + uuid.uuid4().hex
        self.tokens[token] = Minted(self.clock.now(), hostname, action)
        return token

    def _answer(self, errors: list[str], minted: Minted | None = None) -> Response:
        body: dict[str, Any] = {"success": not errors, "error-codes": errors, "messages": []}
        if minted is not None and not errors:
            stamp = datetime.fromtimestamp(minted.issued_at, UTC).isoformat(timespec="milliseconds")
            body.update(
                challenge_ts=stamp.replace("+00:00", "Z"),
                hostname=minted.hostname,
                action=minted.action,
                cdata="",
                metadata={"interactive": False},
            )
        return json_response(body)

    def _fields(self, request: Request) -> dict[str, str] | None:
        ctype = request.header("content-type").split(";")[0].strip().lower()
        try:
            if ctype == "application/json":
                data = json.loads(request.body)
                return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else None
            if ctype == "application/x-www-form-urlencoded":
                return {k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()}
        except (ValueError, UnicodeDecodeError):
            return None
        return None

    async def fetch(self, request: Request) -> Response:
        self.requests.append(request)
        if request.path != self.url:
            return Response(404, [("content-type", "text/plain")], b"not found")
        fields = self._fields(request) if request.method == "POST" else None
        if fields is None:
            return self._answer(["bad-request"])
        secret, token = fields.get("secret", ""), fields.get("response", "")
        if not secret:
            return self._answer(["missing-input-secret"])
        test_secret = secret in (TEST_SECRET_PASSES, TEST_SECRET_FAILS, TEST_SECRET_SPENT)
        if not test_secret and secret != self.secret:
            return self._answer(["invalid-input-secret"])
        if not token:
            return self._answer(["missing-input-response"])
        if len(token) > MAX_TOKEN_LENGTH:
            return self._answer(["invalid-input-response"])
        if secret == TEST_SECRET_PASSES:
            return self._answer([], Minted(self.clock.now(), "example.com", ""))
        if secret == TEST_SECRET_FAILS:
            return self._answer(["invalid-input-response"])
        if secret == TEST_SECRET_SPENT:
            return self._answer(["timeout-or-duplicate"])
        minted = self.tokens.get(token)  # the dummy token is never minted: a real secret refuses it
        if minted is None:
            return self._answer(["invalid-input-response"])
        if minted.used or self.clock.now() - minted.issued_at > TOKEN_LIFETIME:
            return self._answer(["timeout-or-duplicate"])
        minted.used = True
        return self._answer([], minted)
