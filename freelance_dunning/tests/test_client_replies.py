from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

# The client's answer to a reminder, as its mail program writes it: a reply
# to the reminder's email (In-Reply-To and References), to the reply-to.
REPLY = """\
From: {sender}
To: {to}
Subject: Re: {subject}
Date: Mon, 23 Jun 2025 09:30:00 +0000
Message-Id: <reply.{token}@brightside.example.com>
In-Reply-To: {message_id}
References: {message_id}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

We paid on Friday by bank transfer, the remittance is on its way.
"""


@tagged("post_install", "-at_install")
class TestClientReplies(FreelanceDunningCommon, MockEmail):
    """A client's email reply to a reminder lands on the reminder through
    Odoo's mail gateway and pauses the client's reminders until a dunning
    user marks it handled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.client.user_id = cls.salesman
        cls.invoice = cls._create_invoice(
            amount=1200.0, due="2025-06-20", invoice_date="2025-06-20"
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    def _run(self, day):
        with freeze_time(day):
            reminders = self.engine._run(self.company, date.fromisoformat(day))
        self._deliver_reminder_emails(day)
        return reminders

    def _reply(self, reminder, sender=None, to=None, token="1"):
        """Feed the reply to Odoo's mail gateway, as its incoming mail
        server (fetchmail) does; the id of the thread it landed on."""
        email = REPLY.format(
            sender=sender or f"Brightside Coaching <{self.client.email}>",
            to=to or reminder.mail_message_id.reply_to,
            subject=reminder.mail_message_id.subject,
            message_id=reminder.mail_message_id.message_id,
            token=token,
        )
        with freeze_time("2025-06-23 09:31:00"):
            return self.env["mail.thread"].sudo().message_process(False, email)

    def _replies(self, reminder):
        return reminder.message_ids.filtered(lambda m: m.message_type == "email")

    def test_reply_pauses_until_handled(self):
        reminder = self._run("2025-06-21")
        self.assertEqual(reminder.level_id, self._level("Friendly reminder"))
        self.assertEqual(reminder.state, "sent")
        # No alias domain: the reply-to is the address of who signed the
        # reminder, which the incoming mail server reads.
        self.assertFalse(self.company.alias_domain_id)
        self.assertEqual(
            reminder.mail_message_id.reply_to,
            reminder._get_mail_author().email_formatted,
        )

        thread_id = self._reply(reminder)

        self.assertEqual(thread_id, reminder.id)
        replies = self._replies(reminder)
        self.assertEqual(len(replies), 1)
        self.assertIn(
            "We paid on Friday by bank transfer, the remittance is on its way.",
            replies.body,
        )
        self.assertEqual(replies.author_id, self.client)
        self.assertEqual(replies.parent_id, reminder.mail_message_id)
        # Not on the client's chatter: on the reminder only.
        self.assertFalse(
            self.client.message_ids.filtered(lambda m: m.message_type == "email")
        )
        self.assertEqual(reminder.reply_state, "replied")
        self.assertEqual(reminder.reply_date, datetime(2025, 6, 23, 9, 30))
        activity = reminder.activity_ids
        self.assertEqual(activity, reminder.reply_activity_id)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(
            activity.summary, "Brightside Coaching replied to a payment reminder"
        )
        dashboard = self.env["freelance.dunning.dashboard"]
        self.assertEqual(dashboard._todo_counts(self.company)["replied"], 1)

        # The firm reminder's day: nothing for this client, preview included.
        with freeze_time("2025-07-05"):
            self.assertEqual(self.engine._plan(self.company, date(2025, 7, 5)), {})
        self.assertFalse(self._run("2025-07-05"))

        # Only a dunning user marks it handled (a salesperson is one).
        employee = self._create_user("fd_employee", "base.group_user")
        with self.assertRaises(AccessError):
            reminder.with_user(employee).action_mark_reply_handled()
        self.assertEqual(reminder.reply_state, "replied")

        with freeze_time("2025-07-06 10:00:00"):
            reminder.with_user(self.salesman).action_mark_reply_handled()
        self.assertEqual(reminder.reply_state, "handled")
        self.assertEqual(reminder.reply_handled_user_id, self.salesman)
        self.assertEqual(reminder.reply_handled_date, datetime(2025, 7, 6, 10, 0))
        self.assertFalse(reminder.activity_ids)
        self.assertFalse(reminder.reply_activity_id)
        self.assertEqual(dashboard._todo_counts(self.company)["replied"], 0)

        # The chase resumes where it stood: the firm reminder.
        resumed = self._run("2025-07-06")
        self.assertEqual(resumed.partner_id, self.client)
        self.assertEqual(resumed.level_id, self._level("Firm reminder"))

    def test_reply_to_the_catchall_alias(self):
        """With an alias domain, the reply-to is Odoo's catchall: the reply
        sent there lands on the reminder all the same."""
        alias_domain = self.env["mail.alias.domain"].create(
            {"name": "freelancer.example.com", "catchall_alias": "catchall"}
        )
        self.company.alias_domain_id = alias_domain
        reminder = self._run("2025-06-21")
        self.assertIn(
            "catchall@freelancer.example.com", reminder.mail_message_id.reply_to
        )
        self.assertEqual(self._reply(reminder), reminder.id)
        self.assertEqual(len(self._replies(reminder)), 1)
        self.assertEqual(reminder.reply_state, "replied")
        self.assertFalse(self._run("2025-07-05"))

    def test_reply_of_a_stranger_does_not_pause(self):
        """Anyone else's answer (a forward, a stranger) lands on the reminder
        but does not stop the chase."""
        reminder = self._run("2025-06-21")
        thread_id = self._reply(
            reminder, sender="Someone <someone@elsewhere.example.com>"
        )
        self.assertEqual(thread_id, reminder.id)
        self.assertEqual(len(self._replies(reminder)), 1)
        self.assertFalse(reminder.reply_state)
        self.assertFalse(reminder.activity_ids)
        self.assertEqual(self._run("2025-07-05").level_id, self._level("Firm reminder"))

    def test_reply_of_a_contact_of_the_client_pauses(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Ada Accounts",
                "parent_id": self.client.id,
                "email": "ada@brightside.example.com",
            }
        )
        reminder = self._run("2025-06-21")
        self._reply(reminder, sender=contact.email_formatted)
        self.assertEqual(reminder.reply_state, "replied")

    def test_only_the_mail_gateway_marks_a_reply(self):
        """Calling message_update over RPC, as a dunning user, pauses nothing."""
        reminder = self._run("2025-06-21")
        reminder.with_user(self.salesman).message_update(
            {"email_from": self.client.email, "date": "2025-06-23 09:30:00"}
        )
        self.assertFalse(reminder.reply_state)
        self.assertEqual(self._run("2025-07-05").level_id, self._level("Firm reminder"))

    def test_dashboard_opens_the_replies(self):
        reminder = self._run("2025-06-21")
        self._reply(reminder)
        action = self.env["freelance.dunning.dashboard"].action_open("todo", "replied")
        self.assertEqual(action["name"], "Replies to Handle")
        self.assertEqual(action["res_model"], "freelance.dunning.reminder")
        self.assertEqual(
            self.env["freelance.dunning.reminder"].search(action["domain"]), reminder
        )

    def test_mark_handled_refused_without_a_reply(self):
        reminder = self._run("2025-06-21")
        with self.assertRaisesText(
            UserError, "No client's reply waits on these reminders."
        ):
            reminder.with_user(self.manager).action_mark_reply_handled()
        with self.assertRaises(AccessError):
            reminder.with_user(self.manager).sudo(False).write(
                {"reply_state": "replied"}
            )
