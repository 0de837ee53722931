from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestInvoiceSentAtOnce(FreelanceDunningCommon, MockEmail):
    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())
        self.cron = self.env.ref("account.ir_cron_account_move_send")

    def _post_invoice(self, partner=None):
        return self._create_invoice(
            partner,
            invoice_line_ids=[
                Command.create({"product_id": self.service.id, "quantity": 2})
            ],
        )

    def test_posted_invoice_is_emailed_with_pdf_and_link(self):
        invoice = self._post_invoice()
        self.assertEqual(invoice.send_at_once_state, "pending")
        self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertTrue(invoice.is_move_sent)
        message = invoice.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        self.assertTrue(message.attachment_ids, "the PDF is attached")
        self.assertIn(f"access_token={invoice.access_token}", message.body)
        self.assertIn(
            self.client,
            message.notification_ids.filtered(
                lambda n: n.notification_type == "email"
            ).res_partner_id,
            "the client is emailed",
        )
        self.cron.method_direct_trigger()
        self.assertEqual(
            len(invoice.message_ids.filtered(lambda m: m.message_type == "comment")),
            1,
            "never sent twice",
        )

    def test_email_wording_fits_each_invoice(self):
        """The email sent at once reads right for an ordinary invoice, a
        deposit invoice and a penalty invoice: no empty name in the subject,
        no installment wording without an installment."""
        template = self.env.ref("freelance_dunning.mail_template_installment_invoice")
        company = self.company.name

        def rendered(invoice):
            subject = template._render_field("subject", invoice.ids)[invoice.id]
            body = template._render_field("body_html", invoice.ids)[invoice.id]
            return subject, " ".join(str(body).split())

        plain = self._post_invoice()
        plain.invoice_origin = "S00777"
        deposit = self._confirm(self._create_order()).deposit_invoice_ids
        penalty = self._post_invoice()
        with self._as_dunning_engine():
            penalty.dunning_penalty_invoice = True
        cases = [
            # (invoice, subject, words said, words never said)
            (
                plain,
                f"{company}: invoice {plain.name}",
                [
                    f"Here is your invoice <strong>{plain.name}</strong>",
                    "for S00777, due on",
                    "Pay online",
                ],
                ["of your order", "deposit", "penalties", ": ,"],
            ),
            (
                deposit,
                f"{company}: {deposit.installment_ids.name}, invoice {deposit.name}",
                ["Here is the deposit invoice", "This deposit (acompte)"],
                ["penalties"],
            ),
            (
                penalty,
                f"{company}: invoice {penalty.name}",
                ["for the late payment penalties (late interest and fixed indemnity"],
                ["of your order", "deposit"],
            ),
        ]
        for invoice, subject, said, unsaid in cases:
            with self.subTest(invoice=invoice.name):
                got_subject, body = rendered(invoice)
                self.assertEqual(got_subject, subject)
                for words in said:
                    self.assertIn(words, body)
                for words in unsaid:
                    self.assertNotIn(words, body)

    def _triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])

    def _client_emails(self, invoice):
        return (
            invoice.message_ids.filtered(lambda m: m.message_type == "comment")
            .notification_ids.filtered(lambda n: n.notification_type == "email")
            .res_partner_id
        )

    def test_failure_is_visible_and_retried(self):
        self.client.email = False
        invoice = self._post_invoice()
        self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.assertIn("no email address", invoice.send_at_once_error)
        self.assertFalse(invoice.is_move_sent)
        self.client.email = "accounts@brightside.example.com"
        # Tried again 15 minutes later, not at the next run of the queue.
        with freeze_time(fields.Datetime.now() + timedelta(minutes=16)):
            self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertFalse(invoice.send_at_once_error)

    def test_emailed_whatever_the_clients_sending_method(self):
        """A client whose invoices are usually downloaded, not emailed: the
        invoices the company sends at once are emailed to them all the same."""
        self.client.with_company(self.company).invoice_sending_method = "manual"
        invoice = self._post_invoice()
        self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertIn(
            self.client, self._client_emails(invoice), "the client is emailed"
        )
        # The Send button keeps the client's own method.
        self.assertEqual(
            self.env["account.move.send"]._get_default_sending_settings(invoice)[
                "sending_methods"
            ],
            {"manual"},
        )

    def test_queue_woken_only_when_something_is_queued(self):
        self.cron.method_direct_trigger()  # empties the queue
        self._triggers().unlink()
        self.cron.method_direct_trigger()
        self.assertFalse(self._triggers(), "an empty queue never wakes itself up")
        self.env["account.move"]._queue_send_at_once()
        self.assertFalse(self._triggers())
        self._post_invoice()
        self.assertEqual(len(self._triggers()), 1, "woken up for the posted invoice")

    def test_failed_sending_retried_with_growing_delays_up_to_the_limit(self):
        self.client.email = False
        invoice = self._post_invoice()
        start = fields.Datetime.now()
        with freeze_time(start):
            self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_attempts, 1)
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.assertEqual(invoice.send_at_once_retry_at, start + timedelta(minutes=15))
        self.assertTrue(
            self._triggers().filtered(
                lambda t: t.call_at == invoice.send_at_once_retry_at
            ),
            "the queue wakes up for the retry",
        )
        with freeze_time(start + timedelta(minutes=10)):
            self.cron.method_direct_trigger()
        self.assertEqual(
            invoice.send_at_once_attempts, 1, "not retried within 15 minutes"
        )
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.assertIn("no email address", invoice.send_at_once_error)
        # 15 minutes, then 1 hour, then 4 hours; then no more.
        for attempt, delay in ((2, timedelta(hours=1)), (3, timedelta(hours=4))):
            now = invoice.send_at_once_retry_at
            with freeze_time(now):
                self.cron.method_direct_trigger()
            self.assertEqual(invoice.send_at_once_attempts, attempt)
            self.assertEqual(invoice.send_at_once_retry_at, now + delay)
        now = invoice.send_at_once_retry_at
        with freeze_time(now):
            self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_attempts, 4)
        self.assertEqual(invoice.SEND_AT_ONCE_MAX_ATTEMPTS, 4)
        self.assertFalse(invoice.send_at_once_retry_at, "the attempts are used up")
        self.client.email = "accounts@brightside.example.com"
        with freeze_time(now + timedelta(days=1)):
            self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "failed", "shown, not retried")
        self.assertIn("no email address", invoice.send_at_once_error)
        self.assertEqual(invoice.send_at_once_attempts, 4)

    def test_failed_then_sent_by_hand_is_not_sent_again(self):
        self.client.email = False
        invoice = self._post_invoice()
        self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.client.email = "accounts@brightside.example.com"
        invoice._email_with_payment_link()  # the Send button, by hand
        with freeze_time(fields.Datetime.now() + timedelta(hours=2)):
            self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertFalse(invoice.send_at_once_error)
        self.assertEqual(
            len(invoice.message_ids.filtered(lambda m: m.message_type == "comment")),
            1,
            "never sent twice",
        )

    def test_skip_email_context_key_changes_nothing(self):
        """No context key stops the emails: only the private path does."""
        invoice = self._create_invoice(post=False).with_context(
            freelance_dunning_skip_email=True
        )
        invoice.action_post()
        self.assertEqual(invoice.send_at_once_state, "pending")
        silent = self._create_invoice(post=False)
        silent._post_without_email()
        self.assertEqual(silent.state, "posted")
        self.assertFalse(silent.send_at_once_state)
        self.assertFalse(
            self.env["account.move"]._are_invoice_emails_held(),
            "held only inside the private path",
        )

    def test_setting_off_and_deposit_invoices_not_sent_twice(self):
        self.company.invoice_send_at_once = False
        self.assertFalse(self._post_invoice().send_at_once_state)
        self.assertEqual(
            self._post_invoice()._get_mail_template(),
            self.env.ref("account.email_template_edi_invoice"),
            "an invoice of no installment keeps Odoo's wording on the Send button",
        )
        self.company.invoice_send_at_once = True
        order = self._confirm(self._create_order())
        deposit = order.deposit_invoice_ids
        self.assertEqual(
            deposit.send_at_once_state, "pending", "queued by the deposit flow"
        )
        template = self.env.ref("freelance_dunning.mail_template_installment_invoice")
        self.assertEqual(
            self.env["account.move.send"]._get_default_mail_template_id(deposit),
            template,
            "the Send button words a deposit invoice as the automatic sending does",
        )
        self.cron.method_direct_trigger()
        self.assertEqual(deposit.send_at_once_state, "sent")
        self.assertEqual(
            len(deposit.message_ids.filtered(lambda m: m.message_type == "comment")), 1
        )
