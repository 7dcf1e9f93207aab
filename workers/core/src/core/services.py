"""What core's business modules (signup, login, recovery, email_change, account_settings,
account_data) are handed: the ports and the clients the composition root built from them, and the
caller as plain values. They never see a request or build a response (core/accounts.py does)."""

from __future__ import annotations

from dataclasses import dataclass

from core.deps import Ports, Settings
from core.gateway import Gateway
from shared.mail import MailClient
from shared.turnstile import Turnstile


@dataclass(frozen=True)
class Services:
    settings: Settings
    ports: Ports
    gateway: Gateway
    mail: MailClient
    turnstile: Turnstile


@dataclass(frozen=True)
class Caller:
    """Who is asking, read off the request once by the HTTP layer."""

    address: str = "unknown"  # cf-connecting-ip: Cloudflare sets it and a client cannot override it
    user_agent: str = ""
    request_id: str = ""
    device_cookie: str = ""  # __Host-device (core/devices.py)


@dataclass(frozen=True)
class SignedIn:
    """A person just signed in: the account as the API shows it and the new session's token."""

    account: dict[str, object]
    session_token: str
    device_cookie: str = ""  # set on a password log-in: the browser's own bucket from now on
