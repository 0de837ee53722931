from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.freelance_dunning.tests.common import FreelanceDunningCommon
from odoo.addons.website.tools import MockRequest


@tagged("post_install", "-at_install")
class TestWebShop(FreelanceDunningCommon):
    """A web-shop checkout keeps Odoo's flow: paid online, the order is
    confirmed and invoiced with no signature and no deposit (issue 17)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"deposit_required": True, "work_gate_required": True})
        cls.website = cls.env["website"].create(
            {"name": "Brightside shop", "company_id": cls.company.id}
        )
        cls.service.write({"sale_ok": True, "website_published": True})
        cls.shopper = cls._create_portal_user("fd_shopper", client=cls.client)
        cls.currency = cls.company.currency_id
        cls.partner = cls.shopper.partner_id

    def _checkout(self):
        """The shopper's cart, created and filled as the shop's routes do."""
        env = self.env(user=self.shopper)
        website = self.website.with_env(env)
        with MockRequest(env, website=website):
            cart = website.sale_get_order(force_create=True)
            cart._cart_update(product_id=self.service.id, add_qty=2)
        return cart.sudo()

    def _pay_online(self, order):
        """The demo provider's payment, processed as Odoo's payment flow does."""
        tx = self._create_transaction(
            flow="redirect",
            amount=order.amount_total,
            sale_order_ids=[order.id],
            state="done",
            partner_id=order.partner_id.id,
            currency_id=order.currency_id.id,
        )
        with mute_logger("odoo.addons.sale.models.payment_transaction"):
            tx._post_process()
        return tx

    def test_cart_keeps_odoo_checkout(self):
        cart = self._checkout()
        self.assertEqual(cart.website_id, self.website)
        self.assertEqual(cart.freelance_rules_exemption, "web_shop")
        self.assertFalse(cart.deposit_required)
        self.assertFalse(cart.work_gate_required)
        self.assertFalse(cart.installment_ids)
        self.assertEqual(cart.deposit_state, "not_required")
        self.assertEqual(cart.amount_total, 1200.0)
        self.assertEqual(
            cart._get_prepayment_required_amount(), 1200.0, "Odoo's full payment"
        )

    def test_paid_online_confirmed_and_invoiced(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sale.automatic_invoice", "True"
        )
        cart = self._checkout()
        tx = self._pay_online(cart)
        self.assertEqual(cart.state, "sale", "confirmed once paid, unsigned")
        self.assertFalse(cart.signature)
        self.assertEqual(cart.work_gate_state, "cleared")
        self.assertFalse(cart.deposit_invoice_ids)
        invoice = cart.invoice_ids
        self.assertEqual(len(invoice), 1, "Odoo's one invoice for the order")
        self.assertEqual(invoice, tx.invoice_ids)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 1200.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(cart.invoice_status, "invoiced")

    def test_goods_paid_online_delivered_and_invoiced(self):
        """A cart of goods paid online is confirmed, its delivery is ready
        and can be validated at once (no deposit or signature holds it), and
        Odoo's automatic invoice is issued and paid. With sale_stock (the
        stock bridge installs it), the delivery is Odoo's picking; without
        it, there is nothing to deliver."""
        self.env["ir.config_parameter"].sudo().set_param(
            "sale.automatic_invoice", "True"
        )
        goods = self.env["product.product"].create(
            {
                "name": "Printed brand book",
                "type": "consu",
                "list_price": 100.0,
                "sale_ok": True,
                "website_published": True,
                "company_id": self.company.id,
            }
        )
        env = self.env(user=self.shopper)
        with MockRequest(env, website=self.website.with_env(env)):
            cart = self.website.with_env(env).sale_get_order(force_create=True)
            cart._cart_update(product_id=goods.id, add_qty=3)
        cart = cart.sudo()
        self.assertEqual(cart.freelance_rules_exemption, "web_shop")
        self._pay_online(cart)
        self.assertEqual(cart.state, "sale")
        self.assertEqual(cart.work_gate_state, "cleared")
        invoice = cart.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        if "picking_ids" not in cart._fields:
            self.assertEqual(cart.invoice_status, "invoiced")
            return
        picking = cart.picking_ids
        self.assertEqual(len(picking), 1, "Odoo's delivery of the paid cart")
        self.assertEqual(picking.partner_id, cart.partner_shipping_id)
        self.assertNotIn(picking.state, ("draft", "cancel"))
        picking.move_ids.quantity = 3
        picking.move_ids.picked = True
        self.assertIs(picking.button_validate(), True)
        self.assertEqual(picking.state, "done")
        self.assertEqual(cart.order_line.qty_delivered, 3)
        self.assertEqual(cart.invoice_status, "invoiced")

    def test_paid_online_without_automatic_invoice(self):
        cart = self._checkout()
        self._pay_online(cart)
        self.assertEqual(cart.state, "sale")
        self.assertFalse(cart.invoice_ids, "Odoo invoices later, as configured")
        self.assertEqual(cart.invoice_status, "to invoice")
        self.assertEqual(cart.work_gate_state, "cleared")

    def test_team_quotation_with_a_website_keeps_the_rules(self):
        """A website set on a quotation by a salesperson exempts nothing: only
        the shop's own carts are exempt."""
        order = self._create_order(user=self.salesman, website_id=self.website.id)
        self.assertEqual(order.website_id, self.website)
        self.assertFalse(order.freelance_rules_exemption)
        self.assertTrue(order.deposit_required)
        self.assertTrue(order.work_gate_required)
        self.assertEqual(order.deposit_amount, 600.0)
        with self.assertRaisesText(AccessError, "follows the flow that created it"):
            order.with_user(self.salesman).freelance_rules_exemption = "web_shop"
        with self.assertRaisesText(AccessError, "follows the flow that created it"):
            self._create_order(
                user=self.salesman,
                website_id=self.website.id,
                freelance_rules_exemption="web_shop",
            )
        self.assertFalse(order.freelance_rules_exemption)
