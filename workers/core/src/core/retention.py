"""Core's retention (Cron Trigger; docs/operations.md, "Retention"): sessions past their idle or
absolute lifetime or revoked, sign-in and email links a week past their expiry, login attempts past
the rate limit's window. Each run is one bounded step per rule (shared.retention), so it never grows
with the backlog; a backlog is worked off over the next runs."""

from __future__ import annotations

from core import ratelimit, sessions
from shared import retention
from shared.ports import Clock, Database
from shared.retention import DAY, Rule
from shared.scheduled import Job

RULES = (
    Rule("sessions_idle", "sessions", "last_seen_at < ?", sessions.IDLE_SECONDS),
    Rule("sessions_absolute", "sessions", "created_at < ?", sessions.ABSOLUTE_SECONDS),
    Rule("sessions_revoked", "sessions", "revoked_at < ?", DAY),
    Rule("tokens", "tokens", "expires_at < ?", 7 * DAY),  # a week of "this link has expired" first
    Rule("login_attempts", "login_attempts", "at < ?", ratelimit.WINDOW_SECONDS),
)


def job(db: Database, clock: Clock) -> Job:
    return retention.job(db, clock, RULES)
