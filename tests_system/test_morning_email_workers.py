from contextlib import closing
from datetime import date, datetime

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api

from .scratch import ScratchDatabaseCase

SUBJECT = "payment reminders to send on"


class TestMorningEmailOnTwoWorkers(ScratchDatabaseCase):
    """The hourly morning email run by two workers at the same moment, on
    two database connections: the first locks the company's row and writes
    the day sent; the second skips the company without waiting, and a later
    run that day sends nothing: one email per dunning user, once."""

    def setUp(self):
        super().setUp()
        self._clients_with_overdue_invoices(self.id()[-20:], 2, "2025-10-01")
        with self.env() as env:
            env["mail.mail"].search([]).unlink()
            company = self.company.with_env(env)
            company.partner_id.tz = "Europe/Paris"
            company.write(
                {
                    "nightly_reminders": True,
                    "dunning_morning_email": True,
                    "dunning_morning_email_hour": 8,
                    "dunning_morning_email_date": False,
                }
            )
            env.ref("freelance_dunning.ir_cron_dunning_run").nextcall = datetime(
                2025, 10, 10, 1, 0
            )

    def _cursor(self):
        cr = self.registry.cursor()
        # A collision would wait on the other's row lock: fail at once instead.
        cr.execute("SET LOCAL lock_timeout = '3s'")
        return closing(cr)

    @staticmethod
    def _morning(env):
        with freeze_time("2025-10-09 07:00:00"):  # 09:00 in Paris
            env["freelance.dunning.morning.email"]._cron_send()

    def _facts(self):
        with self.env() as env:
            company = self.company.with_env(env)
            mails = env["mail.mail"].search([("subject", "like", SUBJECT)])
            recipients = env["freelance.dunning.morning.email"]._get_recipients(company)
            return (
                company.dunning_morning_email_date,
                sorted(mails.recipient_ids.ids),
                len(mails),
                sorted(recipients.partner_id.ids),
            )

    def test_two_workers_send_once(self):
        with self._cursor() as cr_a, self._cursor() as cr_b:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            cr_b.execute("SELECT 1")
            self._morning(env_a)
            env_a.flush_all()
            with self.assertNoLogs(level="WARNING"):
                self._morning(env_b)
                env_b.flush_all()
            cr_b.commit()
            cr_a.commit()
        day, mailed, count, dunning_users = self._facts()
        self.assertEqual(day, date(2025, 10, 9))
        self.assertTrue(dunning_users)
        self.assertEqual(mailed, dunning_users)
        self.assertEqual(count, len(dunning_users))
        # The next hour, same day: nothing more.
        with self.env() as env:
            with freeze_time("2025-10-09 08:00:00"):
                env["freelance.dunning.morning.email"]._cron_send()
        self.assertEqual(self._facts()[2], len(dunning_users))
