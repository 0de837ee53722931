from contextlib import closing
from datetime import date, datetime

from odoo import SUPERUSER_ID, api

from .scratch import ScratchDatabaseCase

DAY = date(2025, 10, 9)


class TestScheduledActionsDoNotCollide(ScratchDatabaseCase):
    """The nightly reminder run and Odoo's sending queue (which emails the
    invoices a company sends at once) on the same invoice, on two database
    connections at the same moment: the queue locks the invoices it sends
    (Odoo's ``FOR UPDATE SKIP LOCKED``) and those whose sending it retries or
    records (``account.move._lock_for_sending``), the run the receivable
    lines it writes (``_lock_lines``); each leaves what the other holds for its
    next pass: nobody waits, fails to serialize or sends anything twice.

    Without ``_lock_for_sending``, the queue's retry of a failed sending waits
    for the run's lock on the invoice and then fails to serialize (here, with
    a short lock timeout, at once)."""

    def setUp(self):
        super().setUp()
        scenario = self._clients_with_overdue_invoices(self.id()[-20:], 1, "2025-10-01")
        self.partner_id, self.invoice_id, self.email = scenario[0]
        with self.env() as env:
            # The queue holds this invoice only (the demo data queues some).
            env["account.move"].search([("sending_data", "!=", False)]).write(
                {"sending_data": False, "send_at_once_state": False}
            )
            # Posted in a company that emails its invoices at once: queued.
            env["account.move"].browse(self.invoice_id)._queue_send_at_once()

    def _failed_earlier(self):
        """The invoice's sending failed an hour ago: the queue retries it."""
        with self.env() as env:
            env["account.move"].browse(self.invoice_id).write(
                {
                    "send_at_once_state": "failed",
                    "send_at_once_error": "The mail server was down.",
                    "send_at_once_attempts": 1,
                    "send_at_once_retry_at": datetime(2025, 1, 1),
                    "sending_data": False,
                }
            )

    def _cursor(self):
        cr = self.registry.cursor()
        # A collision would wait on the other's row lock: fail at once instead.
        cr.execute("SET LOCAL lock_timeout = '3s'")
        return closing(cr)

    def _remind(self, env):
        engine = env["freelance.dunning.engine"].with_context(
            mail_notify_force_send=False
        )
        partner = env["res.partner"].browse(self.partner_id)
        return engine._run(self.company.with_env(env), DAY, partners=partner)

    def _send_queue(self, env):
        env["account.move"]._cron_account_move_send()

    def _facts(self):
        with self.env() as env:
            invoice = env["account.move"].browse(self.invoice_id)
            reminders = env["freelance.dunning.reminder"].search(
                [("partner_id", "=", self.partner_id)]
            )
            # Sent or failed (a PDF tool missing on the machine): attempted
            # once, whatever the outcome.
            return (
                invoice.send_at_once_attempts,
                bool(invoice.sending_data),
                reminders.mapped("state"),
            )

    def _race(self, first, second):
        """``first`` runs and keeps its transaction open while ``second``
        runs and commits on another connection; then ``first`` commits."""
        with self._cursor() as cr_a, self._cursor() as cr_b:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            # Both transactions see the database as it was before either ran.
            cr_b.execute("SELECT 1")
            first(env_a)
            env_a.flush_all()
            # Nothing waited for a lock, failed and was caught (the run and
            # the queue log what they catch).
            with self.assertNoLogs(level="WARNING"):
                second(env_b)
                env_b.flush_all()
            cr_b.commit()
            cr_a.commit()

    def test_reminder_run_while_the_queue_sends_the_invoice(self):
        self._race(self._send_queue, self._remind)
        # The queue sent the invoice; the run left its client for later.
        self.assertEqual(self._facts(), (1, False, []))
        with self.env() as env:
            self._remind(env)
        self.assertEqual(self._facts(), (1, False, ["sent"]))

    def test_queue_while_the_reminder_run_writes_the_invoice(self):
        self._race(self._remind, self._send_queue)
        # The run reminded the client; the queue left the invoice for later.
        self.assertEqual(self._facts(), (0, True, ["sent"]))
        with self.env() as env:
            self._send_queue(env)
            self._remind(env)
        self.assertEqual(self._facts(), (1, False, ["sent"]))

    def test_reminder_run_while_the_queue_retries_a_failed_sending(self):
        self._failed_earlier()
        self._race(self._send_queue, self._remind)
        # The queue retried the invoice; the run left its client for later.
        self.assertEqual(self._facts(), (2, False, []))
        with self.env() as env:
            self._remind(env)
        self.assertEqual(self._facts(), (2, False, ["sent"]))

    def test_queue_retry_while_the_reminder_run_writes_the_invoice(self):
        self._failed_earlier()
        self._race(self._remind, self._send_queue)
        # The run reminded the client; the queue retries the invoice later.
        self.assertEqual(self._facts(), (1, False, ["sent"]))
        with self.env() as env:
            self._send_queue(env)
        self.assertEqual(self._facts(), (2, False, ["sent"]))
