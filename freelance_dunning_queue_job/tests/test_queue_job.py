from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.models import check_method_name
from odoo.tests import common as odoo_test_common
from odoo.tests import tagged

from odoo.addons.freelance_dunning.models.freelance_dunning_engine import (
    FreelanceDunningEngine as CoreEngine,
)
from odoo.addons.freelance_dunning.tests.common import FreelanceDunningCommon
from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.queue_job.job import Job

# queue_job 18.0.4.x's test helpers register themselves in a table of Odoo's
# test tools (SETATTR_SOURCES) that Odoo 18.0 builds older than mid-2025 lack;
# the table only quiets a warning about patched methods.
if not hasattr(odoo_test_common, "SETATTR_SOURCES"):
    odoo_test_common.SETATTR_SOURCES = {}
from odoo.addons.queue_job.tests.common import trap_jobs  # noqa: E402

DAY = "2025-06-21"
NEXT_DAY = "2025-06-22"


class Rollback(Exception):
    """Raised to undo what a block did (a worker dying before its commit)."""


@tagged("post_install", "-at_install")
class TestQueueJob(FreelanceDunningCommon, MockEmail):
    """The nightly run split into jobs: what the cron queues, what the jobs
    send, and that nothing is sent twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.clients = cls.env["res.partner"].create(
            [
                {
                    "name": f"Queued client {i}",
                    "email": f"q{i}@example.com",
                    "is_company": True,
                }
                for i in range(5)
            ]
        )
        for client in cls.clients:
            cls._create_invoice(client, 100.0, "2025-06-20", currency_id=cls.eur.id)
            cls._create_invoice(client, 40.0, "2025-06-18", currency_id=cls.eur.id)
        # One client's reminder fails (no email address): the run goes on.
        cls.clients[1].email = False

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())
        self.engine = self.env["freelance.dunning.engine"].with_context(
            ir_cron_progress_id=False
        )

    def _reminders(self):
        return self.env["freelance.dunning.reminder"].search(
            [("partner_id", "in", self.clients.ids)]
        )

    def _facts(self):
        """Each reminder as (client, level, state, amount lines), sorted."""
        return sorted(
            (
                reminder.partner_id.name,
                reminder.level_id.name,
                reminder.state,
                tuple(sorted(reminder.line_ids.mapped("move_line_id.id"))),
            )
            for reminder in self._reminders()
        )

    def _queued_emails(self):
        """The addresses of the emails queued for the clients, sorted."""
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("recipient_ids", "in", self.clients.ids)])
        )
        return sorted(mails.mapped("recipient_ids.email"))

    def _run_record(self):
        return self.env["freelance.dunning.run"].search(
            [("company_id", "=", self.company.id), ("date", "=", DAY)]
        )

    def _jobs(self, method):
        """The stored jobs of the engine's ``method``, oldest first."""
        return (
            self.env["queue.job"]
            .sudo()
            .search([("method_name", "=", method)], order="id")
        )

    def _plain_cron(self):
        """What the scheduled action does without this bridge, undone after:
        (the reminders' facts, the run's clients, reminders, failures, the
        emails queued)."""
        try:
            with self.env.cr.savepoint():
                today = date.fromisoformat(DAY)
                run = self.engine._lock_run(self.company, today)
                ids = self.engine._cron_partner_ids(self.company, today, run)
                while ids:
                    # The core's dispatch, batch after batch of 2 clients.
                    CoreEngine._cron_dispatch(
                        self.engine, self.company, today, run, ids, 2
                    )
                    ids = self.engine._cron_partner_ids(self.company, today, run)
                self.env.flush_all()
                facts = self._facts()
                emails = self._queued_emails()
                figures = (run.partner_count, run.reminder_count, run.error_log)
                raise Rollback
        except Rollback:
            self.env.invalidate_all()
        self.assertFalse(self._reminders(), "the plain run was undone")
        return facts, figures, emails

    def test_cron_queues_one_job_per_batch(self):
        with freeze_time(DAY), trap_jobs() as trap:
            self.engine._cron_run(batch_size=2)
        batch_job = self.engine._dunning_job_run_batch
        close_job = self.engine._dunning_job_close_run
        trap.assert_jobs_count(3, only=batch_job)
        # The figures' job is queued by the batch jobs once done.
        trap.assert_jobs_count(0, only=close_job)
        run = self._run_record()
        ids = self.clients.sorted("id").ids
        for chunk in (ids[0:2], ids[2:4], ids[4:]):
            trap.assert_enqueued_job(
                batch_job,
                args=(run, chunk),
                properties={
                    "identity_key": (
                        f"freelance_dunning:{self.company.id}:{DAY}:{chunk[0]}"
                    )
                },
            )
        self.assertEqual(
            {job.channel for job in trap.enqueued_jobs}, {"root.freelance_dunning"}
        )
        self.assertEqual(
            {job.company_id for job in trap.enqueued_jobs}, {self.env.company.id}
        )
        # The cron reminded nobody itself; the run's cursor is past the last
        # client handed over.
        self.assertFalse(self._reminders())
        self.assertEqual(run.last_partner_id, ids[-1])
        self.assertEqual(run.partner_count, 0)

    def test_jobs_send_what_the_plain_cron_sends(self):
        plain_facts, plain_figures, plain_emails = self._plain_cron()
        self.assertEqual(len(plain_facts), 5)
        self.assertEqual(plain_figures[:2], (5, 5))
        with freeze_time(DAY), trap_jobs() as trap:
            self.engine._cron_run(batch_size=2)
            trap.perform_enqueued_jobs()
            # Each batch job queued a figures' job.
            trap.assert_jobs_count(3, only=self.engine._dunning_job_close_run)
            trap.assert_jobs_count(3)
            trap.perform_enqueued_jobs()
        self.assertEqual(self._facts(), plain_facts)
        run = self._run_record()
        self.assertEqual(
            (run.partner_count, run.reminder_count, run.error_log), plain_figures
        )
        self.assertIn("Queued client 1", run.error_log)
        self.assertEqual(len(run.batch_ids), 3)
        self.assertEqual(
            run.batch_ids.sorted("first_partner_id").mapped("partner_count"), [2, 2, 1]
        )
        # One email per client reminded, none for the one without an address.
        expected = [f"q{i}@example.com" for i in (0, 2, 3, 4)]
        self.assertEqual(plain_emails, expected)
        self.assertEqual(self._queued_emails(), expected)

    def test_second_cron_the_same_day_queues_and_sends_nothing(self):
        with freeze_time(DAY), trap_jobs() as trap:
            self.engine._cron_run(batch_size=2)
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()
        facts = self._facts()
        self.assertEqual(len(facts), 5)
        with freeze_time(DAY), trap_jobs() as trap:
            self.engine._cron_run(batch_size=2)
            trap.assert_jobs_count(0)
        self.assertEqual(self._facts(), facts)
        self.assertEqual(self._run_record().partner_count, 5)

    def test_queued_batches_are_not_queued_twice(self):
        """Jobs stored in queue_job: a second cron while they wait adds none,
        even when the run's cursor is lost (their identity keys)."""
        Jobs = self.env["queue.job"].sudo()
        with freeze_time(DAY):
            self.engine._cron_run(batch_size=2)
            queued = Jobs.search([("channel", "=", "root.freelance_dunning")])
            self.assertEqual(len(queued), 3)
            self.assertEqual(set(queued.mapped("state")), {"pending"})
            self._run_record().last_partner_id = 0
            self.engine._cron_run(batch_size=2)
        self.assertEqual(
            Jobs.search([("channel", "=", "root.freelance_dunning")]), queued
        )

    def test_failing_job_retried_sends_nothing_twice(self):
        with freeze_time(DAY):
            self.engine._cron_run(batch_size=2)
        records = self._jobs("_dunning_job_run_batch")
        self.assertEqual(len(records), 3)
        # The batch of the first two clients (the second one's reminder fails:
        # no email address).
        first_two = self.clients.sorted("id")[:2].ids
        first = records.filtered(lambda record: record.args[1] == first_two)
        self.assertEqual(len(first), 1)
        # The worker dies (or the database refuses) once the job has reminded
        # its clients: its transaction is rolled back and the job retried.
        try:
            with self.env.cr.savepoint(), freeze_time(DAY):
                Job.load(self.env, first.uuid).perform()
                self.env.flush_all()
                self.assertEqual(len(self._reminders()), 2)
                raise Rollback
        except Rollback:
            self.env.invalidate_all()
        self.assertFalse(self._reminders())
        with freeze_time(DAY):
            for record in records:
                Job.load(self.env, record.uuid).perform()
            # Done, then requeued by hand: performed again, it adds nothing.
            Job.load(self.env, first.uuid).perform()
            # Each batch job done queued a figures' job (not the one
            # performed again: it did nothing).
            closing = self._jobs("_dunning_job_close_run")
            self.assertEqual(len(closing), 3)
            for record in closing:
                Job.load(self.env, record.uuid).perform()
        reminders = self._reminders()
        self.assertEqual(len(reminders), 5)
        self.assertEqual(reminders.partner_id, self.clients)
        run = self._run_record()
        self.assertEqual((run.partner_count, run.reminder_count), (5, 5))
        self.assertEqual(
            self._queued_emails(), [f"q{i}@example.com" for i in (0, 2, 3, 4)]
        )

    def test_housekeeping_done_by_the_cron_once_not_by_the_jobs(self):
        """A bounced email is retried by the scheduled action before it
        queues the jobs, once: jobs side by side never retry the same one."""
        first = self.clients.sorted("id")[0]
        with freeze_time(DAY):
            bounced = self.engine._run(self.company, date.fromisoformat(DAY), first)
        self.assertEqual(bounced.state, "sent")
        bounced.mail_message_id.notification_ids.sudo().write(
            {"notification_status": "bounce"}
        )
        with (
            self._housekeeping_calls() as calls,
            freeze_time(NEXT_DAY),
            trap_jobs() as trap,
        ):
            self.engine._cron_run(batch_size=2)
            self.assertEqual(bounced.state, "failed", "retried before the jobs")
            trap.assert_jobs_count(3, only=self.engine._dunning_job_run_batch)
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()
        self.assertEqual(
            [company for company, _day in calls if company == self.company],
            [self.company],
        )
        again = self._reminders().filtered(
            lambda reminder: (
                reminder.partner_id == first
                and reminder.date == date.fromisoformat(NEXT_DAY)
            )
        )
        self.assertEqual(len(again), 1)
        self.assertEqual(again.state, "sent")
        self.assertEqual(again.level_id, bounced.level_id, "the same level again")

    def test_company_not_switched_on_gets_no_job(self):
        self.company.nightly_reminders = False
        with freeze_time(DAY), trap_jobs() as trap:
            self.engine._cron_run(batch_size=2)
            trap.assert_jobs_count(0)
        self.assertFalse(self._run_record())
        self.assertFalse(self.env["queue.job"].sudo().search([]))

    def test_switched_off_after_queueing_sends_nothing(self):
        with freeze_time(DAY), trap_jobs() as trap:
            self.engine._cron_run(batch_size=2)
            self.company.nightly_reminders = False
            trap.perform_enqueued_jobs()
        self.assertFalse(self._reminders())
        self.assertFalse(self._queued_emails())

    def test_job_methods_are_not_callable_by_rpc(self):
        for name in ("_dunning_job_run_batch", "_dunning_job_close_run"):
            with self.assertRaisesRegex(AccessError, "^Private methods"):
                check_method_name(name)
        jobs_access = self.env["queue.job"].with_user(self.manager)
        self.assertFalse(jobs_access.has_access("create"))

    def test_failed_batch_keeps_the_others_figures(self):
        """A batch job that fails for good (or is cancelled) does not keep
        the run's figures from the batches that were done."""
        with freeze_time(DAY):
            self.engine._cron_run(batch_size=2)
            records = self._jobs("_dunning_job_run_batch")
            self.assertEqual(len(records), 3)
            # The first batch's job is cancelled; the second is done and its
            # figures' job runs before the third batch is done.
            records[0].button_cancelled()
            Job.load(self.env, records[1].uuid).perform()
            first_close = self._jobs("_dunning_job_close_run")
            self.assertEqual(len(first_close), 1)
            Job.load(self.env, first_close.uuid).perform()
            run = self._run_record()
            self.assertEqual((run.partner_count, run.reminder_count), (2, 2))
            # The third batch's own figures' job adds it.
            Job.load(self.env, records[2].uuid).perform()
            second_close = self._jobs("_dunning_job_close_run") - first_close
            self.assertEqual(len(second_close), 1)
            Job.load(self.env, second_close.uuid).perform()
        run = self._run_record()
        self.assertEqual((run.partner_count, run.reminder_count), (3, 3))
        self.assertEqual(len(self._reminders()), 3)

    def test_job_of_an_earlier_day_reminds_nobody(self):
        """Jobs left waiting past their day (no job runner) remind nobody on
        a later day: that day's run reminds the clients afresh."""
        with freeze_time(DAY), trap_jobs() as trap:
            self.engine._cron_run(batch_size=2)
        with freeze_time(NEXT_DAY):
            results = [job.perform() for job in trap.enqueued_jobs]
        self.assertEqual(
            results,
            [f"Skipped: queued for {DAY}, the next run reminds these clients."] * 3,
        )
        self.assertFalse(self._reminders())
        self.assertFalse(self._queued_emails())

    def test_dunning_manager_reads_the_run_not_its_batches(self):
        with freeze_time(DAY), trap_jobs() as trap:
            self.engine._cron_run(batch_size=2)
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()
        run = self._run_record().with_user(self.manager)
        values = run.read()[0]
        self.assertEqual((values["partner_count"], values["reminder_count"]), (5, 5))
        self.assertNotIn("batch_ids", values)
        with self.assertRaises(AccessError):
            self.env["freelance.dunning.run.batch"].with_user(self.manager).search([])
