"""The downgrade timeline (docs/billing.md, "Downgrade policy"), carried out by a scheduled job.

Billing's hourly Cron plans it as a job on the JOBS queue (billing.app.bootstrap_job, shared.jobs):
`plan_page` reads PLAN_PAGE subscribed accounts from a cursor and fans them out as messages of
BATCH accounts (plus the next page's message), and `run_accounts` carries each batch forward, so no
invocation grows with the number of subscriptions. It is idempotent. For each account whose paid
plan has ended it records when (`downgrades`), mails `plan_downgraded` at once and `domains_ending`
3 days before the 14-day custom-domain window closes, each once; when the window has closed it asks customer to cut the
account's custom domains over (`CustomerDomains`), until customer confirms. An account that has
its plan again leaves the timeline."""

from __future__ import annotations

from dataclasses import dataclass

from billing import entitlements
from billing.notices import date
from billing.subscriptions import Record, SubscriptionStore
from shared import internal_auth, plans
from shared.http import Request
from shared.log import log
from shared.mail import MailClient
from shared.ports import Clock, Crypto, Database, Service

DAY = 86400
DOMAIN_WINDOW = 14 * DAY  # custom domains keep serving this long after the downgrade
REMINDER_BEFORE = 3 * DAY
# Per invocation, under half of every limit: a plan step is 1 statement and PLAN_PAGE / BATCH queue
# sends; a batch step is at most ~8 statements and 3 subrequests (cut-over, 2 mails) per account.
PLAN_PAGE = 1000
BATCH = 25


def ended_at(record: Record, now: float) -> float:
    """When the paid plan ended: the grace period's end for a payment that never came, else the
    end of the paid period; never later than now (the job sees it at the latest now)."""
    until = entitlements.grace_until(record)
    end = until if until is not None else record.current_period_end
    return min(end, now) if end is not None else now


@dataclass
class CustomerDomains:
    """Customer's day-14 cut-over, asked over the CUSTOMER binding, signed as billing for the account."""

    customer: Service
    crypto: Crypto
    clock: Clock
    secret: str

    async def cut_over(self, account_id: str) -> bool:
        """True once customer has cut the account's custom domains over (or it has no sites)."""
        request = Request("POST", f"/internal/accounts/{account_id}/domains/cut-over")
        identity = internal_auth.Identity(account_id=account_id, caller="billing")
        signed = await internal_auth.signed(self.crypto, self.clock, self.secret, request, identity)
        try:
            response = await self.customer.fetch(signed)
        except Exception as exc:  # unreachable: asked again at the next run
            self._log(account_id, f"customer unreachable: {exc}")
            return False
        if response.status >= 300:
            self._log(account_id, f"customer answered {response.status}")
        return response.status < 300

    def _log(self, account_id: str, error: str) -> None:
        log("domains_cut_over_failed", account_id=account_id, error=error)


@dataclass
class Timeline:
    db: Database
    store: SubscriptionStore
    notifier: MailClient
    portal_origin: str
    domains: CustomerDomains | None = None  # None (unit tests without customer): no cut-over

    async def plan_page(self, after: str) -> tuple[list[list[str]], str | None]:
        """The next PLAN_PAGE subscribed accounts after `after`, in batches of BATCH, and the cursor
        of the page after (None at the end). One statement."""
        rows = await self.db.all(
            "SELECT account_id FROM subscriptions WHERE stripe_subscription_id IS NOT NULL AND account_id > ?"
            " ORDER BY account_id LIMIT ?",
            (after, PLAN_PAGE),
        )
        ids = [str(r["account_id"]) for r in rows]
        batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
        return batches, (ids[-1] if len(ids) == PLAN_PAGE else None)

    async def run(self, now: float) -> dict[str, int]:
        """Every account, page by page, in one call: for tests only; the job runs pages as messages."""
        done: dict[str, int] = {}
        after: str | None = ""
        while after is not None:
            batches, after = await self.plan_page(after)
            for batch in batches:
                for what, count in (await self.run_accounts(batch, now)).items():
                    done[what] = done.get(what, 0) + count
        return done or {"started": 0, "notices": 0, "reminders": 0, "cut_over": 0, "ended": 0}

    async def run_accounts(self, account_ids: list[str], now: float) -> dict[str, int]:
        """Carries these accounts forward; returns what it did (for the job's log)."""
        done = {"started": 0, "notices": 0, "reminders": 0, "cut_over": 0, "ended": 0}
        failed: list[Exception] = []
        for account_id in account_ids:
            try:
                record = await self.store.get(account_id)
                if record is not None:
                    await self._one(record, now, done)
            except Exception as exc:  # this account is carried forward by a later run; the others now
                failed.append(exc)
                log("downgrade_failed", exc, account_id=account_id)
        if failed and len(failed) == len(account_ids):
            raise failed[0]  # nothing went through (the mailer or D1 is down): the step is retried
        if failed:
            done["failed"] = len(failed)
        return done

    async def _one(self, record: Record, now: float, done: dict[str, int]) -> None:
        state = entitlements.effective(record.account_id, record, now)
        if state.plan is not plans.FREE or record.plan == plans.FREE.id:
            ended = await self.db.run("DELETE FROM downgrades WHERE account_id = ?", (record.account_id,))
            done["ended"] += int(bool(ended))
            return
        rows = await self.db.all("SELECT * FROM downgrades WHERE account_id = ?", (record.account_id,))
        if not rows or rows[0]["subscription_id"] != record.stripe_subscription_id:
            await self.db.run(
                "INSERT INTO downgrades (account_id, subscription_id, plan, downgraded_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (account_id) DO UPDATE SET subscription_id = excluded.subscription_id,"
                " plan = excluded.plan, downgraded_at = excluded.downgraded_at,"
                " notice_sent_at = NULL, reminder_sent_at = NULL, domains_cut_at = NULL",
                (record.account_id, record.stripe_subscription_id, record.plan, ended_at(record, now)),
            )
            done["started"] += 1
            rows = await self.db.all("SELECT * FROM downgrades WHERE account_id = ?", (record.account_id,))
        row = rows[0]
        domains_until = float(row["downgraded_at"]) + DOMAIN_WINDOW
        due = row["domains_cut_at"] is None and now >= domains_until
        if due and self.domains is not None and await self.domains.cut_over(record.account_id):
            await self.db.run("UPDATE downgrades SET domains_cut_at = ? WHERE account_id = ?", (now, record.account_id))
            done["cut_over"] += 1
        if not record.email:
            return
        data = {"plan": plans.get(str(row["plan"])).name, "domains_until": date(domains_until)}
        data["link"] = f"{self.portal_origin}/billing"
        key = f"downgrade/{row['subscription_id']}"
        if row["notice_sent_at"] is None:
            await self.notifier.send("plan_downgraded", record.email, data, f"{key}/notice")
            await self.db.run("UPDATE downgrades SET notice_sent_at = ? WHERE account_id = ?", (now, record.account_id))
            done["notices"] += 1
        if row["reminder_sent_at"] is None and domains_until - REMINDER_BEFORE <= now < domains_until:
            reminder = {"domains_until": data["domains_until"], "link": data["link"]}  # the template's fields
            await self.notifier.send("domains_ending", record.email, reminder, f"{key}/reminder")
            await self.db.run(
                "UPDATE downgrades SET reminder_sent_at = ? WHERE account_id = ?", (now, record.account_id)
            )
            done["reminders"] += 1
