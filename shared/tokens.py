"""Secrets handed out in links and cookies: 32 random bytes, URL-safe. Only their hash is stored."""

from __future__ import annotations

import base64

from shared.ports import Crypto


def new_secret(crypto: Crypto) -> str:
    return base64.urlsafe_b64encode(crypto.random_bytes(32)).rstrip(b"=").decode()
