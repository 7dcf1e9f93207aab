"""The accounts API's request bodies: each a spec (shared/schema.py, what the handlers validate with
and what /api/v1/openapi.json describes) and the typed command it is parsed into."""

from __future__ import annotations

from dataclasses import dataclass

from core import passwords
from shared import attribution
from shared.schema import Bool, Email, Field, Secret

_PASSWORD = Secret(max_length=passwords.MAX_LENGTH + 1)  # a password as typed (checked against the hash)
_NEW_PASSWORD = passwords.NewPassword()
_TOKEN = Secret(max_length=200)
# A passed Turnstile challenge (required when Turnstile is on: see GET /api/v1/auth/turnstile).
_HUMAN = Secret(max_length=4096, required=False)
_ENDS_SESSIONS = Bool(default=True)  # accepted from older clients; sessions always end
SIGNUP: dict[str, Field] = {
    "email": Email(),
    "password": _NEW_PASSWORD,
    "attribution": attribution.Attribution(),
    "turnstile_token": _HUMAN,
}
LINK: dict[str, Field] = {"token": _TOKEN}
EMAIL_HUMAN: dict[str, Field] = {"email": Email(), "turnstile_token": _HUMAN}
LOGIN: dict[str, Field] = {"email": Email(), "password": _PASSWORD}
RESET: dict[str, Field] = {"token": _TOKEN, "password": _NEW_PASSWORD, "end_other_sessions": _ENDS_SESSIONS}
REVERT: dict[str, Field] = {"token": _TOKEN, "password": _NEW_PASSWORD}
PASSWORD_ONLY: dict[str, Field] = {"password": _PASSWORD}
CHANGE_PASSWORD: dict[str, Field] = {
    # Omitted only by an account that has no password yet (verified by a link: see signup.verify).
    "current_password": Secret(max_length=passwords.MAX_LENGTH + 1, required=False),
    "new_password": _NEW_PASSWORD,
    "end_other_sessions": _ENDS_SESSIONS,
}
CHANGE_EMAIL: dict[str, Field] = {"new_email": Email(), "password": _PASSWORD}


@dataclass(frozen=True)
class SignUp:
    email: str
    password: str
    attribution: dict[str, str]
    turnstile_token: str


@dataclass(frozen=True)
class FollowLink:
    """The body of every email-link POST: {"token": "..."}."""

    token: str


@dataclass(frozen=True)
class AskForLink:
    """A public form that emails a link (verification again, password reset, magic link)."""

    email: str
    turnstile_token: str


@dataclass(frozen=True)
class LogIn:
    email: str
    password: str


@dataclass(frozen=True)
class ResetPassword:
    token: str
    password: str
    end_other_sessions: bool


@dataclass(frozen=True)
class RevertEmail:
    token: str
    password: str


@dataclass(frozen=True)
class ConfirmPassword:
    password: str


@dataclass(frozen=True)
class ChangePassword:
    current_password: str
    new_password: str
    end_other_sessions: bool


@dataclass(frozen=True)
class ChangeEmail:
    new_email: str
    password: str
