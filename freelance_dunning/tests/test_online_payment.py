from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestOnlinePayment(FreelanceDunningCommon, MockEmail):
    """Odoo's own portal prepayment keeps working with the deposit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_order(quantity=2)  # 1200, deposit 600
        cls.order.write({"require_payment": True})
        # The client signed online; Odoo's portal then asks for the deposit.
        cls._sign(cls.order)
        cls.currency = cls.order.currency_id
        cls.partner = cls.client

    def setUp(self):
        super().setUp()
        # Odoo's test SMTP session: the mail server takes every email (an
        # email refused would leave the invoice not sent).
        self.enterContext(self.mock_mail_gateway())

    def _pay_online(self, amount, order=None):
        order = order or self.order
        tx = self._create_transaction(
            flow="redirect",
            amount=amount,
            sale_order_ids=[order.id],
            state="done",
            partner_id=self.client.id,
            currency_id=order.currency_id.id,
        )
        tx._post_process()
        return tx

    def test_prepayment_is_the_deposit(self):
        self.assertEqual(self.order._get_prepayment_required_amount(), 600.0)
        self.assertEqual(self.order._get_default_payment_link_values()["amount"], 600.0)

    def test_online_deposit_confirms_without_second_invoice(self):
        tx = self._pay_online(600.0)
        self.assertEqual(self.order.state, "sale")
        invoice = self.order.deposit_invoice_ids
        self.assertEqual(
            len(self.order.invoice_ids), 1, "one deposit invoice, no second"
        )
        self.assertEqual(invoice.amount_total, 600.0)
        self.assertIn(invoice, tx.invoice_ids)
        self.assertTrue(tx.payment_id)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.order.deposit_state, "paid")
        self._send_in_background()
        self.assertTrue(invoice.is_move_sent, "the paid deposit invoice is emailed")

    def test_online_deposit_with_automatic_invoice(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sale.automatic_invoice", "True"
        )
        self._pay_online(600.0)
        self.assertEqual(self.order.state, "sale")
        self.assertEqual(
            len(self.order.invoice_ids), 1, "Odoo's auto-invoice reuses our deposit"
        )
        self.assertEqual(self.order.deposit_state, "paid")
        self.assertEqual(
            self.env["mail.message"].search_count(
                [
                    ("model", "=", "account.move"),
                    ("res_id", "=", self.order.invoice_ids.id),
                    ("message_type", "=", "comment"),
                ]
            ),
            1,
            "emailed once",
        )

    def test_partial_online_payment(self):
        self._pay_online(250.0)
        self.assertIn(self.order.state, ("draft", "sent"), "not enough to confirm")
        self.assertFalse(self.order.invoice_ids)
        self.assertEqual(self.order.deposit_amount_paid, 250.0)
        self.assertEqual(self.order.deposit_state, "partial")

    def test_payment_in_another_currency_does_not_count(self):
        other_currency = self.setup_other_currency("CHF", rates=[("2000-01-01", 1.5)])
        tx = self._create_transaction(
            flow="redirect",
            amount=600.0,
            sale_order_ids=[self.order.id],
            state="done",
            partner_id=self.client.id,
            currency_id=other_currency.id,
            reference="CHF-DEPOSIT",
        )
        self.assertEqual(tx.currency_id, other_currency)
        self.assertEqual(self.order.deposit_amount_paid, 0.0)
        self.assertEqual(self.order.deposit_state, "to_pay")
