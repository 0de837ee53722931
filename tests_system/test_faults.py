import logging
import random
import signal

from .scratch import ScratchDatabaseCase, closed_port

_logger = logging.getLogger(__name__)


class TestDunningFaults(ScratchDatabaseCase):
    """The nightly run killed, the mail server down, a payment during a run:
    real processes on a committed copy of the test database."""

    def test_killed_runs_resume_without_duplicates(self):
        """SIGKILL inside a batch, between batches and while emailing, again
        and again: the re-runs finish the day and every client gets exactly
        one reminder, one email, a consistent history."""
        scenario = self._clients_with_overdue_invoices("kill", 12, "2025-05-05")
        day = "2025-05-13"
        self.assertEqual(self._planned_clients(day), [p for p, _i, _e in scenario])
        # Random points, a fixed seed: the same run every time.
        rng = random.Random(9)
        plan = [
            f"message:{rng.randint(1, 2)}",  # inside the first batch
            f"message:{rng.randint(3, 4)}",  # inside the second batch
            "batch:1",  # right after a batch was committed
            f"smtp:{rng.randint(1, 2)}",  # before an email is handed over
            f"smtp:{rng.randint(2, 3)}",
            "batch:1",
        ]
        rng.shuffle(plan)
        kills = 0
        for point in plan:
            status, _out, log = self._run_worker(day, "--batch=2", f"--kill={point}")
            self.assertEqual(status, -signal.SIGKILL, f"{point} reached\n{log}")
            kills += 1
        status, _out, log = self._run_worker(day, "--batch=2")
        self.assertEqual(status, 0, log)
        self.assertNotIn("Traceback", log)
        received = self.smtp.per_recipient()
        self.assertRemindedOnce(scenario, day, received)
        with self.env() as env:
            run = env["freelance.dunning.run"].search(
                [("date", "=", day), ("company_id", "=", self.company.id)]
            )
            self.assertEqual(run.partner_count, 12)
            self.assertEqual(run.reminder_count, 12)
            self.assertEqual(run.last_partner_id, scenario[-1][0])
        _logger.info("%s kills survived: %s", kills, ", ".join(plan))
        self.assertEqual(kills, 6)
        self._put_aside(scenario)

    def test_mail_server_down(self):
        """Nothing advances, the history shows the failure, the next run
        sends the same level again."""
        scenario = self._clients_with_overdue_invoices("down", 3, "2025-04-01")
        status, out, log = self._run_worker(
            "2025-04-09", "--batch=2", smtp_port=closed_port()
        )
        self.assertEqual(status, 0, log)
        self.assertEqual(out["clients"], 3)
        with self.env() as env:
            for partner_id, invoice_id, email in scenario:
                message = env["freelance.dunning.reminder"].search(
                    [("partner_id", "=", partner_id)]
                )
                self.assertEqual(message.state, "failed", email)
                self.assertIn("could not be delivered", message.error)
                self.assertEqual(set(message.line_ids.mapped("state")), {"failed"})
                self.assertTrue(message.line_ids.error)
                invoice = env["account.move"].browse(invoice_id)
                self.assertFalse(
                    invoice.line_ids.dunning_level_id, "the level did not advance"
                )
                first_level = message.level_id
        self.assertFalse(set(self.smtp.per_recipient()) & {e for _p, _i, e in scenario})
        # The next day the mail server is back.
        status, _out, log = self._run_worker("2025-04-10", "--batch=2")
        self.assertEqual(status, 0, log)
        self.assertRemindedOnce(scenario, "2025-04-10", self.smtp.per_recipient())
        with self.env() as env:
            retried = env["freelance.dunning.reminder"].search(
                [
                    ("partner_id", "in", [p for p, _i, _e in scenario]),
                    ("date", "=", "2025-04-10"),
                ]
            )
            self.assertEqual(retried.level_id, first_level, "the same level again")
        self._put_aside(scenario)

    def test_payment_registered_during_the_run(self):
        """The run planned the client's invoice, then the payment came in
        before it got to the client: no reminder for the paid invoice."""
        scenario = self._clients_with_overdue_invoices("pay", 3, "2025-03-03")
        day = "2025-03-11"
        sync = self._sync_dir()
        worker = self._start_workers(
            (day, ["--batch=5", f"--sync={sync}", "--sync-at=plan", "--name=run"], None)
        )
        self._wait_for(sync, "plan.run")
        paid_partner, paid_invoice, paid_email = scenario[1]
        with self.env() as env:
            invoice = env["account.move"].browse(paid_invoice)
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": day})._create_payments()
            self.assertEqual(invoice.payment_state, "paid")
        (sync / "plan.test").touch()
        ((status, _out, log),) = self._finish_workers(worker)
        self.assertEqual(status, 0, log)
        received = self.smtp.per_recipient()
        self.assertRemindedOnce(scenario[:1] + scenario[2:], day, received)
        with self.env() as env:
            self.assertFalse(
                env["freelance.dunning.reminder"].search(
                    [("partner_id", "=", paid_partner)]
                )
            )
        self.assertNotIn(paid_email, received)
        self._put_aside(scenario)

    def test_payment_being_registered_while_the_run_reaches_the_client(self):
        """A payment still being written holds the invoice: the run passes."""
        scenario = self._clients_with_overdue_invoices("paying", 2, "2025-02-03")
        day = "2025-02-11"
        paid_partner, paid_invoice, paid_email = scenario[0]
        with self.env() as env:
            invoice = env["account.move"].browse(paid_invoice)
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": day})._create_payments()
            env.flush_all()
            # The payment's transaction is open while the worker runs.
            status, _out, log = self._run_worker(day, "--batch=5")
            self.assertEqual(status, 0, log)
        received = self.smtp.per_recipient()
        self.assertRemindedOnce(scenario[1:], day, received)
        self.assertNotIn(paid_email, received)
        with self.env() as env:
            self.assertFalse(
                env["freelance.dunning.reminder"].search(
                    [("partner_id", "=", paid_partner)]
                )
            )
        self._put_aside(scenario)
