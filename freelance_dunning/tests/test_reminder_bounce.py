from datetime import date, timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

MANAGER_GROUP = "freelance_dunning.group_dunning_manager"
INVOICING_GROUP = "account.group_account_invoice"

# A delivery status notification (RFC 3464) as a receiving server returns it
# for an unknown mailbox, quoting the headers of the email that bounced.
BOUNCE = """\
Return-Path: <>
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.client.example.com>
To: {to}
Subject: Undelivered Mail Returned to Sender
Date: Tue, 22 Jul 2025 09:12:00 +0000
Message-Id: <dsn.{token}@mx.client.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="dsn-boundary-{token}"

--dsn-boundary-{token}
Content-Type: text/plain; charset=us-ascii

The mailbox {recipient} does not exist here.

--dsn-boundary-{token}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client.example.com

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 unknown mailbox

--dsn-boundary-{token}
Content-Type: text/rfc822-headers

Message-Id: {message_id}
From: {to}
To: {recipient}
Subject: Payment reminder

--dsn-boundary-{token}--
"""


@tagged("post_install", "-at_install")
class TestReminderBounce(FreelanceDunningCommon, MockEmail):
    """A reminder's email that bounces after the mail server took it: what
    its level did is undone (through Odoo's own bounce handling), and the
    retry that reaches the client does it again, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        # Sent a month before it falls due: the courtesy notice goes out.
        cls.invoice = cls._create_invoice(
            amount=1200.0, due="2025-06-20", invoice_date="2025-05-21"
        )

    def setUp(self):
        super().setUp()
        # Odoo's test SMTP session: the mail server takes every email.
        self.enterContext(self.mock_mail_gateway())

    def _run(self, day, validate=False):
        """The day's run, its reminder validated when ``validate``, and its
        email handed to the mail server."""
        with freeze_time(day):
            reminder = self.engine._run(self.company, date.fromisoformat(day))
            if validate:
                reminder.action_validate()
                self._send_in_background()
        self._deliver_reminder_emails(day)
        return reminder

    def _climb_to(self, name):
        """The runs of each level's day, validated, until the invoice (due on
        20 June 2025) reached the level ``name``."""
        for level in self.levels:
            day = date(2025, 6, 20) + timedelta(days=level.days)
            reminder = self._run(day.isoformat(), validate=level.needs_validation)
            self.assertEqual(reminder.level_id, level)
            if level.name == name:
                return reminder

    def _bounce(self, reminder, token="1"):
        """The client's mail server returns the reminder's email: fed to
        Odoo's mail gateway as its fetchmail would."""
        email = BOUNCE.format(
            to=self.company.email or "accounts@freelancer.example.com",
            recipient=self.client.email,
            message_id=reminder.mail_message_id.message_id,
            token=token,
        )
        self.env["mail.thread"].sudo().message_process(False, email)

    @staticmethod
    def _notes(record):
        """The text of all the messages of a record's chatter."""
        return "\n".join(record.message_ids.mapped("body"))

    def _activities(self, xmlid):
        kind = self.env.ref(xmlid)
        return self.client.activity_ids.filtered(lambda a: a.activity_type_id == kind)

    def test_bounce_resumes_work_and_cancels_the_call(self):
        order = self._confirm(self._create_order())
        self._climb_to("Firm reminder")
        reminder = self._run("2025-07-20")
        self.assertEqual(reminder.level_id, self._level("Suspension notice"))
        self.assertTrue(reminder.actions_done)
        self.assertEqual(order.work_gate_state, "suspended")
        self.assertEqual(reminder.suspended_order_ids, order)
        call = self._activities("mail.mail_activity_data_call")
        self.assertEqual(len(call), 1)
        self.assertEqual(reminder.action_activity_ids, call)

        self._bounce(reminder)
        notifications = reminder.mail_message_id.notification_ids
        self.assertEqual(set(notifications.mapped("notification_status")), {"bounce"})
        self.assertEqual(reminder.state, "failed")
        self.assertEqual(reminder.error, f"The email to {self.client.email} bounced.")
        self.assertFalse(reminder.actions_done)
        self.assertFalse(order.work_suspended)
        self.assertNotEqual(order.work_gate_state, "suspended")
        self.assertIn(
            f"Work resumed: {reminder.display_name} was not delivered (The email "
            f"to {self.client.email} bounced.)",
            self._notes(order),
        )
        self.assertFalse(call.exists(), "the call is cancelled")
        self.assertEqual(
            self._receivable(self.invoice).dunning_level_id,
            self._level("Firm reminder"),
            "back at its level: sent again",
        )

        # The retry reaches the client: the level acts again, once.
        retry = self._run("2025-07-21")
        self.assertEqual(retry.level_id, self._level("Suspension notice"))
        self.assertTrue(retry.actions_done)
        self.assertEqual(order.work_gate_state, "suspended")
        self.assertEqual(len(self._activities("mail.mail_activity_data_call")), 1)
        self._run("2025-07-22")
        self._deliver_reminder_emails("2025-07-23")
        self.assertEqual(len(self._activities("mail.mail_activity_data_call")), 1)

    def test_bounce_before_the_actions_only_fails_the_reminder(self):
        """A bounce of an email whose actions did not run yet: nothing to
        undo, nothing done."""
        order = self._confirm(self._create_order())
        self._climb_to("Firm reminder")
        with freeze_time("2025-07-20"):
            reminder = self.engine._run(self.company, date(2025, 7, 20))
        self.assertFalse(reminder.actions_done)
        self._bounce(reminder)
        self.assertEqual(reminder.state, "failed")
        self._deliver_reminder_emails("2025-07-20")
        self.assertFalse(reminder.actions_done)
        self.assertFalse(order.work_suspended)
        self.assertFalse(self._activities("mail.mail_activity_data_call"))

    def test_bounce_lifts_the_blacklist_and_keeps_the_posted_penalty(self):
        """End of relationship: the blacklist is lifted with the bounce as the
        reason; the posted penalty invoice stays, and a dunning manager is
        asked to reverse it by hand."""
        self._climb_to("Formal notice")
        reminder = self._run("2025-08-20", validate=True)
        self.assertEqual(reminder.level_id, self._level("End of relationship"))
        self.assertTrue(reminder.actions_done)
        client = self.client.with_company(self.company)
        self.assertTrue(client.client_blacklisted)
        penalty = reminder.penalty_move_id
        self.assertEqual(penalty.state, "posted")
        self.assertEqual(self.invoice.dunning_penalty_move_id, penalty)
        recovery = self._activities("mail.mail_activity_data_todo")
        self.assertEqual(len(recovery), 1)

        self._bounce(reminder)
        self.assertEqual(reminder.state, "failed")
        self.assertFalse(client.client_blacklisted)
        self.assertIn(
            f"Blacklist lifted by {self.env.user.name}: {reminder.display_name} was "
            f"not delivered (The email to {self.client.email} bounced.)",
            self._notes(self.client),
        )
        self.assertFalse(recovery.exists())
        self.assertEqual(penalty.state, "posted", "never deleted")
        self.assertEqual(self.invoice.dunning_penalty_move_id, penalty)
        note = (
            f"The penalty invoice {penalty.name} was posted before the email "
            "bounced: reverse it by hand with a credit note if the client is not "
            "to pay it."
        )
        self.assertEqual(
            reminder.error, f"The email to {self.client.email} bounced.\n{note}"
        )
        self.assertIn(note, self._notes(self.client))
        self.assertIn(note, penalty.activity_ids.note)
        self.assertEqual(penalty.activity_ids.user_id, self.env.user)

        # The retry blacklists again; the invoice keeps its one penalty.
        retry = self._run("2025-08-21", validate=True)
        self.assertTrue(retry.actions_done)
        self.assertTrue(client.client_blacklisted)
        self.assertFalse(retry.penalty_move_id, "no second penalty invoice")
        self.assertEqual(
            self.env["account.move"].search_count(
                [("partner_id", "=", self.client.id), ("id", "!=", self.invoice.id)]
            ),
            1,
        )

    def test_penalty_reversal_goes_to_a_manager_who_can_refund(self):
        """The accountant who validated is no dunning manager and the dunning
        responsible is a salesperson: "Reverse the penalty invoice" goes to the
        first dunning manager who may issue credit notes; the phone call stays
        with the responsible. A responsible who is such a manager gets it."""
        accountant = self._create_user(
            "fd_bounce_accountant",
            "account.group_account_invoice,freelance_dunning.group_dunning_user",
        )
        self.client.user_id = False
        self.company.dunning_responsible_id = self.salesman
        self._climb_to("Formal notice")
        call = self._activities("mail.mail_activity_data_call")
        self.assertEqual(len(call), 1)
        self.assertEqual(call.user_id, self.salesman, "calls: the responsible")
        # The salesperson follows the client: the copy of the reminder they
        # receive would count as the client told; the client alone is emailed.
        self.client.message_unsubscribe(partner_ids=self.salesman.partner_id.ids)
        with freeze_time("2025-08-20"):
            reminder = self.engine._run(self.company, date(2025, 8, 20))
            reminder.with_user(accountant).action_validate()
            self._send_in_background()
        self._deliver_reminder_emails("2025-08-20")
        self.assertEqual(reminder.level_id, self._level("End of relationship"))
        self.assertEqual(reminder.user_id, accountant)
        penalty = reminder.penalty_move_id
        self.assertEqual(penalty.state, "posted")
        refunders = self.env["res.users"].search(
            [
                ("groups_id", "in", self.env.ref(MANAGER_GROUP).ids),
                ("groups_id", "in", self.env.ref(INVOICING_GROUP).ids),
                ("share", "=", False),
                ("company_ids", "in", self.company.ids),
                ("id", "!=", SUPERUSER_ID),
            ],
            order="id",
        )
        self.assertNotIn(self.salesman, refunders)
        self.assertNotIn(accountant, refunders)
        self.assertIn(self.manager, refunders)

        self._bounce(reminder)
        activity = penalty.activity_ids
        self.assertEqual(activity.summary, "Reverse the penalty invoice")
        self.assertEqual(activity.user_id, refunders[0])
        self.assertTrue(
            penalty.with_user(activity.user_id).has_access("write"),
            "the assignee may reverse it",
        )
        self.assertEqual(call.user_id, self.salesman)

        self.company.dunning_responsible_id = self.manager
        self.assertEqual(reminder._get_dunning_manager(), self.manager)
        # A dunning manager who does not invoice is passed over.
        self.manager.groups_id -= self.env.ref(INVOICING_GROUP)
        self.assertFalse(self.manager.has_group(INVOICING_GROUP))
        others = refunders - self.manager
        self.assertTrue(others)
        self.assertEqual(reminder._get_dunning_manager(), others[:1])

    def test_bounce_deletes_a_draft_penalty(self):
        self._climb_to("Formal notice")
        reminder = self._run("2025-08-20", validate=True)
        penalty = reminder.penalty_move_id
        penalty.button_draft()
        self._bounce(reminder)
        self.assertFalse(penalty.exists())
        self.assertFalse(self.invoice.dunning_penalty_move_id)
        self.assertEqual(reminder.error, f"The email to {self.client.email} bounced.")
        retry = self._run("2025-08-21", validate=True)
        self.assertEqual(retry.penalty_move_id.state, "posted", "issued again")
        self.assertEqual(self.invoice.dunning_penalty_move_id, retry.penalty_move_id)

    def test_bounce_from_one_recipient_of_two_keeps_the_actions(self):
        """The invoice's contact got the email, the client's old address
        bounced: the client was told, the suspension and the call stand (the
        reminder is sent again all the same, as any failed one)."""
        contact = self.env["res.partner"].create(
            {
                "name": "Accounts payable",
                "parent_id": self.client.id,
                "type": "invoice",
                "email": "ap@brightside.example.com",
            }
        )
        second = self._create_invoice(partner=contact, amount=300.0, due="2025-06-20")
        self.assertEqual(second.commercial_partner_id, self.client)
        order = self._confirm(self._create_order())
        self._climb_to("Firm reminder")
        reminder = self._run("2025-07-20")
        self.assertEqual(reminder.mail_message_id.partner_ids, self.client | contact)
        self.assertTrue(reminder.actions_done)
        self._bounce(reminder)
        statuses = {
            n.res_partner_id: n.notification_status
            for n in reminder.mail_message_id.notification_ids
        }
        self.assertEqual(statuses, {self.client: "bounce", contact: "sent"})
        self.assertEqual(reminder.state, "failed")
        self.assertTrue(reminder.actions_done, "the contact was told")
        self.assertTrue(order.work_suspended)
        self.assertEqual(len(self._activities("mail.mail_activity_data_call")), 1)
