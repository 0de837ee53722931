from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

FREELANCER = "me@freelancer.example.com"
# Where reminders' emails are posted: the client, or the reminder (rehearsal).
REMINDER_THREADS = ("-res.partner", "-freelance.dunning.reminder")


@tagged("post_install", "-at_install")
class TestRehearsal(FreelanceDunningCommon, MockEmail):
    """A rehearsal runs the whole ladder but every client email goes to the
    freelancer, marked; switched off, the next real run starts from the level
    the client was really told."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.manager.partner_id.email = FREELANCER
        cls.company.dunning_responsible_id = cls.manager
        # An administrator who is the dunning manager (the freelancer).
        cls.boss = cls._create_user(
            "fd_boss", "base.group_system,freelance_dunning.group_dunning_manager"
        )
        cls.invoice = cls._create_invoice(
            amount=1200.0, due="2025-06-20", invoice_date="2025-06-20"
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    def _run(self, day):
        with freeze_time(day):
            reminders = self.engine._run(self.company, date.fromisoformat(day))
            waiting = reminders.filtered(lambda r: r.state == "waiting")
            if waiting:
                waiting.with_user(self.manager).action_validate()
                self._send_in_background()
        self._deliver_reminder_emails(day)
        return reminders

    def _sent_to(self, email):
        """The reminders' emails sent to ``email`` (not the invoices')."""
        return [
            mail
            for mail in self._mails
            if email in " ".join(mail["email_to"])
            and mail["object_id"].endswith(REMINDER_THREADS)
        ]

    def test_switch_is_a_managers(self):
        """Even an administrator must be a dunning manager to switch it."""
        admin = self._create_user(
            "fd_admin", "base.group_system,sales_team.group_sale_salesman"
        )
        with self.assertRaisesText(
            AccessError,
            "Only a dunning manager may switch the rehearsal of the payment "
            "reminders on or off.",
        ):
            self.company.with_user(admin).write({"dunning_rehearsal": True})
        self.assertFalse(self.company.dunning_rehearsal)
        self.company.with_user(self.boss).write({"dunning_rehearsal": True})
        self.assertTrue(self.company.dunning_rehearsal)
        with self.assertRaises(AccessError):
            self.company.with_user(admin).write({"dunning_rehearsal": False})
        self.assertTrue(self.company.dunning_rehearsal)
        # Written back unchanged by the settings form: allowed.
        self.company.with_user(admin).write({"dunning_rehearsal": True})
        data = self.env["freelance.dunning.dashboard"].get_dashboard_data()
        self.assertTrue(data["rehearsal"])

    def test_whole_ladder_to_the_freelancer(self):
        order = self._confirm(self._create_order())
        self.company.with_user(self.boss).write({"dunning_rehearsal": True})
        reminders = self.env["freelance.dunning.reminder"]
        for level in self.levels.filtered(lambda lvl: lvl.days > 0):
            day = date(2025, 6, 20) + timedelta(days=level.days)
            reminder = self._run(day.isoformat())
            self.assertEqual(reminder.level_id, level)
            self.assertEqual(reminder.state, "sent")
            reminders |= reminder
        self.assertEqual(
            reminders.level_id.mapped("name"),
            [
                "Friendly reminder",
                "Firm reminder",
                "Suspension notice",
                "Formal notice",
                "End of relationship",
            ],
        )
        self.assertTrue(all(reminders.mapped("rehearsal")))
        self.assertEqual(set(reminders.line_ids.mapped("state")), {"rehearsed"})
        # The client received nothing; the freelancer every level, marked.
        self.assertFalse(self._sent_to(self.client.email))
        received = self._sent_to(FREELANCER)
        self.assertEqual(len(received), 5)
        self.assertEqual(
            [mail["subject"] for mail in received],
            [
                f"[Rehearsal] {reminder.with_context(lang='en_US').email_subject}"
                for reminder in reminders
            ],
        )
        for mail in received:
            self.assertIn(
                "Rehearsal: this is the email Brightside Coaching would receive. "
                "It was sent to you only: the client received nothing.",
                mail["body"],
            )
        # Posted on the reminders, not in the client's history.
        self.assertEqual(
            reminders.mail_message_id.mapped("model"),
            ["freelance.dunning.reminder"] * 5,
        )
        # No level action: no suspension, call, penalty invoice, blacklist.
        self.assertNotEqual(order.work_gate_state, "suspended")
        self.assertFalse(reminders.action_activity_ids)
        self.assertFalse(reminders.penalty_move_id)
        self.assertFalse(self.client.client_blacklisted)
        line = self._receivable(self.invoice)
        self.assertEqual(line.dunning_level_id, self._level("End of relationship"))

        # The rehearsal ends: never told, the client starts from the start.
        self.company.with_user(self.boss).write({"dunning_rehearsal": False})
        self.assertFalse(line.dunning_level_id)
        self.assertFalse(line.dunning_last_date)
        real = self._run("2025-08-20")
        self.assertEqual(real.level_id, self._level("Friendly reminder"))
        self.assertFalse(real.rehearsal)
        self.assertEqual(len(self._sent_to(self.client.email)), 1)
        self.assertEqual(line.dunning_level_id, self._level("Friendly reminder"))

    def test_rehearsal_after_real_reminders(self):
        """A client really told the friendly reminder goes back to it."""
        self._run("2025-06-21")
        self.company.with_user(self.boss).write({"dunning_rehearsal": True})
        rehearsed = self._run("2025-07-05")
        self.assertEqual(rehearsed.level_id, self._level("Firm reminder"))
        self.assertTrue(rehearsed.rehearsal)
        self.company.with_user(self.boss).write({"dunning_rehearsal": False})
        line = self._receivable(self.invoice)
        self.assertEqual(line.dunning_level_id, self._level("Friendly reminder"))
        self.assertEqual(str(line.dunning_last_date), "2025-06-21")
        real = self._run("2025-07-06")
        self.assertEqual(real.level_id, self._level("Firm reminder"))
        self.assertFalse(real.rehearsal)
        self.assertEqual(len(self._sent_to(self.client.email)), 2)
