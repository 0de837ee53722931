import json
from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

QUEUED = (
    "The payment reminders are being sent in the background (1): you will be "
    "told here when they are sent."
)


@tagged("post_install", "-at_install")
class TestBackgroundSending(FreelanceDunningCommon, MockEmail):
    """Confirm, Send Now and Validate and Send return at once: the PDFs and
    the emails are made by a scheduled action woken up by the click, which
    tells the user when they are sent or failed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.engine = cls.env["freelance.dunning.engine"]
        cls.Reminder = cls.env["freelance.dunning.reminder"]
        cls.accountant = cls._create_user(
            "fd_bg_accountant",
            "account.group_account_invoice,freelance_dunning.group_dunning_user",
        )
        cls.reminder_cron = cls.env.ref(
            "freelance_dunning.ir_cron_send_queued_reminders"
        )
        cls.invoice_cron = cls.env.ref("account.ir_cron_account_move_send")
        cls.salesperson = cls._create_user(
            "fd_bg_salesperson",
            "sales_team.group_sale_salesman,account.group_account_invoice",
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())
        # Only what this test queues.
        self.env["ir.cron.trigger"].search([]).unlink()
        self.Reminder.search([("state", "=", "queued")])._write_history(
            {"state": "skipped"}
        )

    # ------------------------------------------------------------------

    def _notice(self):
        """A formal notice waiting for validation (run of 2025-08-04)."""
        invoice = self._create_invoice(amount=1200.0, due="2025-06-20")
        with self._as_dunning_engine():
            self._receivable(invoice).write(
                {
                    "dunning_level_id": self._level("Suspension notice").id,
                    "dunning_last_date": "2025-07-20",
                }
            )
        with freeze_time("2025-08-04"):
            notice = self.engine._run(self.company, date(2025, 8, 4))
        self.assertEqual(notice.state, "waiting")
        return invoice, notice

    def _mails_to(self, partner):
        return self.env["mail.mail"].search([("recipient_ids", "in", partner.ids)])

    def _triggers(self, cron):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def _notifications(self, user, notification_type="simple_notification"):
        """The browser notifications sent to ``user`` (written at commit)."""
        self.env.cr.precommit.run()
        channel = [self.env.cr.dbname, "res.partner", user.partner_id.id]
        found = []
        for bus in self.env["bus.bus"].sudo().search([], order="id"):
            message = json.loads(bus.message)
            if json.loads(bus.channel) == channel and message["type"] == (
                notification_type
            ):
                found.append(message["payload"])
        return found

    def _send_queue(self, day):
        with freeze_time(day):
            self.Reminder._cron_send_queued()

    # ------------------------------------------------------------------
    # Validate and Send
    # ------------------------------------------------------------------

    def test_validate_returns_with_the_reminder_queued(self):
        invoice, notice = self._notice()
        line = self._receivable(invoice)
        with freeze_time("2025-08-05"):
            action = notice.with_user(self.accountant).action_validate()
        self.assertEqual(action["params"]["message"], QUEUED)
        self.assertEqual(action["params"]["type"], "info")
        self.assertEqual(notice.state, "queued")
        self.assertEqual(notice.user_id, self.accountant)
        self.assertEqual(notice.date, date(2025, 8, 5), "planned again at the click")
        # Nothing printed or emailed yet; the invoice keeps its level.
        self.assertFalse(notice.letter_id)
        self.assertFalse(notice.mail_message_id)
        self.assertFalse(self._mails_to(self.client))
        self.assertEqual(line.dunning_level_id, self._level("Suspension notice"))
        self.assertEqual(len(self._triggers(self.reminder_cron)), 1, "queue woken up")
        # Queued: no second validation, no skip.
        self.assertRaisesRegex(
            Exception,
            r"^These reminders are not waiting for validation\.$",
            notice.with_user(self.accountant).action_validate,
        )

        self._send_queue("2025-08-05")
        self.assertEqual(notice.state, "sent")
        self.assertEqual(notice.user_id, self.accountant)
        self.assertTrue(notice.letter_id, "the formal notice letter is printed")
        self.assertEqual(notice.mail_message_id.author_id, self.accountant.partner_id)
        self.assertEqual(len(self._mails_to(self.client)), 1)
        self.assertEqual(set(notice.line_ids.mapped("state")), {"sent"})
        self.assertEqual(line.dunning_level_id, self._level("Formal notice"))
        self.assertEqual(
            self._notifications(self.accountant),
            [
                {
                    "type": "success",
                    "title": "Payment reminders",
                    "message": "Payment reminders sent: 1.",
                    "sticky": False,
                }
            ],
        )

    def test_name_follows_the_level_and_date_planned_again(self):
        """Validated weeks later, the notice is planned again at the level and
        date of that day: its name (read before, in the same transaction)
        follows them."""
        invoice, notice = self._notice()
        self.assertEqual(
            notice.display_name, f"Formal notice to {self.client.name} on 2025-08-04"
        )
        # Meanwhile the invoice reached the formal notice (the level climbs
        # one step per reminder): the validation plans the next one.
        with self._as_dunning_engine():
            self._receivable(invoice).write(
                {
                    "dunning_level_id": self._level("Formal notice").id,
                    "dunning_last_date": "2025-08-05",
                }
            )
        with freeze_time("2025-09-20"):
            notice.with_user(self.accountant).action_validate()
        self.assertEqual(notice.date, date(2025, 9, 20))
        self.assertEqual(notice.level_id, self._level("End of relationship"))
        self.assertEqual(
            notice.display_name,
            f"End of relationship to {self.client.name} on 2025-09-20",
        )
        # Re-planning replaces the history lines (a deletion empties Odoo's
        # whole cache): the name's own dependencies are what keep it right
        # after a write of the level and date alone.
        with self._as_dunning_engine():
            notice.write(
                {"level_id": self._level("Formal notice").id, "date": "2025-09-21"}
            )
        self.assertEqual(
            notice.display_name, f"Formal notice to {self.client.name} on 2025-09-21"
        )

    def test_the_queue_sends_nothing_twice(self):
        """Run again (a second worker, a retry after a crash): sends nothing."""
        _invoice, notice = self._notice()
        with freeze_time("2025-08-05"):
            notice.with_user(self.accountant).action_validate()
        self._send_queue("2025-08-05")
        message = notice.mail_message_id
        self._send_queue("2025-08-05")
        self._send_queue("2025-08-06")
        self.assertEqual(notice.mail_message_id, message)
        self.assertEqual(len(self._mails_to(self.client)), 1)
        self.assertEqual(
            len(
                self.env["mail.message"]
                .search(
                    [("model", "=", "res.partner"), ("res_id", "=", self.client.id)]
                )
                .filtered(lambda m: m.message_type == "comment")
            ),
            1,
        )
        self.assertEqual(len(self._notifications(self.accountant)), 1)

    def test_a_failure_in_the_queue_is_told_and_retried(self):
        """The client lost their email address before the queue ran: the
        reminder fails with the reason, the accountant is told, the invoice
        keeps its level and the next run plans it again."""
        invoice, notice = self._notice()
        with freeze_time("2025-08-05"):
            notice.with_user(self.accountant).action_validate()
        self.client.email = False
        self._send_queue("2025-08-05")
        self.assertEqual(notice.state, "failed")
        self.assertEqual(notice.error, f"{self.client.name} has no email address.")
        self.assertEqual(
            self._receivable(invoice).dunning_level_id,
            self._level("Suspension notice"),
            "nothing sent: the invoice keeps its level",
        )
        self.assertEqual(
            self._notifications(self.accountant),
            [
                {
                    "type": "warning",
                    "title": "Payment reminders",
                    "message": "Payment reminders that could not be sent: 1 of 1. "
                    "Open the failed reminders to see why.",
                    "sticky": True,
                }
            ],
        )
        # Retried: the next run plans the formal notice again.
        self.client.email = "client@example.com"
        with freeze_time("2025-08-06"):
            again = self.engine._run(self.company, date(2025, 8, 6))
        self.assertEqual(again.level_id, self._level("Formal notice"))
        self.assertEqual(again.state, "waiting")

    # ------------------------------------------------------------------
    # Send Now (Run Reminders)
    # ------------------------------------------------------------------

    def test_send_now_returns_with_the_reminders_queued(self):
        invoice = self._create_invoice(amount=800.0, due="2025-06-20")
        with freeze_time("2025-06-25"):
            wizard = (
                self.env["freelance.dunning.run.wizard"]
                .with_user(self.accountant)
                .create({"partner_ids": [self.client.id]})
            )
            action = wizard.action_send()
        reminder = self.Reminder.search([("partner_id", "=", self.client.id)])
        self.assertEqual(action["domain"], [("id", "in", reminder.ids)])
        self.assertEqual(reminder.state, "queued")
        self.assertEqual(reminder.user_id, self.accountant)
        self.assertFalse(reminder.mail_message_id)
        self.assertFalse(self._mails_to(self.client))
        self.assertFalse(self._receivable(invoice).dunning_level_id)
        self.assertEqual(len(self._triggers(self.reminder_cron)), 1)
        with freeze_time("2025-06-25"):
            self.assertFalse(
                self.engine._run(self.company, date(2025, 6, 25)),
                "a queued reminder is not planned again",
            )
        self._send_queue("2025-06-25")
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(len(self._mails_to(self.client)), 1)
        self.assertEqual(self._receivable(invoice).dunning_level_id, reminder.level_id)
        self.assertEqual(
            [n["message"] for n in self._notifications(self.accountant)],
            ["Payment reminders sent: 1."],
        )

    # ------------------------------------------------------------------
    # Confirm (deposit invoice)
    # ------------------------------------------------------------------

    def test_confirm_returns_with_the_deposit_invoice_queued(self):
        order = self._create_order(quantity=2)
        self._confirm(order)
        invoice = order.deposit_invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.send_at_once_state, "pending")
        self.assertTrue(order.installment_invoice_sending, "Sending... on the order")
        self.assertFalse(invoice.is_move_sent)
        self.assertFalse(invoice.invoice_pdf_report_id, "no PDF made at the click")
        self.assertFalse(self._mails_to(self.client))
        self.assertTrue(invoice.access_token, "its payment link is ready")
        self.assertTrue(self._triggers(self.invoice_cron))

        self.env["account.move"]._cron_account_move_send()
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertFalse(order.installment_invoice_sending)
        self.assertTrue(invoice.invoice_pdf_report_id)
        message = self.env["mail.message"].search(
            [
                ("model", "=", "account.move"),
                ("res_id", "=", invoice.id),
                ("message_type", "=", "comment"),
            ]
        )
        self.assertEqual(len(message), 1)
        self.assertIn(f"access_token={invoice.access_token}", message.body)
        self.assertEqual(
            [
                n["title"]
                for n in self._notifications(self.env.user, "account_notification")
            ],
            ["Invoices sent"],
        )
        # Run again: nothing sent twice.
        self.env["account.move"]._cron_account_move_send()
        self.assertEqual(
            len(
                self.env["mail.message"].search(
                    [
                        ("model", "=", "account.move"),
                        ("res_id", "=", invoice.id),
                        ("message_type", "=", "comment"),
                    ]
                )
            ),
            1,
        )

    # ------------------------------------------------------------------
    # Confirm from the form: the deposit invoice issued right after
    # ------------------------------------------------------------------

    def _confirm_from_form(self, order, user=None):
        """The form's Confirm button: its context asks for the deposit
        invoice in the background."""
        self._sign(order)
        order.with_user(user or self.salesperson).with_context(
            validate_analytic=True, freelance_deposit_in_background=True
        ).action_confirm()
        return order

    def _issue_cron(self):
        return self.env.ref("freelance_dunning.ir_cron_issue_deposit_invoices")

    def test_confirm_from_the_form_issues_the_deposit_right_after(self):
        order = self._create_order(quantity=2, user=self.salesperson)
        self._confirm_from_form(order)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.invoice_ids, "no invoice in the click")
        self.assertTrue(order._is_deposit_invoice_pending())
        self.assertTrue(order.deposit_invoice_retry_at)
        self.assertEqual(order.deposit_state, "to_pay")
        self.assertEqual(order.work_gate_state, "waiting_deposit", "gate closed")
        self.assertFalse(order.work_started_on)
        self.assertEqual(len(self._triggers(self._issue_cron())), 1, "woken up")
        self.assertFalse(self._triggers(self.invoice_cron), "nothing to send yet")
        # Register Deposit Payment in that moment says so.
        with self.assertRaisesText(UserError, "is being issued: try again"):
            order.with_user(self.salesperson).action_register_deposit_payment()

        self._issue_cron().method_direct_trigger()
        invoice = order.deposit_invoice_ids
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 600.0)
        self.assertFalse(order._is_deposit_invoice_pending())
        self.assertFalse(order.deposit_invoice_retry_at, "left by the background")
        deposit = order.installment_ids.filtered("is_deposit")
        self.assertEqual(deposit.invoice_id, invoice)
        # Queued for sending, written by the salesperson, who is told.
        self.assertEqual(invoice.send_at_once_state, "pending")
        self.assertEqual(invoice.send_at_once_author_id, self.salesperson)
        self.assertTrue(self._triggers(self.invoice_cron), "sending queue woken up")
        self.assertEqual(
            [n["message"] for n in self._notifications(self.salesperson)],
            [
                f"{invoice.name} of {order.name} is issued; it is being emailed "
                "to the client."
            ],
        )
        self.assertEqual(order.work_gate_state, "waiting_deposit")

        # Run again: still one invoice.
        self._issue_cron().method_direct_trigger()
        self.assertEqual(order.invoice_ids, invoice)

        self.env["account.move"]._cron_account_move_send()
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(len(self._mails_to(self.client)), 1)
        self._pay_invoice(invoice)
        self.assertEqual(order.work_gate_state, "cleared")

    def test_confirm_without_the_form_key_issues_the_deposit_in_the_click(self):
        order = self._create_order(quantity=2, user=self.salesperson)
        self._sign(order).with_user(self.salesperson).action_confirm()
        self.assertEqual(order.deposit_invoice_ids.state, "posted")
        self.assertFalse(order._is_deposit_invoice_pending())
        self.assertFalse(self._triggers(self._issue_cron()))

    def test_confirm_from_the_form_after_an_online_payment_issues_at_once(self):
        """A deposit paid (in part) online before the confirmation: its
        invoice is issued in the click, for the payment to settle it."""
        order = self._create_order(quantity=2, user=self.salesperson)
        tx = self._create_transaction(
            flow="redirect",
            amount=300.0,
            sale_order_ids=[order.id],
            state="done",
            partner_id=self.client.id,
            currency_id=order.currency_id.id,
        )
        tx._post_process()
        self.assertIn(order.state, ("draft", "sent"), "partial: not confirmed")
        self._confirm_from_form(order)
        invoice = order.deposit_invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_residual, 300.0, "the payment settles half")
        self.assertFalse(self._triggers(self._issue_cron()))

    def test_next_installment_issues_a_pending_deposit_at_once(self):
        order = self._create_order(quantity=2, user=self.salesperson)
        self._confirm_from_form(order)
        order.with_user(self.salesperson).action_invoice_next_installment()
        invoice = order.deposit_invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(order.invoice_ids, invoice, "the deposit, not the balance")
        self.assertFalse(order.deposit_invoice_retry_at, "left by the background")
        self._issue_cron().method_direct_trigger()
        self.assertEqual(order.invoice_ids, invoice, "nothing issued twice")

    def test_a_failure_of_the_background_issuance_is_told_and_retried(self):
        with freeze_time("2026-02-02 10:00:00"):
            order = self._create_order(quantity=2, user=self.salesperson)
            self._confirm_from_form(order)
            journals = self.env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", order.company_id.id)]
            )
            journals.active = False
            self._issue_cron().method_direct_trigger()
        # Triggered again by another Confirm half an hour later: not retried
        # yet; an hour later, by the hourly run: retried, failing again.
        for moment in ("2026-02-02 10:30:00", "2026-02-02 11:00:00"):
            with freeze_time(moment):
                self._issue_cron().method_direct_trigger()
        self.assertFalse(order.invoice_ids)
        self.assertTrue(order._is_deposit_invoice_pending())
        self.assertEqual(
            order.deposit_invoice_retry_at, datetime(2026, 2, 2, 11, 55), "next try"
        )
        failures = order.message_ids.filtered(
            lambda m: "could not be issued" in (m.body or "")
        )
        self.assertEqual(len(failures), 1, "written once, not at every run")
        notified = self._notifications(self.salesperson)
        self.assertEqual(len(notified), 2, "told at each try")
        self.assertTrue(notified[0]["sticky"])
        self.assertIn(
            "The deposit invoice could not be issued: ", notified[0]["message"]
        )
        self.assertEqual(notified[0]["title"], order.name)

        journals.active = True
        with freeze_time("2026-02-02 12:00:00"):
            self._issue_cron().method_direct_trigger()
        self.assertEqual(order.deposit_invoice_ids.state, "posted")
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertFalse(order.deposit_invoice_retry_at)

    def test_an_order_failing_does_not_hold_the_others(self):
        """Each call takes the orders due first: one failing is tried again
        an hour later, after the others, whatever the batch's size."""
        failing, other = (
            self._create_order(quantity=2, user=self.salesperson) for _i in range(2)
        )
        with freeze_time("2026-02-02 10:00:00"):
            self._confirm_from_form(failing)
        with freeze_time("2026-02-02 10:00:05"):
            self._confirm_from_form(other)
        journals = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", failing.company_id.id)]
        )
        Orders = self.env["sale.order"].with_context(ir_cron_progress_id=False)
        with freeze_time("2026-02-02 10:00:10"):
            journals.active = False
            Orders._cron_issue_deposit_invoices(batch_size=1)
            journals.active = True
            self.assertFalse(failing.invoice_ids)
            Orders._cron_issue_deposit_invoices(batch_size=1)
        self.assertEqual(other.deposit_invoice_ids.state, "posted", "not held")
        self.assertFalse(failing.invoice_ids, "its next try is in an hour")
        with freeze_time("2026-02-02 11:00:00"):
            Orders._cron_issue_deposit_invoices(batch_size=1)
        self.assertEqual(failing.deposit_invoice_ids.state, "posted")

    def test_a_deposit_invoice_deleted_is_not_issued_again(self):
        """Only the orders confirmed from the form are the background step's:
        a deposit invoice an accountant deleted stays deleted."""
        for confirm in ("form", "rpc"):
            order = self._create_order(quantity=2, user=self.salesperson)
            if confirm == "form":
                self._confirm_from_form(order)
                self._issue_cron().method_direct_trigger()
            else:
                self._sign(order).with_user(self.salesperson).action_confirm()
            invoice = order.deposit_invoice_ids
            self.assertEqual(invoice.state, "posted", confirm)
            self.assertFalse(order.deposit_invoice_retry_at, confirm)
            invoice.button_draft()
            invoice.unlink()
            deposit = order.installment_ids.filtered("is_deposit")
            self.assertFalse(deposit.invoice_id)
            self._issue_cron().method_direct_trigger()
            self.assertFalse(order.invoice_ids, "nothing issued behind their back")
            self.assertFalse(order._is_deposit_invoice_pending())

    def test_the_next_try_is_not_written_by_hand(self):
        order = self._create_order(quantity=2, user=self.salesperson)
        self._sign(order).with_user(self.salesperson).action_confirm()
        order.deposit_invoice_ids.button_draft()
        order.deposit_invoice_ids.unlink()
        for user in (self.salesperson, self.env.user):
            with self.assertRaisesText(
                AccessError, "is issued in the background after the Confirm"
            ):
                order.with_user(user).write(
                    {"deposit_invoice_retry_at": "2026-02-02 10:00:00"}
                )
        self.assertFalse(order.deposit_invoice_retry_at)
