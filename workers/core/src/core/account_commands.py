"""The accounts API's request bodies: each a typed command (a frozen dataclass) with, beside its
fields, the spec it is parsed with (`FIELDS`: shared/schema.py, what /api/v1/openapi.json describes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core import passwords
from shared import attribution
from shared.schema import Bool, Email, Field, Secret

_PASSWORD = Secret(max_length=passwords.MAX_LENGTH + 1)  # a password as typed (checked against the hash)
_NEW_PASSWORD = passwords.NewPassword()
_TOKEN = Secret(max_length=200)
# A passed Turnstile challenge (required when Turnstile is on: see GET /api/v1/auth/turnstile).
_HUMAN = Secret(max_length=4096, required=False)
_ENDS_SESSIONS = Bool(default=True)  # accepted from older clients; sessions always end
Spec = dict[str, Field]


@dataclass(frozen=True)
class SignUp:
    FIELDS: ClassVar[Spec] = {
        "email": Email(),
        "password": _NEW_PASSWORD,
        "attribution": attribution.Attribution(),
        "turnstile_token": _HUMAN,
    }
    email: str
    password: str
    attribution: dict[str, str]
    turnstile_token: str


@dataclass(frozen=True)
class FollowLink:
    """The body of every email-link POST: {"token": "..."}."""

    FIELDS: ClassVar[Spec] = {"token": _TOKEN}
    token: str


@dataclass(frozen=True)
class AskForLink:
    """A public form that emails a link (verification again, password reset, magic link)."""

    FIELDS: ClassVar[Spec] = {"email": Email(), "turnstile_token": _HUMAN}
    email: str
    turnstile_token: str


@dataclass(frozen=True)
class LogIn:
    FIELDS: ClassVar[Spec] = {"email": Email(), "password": _PASSWORD}
    email: str
    password: str


@dataclass(frozen=True)
class ResetPassword:
    FIELDS: ClassVar[Spec] = {"token": _TOKEN, "password": _NEW_PASSWORD, "end_other_sessions": _ENDS_SESSIONS}
    token: str
    password: str
    end_other_sessions: bool


@dataclass(frozen=True)
class RevertEmail:
    FIELDS: ClassVar[Spec] = {"token": _TOKEN, "password": _NEW_PASSWORD}
    token: str
    password: str


@dataclass(frozen=True)
class ConfirmPassword:
    FIELDS: ClassVar[Spec] = {"password": _PASSWORD}
    password: str


@dataclass(frozen=True)
class ChangePassword:
    FIELDS: ClassVar[Spec] = {
        # Omitted only by an account that has no password yet (verified by a link: see signup.verify).
        "current_password": Secret(max_length=passwords.MAX_LENGTH + 1, required=False),
        "new_password": _NEW_PASSWORD,
        "end_other_sessions": _ENDS_SESSIONS,
    }
    current_password: str
    new_password: str
    end_other_sessions: bool


@dataclass(frozen=True)
class ChangeEmail:
    FIELDS: ClassVar[Spec] = {"new_email": Email(), "password": _PASSWORD}
    new_email: str
    password: str


# The specs by the names core/openapi.py describes the bodies with.
SIGNUP = SignUp.FIELDS
LINK = FollowLink.FIELDS
EMAIL_HUMAN = AskForLink.FIELDS
LOGIN = LogIn.FIELDS
RESET = ResetPassword.FIELDS
REVERT = RevertEmail.FIELDS
PASSWORD_ONLY = ConfirmPassword.FIELDS
CHANGE_PASSWORD = ChangePassword.FIELDS
CHANGE_EMAIL = ChangeEmail.FIELDS
