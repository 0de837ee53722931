from odoo.fields import Command
from odoo.tests import tagged

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestOfferedExtras(FreelanceDunningCommon):
    def _order_with_gift(self):
        return self._create_order(
            lines=[
                {
                    "product_id": self.service.id,
                    "product_uom_qty": 1,
                    "name": "Extra revision round",
                    "is_offered": True,
                }
            ]
        )

    def _html(self, report, records):
        html = self.env["ir.actions.report"]._render_qweb_html(report, records.ids)[0]
        return " ".join(html.decode().split())

    def test_offered_line_at_real_price_with_full_discount(self):
        order = self._order_with_gift()
        gift = order.order_line.filtered("is_offered")
        self.assertEqual(gift.price_unit, 500.0, "the real price stays")
        self.assertEqual(gift.discount, 100.0)
        self.assertEqual(gift.price_total, 0.0, "no tax on a gift")
        self.assertEqual(order.amount_total, 1200.0, "2 x 500 + 20 % VAT")
        self.assertEqual(order.amount_offered, 500.0)
        self.assertEqual(order.deposit_amount, 600.0, "the deposit ignores the gift")
        html = self._html("sale.action_report_saleorder", order)
        self.assertIn("Offered", html)
        self.assertIn("Value offered", html)
        self.assertIn("100.00", html, "the 100 % discount is printed")

    def test_value_offered_prints_with_the_totals_before_the_terms(self):
        html = self._html("sale.action_report_saleorder", self._order_with_gift())
        offered = html.index("o_freelance_value_offered")
        self.assertLess(html.index('id="total"'), offered)
        self.assertLess(offered, html.index("o_freelance_deposit_terms"))
        self.assertIn(
            'Value offered: <strong>$ <span class="oe_currency_value">500.00</span>'
            "</strong> (excl. taxes)",
            html,
        )

    def test_final_invoice_keeps_the_gift(self):
        order = self._confirm(self._order_with_gift())
        self._pay_invoice(order.deposit_invoice_ids)
        self.env.flush_all()
        self.env.cr.precommit.run()
        order.action_invoice_next_installment()  # the balance, Odoo's final invoice
        final = order.invoice_ids - order.deposit_invoice_ids
        gift_line = final.invoice_line_ids.filtered("is_offered")
        self.assertEqual(len(gift_line), 1)
        self.assertEqual(gift_line.discount, 100.0)
        self.assertEqual(gift_line.price_unit, 500.0)
        self.assertEqual(final.amount_offered, 500.0)
        self.assertEqual(final.amount_total, 600.0, "1,200 minus the 600 deposit")
        html = self._html("account.account_invoices", final)
        self.assertIn("Offered", html)
        self.assertIn("Value offered", html)

    def test_offered_line_on_a_manual_invoice(self):
        invoice = self._create_invoice(
            post=False,
            invoice_line_ids=[
                Command.create({"product_id": self.service.id, "quantity": 1}),
                Command.create(
                    {"product_id": self.service.id, "quantity": 1, "is_offered": True}
                ),
            ],
        )
        self.assertEqual(invoice.amount_total, 600.0)
        self.assertEqual(invoice.amount_offered, 500.0)
        self.assertEqual(
            invoice.invoice_line_ids.filtered("is_offered").discount, 100.0
        )
