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

    def test_failure_is_visible_and_retried(self):
        self.client.email = False
        invoice = self._post_invoice()
        self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.assertIn("no email address", invoice.send_at_once_error)
        self.assertFalse(invoice.is_move_sent)
        self.client.email = "accounts@brightside.example.com"
        self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertFalse(invoice.send_at_once_error)

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
        self.assertTrue(deposit.is_move_sent, "sent by the deposit flow")
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
